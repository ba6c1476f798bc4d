// mq_notify(3), POSIX mq_notify(): asynchronous notification of a message arriving on an empty queue.
//
// The notification signal is kept blocked in the case process (BlockedSignal), so a notification stays
// pending and is collected without waiting: its presence or absence right after the mq_send that would
// cause it is the observation (the kernel generates the signal inside that mq_send call).
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_notify, signal_on_arrival_in_empty_queue,
         .title = "a registered SIGEV_SIGNAL notification sends the signal, with SI_MESGQ and sigev_value, when a "
                  "message arrives on the empty queue",
         .covers = {"SIGEV_SIGNAL", "SI_MESGQ"},
         .statement = "mq_notify() allows the calling process to register or unregister for delivery of an "
                      "asynchronous notification when a new message arrives on the empty message queue ... "
                      "SIGEV_SIGNAL Notify the process by sending the signal specified in sigev_signo. ... The "
                      "si_code field of the siginfo_t structure will be set to SI_MESGQ.",
         .refs = {"mq_notify(3) SIGEV_SIGNAL", "sigevent(7)", "POSIX.1-2017 mq_notify()"}) {
  Queue q("notify", Attr(4, 16));
  BlockedSignal usr1(SIGUSR1);
  ASSERT_THAT(NotifyBySignal(q.get(), SIGUSR1, 4242), SyscallSucceeds()) << "registering for notification";
  EXPECT_FALSE(usr1.TakePending().has_value()) << "no notification before any message was sent";
  ASSERT_THAT(mq_send(q.get(), "arrive", 6, 0), SyscallSucceeds());
  const auto info = usr1.TakePending();
  ASSERT_TRUE(info.has_value()) << "SIGUSR1 should be pending after a message arrived on the empty queue";
  EXPECT_EQ(info->si_signo, SIGUSR1);
  EXPECT_EQ(info->si_code, SI_MESGQ) << "si_code of the notification signal should be SI_MESGQ";
  EXPECT_EQ(info->si_value.sival_int, 4242) << "si_value should carry the sigev_value given to mq_notify";
}

IPC_CASE(posix_mq, mq_notify, signal_identifies_sender,
         .title = "the notification signal's si_pid and si_uid name the process that sent the message",
         .covers = {"signal_identifies_sender", "SI_MESGQ"},
         .statement = "In addition, si_pid will be set to the PID of the process that sent the message, and si_uid "
                      "will be set to the real user ID of the sending process.",
         .refs = {"mq_notify(3) SIGEV_SIGNAL"}, .cls = Conformance::linux_specific) {
  Queue q("notify-pid", Attr(4, 16));
  BlockedSignal usr1(SIGUSR1);
  ASSERT_THAT(NotifyBySignal(q.get(), SIGUSR1, 1), SyscallSucceeds()) << "registering for notification";
  Child sender = Fork([&] { EXPECT_THAT(mq_send(q.get(), "from-child", 10, 0), SyscallSucceeds()); });
  const pid_t sender_pid = sender.pid();
  ExpectCleanExit(sender.Wait(), "sending child");
  const auto info = usr1.TakePending();
  ASSERT_TRUE(info.has_value()) << "SIGUSR1 should be pending after the child's message arrived";
  EXPECT_EQ(info->si_code, SI_MESGQ);
  EXPECT_EQ(info->si_pid, sender_pid) << "si_pid should be the sending child's pid, not the receiver's (" << getpid()
                                      << ")";
  EXPECT_EQ(info->si_uid, getuid()) << "si_uid should be the sender's real uid";
}

IPC_CASE(posix_mq, mq_notify, registration_removed_after_notification,
         .title = "after one notification the registration is gone: no second signal, and another process may register",
         .covers = {"registration_removed_after_notification"},
         .statement = "Notification occurs once: after a notification is delivered, the notification registration "
                      "is removed, and another process can register for message notification.",
         .refs = {"mq_notify(3)", "POSIX.1-2017 mq_notify()"}) {
  Queue q("notify-once", Attr(4, 16));
  BlockedSignal usr1(SIGUSR1);
  ASSERT_THAT(NotifyBySignal(q.get(), SIGUSR1, 7), SyscallSucceeds()) << "registering for notification";
  ASSERT_TRUE(SendRaises(q.get(), usr1, "first")) << "the first message on the empty queue should notify";
  char buf[16];
  ASSERT_THAT(ReceiveWithin(q.get(), buf, sizeof buf), SyscallSucceeds());  // empty again
  EXPECT_FALSE(SendRaises(q.get(), usr1, "second"))
      << "a second message on the emptied queue must not notify: the registration should have been removed";
  ASSERT_THAT(ReceiveWithin(q.get(), buf, sizeof buf), SyscallSucceeds());
  ExpectAnotherProcessRegisters(q.get(), SyscallSucceeds(),
                                "another process should be able to register once the notification was delivered");
}

