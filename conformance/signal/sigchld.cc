// SIGCHLD: sigaction(2) siginfo_t, SA_NOCLDSTOP, SA_NOCLDWAIT; wait(2) NOTES (SIG_IGN).
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

// In the forked parent: accepts the next SIGCHLD (blocked) and checks what it reports.
void ExpectSigchld(pid_t child, int code, int status, const std::string& event) {
  const auto info = ExpectAccepted(SIGCHLD, "after " + event);
  if (!info) return;
  EXPECT_EQ(info->si_signo, SIGCHLD) << "si_signo";
  EXPECT_EQ(info->si_code, code) << "after " << event << ", si_code should be " << CldCodeName(code) << ", but it is "
                                 << CldCodeName(info->si_code);
  EXPECT_EQ(info->si_pid, child) << "si_pid should be the child's pid";
  EXPECT_EQ(info->si_uid, getuid()) << "si_uid should be the child's real uid";
  EXPECT_EQ(info->si_status, status) << "after " << event << ", si_status should be " << status << " ("
                                     << (code == CLD_EXITED ? "the exit status" : SignalName(status)) << ")";
}

// A forked parent process (the case process's SIGCHLD is left alone) with SIGCHLD blocked and a child
// held in read(); `parent(child)` runs there.
void AsParentOfHeldChild(const std::function<void(Child&)>& parent) {
  InChild("parent process", [&] {
    Block({SIGCHLD});
    Pipe hold = MakePipe();
    Child child = HeldChild(hold);
    parent(child);
  });
}

// In the parent: stops the child with SIGSTOP and expects the SIGCHLD that reports it.
void StopAndExpectCldStopped(Child& child) {
  ASSERT_THAT(kill(child.pid(), SIGSTOP), SyscallSucceeds());
  ExpectSigchld(child.pid(), CLD_STOPPED, SIGSTOP, "the child was stopped by SIGSTOP");
}

IPC_CASE(signal, sigchld, child_exit_reports_cld_exited,
         .title = "a child's exit sends SIGCHLD with si_code CLD_EXITED, si_pid and the exit status in si_status",
         .covers = {"sigaction.CLD_EXITED", "sigaction.sigchld_siginfo_describes_child"},
         .statement = "SIGCHLD fills in si_pid, si_uid, si_status, si_utime, and si_stime, providing "
                      "information about the child. The si_pid field is the process ID of the child; si_uid is "
                      "the child's real user ID. The si_status field contains the exit status of the child (if "
                      "si_code is CLD_EXITED) ... CLD_EXITED Child has exited.",
         .refs = {"sigaction(2) The siginfo_t argument, The si_code field (SIGCHLD)",
                  "POSIX.1-2017 <signal.h> CLD_EXITED", "POSIX.1-2017 XSH 2.4.3 (SIGCHLD)"},
         .cls = Conformance::posix) {
  InChild("parent process", [] {
    Block({SIGCHLD});
    Child child = Fork([] { _exit(7); });
    ExpectSigchld(child.pid(), CLD_EXITED, 7, "the child called _exit(7)");
    const int status = child.Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) << "the child " << DescribeWaitStatus(status);
  });
}

IPC_CASE(signal, sigchld, killed_child_reports_cld_killed,
         .title = "a child killed by a signal sends SIGCHLD with si_code CLD_KILLED and the signal in si_status",
         .covers = {"sigaction.CLD_KILLED", "sigaction.sigchld_siginfo_describes_child"},
         .statement = "The si_status field contains the exit status of the child (if si_code is CLD_EXITED), "
                      "or the signal number that caused the process to change state. ... CLD_KILLED Child was "
                      "killed.",
         .refs = {"sigaction(2) The siginfo_t argument, The si_code field (SIGCHLD)",
                  "POSIX.1-2017 <signal.h> CLD_KILLED"},
         .cls = Conformance::posix) {
  AsParentOfHeldChild([](Child& child) {
    ASSERT_THAT(kill(child.pid(), SIGKILL), SyscallSucceeds());
    ExpectSigchld(child.pid(), CLD_KILLED, SIGKILL, "the child was killed by SIGKILL");
    ExpectKilledBy(child.Wait(), SIGKILL, "child");
  });
}

