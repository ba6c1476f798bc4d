// kill(2): sending signals to processes and process groups.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

struct HandlerRecord {
  std::atomic<int> calls{0};
  std::atomic<pid_t> pid{0};
};
HandlerRecord* g_rec = nullptr;

void RecordPidHandler(int) {
  g_rec->pid.store(getpid());
  g_rec->calls.fetch_add(1);
}

IPC_CASE(signal, kill, handler_runs_in_target,
         .title = "kill(pid, sig) runs the target process's handler, in the target",
         .covers = {"positive_pid_signals_that_process"},
         .statement = "If pid is positive, then signal sig is sent to the process with the ID specified by "
                      "pid. ... catch the signal with a signal handler, a programmer-defined function that is "
                      "automatically invoked when the signal is delivered.",
         .refs = {"kill(2)", "signal(7) Signal dispositions", "POSIX.1-2017 kill()"}, .cls = Conformance::posix) {
  SharedPage<HandlerRecord> rec;
  pid_t target = 0;
  SendToWaitingChild(
      [&] {
        g_rec = rec.get();
        SetHandler(SIGUSR1, RecordPidHandler);
        Block({SIGUSR1});
      },
      [&](pid_t pid) {
        target = pid;
        EXPECT_THAT(kill(pid, SIGUSR1), SyscallSucceeds());
      },
      [&] {
        Unblock({SIGUSR1});  // sent: pending until now
        EXPECT_EQ(rec->calls.load(), 1) << "the pending SIGUSR1 should be handled once it is unblocked";
      },
      "target");
  EXPECT_EQ(rec->calls.load(), 1) << "the target's SIGUSR1 handler should have run once";
  EXPECT_EQ(rec->pid.load(), target) << "the handler should run in the target process";
}

IPC_CASE(signal, kill, sig_zero_checks_existence,
         .title = "kill(pid, 0) succeeds for an existing process and sends nothing",
         .covers = {"sig_zero_checks_existence"},
         .statement = "If sig is 0, then no signal is sent, but existence and permission checks are still "
                      "performed; this can be used to check for the existence of a process ID or process "
                      "group ID that the caller is permitted to signal.",
         .refs = {"kill(2)", "POSIX.1-2017 kill() (sig 0)"}, .cls = Conformance::posix) {
  SendToWaitingChild([] { Block({SIGUSR1}); },  // nothing may arrive; checked below
                     [](pid_t pid) {
                       EXPECT_THAT(kill(pid, 0), SyscallSucceeds()) << "the child exists";
                       EXPECT_THAT(kill(getpid(), 0), SyscallSucceeds()) << "the caller exists";
                     },
                     [] {
                       const sigset_t pending = PendingSet();
                       EXPECT_EQ(Describe(pending), "{}") << "kill(pid, 0) must not send a signal, but the pending set "
                                                             "is not empty";
                     },
                     "child probed with kill(pid, 0)");
}

IPC_CASE(signal, kill, zombie_still_exists,
         .title = "kill(pid, 0) still succeeds for a terminated child that was not yet waited for (zombie)",
         .covers = {"zombie_is_still_a_target"},
         .statement = "ESRCH The target process or process group does not exist. Note that an existing "
                      "process might be a zombie, a process that has terminated execution, but has not yet "
                      "been wait(2)ed for.",
         .refs = {"kill(2) ERRORS", "wait(2) NOTES (zombie)", "POSIX.1-2017 kill()"}, .cls = Conformance::posix) {
  Child c = Fork([] {});
  siginfo_t info{};
  // WNOWAIT: wait until it has terminated but leave it a zombie.
  ASSERT_THAT(waitid(P_PID, static_cast<id_t>(c.pid()), &info, WEXITED | WNOWAIT), SyscallSucceeds());
  EXPECT_THAT(kill(c.pid(), 0), SyscallSucceeds()) << "a zombie still exists until it is waited for";
  EXPECT_THAT(kill(c.pid(), SIGUSR1), SyscallSucceeds()) << "signalling a zombie succeeds (and does nothing)";
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, kill, reaped_pid_fails_esrch,
         .title = "kill on the pid of a child that was waited for fails with ESRCH", .covers = {"ESRCH"},
         .statement = "ESRCH The target process or process group does not exist.",
         .refs = {"kill(2) ERRORS", "POSIX.1-2017 kill() [ESRCH]"}, .cls = Conformance::posix) {
  const pid_t gone = ReapedPid();
  EXPECT_THAT(kill(gone, 0), SyscallFailsWithErrno(ESRCH)) << "signal 0 to the reaped pid " << gone;
  EXPECT_THAT(kill(gone, SIGUSR1), SyscallFailsWithErrno(ESRCH)) << "SIGUSR1 to the reaped pid " << gone;
}