IPC_CASE(posix_mq, mq_notify, registration_is_exclusive,
         .title = "while one process is registered, mq_notify by another process fails with EBUSY",
         .covers = {"EBUSY", "one_registration_per_queue"},
         .statement = "Only one process can be registered to receive notification from a message queue. ... EBUSY "
                      "Another process has already registered to receive notification for this message queue.",
         .refs = {"mq_notify(3) EBUSY", "POSIX.1-2017 mq_notify() [EBUSY]"}) {
  Queue q("notify-busy", Attr(4, 16));
  BlockedSignal usr1(SIGUSR1);
  ASSERT_THAT(NotifyBySignal(q.get(), SIGUSR1, 1), SyscallSucceeds()) << "registering for notification";
  ExpectAnotherProcessRegisters(q.get(), SyscallFailsWithErrno(EBUSY),
                                "registering from a second process while the first is registered");
  EXPECT_TRUE(SendRaises(q.get(), usr1)) << "the first registration should still be intact, and notify";
}

IPC_CASE(posix_mq, mq_notify, null_unregisters,
         .title = "mq_notify(NULL) removes the caller's registration: no signal, and another process may register",
         .covers = {"null_unregisters"},
         .statement = "If sevp is NULL, and the calling process is currently registered to receive notifications "
                      "for this message queue, then the registration is removed; another process can then "
                      "register to receive a message notification for this queue.",
         .refs = {"mq_notify(3)", "POSIX.1-2017 mq_notify()"}) {
  Queue q("notify-null", Attr(4, 16));
  BlockedSignal usr1(SIGUSR1);
  ASSERT_THAT(NotifyBySignal(q.get(), SIGUSR1, 1), SyscallSucceeds()) << "registering for notification";
  ASSERT_THAT(mq_notify(q.get(), nullptr), SyscallSucceeds()) << "unregistering with a NULL sevp";
  EXPECT_FALSE(SendRaises(q.get(), usr1)) << "no notification should follow mq_notify(NULL)";
  ExpectAnotherProcessRegisters(q.get(), SyscallSucceeds(),
                                "another process should be able to register after mq_notify(NULL)");
}

IPC_CASE(posix_mq, mq_notify, blocked_receiver_takes_precedence,
         .title = "a message that a blocked mq_receive takes causes no notification, and the registration stays",
         .covers = {"blocked_receiver_takes_precedence"},
         .statement = "If another process or thread is waiting to read a message from an empty queue using "
                      "mq_receive(3), then any message notification registration is ignored: the message is "
                      "delivered to the process or thread calling mq_receive(3), and the message notification "
                      "registration remains in effect.",
         .refs = {"mq_notify(3)", "POSIX.1-2017 mq_notify() (a blocked mq_receive() takes precedence)"}) {
  Queue q("notify-recv", Attr(4, 16));
  BlockedSignal usr1(SIGUSR1);
  ASSERT_THAT(NotifyBySignal(q.get(), SIGUSR1, 1), SyscallSucceeds()) << "registering for notification";
  Child receiver = Fork([&] { ExpectReceive(q.get(), "taken"); });
  IPCC_ASSERT_BLOCKED(receiver.pid(), SYS_mq_timedreceive);
  ASSERT_THAT(mq_send(q.get(), "taken", 5, 0), SyscallSucceeds());
  if (!ExpectReleased(receiver, "receiver blocked in mq_receive, after a message was sent")) return;
  EXPECT_FALSE(usr1.TakePending().has_value())
      << "the message went to the blocked receiver: the registered process must not be notified";
  ASSERT_TRUE(ExpectCurMsgs(q.get(), 0, "the blocked receiver should have taken the message"));
  EXPECT_TRUE(SendRaises(q.get(), usr1, "later"))
      << "the registration should have remained in effect: the next message on the empty queue should notify";
}

