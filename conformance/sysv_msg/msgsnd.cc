// msgop(2) msgsnd(): sending System V messages.
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_msg.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_msg;

// The statements two cases each quote: a nonpositive mtype, and an invalid msgsz.
constexpr const char* kMtypeStatement =
    "The mtype field must have a strictly positive integer value. ... EINVAL Invalid msqid value, or nonpositive "
    "mtype value, or invalid msgsz value.";
constexpr const char* kMsgszStatement =
    "EINVAL Invalid msqid value, or nonpositive mtype value, or invalid msgsz value (less than 0 or greater than the "
    "system value MSGMAX).";

// msgmax, as the size of a message this process builds (a harness error when it is too large for that).
long BuildableMsgmax() {
  const long msgmax = Limit("msgmax");
  if (msgmax > (64L << 20)) {
    ThrowHarnessError(fmt::format("set-up: msgmax {} is too large to build a message of", msgmax));
  }
  return msgmax;
}

// msgsnd of `text` with `type` fails with EINVAL and queues nothing.
void ExpectSendRefused(long type, std::string_view text) {
  Queue q = NewQueue(0600);
  EXPECT_THAT(Send(q.id(), type, text), SyscallFailsWithErrno(EINVAL)) << "mtype " << type;
  EXPECT_EQ(Stat(q.id()).msg_qnum, 0u) << "the refused message must not be queued";
}

IPC_CASE(sysv_msg, msgsnd, zero_mtype_fails_einval, .title = "msgsnd with mtype 0 fails with EINVAL",
         .covers = {"EINVAL"}, .statement = kMtypeStatement,
         .refs = {"msgop(2) DESCRIPTION, ERRORS", "POSIX.1-2017 msgsnd() [EINVAL]"}, .cls = Conformance::xsi) {
  ExpectSendRefused(0, "zero");
}

IPC_CASE(sysv_msg, msgsnd, negative_mtype_fails_einval, .title = "msgsnd with a negative mtype fails with EINVAL",
         .covers = {"EINVAL"}, .statement = kMtypeStatement,
         .refs = {"msgop(2) DESCRIPTION, ERRORS", "POSIX.1-2017 msgsnd() [EINVAL]"}, .cls = Conformance::xsi) {
  ExpectSendRefused(-5, "negative");
}

IPC_CASE(sysv_msg, msgsnd, msgsz_above_msgmax_fails_einval, .title = "msgsnd of msgmax+1 bytes fails with EINVAL",
         .covers = {"EINVAL", "MSGMAX"}, .statement = kMsgszStatement,
         .refs = {"msgop(2) ERRORS, NOTES (MSGMAX, /proc/sys/kernel/msgmax)", "POSIX.1-2017 msgsnd() [EINVAL]"},
         .cls = Conformance::xsi) {
  const long msgmax = BuildableMsgmax();
  ASSERT_GT(msgmax, 0);
  Queue q = NewQueue(0600);
  std::vector<char> buf = BigMessage(static_cast<std::size_t>(msgmax) + 1);
  EXPECT_THAT(msgsnd(q.id(), buf.data(), static_cast<std::size_t>(msgmax) + 1, IPC_NOWAIT),
              SyscallFailsWithErrno(EINVAL))
      << "msgmax is " << msgmax;
}

IPC_CASE(sysv_msg, msgsnd, msgsz_equal_to_msgmax_succeeds,
         .title = "msgsnd of exactly msgmax bytes succeeds and is received whole", .covers = {"MSGMAX"},
         .statement = "MSGMAX Maximum size of a message text, in bytes (default value: 8192 bytes).",
         .refs = {"msgop(2) NOTES (MSGMAX)", "POSIX.1-2017 msgsnd()"}, .cls = Conformance::xsi) {
  const long msgmax = BuildableMsgmax();
  ASSERT_GT(msgmax, 0);
  Queue q = NewQueue(0600);
  std::vector<char> buf = BigMessage(static_cast<std::size_t>(msgmax));
  const long qbytes = static_cast<long>(Stat(q.id()).msg_qbytes);
  if (qbytes < msgmax) {
    // msgmnb below msgmax (a host tuned so; a fresh IPC namespace never is): a maximal message cannot
    // fit a new queue, so "received whole" cannot be seen. Its size must still be valid: the queue is
    // full for it (EAGAIN), and it is not refused as too large (EINVAL).
    EXPECT_THAT(msgsnd(q.id(), buf.data(), static_cast<std::size_t>(msgmax), IPC_NOWAIT), SyscallFailsWithErrno(EAGAIN))
        << "msgmax is " << msgmax << ", the queue's msg_qbytes only " << qbytes;
    return;
  }
  ASSERT_THAT(msgsnd(q.id(), buf.data(), static_cast<std::size_t>(msgmax), IPC_NOWAIT), SyscallSucceeds())
      << "msgmax is " << msgmax;
  std::vector<char> in(buf.size(), 0);
  EXPECT_THAT(msgrcv(q.id(), in.data(), static_cast<std::size_t>(msgmax), 0, IPC_NOWAIT),
              SyscallSucceedsWithValue(static_cast<ssize_t>(msgmax)));
  EXPECT_TRUE(in == buf) << "the received message differs from the one sent";
}

