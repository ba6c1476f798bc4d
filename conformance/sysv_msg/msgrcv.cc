// msgop(2) msgrcv(): receiving System V messages, type selection and flags.
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_msg.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_msg;

// One receive of a type-selection case: msgrcv(msgtyp, flags | IPC_NOWAIT) and the message it must take
// (of `type`, with `text`), or, with `text` nullptr, no message at all (ENOMSG).
struct Take {
  long msgtyp;
  int flags;
  long type;
  const char* text;
  const char* why;
};

// One body for the type-selection cases: queues `queued` in order on a new queue, makes the receives of
// `takes` in order, then expects every message not taken to be still queued.
void ExpectTakes(std::initializer_list<Sent> queued, std::initializer_list<Take> takes) {
  Queue q = NewQueue(0600);
  Fill(q.id(), queued);
  unsigned long left = queued.size();
  for (const Take& t : takes) {
    if (t.text == nullptr) {
      Received r;
      EXPECT_THAT(Recv(q.id(), 64, t.msgtyp, t.flags | IPC_NOWAIT, &r), SyscallFailsWithErrno(ENOMSG)) << t.why;
      continue;
    }
    ExpectNext(q.id(), t.msgtyp, t.flags, t.type, t.text, t.why);
    --left;
  }
  if (!::testing::Test::HasFailure()) {
    EXPECT_EQ(Stat(q.id()).msg_qnum, left) << "msg_qnum after the receives: the messages not taken stay queued";
  }
}

IPC_CASE(sysv_msg, msgrcv, zero_type_takes_first_message,
         .title = "msgrcv with msgtyp 0 takes the first message of the queue, whatever its type",
         .covers = {"zero_type_takes_first_message"},
         .statement = "If msgtyp is 0, then the first message in the queue is read.",
         .refs = {"msgop(2) msgrcv()", "POSIX.1-2017 msgrcv() (msgtyp is 0)"}, .cls = Conformance::xsi) {
  ExpectTakes({{5, "first"}, {1, "second"}, {3, "third"}}, {{0, 0, 5, "first", "1st msgrcv(msgtyp 0)"},
                                                            {0, 0, 1, "second", "2nd msgrcv(msgtyp 0)"},
                                                            {0, 0, 3, "third", "3rd msgrcv(msgtyp 0)"}});
}

IPC_CASE(sysv_msg, msgrcv, positive_type_takes_first_of_that_type,
         .title = "msgrcv with msgtyp > 0 takes the first message of exactly that type",
         .covers = {"positive_type_takes_first_of_type"},
         .statement = "If msgtyp is greater than 0, then the first message in the queue of type msgtyp is "
                      "read, unless MSG_EXCEPT was specified in msgflg.",
         .refs = {"msgop(2) msgrcv()", "POSIX.1-2017 msgrcv() (msgtyp is greater than 0)"}, .cls = Conformance::xsi) {
  // The two messages of other types must stay queued.
  ExpectTakes({{1, "one"}, {3, "three-a"}, {2, "two"}, {3, "three-b"}},
              {{3, 0, 3, "three-a", "msgrcv(msgtyp 3)"}, {2, 0, 2, "two", "msgrcv(msgtyp 2)"}});
}

IPC_CASE(sysv_msg, msgrcv, fifo_within_a_type, .title = "messages of one type are received in the order they were sent",
         .covers = {"same_type_in_send_order"},
         .statement = "If msgtyp is greater than 0, then the first message in the queue of type msgtyp is "
                      "read.",
         .refs = {"msgop(2) msgrcv()", "POSIX.1-2017 msgrcv()"}, .cls = Conformance::xsi) {
  ExpectTakes({{4, "a"}, {9, "x"}, {4, "b"}, {9, "y"}, {4, "c"}}, {{4, 0, 4, "a", "1st msgrcv(msgtyp 4)"},
                                                                   {4, 0, 4, "b", "2nd msgrcv(msgtyp 4)"},
                                                                   {4, 0, 4, "c", "3rd msgrcv(msgtyp 4)"},
                                                                   {9, 0, 9, "x", "1st msgrcv(msgtyp 9)"},
                                                                   {9, 0, 9, "y", "2nd msgrcv(msgtyp 9)"}});
}