IPC_CASE(signal, sigchld, stopped_child_reports_cld_stopped,
         .title = "a child stopped by SIGSTOP sends SIGCHLD with si_code CLD_STOPPED and SIGSTOP in si_status",
         .covers = {"sigaction.CLD_STOPPED", "sigaction.sigchld_siginfo_describes_child"},
         .statement = "SIGCHLD P1990 Ign Child stopped or terminated. ... The si_status field contains ... the "
                      "signal number that caused the process to change state. ... CLD_STOPPED Child has "
                      "stopped.",
         .refs = {"signal(7) Standard signals", "sigaction(2) The si_code field (SIGCHLD)",
                  "POSIX.1-2017 <signal.h> CLD_STOPPED"},
         .cls = Conformance::posix) {
  AsParentOfHeldChild(StopAndExpectCldStopped);
}

IPC_CASE(signal, sigchld, continued_child_reports_cld_continued,
         .title = "a stopped child resumed by SIGCONT sends SIGCHLD with si_code CLD_CONTINUED",
         .covers = {"sigaction.CLD_CONTINUED", "sigaction.CLD_STOPPED"},
         .statement = "The si_status field contains the exit status of the child (if si_code is CLD_EXITED), "
                      "or the signal number that caused the process to change state. ... CLD_CONTINUED (since "
                      "Linux 2.6.9) Stopped child has continued.",
         .refs = {"sigaction(2) The siginfo_t argument, The si_code field (SIGCHLD)", "wait(2) waitid() si_status",
                  "POSIX.1-2017 <signal.h> CLD_CONTINUED"},
         .cls = Conformance::posix) {
  AsParentOfHeldChild([](Child& child) {
    ASSERT_NO_FATAL_FAILURE(StopAndExpectCldStopped(child));
    ASSERT_THAT(kill(child.pid(), SIGCONT), SyscallSucceeds());
    ExpectSigchld(child.pid(), CLD_CONTINUED, SIGCONT, "the stopped child was sent SIGCONT");
  });
}

void NoopHandler(int) {}

IPC_CASE(signal, sigchld, sa_nocldstop_suppresses_stop_notification,
         .title = "with SA_NOCLDSTOP, a child stopping or continuing sends no SIGCHLD; its exit still does",
         .covers = {"sigaction.SA_NOCLDSTOP"},
         .statement = "SA_NOCLDSTOP If signum is SIGCHLD, do not receive notification when child processes stop "
                      "(i.e., when they receive one of SIGSTOP, SIGTSTP, SIGTTIN, or SIGTTOU) or resume (i.e., "
                      "they receive SIGCONT) (see wait(2)).",
         .refs = {"sigaction(2) SA_NOCLDSTOP", "POSIX.1-2017 sigaction() SA_NOCLDSTOP"}, .cls = Conformance::posix) {
  InChild("parent process", [] {
    SetHandler(SIGCHLD, NoopHandler, SA_NOCLDSTOP);
    Block({SIGCHLD});
    Pipe resumed = MakePipe();
    Pipe hold = MakePipe();
    Child child = HeldChild(hold, [&] {
      raise(SIGSTOP);
      char b = 'r';
      // Once this runs, the continue notification (if any) has been sent: the kernel sends it before
      // the resumed child returns to user code. The child then stays until the parent has looked.
      ssize_t n = write(resumed.w.get(), &b, 1);
      (void)n;
    });
    auto stopped = child.WaitFor(WUNTRACED, kDefaultWait);
    ASSERT_TRUE(stopped && WIFSTOPPED(*stopped)) << "the child did not stop within 5 s";
    ASSERT_THAT(kill(child.pid(), SIGCONT), SyscallSucceeds());
    ASSERT_TRUE(ReadableWithin(resumed.r.get(), kDefaultWait)) << "the child did not resume within 5 s of SIGCONT";
    EXPECT_FALSE(Has(PendingSet(), SIGCHLD))
        << "with SA_NOCLDSTOP neither the stop nor the continue of the child may send SIGCHLD";
    hold.w.reset();
    ExpectCleanExit(child.Wait(), "child");
    ExpectSigchld(child.pid(), CLD_EXITED, 0, "the child exited (SA_NOCLDSTOP does not suppress this)");
  });
}