IPC_CASE(
    posix_mq, mq_notify, only_on_transition_from_empty,
    .title =
        "registered on a non-empty queue, a process is notified only after the queue empties and a message arrives",
    .covers = {"only_on_transition_from_empty"},
    .statement = "Message notification occurs only when a new message arrives and the queue was previously "
                 "empty. If the queue was not empty at the time mq_notify() was called, then a notification "
                 "will occur only after the queue is emptied and a new message arrives.",
    .refs = {"mq_notify(3)", "POSIX.1-2017 mq_notify()"}) {
  Queue q("notify-nonempty", Attr(4, 16));
  ASSERT_THAT(mq_send(q.get(), "old", 3, 0), SyscallSucceeds());
  BlockedSignal usr1(SIGUSR1);
  ASSERT_THAT(NotifyBySignal(q.get(), SIGUSR1, 1), SyscallSucceeds()) << "registering for notification";
  EXPECT_FALSE(SendRaises(q.get(), usr1, "new")) << "a message arriving on a non-empty queue must not notify";
  char buf[16];
  ASSERT_THAT(ReceiveWithin(q.get(), buf, sizeof buf), SyscallSucceeds());
  ASSERT_THAT(ReceiveWithin(q.get(), buf, sizeof buf), SyscallSucceeds());
  EXPECT_TRUE(SendRaises(q.get(), usr1, "now"))
      << "once the queue was emptied, the next arriving message should notify";
}

IPC_CASE(posix_mq, mq_notify, sigev_none_registers_without_signal,
         .title = "a SIGEV_NONE registration makes the caller the registered process without any signal",
         .covers = {"SIGEV_NONE", "EBUSY"},
         .statement = "SIGEV_NONE A \"null\" notification: the calling process is registered as the target for "
                      "notification, but when a message arrives, no notification is sent.",
         .refs = {"mq_notify(3) SIGEV_NONE", "POSIX.1-2017 mq_notify()"}) {
  Queue q("notify-none", Attr(4, 16));
  // sigev_signo is filled in although SIGEV_NONE ignores it, and kept blocked: a system that signalled
  // anyway leaves it pending (a FAIL below) instead of killing the case.
  BlockedSignal usr1(SIGUSR1);
  sigevent sev = SignalEvent(SIGUSR1, 3);
  sev.sigev_notify = SIGEV_NONE;
  ASSERT_THAT(mq_notify(q.get(), &sev), SyscallSucceeds()) << "registering for notification";
  ExpectAnotherProcessRegisters(q.get(), SyscallFailsWithErrno(EBUSY),
                                "the SIGEV_NONE registration should make the queue busy for another process");
  EXPECT_FALSE(SendRaises(q.get(), usr1)) << "a SIGEV_NONE registration must not send sigev_signo";
}

IPC_CASE(posix_mq, mq_notify, invalid_signal_fails_einval,
         .title = "mq_notify with SIGEV_SIGNAL and an invalid signal number fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL sevp->sigev_notify is not one of the permitted values; or sevp->sigev_notify is "
                      "SIGEV_SIGNAL and sevp->sigev_signo is not a valid signal number.",
         .refs = {"mq_notify(3) EINVAL", "POSIX.1-2017 mq_notify()"}, .cls = Conformance::linux_specific) {
  Queue q("notify-badsig", Attr(4, 16));
  EXPECT_THAT(NotifyBySignal(q.get(), 1000, 1), SyscallFailsWithErrno(EINVAL)) << "sigev_signo 1000";
}

IPC_CASE(posix_mq, mq_notify, invalid_sigev_notify_fails_einval,
         .title = "mq_notify with an unknown sigev_notify value fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL sevp->sigev_notify is not one of the permitted values.",
         .refs = {"mq_notify(3) EINVAL", "sigevent(7)"}, .cls = Conformance::linux_specific) {
  Queue q("notify-badkind", Attr(4, 16));
  sigevent sev{};
  sev.sigev_notify = 12345;
  sev.sigev_signo = SIGUSR1;
  EXPECT_THAT(mq_notify(q.get(), &sev), SyscallFailsWithErrno(EINVAL)) << "sigev_notify 12345";
}

}  // namespace