IPC_CASE(signal, kill, nonexistent_process_group_fails_esrch,
         .title = "kill(-pgid, sig) for a process group with no members fails with ESRCH", .covers = {"ESRCH"},
         .statement = "ESRCH The target process or process group does not exist.",
         .refs = {"kill(2) ERRORS", "POSIX.1-2017 kill() [ESRCH]"}, .cls = Conformance::posix) {
  // A child that led its own process group, alone, and has been reaped: the group is gone.
  const pid_t group = ReapedPid([] { EXPECT_THAT(setpgid(0, 0), SyscallSucceeds()); });
  EXPECT_THAT(kill(-group, SIGUSR1), SyscallFailsWithErrno(ESRCH)) << "process group " << group;
  EXPECT_THAT(kill(-group, 0), SyscallFailsWithErrno(ESRCH)) << "process group " << group << ", signal 0";
}

IPC_CASE(signal, kill, other_uid_fails_eperm,
         .title = "an unprivileged process cannot signal a process of another user: EPERM", .covers = {"EPERM"},
         .statement = "For a process to have permission to send a signal, it must either be privileged ... or "
                      "the real or effective user ID of the sending process must equal the real or saved "
                      "set-user-ID of the target process. ... EPERM The calling process does not have "
                      "permission to send the signal to any of the target processes.",
         .refs = {"kill(2) DESCRIPTION, ERRORS", "POSIX.1-2017 kill() [EPERM]"}, .cls = Conformance::posix,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  if (getuid() == nobody.uid) ThrowHarnessError("set-up: the second identity is the case's own uid");
  Pipe hold = MakePipe();
  // The target keeps this process's uid and the default SIGUSR1 action (terminate).
  Child target = HeldChild(hold);
  const uid_t target_uid = getuid();
  Child sender = Fork([&] {
    DropPrivileges(nobody);
    EXPECT_THAT(kill(target.pid(), SIGUSR1), SyscallFailsWithErrno(EPERM))
        << "uid " << nobody.uid << " signalling a process of uid " << target_uid;
    EXPECT_THAT(kill(target.pid(), 0), SyscallFailsWithErrno(EPERM)) << "the permission check also applies to signal 0";
  });
  ExpectCleanExit(sender.Wait(), "unprivileged sender");
  hold.w.reset();
  ExpectCleanExit(target.Wait(), "target (must not have received SIGUSR1)");
}

IPC_CASE(signal, kill, invalid_signal_fails_einval, .title = "kill with an invalid signal number fails with EINVAL",
         .covers = {"EINVAL"}, .statement = "EINVAL An invalid signal was specified.",
         .refs = {"kill(2) ERRORS", "POSIX.1-2017 kill() [EINVAL]"}, .cls = Conformance::posix) {
  SendToWaitingChild(
      {},
      [](pid_t pid) {
        for (int sig : {-1, NSIG, NSIG + 100}) {
          EXPECT_THAT(kill(pid, sig), SyscallFailsWithErrno(EINVAL)) << "signal number " << sig;
        }
      },
      {}, "child");
}

IPC_CASE(signal, kill, self_delivered_before_return,
         .title = "a signal a process sends itself with kill() is handled before kill() returns",
         .covers = {"self_signal_delivered_before_return"},
         .statement = "POSIX.1 requires that if a process sends a signal to itself, and the sending thread "
                      "does not have the signal blocked, and no other thread has it unblocked or is waiting "
                      "for it in sigwait(3), at least one unblocked signal must be delivered to the sending "
                      "thread before the kill() returns.",
         .refs = {"kill(2) NOTES", "POSIX.1-2017 kill()"}, .cls = Conformance::posix) {
  InChild("child", [] {
    SetHandler(SIGUSR1, CountingHandler);
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    EXPECT_EQ(g_handled.calls, 1) << "the handler should have run before kill() returned";
  });
}

