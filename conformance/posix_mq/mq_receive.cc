// mq_receive(3), POSIX mq_receive(): taking messages off a queue.
#include <fcntl.h>
#include <mqueue.h>
#include <sys/syscall.h>

#include <string>
#include <utility>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_receive, priority_order_then_fifo,
         .title = "messages are received highest priority first, oldest first within one priority",
         .covers = {"highest_priority_oldest_first", "mq_send.higher_priority_queued_first"},
         .statement = "mq_receive() removes the oldest message with the highest priority from the message queue "
                      "referred to by the message queue descriptor mqdes. ... Messages are placed on the queue in "
                      "decreasing order of priority, with newer messages of the same priority being placed after "
                      "older messages with the same priority.",
         .refs = {"mq_receive(3)", "mq_send(3)", "POSIX.1-2017 mq_receive()", "POSIX.1-2017 mq_send()"}) {
  Queue q("order", Attr(8, 16));
  const std::vector<std::pair<std::string, unsigned>> sent = {{"a1", 1}, {"b1", 5}, {"a2", 1}, {"c1", 0},
                                                              {"b2", 5}, {"d1", 9}, {"a3", 1}};
  for (const auto& [text, prio] : sent) {
    ASSERT_THAT(mq_send(q.get(), text.data(), text.size(), prio), SyscallSucceeds()) << "sending " << text;
  }
  const std::vector<std::string> expected = {"d1", "b1", "b2", "a1", "a2", "a3", "c1"};
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    char buf[16];
    ssize_t n = mq_receive(q.get(), buf, sizeof buf, nullptr);
    ASSERT_THAT(n, SyscallSucceeds());
    seen.emplace_back(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(seen, expected) << "sent (text/priority) a1/1 b1/5 a2/1 c1/0 b2/5 d1/9 a3/1";
}

IPC_CASE(posix_mq, mq_receive, returns_message_priority,
         .title = "mq_receive stores the received message's priority in *msg_prio", .covers = {"returns_priority"},
         .statement = "If msg_prio is not NULL, then the buffer to which it points is used to return the priority "
                      "associated with the received message.",
         .refs = {"mq_receive(3)", "POSIX.1-2017 mq_receive()"}) {
  Queue q("getprio", Attr(4, 16));
  ASSERT_THAT(mq_send(q.get(), "hi", 2, 31), SyscallSucceeds());
  ASSERT_THAT(mq_send(q.get(), "lo", 2, 0), SyscallSucceeds());
  char buf[16];
  unsigned prio = 12345;
  ASSERT_THAT(mq_receive(q.get(), buf, sizeof buf, &prio), SyscallSucceedsWithValue(2));
  EXPECT_EQ(prio, 31u) << "priority of the first message";
  prio = 12345;
  ASSERT_THAT(mq_receive(q.get(), buf, sizeof buf, &prio), SyscallSucceedsWithValue(2));
  EXPECT_EQ(prio, 0u) << "priority of the second message";
}

IPC_CASE(posix_mq, mq_receive, nonblock_empty_queue_fails_eagain,
         .title = "mq_receive on an empty queue opened O_NONBLOCK fails with EAGAIN",
         .covers = {"EAGAIN", "mq_open.O_NONBLOCK"},
         .statement = "If the O_NONBLOCK flag is enabled for the message queue description, then the call "
                      "instead fails immediately with the error EAGAIN. ... EAGAIN The queue was empty, and the "
                      "O_NONBLOCK flag was set for the message queue description referred to by mqdes.",
         .refs = {"mq_receive(3) EAGAIN", "mq_open(3) O_NONBLOCK", "POSIX.1-2017 mq_receive() [EAGAIN]"}) {
  Queue q("empty", Attr(4, 16), O_RDWR | O_NONBLOCK);
  // Bounded: a system that ignored O_NONBLOCK would block here for good.
  ExpectReturnsWithin("mq_receive on the empty O_NONBLOCK queue", [&] {
    char buf[16];
    EXPECT_THAT(mq_receive(q.get(), buf, sizeof buf, nullptr), SyscallFailsWithErrno(EAGAIN));
  });
}

IPC_CASE(posix_mq, mq_receive, empty_queue_blocks_until_message,
         .title = "a blocking mq_receive on an empty queue blocks until a message is sent",
         .covers = {"blocks_while_empty"},
         .statement = "If the queue is empty, then, by default, mq_receive() blocks until a message becomes "
                      "available, or the call is interrupted by a signal handler.",
         .refs = {"mq_receive(3)", "POSIX.1-2017 mq_receive()"}) {
  Queue q("block-recv", Attr(4, 16));
  Child receiver = Fork([&] { ExpectReceive(q.get(), "wake!", 4); });
  IPCC_ASSERT_BLOCKED(receiver.pid(), SYS_mq_timedreceive);
  ASSERT_THAT(mq_send(q.get(), "wake!", 5, 4), SyscallSucceeds());
  ExpectReleased(receiver, "receiver blocked in mq_receive on the empty queue, after a message was sent");
}

IPC_CASE(posix_mq, mq_receive, buffer_smaller_than_msgsize_fails_emsgsize,
         .title = "mq_receive with a buffer smaller than mq_msgsize fails with EMSGSIZE, even for a short message",
         .covers = {"EMSGSIZE", "failure_removes_nothing"},
         .statement = "The msg_len argument specifies the size of the buffer pointed to by msg_ptr; this must be "
                      "greater than or equal to the mq_msgsize attribute of the queue. ... EMSGSIZE msg_len was "
                      "less than the mq_msgsize attribute of the message queue.",
         .refs = {"mq_receive(3) EMSGSIZE", "POSIX.1-2017 mq_receive() [EMSGSIZE]"}) {
  Queue q("small-buf", Attr(4, 32));
  ASSERT_THAT(mq_send(q.get(), "tiny", 4, 0), SyscallSucceeds());
  char buf[32];
  EXPECT_THAT(mq_receive(q.get(), buf, 31, nullptr), SyscallFailsWithErrno(EMSGSIZE))
      << "a 31-byte buffer for a queue whose mq_msgsize is 32";
  ExpectCurMsgs(q.get(), 1, "the message must stay on the queue after the refused receive");
  EXPECT_THAT(mq_receive(q.get(), buf, 32, nullptr), SyscallSucceedsWithValue(4))
      << "a buffer of exactly mq_msgsize bytes is enough";
}

IPC_CASE(posix_mq, mq_receive, write_only_descriptor_fails_ebadf,
         .title = "mq_receive on a descriptor opened O_WRONLY fails with EBADF",
         .covers = {"EBADF", "mq_open.O_WRONLY"},
         .statement = "EBADF The descriptor specified in mqdes was invalid or not opened for reading.",
         .refs = {"mq_receive(3) EBADF", "POSIX.1-2017 mq_receive() [EBADF]"}) {
  Queue q("wronly", Attr(4, 16), O_WRONLY);
  ASSERT_THAT(mq_send(q.get(), "x", 1, 0), SyscallSucceeds());
  char buf[16];
  EXPECT_THAT(mq_receive(q.get(), buf, sizeof buf, nullptr), SyscallFailsWithErrno(EBADF));
}

}  // namespace