IPC_CASE(sysv_msg, msgrcv, negative_type_takes_lowest,
         .title = "msgrcv with msgtyp < 0 takes the first message of the lowest type not above |msgtyp|",
         .covers = {"negative_type_takes_lowest_type"},
         .statement = "If msgtyp is less than 0, then the first message in the queue with the lowest type "
                      "less than or equal to the absolute value of msgtyp will be read.",
         .refs = {"msgop(2) msgrcv()", "POSIX.1-2017 msgrcv() (msgtyp is less than 0)"}, .cls = Conformance::xsi) {
  ExpectTakes({{3, "three"}, {2, "two-a"}, {4, "four"}, {2, "two-b"}, {1, "one"}},
              {{-3, 0, 1, "one", "1st msgrcv(msgtyp -3): lowest type is 1"},
               {-3, 0, 2, "two-a", "2nd msgrcv(msgtyp -3): lowest type is 2, first of them"},
               {-3, 0, 2, "two-b", "3rd msgrcv(msgtyp -3): the other type 2"},
               {-3, 0, 3, "three", "4th msgrcv(msgtyp -3): type 3"}});
}

IPC_CASE(sysv_msg, msgrcv, negative_type_ignores_types_above_abs,
         .title = "msgrcv with msgtyp < 0 finds no message when all types exceed |msgtyp|",
         .covers = {"negative_type_takes_lowest_type", "ENOMSG"},
         .statement = "If msgtyp is less than 0, then the first message in the queue with the lowest type "
                      "less than or equal to the absolute value of msgtyp will be read. ... IPC_NOWAIT "
                      "Return immediately if no message of the requested type is in the queue. The system "
                      "call fails with errno set to ENOMSG.",
         .refs = {"msgop(2) msgrcv(), ERRORS", "POSIX.1-2017 msgrcv() [ENOMSG]"}, .cls = Conformance::xsi) {
  ExpectTakes({{5, "five"}, {4, "four"}}, {{-3, 0, 0, nullptr, "msgrcv(msgtyp -3): no message may be taken"}});
}

IPC_CASE(sysv_msg, msgrcv, except_takes_first_of_another_type,
         .title = "MSG_EXCEPT with msgtyp > 0 takes the first message whose type differs", .covers = {"MSG_EXCEPT"},
         .statement = "MSG_EXCEPT Used with msgtyp greater than 0 to read the first message in the queue with "
                      "message type that differs from msgtyp.",
         .refs = {"msgop(2) msgrcv() MSG_EXCEPT"}, .cls = Conformance::linux_specific) {
  // The three type-1 messages must stay queued.
  ExpectTakes({{1, "one-a"}, {1, "one-b"}, {7, "seven"}, {2, "two"}, {1, "one-c"}},
              {{1, MSG_EXCEPT, 7, "seven", "1st msgrcv(msgtyp 1, MSG_EXCEPT)"},
               {1, MSG_EXCEPT, 2, "two", "2nd msgrcv(msgtyp 1, MSG_EXCEPT)"},
               {1, MSG_EXCEPT, 0, nullptr, "3rd msgrcv(msgtyp 1, MSG_EXCEPT): only type-1 messages remain"}});
}