IPC_CASE(sysv_msg, msgsnd, negative_msgsz_fails_einval,
         .title = "msgsnd with a negative msgsz (as a signed value) fails with EINVAL", .covers = {"EINVAL"},
         .statement = kMsgszStatement, .refs = {"msgop(2) ERRORS", "POSIX.1-2017 msgsnd() [EINVAL]"},
         .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  SmallMsg m;
  std::memset(&m, 0, sizeof m);
  m.mtype = 1;
  volatile std::size_t negative = static_cast<std::size_t>(-1);
  EXPECT_THAT(msgsnd(q.id(), &m, negative, IPC_NOWAIT), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(Stat(q.id()).msg_qnum, 0u) << "the refused message must not be queued";
}

IPC_CASE(sysv_msg, msgsnd, full_queue_nowait_fails_eagain,
         .title = "msgsnd with IPC_NOWAIT to a queue holding msg_qbytes bytes fails with EAGAIN",
         .covers = {"EAGAIN", "IPC_NOWAIT"},
         .statement = "If insufficient space is available in the queue, then the default behavior of "
                      "msgsnd() is to block until space becomes available. If IPC_NOWAIT is specified in "
                      "msgflg, then the call instead fails with the error EAGAIN.",
         .refs = {"msgop(2) msgsnd(), ERRORS", "msgctl(2) IPC_SET", "POSIX.1-2017 msgsnd() [EAGAIN]"},
         .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  SetQbytes(q.id(), 16);
  ASSERT_THAT(Send(q.id(), 1, "0123456789abcdef"), SyscallSucceeds()) << "16 bytes fit msg_qbytes 16";
  EXPECT_THAT(Send(q.id(), 1, "x"), SyscallFailsWithErrno(EAGAIN));
  const msqid_ds ds = Stat(q.id());
  EXPECT_EQ(ds.msg_qnum, 1u) << "the refused message must not be queued";
}

IPC_CASE(sysv_msg, msgsnd, message_exceeding_qbytes_nowait_fails_eagain,
         .title = "msgsnd with IPC_NOWAIT fails with EAGAIN when the message would exceed msg_qbytes",
         .covers = {"full_by_bytes", "EAGAIN"},
         .statement = "A message queue is considered to be full if either of the following conditions is "
                      "true: Adding a new message to the queue would cause the total number of bytes in the "
                      "queue to exceed the queue's maximum size (the msg_qbytes field).",
         .refs = {"msgop(2) msgsnd()"}, .cls = Conformance::linux_specific) {
  Queue q = NewQueue(0600);
  SetQbytes(q.id(), 16);
  ASSERT_THAT(Send(q.id(), 1, "0123456789"), SyscallSucceeds());
  // 10 + 10 > 16: the queue is not exactly full, but this message does not fit.
  EXPECT_THAT(Send(q.id(), 1, "abcdefghij"), SyscallFailsWithErrno(EAGAIN));
  EXPECT_THAT(Send(q.id(), 1, "klmnop"), SyscallSucceeds()) << "10 + 6 = 16 bytes still fit msg_qbytes 16";
}

IPC_CASE(sysv_msg, msgsnd, full_at_default_qbytes_nowait_fails_eagain,
         .title = "a queue filled to its default msg_qbytes (MSGMNB) refuses more with EAGAIN",
         .covers = {"MSGMNB", "EAGAIN"},
         .statement = "The queue capacity is governed by the msg_qbytes field in the associated data "
                      "structure for the message queue. During queue creation this field is initialized to "
                      "MSGMNB bytes ... If IPC_NOWAIT is specified in msgflg, then the call instead fails "
                      "with the error EAGAIN.",
         .refs = {"msgop(2) msgsnd(), ERRORS", "POSIX.1-2017 msgsnd() [EAGAIN]"}, .cls = Conformance::xsi) {
  const long msgmax = Limit("msgmax");
  Queue q = NewQueue(0600);
  const long qbytes = static_cast<long>(Stat(q.id()).msg_qbytes);
  ASSERT_GT(msgmax, 0);
  // Only a host tuned far from the defaults (a fresh IPC namespace has msgmnb 16384, msgmax 8192) gives
  // a queue that cannot be filled in reasonable time and memory: no verdict then.
  if (qbytes > (64L << 20) || msgmax > (64L << 20) || qbytes / msgmax > 100000) {
    ThrowHarnessError(
        fmt::format("set-up: msgmnb {} / msgmax {} here: too large for this case to fill the queue", qbytes, msgmax));
  }
  std::vector<char> buf = BigMessage(static_cast<std::size_t>(msgmax));
  long filled = 0;
  while (filled < qbytes) {
    const long chunk = std::min(msgmax, qbytes - filled);
    ASSERT_THAT(msgsnd(q.id(), buf.data(), static_cast<std::size_t>(chunk), IPC_NOWAIT), SyscallSucceeds())
        << "filling the queue: " << filled << " of " << qbytes << " bytes queued";
    filled += chunk;
  }
  EXPECT_THAT(Send(q.id(), 1, "x"), SyscallFailsWithErrno(EAGAIN))
      << "the queue holds msg_qbytes = " << qbytes << " bytes";
}

IPC_CASE(sysv_msg, msgsnd, message_count_limited_by_qbytes,
         .title = "zero-length messages fill a queue once their count reaches msg_qbytes",
         .covers = {"full_by_message_count"},
         .statement = "Adding another message to the queue would cause the total number of messages in the "
                      "queue to exceed the queue's maximum size (the msg_qbytes field). This check is "
                      "necessary to prevent an unlimited number of zero-length messages being placed on the "
                      "queue.",
         .refs = {"msgop(2) msgsnd()"}, .cls = Conformance::linux_specific) {
  Queue q = NewQueue(0600);
  SetQbytes(q.id(), 3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(Send(q.id(), 1, ""), SyscallSucceeds()) << "zero-length message " << i + 1 << " of 3";
  }
  EXPECT_THAT(Send(q.id(), 1, ""), SyscallFailsWithErrno(EAGAIN))
      << "a 4th message would make the message count exceed msg_qbytes 3";
  EXPECT_EQ(Stat(q.id()).msg_qnum, 3u);
}

IPC_CASE(sysv_msg, msgsnd, blocks_until_room, .title = "msgsnd to a full queue blocks until a msgrcv makes room",
         .covers = {"blocks_until_room"},
         .statement = "If insufficient space is available in the queue, then the default behavior of "
                      "msgsnd() is to block until space becomes available.",
         .refs = {"msgop(2) msgsnd()", "POSIX.1-2017 msgsnd()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  SetQbytes(q.id(), 10);
  ASSERT_THAT(Send(q.id(), 1, "AAAAAAAAAA"), SyscallSucceeds());
  Child sender = Fork([&] { EXPECT_THAT(Send(q.id(), 2, "BBBBB", 0), SyscallSucceeds()); });
  IPCC_ASSERT_BLOCKED(sender.pid(), IPCC_MSGSND_SYSCALLS);
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the blocked sender's message must not be queued yet";
  Received r;
  ASSERT_THAT(Recv(q.id(), 64, 1, IPC_NOWAIT, &r), SyscallSucceedsWithValue(10));
  ExpectCleanExit(sender.Wait(), "blocked sender");
  ExpectNext(q.id(), 0, 0, 2, "BBBBB", "expected the once-blocked sender's message in the queue");
}

IPC_CASE(sysv_msg, msgsnd, signal_interrupts_with_eintr_despite_sa_restart,
         .title = "a caught signal ends a blocked msgsnd with EINTR even with SA_RESTART",
         .covers = {"EINTR", "never_restarted_after_handler"},
         .statement = "A blocked msgsnd() call may also fail if ... a signal is caught, in which case the "
                      "system call fails with errno set to EINTR. (msgsnd() is never automatically restarted "
                      "after being interrupted by a signal handler, regardless of the setting of the "
                      "SA_RESTART flag when establishing a signal handler.)",
         .refs = {"msgop(2) msgsnd()",
                  "signal(7) Interruption of system calls and library functions by "
                  "signal handlers",
                  "POSIX.1-2017 msgsnd() [EINTR]"},
         .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  SetQbytes(q.id(), 4);
  ASSERT_THAT(Send(q.id(), 1, "full"), SyscallSucceeds());
  ExpectSignalEndsWithEintr(
      Blocking::msgsnd, [&] { return Send(q.id(), 1, "more", 0); }, "msgsnd to a full queue");
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the interrupted send must not have queued its message";
}

IPC_CASE(sysv_msg, msgsnd, zero_length_message_allowed,
         .title = "a zero-length message can be sent and is received with length 0 and its type",
         .covers = {"zero_length_message_allowed"},
         .statement = "The mtext field is an array (or other structure) whose size is specified by msgsz, a "
                      "nonnegative integer value. Messages of zero length (i.e., no mtext field) are permitted.",
         .refs = {"msgop(2) DESCRIPTION", "POSIX.1-2017 msgsnd()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  ASSERT_THAT(Send(q.id(), 7, ""), SyscallSucceeds());
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the zero-length message should count as a message";
  Received r;
  EXPECT_THAT(Recv(q.id(), 16, 0, IPC_NOWAIT, &r), SyscallSucceedsWithValue(0));
  EXPECT_EQ(r.type, 7) << "the zero-length message keeps its type";
}

IPC_CASE(sysv_msg, msgsnd, sets_lspid_to_sender, .title = "msgsnd sets msg_lspid to the sending process's id",
         .covers = {"sets_lspid"},
         .statement = "Upon successful completion the message queue data structure is updated as follows: "
                      "msg_lspid is set to the process ID of the calling process.",
         .refs = {"msgop(2) msgsnd()", "POSIX.1-2017 msgsnd()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  ExpectStampedByChild(q.id(), "msg_lspid", &msqid_ds::msg_lspid, "child that sent",
                       [&] { EXPECT_THAT(Send(q.id(), 1, "from child"), SyscallSucceeds()); });
}

IPC_CASE(sysv_msg, msgsnd, increments_qnum, .title = "each msgsnd increments msg_qnum by one",
         .covers = {"increments_qnum"},
         .statement = "Upon successful completion the message queue data structure is updated as follows: "
                      "... msg_qnum is incremented by 1.",
         .refs = {"msgop(2) msgsnd()", "POSIX.1-2017 msgsnd()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  for (unsigned i = 1; i <= 3; ++i) {
    ASSERT_THAT(Send(q.id(), i, "m"), SyscallSucceeds());
    EXPECT_EQ(Stat(q.id()).msg_qnum, i) << "msg_qnum after " << i << " sends";
  }
}

IPC_CASE(sysv_msg, msgsnd, adds_text_length_to_cbytes,
         .title = "msg_cbytes counts the bytes of text of the queued messages",
         .covers = {"msgctl.msg_cbytes_counts_queued_text"},
         .statement = "msg_cbytes Number of bytes in all messages currently on the message queue. This is a "
                      "nonstandard Linux extension that is not specified in POSIX.",
         .refs = {"msgctl(2) msqid_ds"}, .cls = Conformance::linux_specific) {
  Queue q = NewQueue(0600);
  ASSERT_THAT(Send(q.id(), 1, "abc"), SyscallSucceeds());
  ASSERT_THAT(Send(q.id(), 2, "defghij"), SyscallSucceeds());
  ASSERT_THAT(Send(q.id(), 3, ""), SyscallSucceeds());
  EXPECT_EQ(Stat(q.id()).msg_cbytes, 10u) << "3 + 7 + 0 bytes of text are queued";
  Received r;
  ASSERT_THAT(Recv(q.id(), 64, 2, IPC_NOWAIT, &r), SyscallSucceedsWithValue(7));
  EXPECT_EQ(Stat(q.id()).msg_cbytes, 3u) << "after receiving the 7-byte message, 3 bytes remain";
}

IPC_CASE(sysv_msg, msgsnd, sets_stime_to_now, .title = "msgsnd sets msg_stime to the current time",
         .covers = {"sets_stime"},
         .statement = "Upon successful completion the message queue data structure is updated as follows: "
                      "... msg_stime is set to the current time.",
         .refs = {"msgop(2) msgsnd()", "POSIX.1-2017 msgsnd()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  ASSERT_EQ(Stat(q.id()).msg_stime, 0) << "a new queue has msg_stime 0";
  ExpectStampedNow("msg_stime", &msqid_ds::msg_stime, [&] {
    EXPECT_THAT(Send(q.id(), 1, "t"), SyscallSucceeds());
    return q.id();
  });
}

IPC_CASE(sysv_msg, msgsnd, removed_queue_fails,
         .title = "msgsnd on the id of a removed queue fails with EINVAL or EIDRM",
         .covers = {"removed_queue_id_refused"},
         .statement = "EIDRM The message queue was removed. EINVAL Invalid msqid value ...",
         .refs = {"msgop(2) ERRORS", "POSIX.1-2017 msgsnd() [EINVAL], [EIDRM]"}, .cls = Conformance::xsi) {
  const int id = RemovedQueueId();
  EXPECT_THAT(Send(id, 1, "late"), SyscallFailsWithAnyErrno(std::vector<int>{EINVAL, EIDRM}));
}

}  // namespace
