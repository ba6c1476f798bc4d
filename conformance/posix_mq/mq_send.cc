// mq_send(3), POSIX mq_send(): adding messages to a queue.
#include <fcntl.h>
#include <mqueue.h>
#include <sys/syscall.h>

#include <climits>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_send, message_round_trips_exactly,
         .title = "a message comes out of the queue with exactly the bytes and length that went in",
         .covers = {"message_bytes_unchanged", "mq_receive.returns_message_length"},
         .statement = "mq_send() adds the message pointed to by msg_ptr to the message queue referred to by the "
                      "message queue descriptor mqdes. ... On success, mq_receive() and mq_timedreceive() return "
                      "the number of bytes in the received message.",
         .refs = {"mq_send(3)", "mq_receive(3) RETURN VALUE", "POSIX.1-2017 mq_send()", "POSIX.1-2017 mq_receive()"}) {
  Queue q("roundtrip", Attr(4, 64));
  // Binary content, with NUL bytes inside, of a length that is not a round number.
  std::string sent;
  for (int i = 0; i < 37; ++i) sent.push_back(static_cast<char>((i * 73) & 0xff));
  sent[5] = '\0';
  ASSERT_THAT(mq_send(q.get(), sent.data(), sent.size(), 3), SyscallSucceeds());
  std::string buf(64, '#');
  ssize_t n = mq_receive(q.get(), buf.data(), buf.size(), nullptr);
  ASSERT_THAT(n, SyscallSucceedsWithValue(static_cast<ssize_t>(sent.size())))
      << "mq_receive should return the length of the message sent";
  EXPECT_EQ(buf.substr(0, sent.size()), sent) << "the received bytes should be exactly those sent";
}

IPC_CASE(posix_mq, mq_send, zero_length_message_allowed,
         .title = "a zero-length message can be sent and is received with length 0",
         .covers = {"zero_length_message_allowed"},
         .statement = "The msg_len argument specifies the length of the message pointed to by msg_ptr; this "
                      "length must be less than or equal to the queue's mq_msgsize attribute. Zero-length "
                      "messages are allowed.",
         .refs = {"mq_send(3)", "POSIX.1-2017 mq_send()"}) {
  Queue q("empty-msg", Attr(4, 16));
  ASSERT_THAT(mq_send(q.get(), "", 0, 2), SyscallSucceeds()) << "sending a zero-length message";
  ExpectCurMsgs(q.get(), 1, "the zero-length message should be queued");
  char buf[16];
  unsigned prio = 0;
  EXPECT_THAT(mq_receive(q.get(), buf, sizeof buf, &prio), SyscallSucceedsWithValue(0));
  EXPECT_EQ(prio, 2u);
}

IPC_CASE(posix_mq, mq_send, nonblock_full_queue_fails_eagain,
         .title = "mq_send on a full queue opened O_NONBLOCK fails with EAGAIN",
         .covers = {"EAGAIN", "full_at_mq_maxmsg", "failure_enqueues_nothing", "mq_open.O_NONBLOCK"},
         .statement = "If the message queue is already full (i.e., the number of messages on the queue equals "
                      "the queue's mq_maxmsg attribute), then, by default, mq_send() blocks ... If the "
                      "O_NONBLOCK flag is enabled for the message queue description, then the call instead "
                      "fails immediately with the error EAGAIN.",
         .refs = {"mq_send(3) EAGAIN", "POSIX.1-2017 mq_send() [EAGAIN]"}) {
  Queue q("full", Attr(2, 16), O_RDWR | O_NONBLOCK);
  ASSERT_THAT(mq_send(q.get(), "1", 1, 0), SyscallSucceeds());
  ASSERT_THAT(mq_send(q.get(), "2", 1, 0), SyscallSucceeds());
  // Bounded: a system that ignored O_NONBLOCK would block here for good.
  ExpectReturnsWithin("mq_send on the full O_NONBLOCK queue",
                      [&] { EXPECT_THAT(mq_send(q.get(), "3", 1, 0), SyscallFailsWithErrno(EAGAIN)); });
  ExpectCurMsgs(q.get(), 2, "the refused message must not be queued");
}

