// kill(2), raise(3), pthread_kill(3): sending signals to processes, process groups and threads.
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "conformance/signal/signal_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::sigcase;

struct HandlerRecord {
  std::atomic<int> calls{0};
  std::atomic<pid_t> pid{0};
};
HandlerRecord* g_rec = nullptr;
volatile sig_atomic_t g_calls = 0;

void RecordPidHandler(int) {
  g_rec->pid.store(getpid());
  g_rec->calls.fetch_add(1);
}

void CountHandler(int) {
  g_calls = g_calls + 1;
}

IPC_CASE(signal, kill, handler_runs_in_target,
         .title = "kill(pid, sig) runs the target process's handler, in the target",
         .statement = "If pid is positive, then signal sig is sent to the process with the ID specified by "
                      "pid. ... catch the signal with a signal handler, a programmer-defined function that is "
                      "automatically invoked when the signal is delivered.",
         .refs = {"kill(2)", "signal(7) Signal dispositions", "POSIX.1-2017 kill()"}, .cls = Conformance::posix) {
  Shared<HandlerRecord> rec;
  Child target = Fork([&] {
    g_rec = &*rec;
    SetHandler(SIGUSR1, RecordPidHandler);
    Block({SIGUSR1});
    CheckpointPost(0);
    CheckpointWait(1);  // sent: pending
    Unblock({SIGUSR1});
    EXPECT_EQ(rec->calls.load(), 1) << "the pending SIGUSR1 should be handled once it is unblocked";
  });
  CheckpointWait(0);
  EXPECT_THAT(kill(target.pid(), SIGUSR1), SyscallSucceeds());
  CheckpointPost(1);
  ExpectCleanExit(target.Wait(), "target");
  EXPECT_EQ(rec->calls.load(), 1) << "the target's SIGUSR1 handler should have run once";
  EXPECT_EQ(rec->pid.load(), target.pid()) << "the handler should run in the target process";
}

IPC_CASE(signal, kill, sig_zero_checks_existence,
         .title = "kill(pid, 0) succeeds for an existing process and sends nothing",
         .statement = "If sig is 0, then no signal is sent, but existence and permission checks are still "
                      "performed; this can be used to check for the existence of a process ID or process "
                      "group ID that the caller is permitted to signal.",
         .refs = {"kill(2)", "POSIX.1-2017 kill() (sig 0)"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    Block({SIGUSR1});  // nothing may arrive; checked below
    CheckpointPost(0);
    CheckpointWait(1);
    const sigset_t pending = PendingSet();
    for (int sig = 1; sig < NSIG; ++sig) {
      EXPECT_FALSE(Has(pending, sig)) << "kill(pid, 0) must not send a signal, but " << SignalName(sig)
                                      << " is pending";
    }
  });
  CheckpointWait(0);
  EXPECT_THAT(kill(c.pid(), 0), SyscallSucceeds()) << "the child exists";
  EXPECT_THAT(kill(getpid(), 0), SyscallSucceeds()) << "the caller exists";
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "child probed with kill(pid, 0)");
}

IPC_CASE(signal, kill, zombie_still_exists,
         .title = "kill(pid, 0) still succeeds for a terminated child that was not yet waited for (zombie)",
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
         .title = "kill on the pid of a child that was waited for fails with ESRCH",
         .statement = "ESRCH The target process or process group does not exist.",
         .refs = {"kill(2) ERRORS", "POSIX.1-2017 kill() [ESRCH]"}, .cls = Conformance::posix) {
  Child c = Fork([] {});
  ExpectCleanExit(c.Wait(), "child");
  EXPECT_THAT(kill(c.pid(), 0), SyscallFailsWithErrno(ESRCH)) << "signal 0 to the reaped pid " << c.pid();
  EXPECT_THAT(kill(c.pid(), SIGUSR1), SyscallFailsWithErrno(ESRCH)) << "SIGUSR1 to the reaped pid " << c.pid();
}