IPC_CASE(sysv_msg, msgrcv, noerror_truncates_and_removes,
         .title = "MSG_NOERROR truncates a too-long message, returns the truncated length and removes it",
         .covers = {"MSG_NOERROR"},
         .statement = "If MSG_NOERROR is specified, then the message text will be truncated (and the "
                      "truncated part will be lost).",
         .refs = {"msgop(2) msgrcv() MSG_NOERROR", "POSIX.1-2017 msgrcv() (MSG_NOERROR)"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  Fill(q.id(), {{1, "0123456789"}, {1, "next"}});
  Received r;
  ASSERT_THAT(Recv(q.id(), 4, 0, MSG_NOERROR | IPC_NOWAIT, &r), SyscallSucceedsWithValue(4))
      << "msgrcv should return the truncated length";
  EXPECT_EQ(r.text, "0123") << "the first msgsz bytes are delivered";
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the truncated message must be removed from the queue";
  ExpectNext(q.id(), 0, 0, 1, "next", "the following msgrcv");
}

IPC_CASE(sysv_msg, msgrcv, too_long_fails_e2big_and_stays_queued,
         .title = "without MSG_NOERROR a too-long message gives E2BIG and stays on the queue",
         .covers = {"E2BIG", "too_long_message_stays_queued"},
         .statement = "If MSG_NOERROR is not specified, then the message isn't removed from the queue and "
                      "the system call fails returning -1 with errno set to E2BIG.",
         .refs = {"msgop(2) msgrcv(), ERRORS", "POSIX.1-2017 msgrcv() [E2BIG]"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  Fill(q.id(), {{1, "0123456789"}});
  Received r;
  EXPECT_THAT(Recv(q.id(), 4, 0, IPC_NOWAIT, &r), SyscallFailsWithErrno(E2BIG));
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the message must stay queued after E2BIG";
  ExpectNext(q.id(), 0, 0, 1, "0123456789", "a big-enough msgrcv after E2BIG");
}

IPC_CASE(sysv_msg, msgrcv, nowait_on_empty_queue_fails_enomsg,
         .title = "msgrcv with IPC_NOWAIT on an empty queue fails with ENOMSG", .covers = {"ENOMSG", "IPC_NOWAIT"},
         .statement = "IPC_NOWAIT Return immediately if no message of the requested type is in the queue. "
                      "The system call fails with errno set to ENOMSG.",
         .refs = {"msgop(2) msgrcv(), ERRORS", "POSIX.1-2017 msgrcv() [ENOMSG]"}, .cls = Conformance::xsi) {
  ExpectTakes({}, {{0, 0, 0, nullptr, "msgrcv(msgtyp 0, IPC_NOWAIT) on an empty queue"}});
}

IPC_CASE(sysv_msg, msgrcv, nowait_without_matching_type_fails_enomsg,
         .title = "msgrcv with IPC_NOWAIT fails with ENOMSG when no message has the requested type",
         .covers = {"ENOMSG", "IPC_NOWAIT"},
         .statement = "ENOMSG IPC_NOWAIT was specified in msgflg and no message of the requested type existed "
                      "on the message queue.",
         .refs = {"msgop(2) ERRORS", "POSIX.1-2017 msgrcv() [ENOMSG]"}, .cls = Conformance::xsi) {
  ExpectTakes({{1, "one"}, {3, "three"}}, {{2, 0, 0, nullptr, "msgrcv(msgtyp 2): no message may be taken"}});
}

IPC_CASE(sysv_msg, msgrcv, blocks_until_matching_message,
         .title = "a blocking msgrcv waits through a non-matching message until a matching one arrives",
         .covers = {"blocks_until_matching_message"},
         .statement = "If no message of the requested type is available and IPC_NOWAIT isn't specified in "
                      "msgflg, the calling process is blocked until one of the following conditions occurs: "
                      "A message of the desired type is placed in the queue.",
         .refs = {"msgop(2) msgrcv()", "POSIX.1-2017 msgrcv()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  Child receiver = Fork([&] {
    Received r;
    EXPECT_THAT(Recv(q.id(), 64, 2, 0, &r), SyscallSucceedsWithValue(7));
    EXPECT_EQ(r.type, 2) << "the receiver asked for type 2";
    EXPECT_EQ(r.text, "wake up");
  });
  IPCC_ASSERT_BLOCKED(receiver.pid(), IPCC_MSGRCV_SYSCALLS);
  // A message of another type must neither be taken nor end the wait.
  ASSERT_THAT(Send(q.id(), 1, "not for you"), SyscallSucceeds());
  IPCC_ASSERT_BLOCKED(receiver.pid(), IPCC_MSGRCV_SYSCALLS);
  EXPECT_FALSE(receiver.TryWait(std::chrono::milliseconds(0)).has_value())
      << "the receiver ended after a message of a type it did not ask for";
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the non-matching message must stay queued";
  ASSERT_THAT(Send(q.id(), 2, "wake up"), SyscallSucceeds());
  ExpectCleanExit(receiver.Wait(), "blocked receiver");
  ExpectNext(q.id(), 0, 0, 1, "not for you", "the non-matching message afterwards");
}

IPC_CASE(sysv_msg, msgrcv, signal_interrupts_with_eintr_despite_sa_restart,
         .title = "a caught signal ends a blocked msgrcv with EINTR even with SA_RESTART",
         .covers = {"EINTR", "never_restarted_after_handler"},
         .statement = "The calling process catches a signal. In this case, the system call fails with errno "
                      "set to EINTR. (msgrcv() is never automatically restarted after being interrupted by a "
                      "signal handler, regardless of the setting of the SA_RESTART flag when establishing a "
                      "signal handler.)",
         .refs = {"msgop(2) msgrcv()",
                  "signal(7) Interruption of system calls and library functions by "
                  "signal handlers",
                  "POSIX.1-2017 msgrcv() [EINTR]"},
         .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  ExpectSignalEndsWithEintr(
      Blocking::msgrcv,
      [&] {
        Received r;
        return static_cast<int>(Recv(q.id(), 64, 0, 0, &r));
      },
      "msgrcv on an empty queue");
}

IPC_CASE(sysv_msg, msgrcv, returns_length_of_mtext,
         .title = "msgrcv returns the number of bytes of message text, not the buffer size",
         .covers = {"returns_bytes_copied"},
         .statement = "On success, ... msgrcv() returns the number of bytes actually copied into the mtext "
                      "array.",
         .refs = {"msgop(2) RETURN VALUE", "POSIX.1-2017 msgrcv() RETURN VALUE"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  const std::string text(37, 'q');
  ASSERT_THAT(Send(q.id(), 1, text), SyscallSucceeds());
  Received r;
  EXPECT_THAT(Recv(q.id(), 200, 0, IPC_NOWAIT, &r), SyscallSucceedsWithValue(37))
      << "a 37-byte message read into a 200-byte buffer";
}

IPC_CASE(sysv_msg, msgrcv, content_round_trips_exactly,
         .title = "message text, including NUL and high bytes, and type arrive unchanged",
         .covers = {"text_and_type_arrive_unchanged"},
         .statement = "The msgsnd() system call appends a copy of the message pointed to by msgp to the "
                      "message queue ... The msgrcv() system call removes a message from the queue ... and "
                      "places it in the buffer pointed to by msgp.",
         .refs = {"msgop(2) DESCRIPTION", "POSIX.1-2017 msgsnd(), msgrcv()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  std::string text;
  for (int i = 0; i < 256; ++i) text.push_back(static_cast<char>(i));
  const long type = 0x7fffffffL;
  ASSERT_THAT(Send(q.id(), type, text), SyscallSucceeds());
  Received r;
  ASSERT_THAT(Recv(q.id(), 300, 0, IPC_NOWAIT, &r), SyscallSucceedsWithValue(256));
  EXPECT_EQ(r.type, type) << "the message type should round-trip";
  EXPECT_TRUE(r.text == text) << "the 256 bytes 0x00..0xff should round-trip unchanged";
}

IPC_CASE(sysv_msg, msgrcv, negative_msgsz_fails_einval,
         .title = "msgrcv with a negative msgsz (as a signed value) fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL msqid was invalid, or msgsz was less than 0.", .refs = {"msgop(2) ERRORS"},
         .cls = Conformance::linux_specific) {
  Queue q = NewQueue(0600);
  ASSERT_THAT(Send(q.id(), 1, "kept"), SyscallSucceeds());
  SmallMsg m;
  std::memset(&m, 0, sizeof m);
  volatile std::size_t negative = static_cast<std::size_t>(-1);
  EXPECT_THAT(msgrcv(q.id(), &m, negative, 0, IPC_NOWAIT), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the message must stay queued";
}

IPC_CASE(sysv_msg, msgrcv, sets_lrpid_to_receiver, .title = "msgrcv sets msg_lrpid to the receiving process's id",
         .covers = {"sets_lrpid"},
         .statement = "Upon successful completion the message queue data structure is updated as follows: "
                      "msg_lrpid is set to the process ID of the calling process.",
         .refs = {"msgop(2) msgrcv()", "POSIX.1-2017 msgrcv()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  ASSERT_THAT(Send(q.id(), 1, "for the child"), SyscallSucceeds());
  ExpectStampedByChild(q.id(), "msg_lrpid", &msqid_ds::msg_lrpid, "child that received", [&] {
    Received r;
    EXPECT_THAT(Recv(q.id(), 64, 0, IPC_NOWAIT, &r), SyscallSucceedsWithValue(13));
  });
}

IPC_CASE(sysv_msg, msgrcv, decrements_qnum, .title = "each msgrcv decrements msg_qnum by one",
         .covers = {"decrements_qnum"},
         .statement = "Upon successful completion the message queue data structure is updated as follows: "
                      "... msg_qnum is decremented by 1.",
         .refs = {"msgop(2) msgrcv()", "POSIX.1-2017 msgrcv()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  Fill(q.id(), {{1, "a"}, {2, "b"}, {3, "c"}});
  Received r;
  for (unsigned left = 2;; --left) {
    ASSERT_THAT(Recv(q.id(), 64, 0, IPC_NOWAIT, &r), SyscallSucceedsWithValue(1));
    EXPECT_EQ(Stat(q.id()).msg_qnum, left) << "msg_qnum after a receive";
    if (left == 0) break;
  }
}

IPC_CASE(sysv_msg, msgrcv, sets_rtime_to_now, .title = "msgrcv sets msg_rtime to the current time",
         .covers = {"sets_rtime"},
         .statement = "Upon successful completion the message queue data structure is updated as follows: "
                      "... msg_rtime is set to the current time.",
         .refs = {"msgop(2) msgrcv()", "POSIX.1-2017 msgrcv()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  ASSERT_THAT(Send(q.id(), 1, "t"), SyscallSucceeds());
  ASSERT_EQ(Stat(q.id()).msg_rtime, 0) << "no msgrcv yet: msg_rtime should still be 0";
  ExpectStampedNow("msg_rtime", &msqid_ds::msg_rtime, [&] {
    Received r;
    EXPECT_THAT(Recv(q.id(), 64, 0, IPC_NOWAIT, &r), SyscallSucceeds());
    return q.id();
  });
}

IPC_CASE(sysv_msg, msgrcv, child_sends_parent_receives,
         .title = "a message sent by a forked child is received by the parent",
         .covers = {"message_from_other_process"},
         .statement = "System V message queues allow data to be exchanged in units called messages.",
         .refs = {"sysvipc(7) Message queues", "msgop(2)", "POSIX.1-2017 msgsnd(), msgrcv()"},
         .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  Child sender = Fork([&] {
    EXPECT_THAT(Send(q.id(), 11, "hello parent"), SyscallSucceeds());
    // Blocks until the parent has read the message and answered.
    Received r;
    EXPECT_THAT(Recv(q.id(), 64, 12, 0, &r), SyscallSucceedsWithValue(11));
    EXPECT_EQ(r.text, "hello child") << "the parent's answer";
  });
  IPCC_ASSERT_BLOCKED(sender.pid(), IPCC_MSGRCV_SYSCALLS);
  ExpectNext(q.id(), 11, 0, 11, "hello parent", "the child's message");
  ASSERT_THAT(Send(q.id(), 12, "hello child"), SyscallSucceeds());
  ExpectCleanExit(sender.Wait(), "child");
}

IPC_CASE(sysv_msg, msgrcv, copy_reads_without_removing,
         .title = "MSG_COPY|IPC_NOWAIT returns a copy of the message at index msgtyp and leaves it queued",
         .covers = {"MSG_COPY"},
         .statement = "MSG_COPY (since Linux 3.8) Nondestructively fetch a copy of the message at the "
                      "ordinal position in the queue specified by msgtyp (messages are considered to be "
                      "numbered starting at 0).",
         .refs = {"msgop(2) msgrcv() MSG_COPY"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("msg_copy") | need::MinKernel(3, 8)) {
  Queue q = NewQueue(0600);
  Fill(q.id(), {{3, "zeroth"}, {1, "first"}, {2, "second"}});
  Received r;
  // The runner found MSG_COPY present: any failure here (ENOSYS, EINVAL) is a partial implementation.
  ASSERT_THAT(Recv(q.id(), 64, 1, MSG_COPY | IPC_NOWAIT, &r), SyscallSucceedsWithValue(5))
      << "msgrcv(msgtyp 1, MSG_COPY|IPC_NOWAIT) on a queue of 3 messages";
  EXPECT_EQ(r.type, 1) << "index 1 is the second message sent";
  EXPECT_EQ(r.text, "first");
  EXPECT_EQ(Stat(q.id()).msg_qnum, 3u) << "MSG_COPY must not remove the message";
  ExpectNext(q.id(), 0, 0, 3, "zeroth", "the queue order after MSG_COPY");
  ExpectNext(q.id(), 0, 0, 1, "first", "the copied message is still there");
}

IPC_CASE(sysv_msg, msgrcv, copy_beyond_queue_fails_enomsg,
         .title = "MSG_COPY|IPC_NOWAIT with an index past the last message fails with ENOMSG", .covers = {"ENOMSG"},
         .statement = "ENOMSG IPC_NOWAIT and MSG_COPY were specified in msgflg and the queue contains less "
                      "than msgtyp messages.",
         .refs = {"msgop(2) msgrcv() MSG_COPY, ERRORS"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("msg_copy") | need::MinKernel(3, 8)) {
  ExpectTakes({{1, "a"}, {1, "b"}},
              {{5, MSG_COPY, 0, nullptr, "msgrcv(msgtyp 5, MSG_COPY|IPC_NOWAIT): the queue holds 2 messages"}});
}

IPC_CASE(sysv_msg, msgrcv, copy_without_nowait_fails_einval, .title = "MSG_COPY without IPC_NOWAIT fails with EINVAL",
         .covers = {"EINVAL", "msg_copy_requires_ipc_nowait"},
         .statement = "EINVAL (since Linux 3.14) msgflg specified MSG_COPY, but not IPC_NOWAIT.",
         .refs = {"msgop(2) msgrcv() MSG_COPY, ERRORS"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("msg_copy") | need::MinKernel(3, 14)) {
  Queue q = NewQueue(0600);
  Fill(q.id(), {{1, "a"}});
  Received r;
  // With the message present a blocking call cannot hang even on a kernel that accepted the flags.
  EXPECT_THAT(Recv(q.id(), 64, 0, MSG_COPY, &r), SyscallFailsWithErrno(EINVAL))
      << "msgrcv(MSG_COPY) without IPC_NOWAIT";
}

IPC_CASE(sysv_msg, msgrcv, copy_with_except_fails_einval,
         .title = "MSG_COPY together with MSG_EXCEPT fails with EINVAL",
         .covers = {"EINVAL", "msg_copy_excludes_msg_except"},
         .statement = "EINVAL (since Linux 3.14) msgflg specified both MSG_COPY and MSG_EXCEPT.",
         .refs = {"msgop(2) msgrcv() MSG_COPY, ERRORS"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("msg_copy") | need::MinKernel(3, 14)) {
  Queue q = NewQueue(0600);
  Fill(q.id(), {{1, "a"}, {2, "b"}});
  Received r;
  EXPECT_THAT(Recv(q.id(), 64, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT, &r), SyscallFailsWithErrno(EINVAL))
      << "msgrcv(MSG_COPY|MSG_EXCEPT|IPC_NOWAIT)";
  EXPECT_EQ(Stat(q.id()).msg_qnum, 2u);
}

IPC_CASE(sysv_msg, msgrcv, removed_queue_fails,
         .title = "msgrcv on the id of a removed queue fails with EINVAL or EIDRM",
         .covers = {"removed_queue_id_refused"},
         .statement = "EIDRM While the process was sleeping to receive a message, the message queue was "
                      "removed. EINVAL msqid was invalid ...",
         .refs = {"msgop(2) ERRORS", "POSIX.1-2017 msgrcv() [EINVAL], [EIDRM]"}, .cls = Conformance::xsi) {
  const int id = RemovedQueueId("gone");
  Received r;
  EXPECT_THAT(Recv(id, 64, 0, IPC_NOWAIT, &r), SyscallFailsWithAnyErrno(std::vector<int>{EINVAL, EIDRM}));
}

}  // namespace