IPC_CASE(posix_mq, mq_send, full_queue_blocks_until_room,
         .title = "a blocking mq_send on a full queue blocks until a message is received",
         .covers = {"blocks_while_full"},
         .statement = "If the message queue is already full (i.e., the number of messages on the queue equals "
                      "the queue's mq_maxmsg attribute), then, by default, mq_send() blocks until sufficient "
                      "space becomes available to allow the message to be queued.",
         .refs = {"mq_send(3)", "POSIX.1-2017 mq_send()"}) {
  Queue q("block-send", Attr(1, 16));
  ASSERT_THAT(mq_send(q.get(), "first", 5, 0), SyscallSucceeds());
  Child sender = Fork([&] { EXPECT_THAT(mq_send(q.get(), "second", 6, 0), SyscallSucceeds()); });
  IPCC_ASSERT_BLOCKED(sender.pid(), SYS_mq_timedsend);
  ASSERT_TRUE(ExpectReceive(q.get(), "first")) << "the message that filled the queue";
  if (!ExpectReleased(sender, "sender blocked in mq_send on the full queue, after a message was received")) {
    return;
  }
  ASSERT_TRUE(ExpectCurMsgs(q.get(), 1, "the blocked sender's mq_send returned: its message should be on the queue"));
  EXPECT_TRUE(ExpectReceive(q.get(), "second")) << "the blocked sender's message should be queued once room was made";
}

IPC_CASE(posix_mq, mq_send, oversized_message_fails_emsgsize,
         .title = "mq_send of a message longer than mq_msgsize fails with EMSGSIZE", .covers = {"EMSGSIZE"},
         .statement = "EMSGSIZE msg_len was greater than the mq_msgsize attribute of the message queue.",
         .refs = {"mq_send(3) EMSGSIZE", "POSIX.1-2017 mq_send() [EMSGSIZE]"}) {
  Queue q("big", Attr(4, 16));
  const std::string exact(16, 'e');
  const std::string over(17, 'o');
  EXPECT_THAT(mq_send(q.get(), exact.data(), exact.size(), 0), SyscallSucceeds())
      << "a message of exactly mq_msgsize bytes is allowed";
  EXPECT_THAT(mq_send(q.get(), over.data(), over.size(), 0), SyscallFailsWithErrno(EMSGSIZE));
}

IPC_CASE(posix_mq, mq_send, priority_at_least_prio_max_fails_einval,
         .title = "mq_send with a priority of MQ_PRIO_MAX or more fails with EINVAL",
         .covers = {"EINVAL", "MQ_PRIO_MAX"},
         .statement = "Message priorities range from 0 (low) to sysconf(_SC_MQ_PRIO_MAX) - 1 (high). (POSIX "
                      "mq_send(): [EINVAL] The value of msg_prio was outside the valid range.)",
         .refs = {"mq_overview(7)", "mq_send(3)", "POSIX.1-2017 mq_send() [EINVAL]"}) {
  Queue q("prio", Attr(4, 16));
  const long prio_max = sysconf(_SC_MQ_PRIO_MAX);
  ASSERT_GE(prio_max, 32) << "sysconf(_SC_MQ_PRIO_MAX) (POSIX requires at least 32)";
  EXPECT_THAT(mq_send(q.get(), "x", 1, static_cast<unsigned>(prio_max)), SyscallFailsWithErrno(EINVAL))
      << "priority " << prio_max;
  EXPECT_THAT(mq_send(q.get(), "y", 1, static_cast<unsigned>(prio_max - 1)), SyscallSucceeds())
      << "priority " << prio_max - 1 << " is the highest allowed";
}

IPC_CASE(posix_mq, mq_send, read_only_descriptor_fails_ebadf,
         .title = "mq_send on a descriptor opened O_RDONLY fails with EBADF", .covers = {"EBADF", "mq_open.O_RDONLY"},
         .statement = "EBADF The descriptor specified in mqdes was invalid or not opened for writing.",
         .refs = {"mq_send(3) EBADF", "POSIX.1-2017 mq_send() [EBADF]"}) {
  Queue q("rdonly", Attr(4, 16), O_RDONLY);
  EXPECT_THAT(mq_send(q.get(), "x", 1, 0), SyscallFailsWithErrno(EBADF));
}

}  // namespace