IPC_CASE(signal, kill, nonexistent_process_group_fails_esrch,
         .title = "kill(-pgid, sig) for a process group with no members fails with ESRCH",
         .statement = "ESRCH The target process or process group does not exist.",
         .refs = {"kill(2) ERRORS", "POSIX.1-2017 kill() [ESRCH]"}, .cls = Conformance::posix) {
  // A child that led its own process group, alone, and has been reaped: the group is gone.
  Child c = Fork([] { EXPECT_THAT(setpgid(0, 0), SyscallSucceeds()); });
  ExpectCleanExit(c.Wait(), "child");
  EXPECT_THAT(kill(-c.pid(), SIGUSR1), SyscallFailsWithErrno(ESRCH)) << "process group " << c.pid();
  EXPECT_THAT(kill(-c.pid(), 0), SyscallFailsWithErrno(ESRCH)) << "process group " << c.pid() << ", signal 0";
}

IPC_CASE(signal, kill, other_uid_fails_eperm,
         .title = "an unprivileged process cannot signal a process of another user: EPERM",
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
  Child target = Fork([&] {
    hold.w.reset();
    char c;
    EXPECT_THAT(read(hold.r.get(), &c, 1), SyscallSucceedsWithValue(0));
  });
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
         .statement = "EINVAL An invalid signal was specified.",
         .refs = {"kill(2) ERRORS", "POSIX.1-2017 kill() [EINVAL]"}, .cls = Conformance::posix) {
  Child c = Fork([] { CheckpointWait(0); });
  for (int sig : {-1, NSIG, NSIG + 100}) {
    EXPECT_THAT(kill(c.pid(), sig), SyscallFailsWithErrno(EINVAL)) << "signal number " << sig;
  }
  CheckpointPost(0);
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, kill, self_delivered_before_return,
         .title = "a signal a process sends itself with kill() is handled before kill() returns",
         .statement = "POSIX.1 requires that if a process sends a signal to itself, and the sending thread "
                      "does not have the signal blocked, and no other thread has it unblocked or is waiting "
                      "for it in sigwait(3), at least one unblocked signal must be delivered to the sending "
                      "thread before the kill() returns.",
         .refs = {"kill(2) NOTES", "POSIX.1-2017 kill()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountHandler);
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    EXPECT_EQ(g_calls, 1) << "the handler should have run before kill() returned";
  });
  ExpectCleanExit(c.Wait(), "child");
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

IPC_CASE(signal, kill, pid_zero_reaches_own_process_group,
         .title = "kill(0, sig) sends sig to every process of the caller's process group, and only to them",
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
            siginfo_t info{};
            const int got = AcceptSignal(SetOf({SIGUSR1}), &info);
            EXPECT_EQ(got, SIGUSR1) << "a member of the sender's process group did not receive the signal "
                                       "sent with kill(0, SIGUSR1) within 5 s";
            if (got == SIGUSR1) {
              EXPECT_EQ(info.si_pid, self) << "si_pid should be the sender";
            }
          });
          CheckpointWait(0);
          EXPECT_THAT(kill(0, SIGUSR1), SyscallSucceeds());
          siginfo_t info{};
          EXPECT_EQ(AcceptSignal(SetOf({SIGUSR1}), &info), SIGUSR1)
              << "the sender is in its own process group and should receive the signal too";
          ExpectCleanExit(member.Wait(), "process group member");
        });
        ExpectCleanExit(leader.Wait(), "process group leader and sender");
      },
      "the case process is in another process group and must not receive the kill(0, SIGUSR1)");
}