// In a forked parent with the given SIGCHLD action: a child that ends while the parent waits for it
// in waitpid(); returns from the case only after the probe saw the parent blocked in wait4.
void ExpectAutoReap(void (*handler)(int), int flags, const std::string& how) {
  Pipe hold = MakePipe();
  Child parent = Fork([&] {
    SetHandler(SIGCHLD, handler, flags);
    const pid_t child = fork();
    if (child < 0) ThrowHarnessError("fork: " + ErrnoName(errno));
    if (child == 0) {
      hold.w.reset();
      char b;
      ssize_t n = read(hold.r.get(), &b, 1);  // ends when the case closes the write end
      (void)n;
      _exit(0);
    }
    hold.w.reset();
    int status = 0;
    const pid_t r = waitpid(child, &status, 0);
    const int err = errno;
    EXPECT_EQ(r, -1) << "with " << how << ", a terminated child does not become a zombie and waitpid() "
                     << "fails with ECHILD once it has terminated; it returned " << r << " ("
                     << DescribeWaitStatus(status) << ")";
    if (r == -1) {
      EXPECT_EQ(err, ECHILD) << "waitpid failed with " << ErrnoName(err) << " instead of ECHILD";
    }
  });
  // The parent waits in waitpid while its child lives ...
  IPCC_ASSERT_BLOCKED(parent.pid(), SYS_wait4, SYS_waitid);
  // ... until the child ends.
  hold.w.reset();
  ExpectCleanExit(parent.Wait(), "parent process");
}

IPC_CASE(signal, sigchld, sa_nocldwait_prevents_zombies,
         .title = "with SA_NOCLDWAIT, terminated children do not become zombies: waitpid blocks, then ECHILD",
         .covers = {"sigaction.SA_NOCLDWAIT"},
         .statement = "SA_NOCLDWAIT (since Linux 2.6) If signum is SIGCHLD, do not transform children into "
                      "zombies when they terminate. ... POSIX.1-2001 specifies that if ... the SA_NOCLDWAIT "
                      "flag is set for SIGCHLD ..., then children that terminate do not become zombies and a "
                      "call to wait() or waitpid() will block until all children have terminated, and then "
                      "fail with errno set to ECHILD.",
         .refs = {"sigaction(2) SA_NOCLDWAIT", "wait(2) NOTES", "POSIX.1-2017 sigaction() SA_NOCLDWAIT",
                  "POSIX.1-2017 wait()"},
         .cls = Conformance::posix) {
  ExpectAutoReap(SIG_DFL, SA_NOCLDWAIT, "SA_NOCLDWAIT");
}

IPC_CASE(signal, sigchld, sig_ign_auto_reaps_children,
         .title = "with SIGCHLD set to SIG_IGN, terminated children are reaped: waitpid blocks, then ECHILD",
         .covers = {"sigaction.sigchld_sig_ign_prevents_zombies"},
         .statement = "POSIX.1-2001 specifies that if the disposition of SIGCHLD is set to SIG_IGN ..., then "
                      "children that terminate do not become zombies and a call to wait() or waitpid() will "
                      "block until all children have terminated, and then fail with errno set to ECHILD.",
         .refs = {"wait(2) NOTES", "wait(2) ECHILD", "sigaction(2) NOTES (SIGCHLD SIG_IGN)",
                  "POSIX.1-2017 XSH 2.4.3 (SIGCHLD SIG_IGN)"},
         .cls = Conformance::posix) {
  ExpectAutoReap(SIG_IGN, 0, "SIGCHLD set to SIG_IGN");
}

}  // namespace