// Runs `body` with SIGUSR1 blocked in the case process, then checks that no SIGUSR1 reached it (and
// takes one away if it did), restoring the mask.
template <typename Body>
void WithSigusr1BlockedHere(Body body, const char* why_not_expected) {
  sigset_t old;
  sigset_t usr1 = SetOf({SIGUSR1});
  IPCC_SETUP(sigprocmask(SIG_BLOCK, &usr1, &old));
  ScopedCleanup restore([&] {
    timespec zero{0, 0};
    while (sigtimedwait(&usr1, nullptr, &zero) > 0) {
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
  });
  body();
  EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << why_not_expected;
}

// Accepts the SIGUSR1 (blocked) sent to a process group and expects it from `sender`.
void ExpectSentBy(pid_t sender, const std::string& who) {
  if (auto info = ExpectAccepted(SIGUSR1, who)) {
    EXPECT_EQ(info->si_pid, sender) << who << ": si_pid should be the sender";
  }
}

IPC_CASE(signal, kill, pid_zero_reaches_own_process_group,
         .title = "kill(0, sig) sends sig to every process of the caller's process group, and only to them",
         .covers = {"pid_zero_signals_own_process_group"},
         .statement = "If pid equals 0, then sig is sent to every process in the process group of the calling "
                      "process.",
         .refs = {"kill(2)", "POSIX.1-2017 kill() (pid 0)"}, .cls = Conformance::posix) {
  WithSigusr1BlockedHere(
      [] {
        // A new process group: a leader (the sender) and one more member; SIGUSR1 is blocked in both.
        Child leader = Fork([] {
          ASSERT_THAT(setpgid(0, 0), SyscallSucceeds());
          const pid_t self = getpid();
          Child member = Fork([self] {
            CheckpointPost(0);
            ExpectSentBy(self, "a member of the sender's process group, sent kill(0, SIGUSR1)");
          });
          CheckpointWait(0);
          EXPECT_THAT(kill(0, SIGUSR1), SyscallSucceeds());
          ExpectSentBy(self, "the sender, in its own process group, which should receive the signal too");
          ExpectCleanExit(member.Wait(), "process group member");
        });
        ExpectCleanExit(leader.Wait(), "process group leader and sender");
      },
      "the case process is in another process group and must not receive the kill(0, SIGUSR1)");
}

IPC_CASE(signal, kill, negative_pid_reaches_process_group,
         .title = "kill(-pgid, sig) sends sig to every member of process group pgid, and only to them",
         .covers = {"negative_pid_signals_process_group"},
         .statement = "If pid is less than -1, then sig is sent to every process in the process group whose ID "
                      "is -pid.",
         .refs = {"kill(2)", "killpg(3)", "POSIX.1-2017 kill() (pid < -1)"}, .cls = Conformance::posix) {
  WithSigusr1BlockedHere(
      [] {
        const pid_t sender = getpid();
        Child leader = Fork([&] {
          ASSERT_THAT(setpgid(0, 0), SyscallSucceeds());
          Child member = Fork([&] {
            CheckpointPost(0);
            ExpectSentBy(sender, "the group member, sent SIGUSR1 to its process group");
          });
          CheckpointPost(0);
          ExpectSentBy(sender, "the group leader, sent SIGUSR1 to its process group");
          ExpectCleanExit(member.Wait(), "process group member");
        });
        // Stays in the case's process group: must not receive it.
        Child outsider = Fork([] {
          CheckpointPost(0);
          CheckpointWait(1);
          EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << "a process outside the group received the signal";
        });
        CheckpointWait(0, 3);
        ASSERT_EQ(getpgid(leader.pid()), leader.pid()) << "the leader did not become a process group leader";
        EXPECT_THAT(kill(-leader.pid(), SIGUSR1), SyscallSucceeds());
        CheckpointPost(1);
        ExpectCleanExit(leader.Wait(), "process group leader");
        ExpectCleanExit(outsider.Wait(), "process outside the group");
      },
      "the sender is not in the target process group and must not receive the signal");
}

}  // namespace