IPC_CASE(signal, kill, negative_pid_reaches_process_group,
         .title = "kill(-pgid, sig) sends sig to every member of process group pgid, and only to them",
         .statement = "If pid is less than -1, then sig is sent to every process in the process group whose ID "
                      "is -pid.",
         .refs = {"kill(2)", "killpg(3)", "POSIX.1-2017 kill() (pid < -1)"}, .cls = Conformance::posix) {
  WithSigusr1BlockedHere(
      [] {
        const pid_t sender = getpid();
        auto expect_signal = [sender](const char* who) {
          siginfo_t info{};
          const int got = AcceptSignal(SetOf({SIGUSR1}), &info);
          EXPECT_EQ(got, SIGUSR1) << who << " did not receive the SIGUSR1 sent to its process group within 5 s";
          if (got == SIGUSR1) {
            EXPECT_EQ(info.si_pid, sender) << "si_pid should be the sender";
          }
        };
        Child leader = Fork([&] {
          ASSERT_THAT(setpgid(0, 0), SyscallSucceeds());
          Child member = Fork([&] {
            CheckpointPost(0);
            expect_signal("the group member");
          });
          CheckpointPost(0);
          expect_signal("the group leader");
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

IPC_CASE(signal, raise, delivers_before_returning,
         .title = "raise() returns only after the handler of the raised signal has returned",
         .statement = "The raise() function sends a signal to the calling process or thread. ... If the signal "
                      "causes a handler to be called, raise() will return only after the signal handler has "
                      "returned.",
         .refs = {"raise(3)", "POSIX.1-2017 raise()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR2, CountHandler);
    EXPECT_EQ(raise(SIGUSR2), 0);
    EXPECT_EQ(g_calls, 1) << "the SIGUSR2 handler should have run before raise() returned";
  });
  ExpectCleanExit(c.Wait(), "child");
}

// Which thread ran the handler: each thread tags itself.
thread_local int t_tag = 0;
std::atomic<int> g_handled_tag{0};
int g_notify_fd = -1;

void TagHandler(int) {
  g_handled_tag.store(t_tag);
  char c = 'h';
  ssize_t n = write(g_notify_fd, &c, 1);
  (void)n;
}

IPC_CASE(signal, pthread_kill, targets_thread,
         .title = "pthread_kill delivers the signal to the thread named, not to another thread",
         .statement = "The pthread_kill() function sends the signal sig to thread, a thread in the same "
                      "process as the caller. The signal is asynchronously directed to thread.",
         .refs = {"pthread_kill(3)", "signal(7) process-directed and thread-directed signals",
                  "POSIX.1-2017 pthread_kill()"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    Pipe notify = MakePipe();
    Pipe hold = MakePipe();
    Pipe ready = MakePipe();
    g_notify_fd = notify.w.get();
    SetHandler(SIGUSR1, TagHandler);  // SIGUSR1 is unblocked in both threads
    t_tag = 1;
    std::thread target([&] {
      t_tag = 2;
      char b = 'r';
      ssize_t w = write(ready.w.get(), &b, 1);
      (void)w;
      // Interrupted by the handler (EINTR), or ended by the end-of-file below.
      ssize_t n = read(hold.r.get(), &b, 1);
      (void)n;
    });
    if (!WaitReadable(ready.r.get())) {
      hold.w.reset();
      target.join();
      ThrowHarnessError("the second thread did not start within 5 s");
    }
    const int rc = pthread_kill(target.native_handle(), SIGUSR1);
    EXPECT_THAT(rc, ReturnsErrno(0)) << "pthread_kill";
    const bool ran = rc == 0 && WaitReadable(notify.r.get());
    hold.w.reset();  // let the thread go whatever happened
    target.join();
    ASSERT_TRUE(ran) << "the SIGUSR1 handler did not run within 5 s of pthread_kill()";
    EXPECT_EQ(g_handled_tag.load(), 2) << "the handler should run in the target thread (tag 2), but it ran in "
                                       << (g_handled_tag.load() == 1 ? "the sending main thread" : "no thread");
  });
  ExpectCleanExit(c.Wait(), "child with two threads");
}

}  // namespace
