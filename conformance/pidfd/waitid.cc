// wait(2) waitid(), waitid(3posix): the child sets (P_PID, P_PIDFD, P_PGID, P_ALL), the state changes
// (WEXITED, WSTOPPED, WCONTINUED), WNOHANG and WNOWAIT, what the siginfo_t says, and the errors.
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pidfd.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::pidfd;

void NoopHandler(int) {}

// An option bit no kernel defines for waitid.
constexpr int kUnknownOption = 0x10000;

id_t Id(pid_t pid) {
  return static_cast<id_t>(pid);
}

// waitid(idtype, id, &info, options) that must report child `c`: expects it to succeed and name `c` in
// si_pid, and lets `c` go when the report was of its end (reaped here). False when it named another.
bool ExpectWaited(Child& c, idtype_t idtype, id_t id, siginfo_t* info, int options, const std::string& what) {
  *info = Garbage();
  const int r = waitid(idtype, id, info, options);
  EXPECT_THAT(r, SyscallSucceeds()) << what;
  if (r != 0) return false;
  EXPECT_EQ(info->si_pid, c.pid()) << what << ": waitid must report child " << c.pid() << "; it stored "
                                   << Describe(*info);
  if (info->si_pid != c.pid()) return false;
  const bool ended = info->si_code == CLD_EXITED || info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED;
  if (ended && !(options & WNOWAIT)) c.Release();  // reaped here
  return true;
}

IPC_CASE(pidfd, waitid, p_pidfd_reaps_child,
         .title = "waitid(P_PIDFD) with a pidfd of a child waits for that child, reports and reaps it",
         .covers = {"P_PIDFD", "pidfd_open.refers_to_child", "pidfd_open.child_pidfd_waitable"},
         .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 4)) {
  AsParent("parent waiting through a pidfd", [] {
    Child other = Fork([] { _exit(2); });  // terminated first: it must not be the one reported
    AwaitWaitableOrThrow(other.pid(), WEXITED, "the other child did not terminate");
    Held c(12);
    const pid_t pid = c.pid();
    UniqueFd fd = Open(pid);
    c.Release();
    siginfo_t si{};
    if (ExpectWaited(c.child, P_PIDFD, static_cast<id_t>(fd.get()), &si, WEXITED, "waitid(P_PIDFD, pidfd, WEXITED)")) {
      ExpectReport(si, pid, CLD_EXITED, 12, "the child the pidfd refers to");
      EXPECT_THAT(kill(pid, 0), SyscallFailsWithErrno(ESRCH)) << "the child must have been reaped";
    }
    ExpectExitStatus(other.Wait(), 2, "the other child (still waitable)");
  });
}

IPC_CASE(pidfd, waitid, nonblocking_pidfd_running_child_fails_eagain,
         .title = "waitid(P_PIDFD) on a PIDFD_NONBLOCK pidfd of a running child fails with EAGAIN at once",
         .covers = {"EAGAIN", "pidfd_open.PIDFD_NONBLOCK"}, .cls = Conformance::linux_specific,
         .needs = need::MinKernel(5, 10)) {
  AsParent("parent of a running child", [] {
    Held c;
    UniqueFd fd = Open(c.pid(), PIDFD_NONBLOCK);
    siginfo_t si = Garbage();
    EXPECT_THAT(waitid(P_PIDFD, static_cast<id_t>(fd.get()), &si, WEXITED), SyscallFailsWithErrno(EAGAIN))
        << "the pidfd is nonblocking and the child has not terminated";
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitid, nonblocking_pidfd_reaps_terminated_child,
         .title = "waitid(P_PIDFD) on a PIDFD_NONBLOCK pidfd reaps the child once it has terminated",
         .covers = {"pidfd_open.PIDFD_NONBLOCK"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 10)) {
  AsParent("parent of a terminated child", [] {
    Child c = Fork([] { _exit(14); });
    const pid_t pid = c.pid();
    UniqueFd fd = Open(pid, PIDFD_NONBLOCK);
    AwaitWaitableOrThrow(pid, WEXITED, "the child did not terminate");
    siginfo_t si{};
    if (ExpectWaited(c, P_PIDFD, static_cast<id_t>(fd.get()), &si, WEXITED, "waitid on the nonblocking pidfd")) {
      ExpectReport(si, pid, CLD_EXITED, 14, "the terminated child");
    }
  });
}

IPC_CASE(pidfd, waitid, p_pidfd_waits_child_in_child_pid_namespace,
         .title = "waitid(P_PIDFD) waits for a child that is pid 1 of a child PID namespace and reports its pid here",
         .covers = {"p_pidfd_across_pid_namespaces"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("pid_namespace") | need::MinKernel(5, 4)) {
  AsParent("process that made a new PID namespace", [] {
    IPCC_SETUP(unshare(CLONE_NEWPID));
    Child inner = Fork([] {
      if (getpid() != 1) _exit(100);  // set-up: not the first process of the new namespace
      _exit(17);
    });
    const pid_t pid = inner.pid();  // as this, the parent, namespace numbers it
    UniqueFd fd = Open(pid);
    siginfo_t si{};
    if (ExpectWaited(inner, P_PIDFD, static_cast<id_t>(fd.get()), &si, WEXITED,
                     "waitid(P_PIDFD) for pid 1 of the child PID namespace")) {
      ExpectReport(si, pid, CLD_EXITED, 17, "the child in the child PID namespace (100: it was not pid 1 there)");
    }
  });
}

IPC_CASE(pidfd, waitid, p_pid_waits_for_that_child,
         .title = "waitid(P_PID, pid) waits for that child only, not for another that terminated",
         .covers = {"P_PID"}) {
  AsParent("parent of two children", [] {
    Child done = Fork([] { _exit(3); });
    Held held;
    AwaitWaitableOrThrow(done.pid(), WEXITED, "the other child did not terminate");
    siginfo_t si = Garbage();
    ASSERT_THAT(waitid(P_PID, Id(held.pid()), &si, WEXITED | WNOHANG), SyscallSucceeds());
    EXPECT_EQ(si.si_pid, 0) << "another child terminated, but P_PID names the child that still runs; waitid stored "
                            << Describe(si);
    held.Release();
    const pid_t pid = held.pid();
    if (ExpectWaited(held.child, P_PID, Id(pid), &si, WEXITED, "once the named child ended")) {
      ExpectReport(si, pid, CLD_EXITED, 0, "the named child");
    }
    ExpectExitStatus(done.Wait(), 3, "the other child (still waitable)");
  });
}

IPC_CASE(pidfd, waitid, p_pgid_waits_for_that_group,
         .title = "waitid(P_PGID, pgid) waits for children of that process group, not for one of another group",
         .covers = {"P_PGID"}) {
  AsParent("parent of children in two process groups", [] {
    HeldInOwnGroup grouped;
    Child other = Fork([] { _exit(1); });
    AwaitWaitableOrThrow(other.pid(), WEXITED, "the child in the caller's group did not terminate");
    const pid_t group = grouped.pid();
    siginfo_t si = Garbage();
    ASSERT_THAT(waitid(P_PGID, Id(group), &si, WEXITED | WNOHANG), SyscallSucceeds());
    EXPECT_EQ(si.si_pid, 0) << "the only terminated child is not in process group " << group << "; waitid stored "
                            << Describe(si);
    grouped.Release();
    if (ExpectWaited(grouped.child, P_PGID, Id(group), &si, WEXITED, "the child of the named group")) {
      ExpectReport(si, group, CLD_EXITED, 0, "the child of the named group");
    }
    ExpectExitStatus(other.Wait(), 1, "the other child");
  });
}

IPC_CASE(pidfd, waitid, p_pgid_zero_means_own_group,
         .title = "waitid(P_PGID, 0) waits for children in the caller's process group, not for one in another group",
         .covers = {"p_pgid_zero_own_group"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 4)) {
  AsParent("parent of children in two process groups", [] {
    HeldInOwnGroup grouped;
    IPCC_SETUP(kill(grouped.pid(), SIGKILL));  // terminated, in another group
    AwaitWaitableOrThrow(grouped.pid(), WEXITED, "the child in another group did not terminate");
    Held same;
    siginfo_t si = Garbage();
    ASSERT_THAT(waitid(P_PGID, 0, &si, WEXITED | WNOHANG), SyscallSucceeds());
    EXPECT_EQ(si.si_pid, 0) << "the only terminated child is in another process group; waitid stored " << Describe(si);
    same.Release();
    const pid_t pid = same.pid();
    if (ExpectWaited(same.child, P_PGID, 0, &si, WEXITED, "the child in the caller's group")) {
      ExpectReport(si, pid, CLD_EXITED, 0, "the child in the caller's group");
    }
    ExpectKilledBy(grouped.child.Wait(), SIGKILL, "the child in another group");
  });
}

IPC_CASE(pidfd, waitid, p_all_waits_for_any_child, .title = "waitid(P_ALL) reports whichever child terminated",
         .covers = {"P_ALL"}) {
  AsParent("parent of two children", [] {
    Held held;
    Child done = Fork([] { _exit(4); });
    const pid_t pid = done.pid();
    siginfo_t si{};
    // id is ignored for P_ALL: a pid no child has.
    if (ExpectWaited(done, P_ALL, Id(held.pid() + 1000), &si, WEXITED, "waitid(P_ALL) while another child runs")) {
      ExpectReport(si, pid, CLD_EXITED, 4, "the terminated child");
    }
    held.Release();
    ExpectCleanExit(held.child.Wait(), "the other child");
  });
}

IPC_CASE(pidfd, waitid, wexited_reports_exit_status,
         .title = "waitid(WEXITED) reports a child that called _exit(21) with CLD_EXITED and si_status 21",
         .covers = {"WEXITED", "CLD_EXITED"}) {
  AsParent("parent", [] {
    Child c = Fork([] { _exit(21); });
    const pid_t pid = c.pid();
    siginfo_t si{};
    if (ExpectWaited(c, P_PID, Id(pid), &si, WEXITED, "waitid(P_PID, WEXITED)")) {
      ExpectReport(si, pid, CLD_EXITED, 21, "the child that called _exit(21)");
    }
  });
}

IPC_CASE(pidfd, waitid, killed_child_reports_cld_killed,
         .title = "waitid reports a child killed by SIGKILL with CLD_KILLED and si_status SIGKILL",
         .covers = {"CLD_KILLED"}) {
  AsParent("parent", [] {
    Held c;
    const pid_t pid = c.pid();
    IPCC_SETUP(kill(pid, SIGKILL));
    siginfo_t si{};
    if (ExpectWaited(c.child, P_PID, Id(pid), &si, WEXITED, "waitid for the killed child")) {
      ExpectReport(si, pid, CLD_KILLED, SIGKILL, "the child killed by SIGKILL");
    }
  });
}

IPC_CASE(pidfd, waitid, wstopped_reports_stopped_child,
         .title = "waitid(WSTOPPED) reports a child stopped by SIGSTOP with CLD_STOPPED and si_status SIGSTOP",
         .covers = {"WSTOPPED", "CLD_STOPPED"}) {
  AsParent("parent", [] {
    Held c;
    const pid_t pid = c.pid();
    IPCC_SETUP(kill(pid, SIGSTOP));
    siginfo_t si{};
    if (ExpectWaited(c.child, P_PID, Id(pid), &si, WSTOPPED, "waitid(WSTOPPED) for the stopped child")) {
      ExpectReport(si, pid, CLD_STOPPED, SIGSTOP, "the stopped child");
    }
    IPCC_SETUP(kill(pid, SIGCONT));
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitid, wcontinued_reports_continued_child,
         .title = "waitid(WCONTINUED) reports a stopped child resumed by SIGCONT with CLD_CONTINUED",
         .covers = {"WCONTINUED", "CLD_CONTINUED"}) {
  AsParent("parent", [] {
    Held c;
    const pid_t pid = c.pid();
    StopAndAwait(pid);
    IPCC_SETUP(kill(pid, SIGCONT));
    siginfo_t si{};
    if (ExpectWaited(c.child, P_PID, Id(pid), &si, WCONTINUED, "waitid(WCONTINUED) for the resumed child")) {
      ExpectReport(si, pid, CLD_CONTINUED, SIGCONT, "the resumed child");
    }
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitid, traced_child_reports_cld_trapped,
         .title = "waitid reports a traced child that stopped for its tracer with CLD_TRAPPED and the signal",
         .covers = {"CLD_TRAPPED"}, .refs = {"ptrace(2) PTRACE_TRACEME"}) {
  AsParent("tracer", [] {
    Child c = Fork([] {
      IPCC_SETUP(ptrace(PTRACE_TRACEME, 0, nullptr, nullptr));
      raise(SIGUSR2);  // a signal-delivery stop; the tracer resumes it without the signal
    });
    const pid_t pid = c.pid();
    siginfo_t si{};
    if (!ExpectWaited(c, P_PID, Id(pid), &si, WSTOPPED, "waitid(WSTOPPED) for the traced child")) return;
    ExpectReport(si, pid, CLD_TRAPPED, SIGUSR2, "the traced child stopped for SIGUSR2");
    if (si.si_code == CLD_TRAPPED || si.si_code == CLD_STOPPED) {
      IPCC_SETUP(ptrace(PTRACE_CONT, pid, nullptr, nullptr));  // signal 0: SIGUSR2 is dropped
      ExpectCleanExit(c.Wait(), "the traced child");
    }
  });
}

IPC_CASE(pidfd, waitid, wnohang_returns_zero_and_clears_siginfo,
         .title = "waitid with WNOHANG and no waitable child returns 0 at once with si_pid and si_signo zeroed",
         .covers = {"WNOHANG"}) {
  AsParent("parent of a running child", [] {
    Held c;
    siginfo_t si = Garbage();
    EXPECT_THAT(waitid(P_PID, Id(c.pid()), &si, WEXITED | WNOHANG), SyscallSucceedsWithValue(0))
        << "the child runs: nothing to report";
    EXPECT_TRUE(si.si_pid == 0 && si.si_signo == 0)
        << "with WNOHANG and nothing to report si_pid and si_signo must be 0; waitid left " << Describe(si);
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitid, wnowait_leaves_child_waitable,
         .title = "waitid with WNOWAIT reports a terminated child and leaves it to be reported again",
         .covers = {"WNOWAIT"}) {
  AsParent("parent", [] {
    Child c = Fork([] { _exit(13); });
    const pid_t pid = c.pid();
    siginfo_t si{};
    for (int i = 1; i <= 2; ++i) {
      if (!ExpectWaited(c, P_PID, Id(pid), &si, WEXITED | WNOWAIT, "waitid(WNOWAIT) call " + std::to_string(i))) {
        return;
      }
      ExpectReport(si, pid, CLD_EXITED, 13, "waitid(WNOWAIT) call " + std::to_string(i));
    }
    if (ExpectWaited(c, P_PID, Id(pid), &si, WEXITED | WNOHANG, "waitid without WNOWAIT after two with it")) {
      ExpectReport(si, pid, CLD_EXITED, 13, "waitid without WNOWAIT");
    }
  });
}

IPC_CASE(pidfd, waitid, stop_reported_once,
         .title = "a stop reported by waitid(WSTOPPED) without WNOWAIT is not reported again; one reported with "
                  "WNOWAIT is",
         .covers = {"status_reported_once"}) {
  AsParent("parent", [] {
    Held c;
    const pid_t pid = c.pid();
    IPCC_SETUP(kill(pid, SIGSTOP));
    siginfo_t si{};
    if (!ExpectWaited(c.child, P_PID, Id(pid), &si, WSTOPPED | WNOWAIT, "waitid(WSTOPPED|WNOWAIT)")) return;
    if (!ExpectWaited(c.child, P_PID, Id(pid), &si, WSTOPPED | WNOHANG,
                      "waitid(WSTOPPED) after a report with WNOWAIT")) {
      return;
    }
    ExpectReport(si, pid, CLD_STOPPED, SIGSTOP, "the stop, reported again after WNOWAIT");
    si = Garbage();
    ASSERT_THAT(waitid(P_PID, Id(pid), &si, WSTOPPED | WNOHANG), SyscallSucceeds());
    EXPECT_EQ(si.si_pid, 0) << "the stop was already reported (and consumed); waitid stored " << Describe(si);
    IPCC_SETUP(kill(pid, SIGCONT));
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitid, siginfo_describes_child,
         .title = "waitid sets si_signo SIGCHLD, si_pid, si_uid (the child's real uid) and si_status",
         .covers = {"siginfo_describes_child"}, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  AsParent("parent", [&] {
    Child c = Fork([&] {
      DropPrivileges(nobody);
      _exit(3);
    });
    const pid_t pid = c.pid();
    siginfo_t si{};
    if (!ExpectWaited(c, P_PID, Id(pid), &si, WEXITED,
                      "waitid for a child running as uid " + std::to_string(nobody.uid))) {
      return;
    }
    ExpectReport(si, pid, CLD_EXITED, 3, "the child that called _exit(3)");
    EXPECT_EQ(si.si_uid, nobody.uid) << "si_uid must be the child's real uid; waitid stored " << Describe(si);
  });
}

IPC_CASE(pidfd, waitid, blocks_until_child_terminates,
         .title = "waitid(WEXITED) for a running child blocks until that child terminates",
         .covers = {"blocks_until_matching_change"}) {
  Gate gate;
  Child parent = Fork([&] {
    Child c = ForkHeld(gate, 5);
    const pid_t pid = c.pid();
    siginfo_t si{};
    if (ExpectWaited(c, P_PID, Id(pid), &si, WEXITED, "once the child was let go")) {
      ExpectReport(si, pid, CLD_EXITED, 5, "the child");
    }
  });
  IPCC_ASSERT_BLOCKED(parent.pid(), SYS_waitid);
  gate.Open();
  ExpectReleased(parent, "parent blocked in waitid, after its child was let go");
}

IPC_CASE(pidfd, waitid, matching_status_returns_at_once,
         .title = "waitid for a child whose termination is already available returns at once",
         .covers = {"matching_status_returns_at_once"}) {
  AsParent(
      "parent of a terminated child",
      [] {
        Child c = Fork([] { _exit(0); });
        const pid_t pid = c.pid();
        AwaitWaitableOrThrow(pid, WEXITED, "the child did not terminate");
        siginfo_t si{};
        ExpectWaited(c, P_PID, Id(pid), &si, WEXITED, "a child that had already terminated");
      },
      kDefaultWait + kReturnBound);
}

IPC_CASE(pidfd, waitid, no_children_fails_echild,
         .title = "waitid(P_ALL) in a process without children fails with ECHILD", .covers = {"ECHILD"}) {
  AsParent("process without children", [] {
    siginfo_t si = Garbage();
    EXPECT_THAT(waitid(P_ALL, 0, &si, WEXITED), SyscallFailsWithErrno(ECHILD)) << "the caller has never had a child";
  });
}

IPC_CASE(pidfd, waitid, non_child_pid_fails_echild,
         .title = "waitid(P_PID) of a process that is not a child of the caller fails with ECHILD",
         .covers = {"ECHILD"}) {
  AsParent("process with a parent and a child", [] {
    Held c;  // a child exists, but not the one named
    siginfo_t si = Garbage();
    EXPECT_THAT(waitid(P_PID, Id(getppid()), &si, WEXITED), SyscallFailsWithErrno(ECHILD)) << "the caller's parent";
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitid, interrupted_by_handler_fails_eintr,
         .title = "a blocked waitid interrupted by a signal handler installed without SA_RESTART fails with EINTR",
         .covers = {"EINTR"}) {
  Gate gate;
  Child waiter = Fork([&] {
    signals::SetHandler(SIGUSR1, NoopHandler, 0);
    Child c = ForkHeld(gate);
    siginfo_t si = Garbage();
    const int r = waitid(P_PID, Id(c.pid()), &si, WEXITED);
    EXPECT_THAT(r, SyscallFailsWithErrno(EINTR)) << "SIGUSR1 was caught while waitid was blocked";
    if (r == 0 && si.si_pid == c.pid()) c.Release();  // a deviating waitid reaped it
    gate.Open();
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_waitid);
  waiter.Signal(SIGUSR1);
  ExpectReleased(waiter, "process blocked in waitid, after SIGUSR1 was caught");
}

IPC_CASE(pidfd, waitid, no_state_flag_fails_einval,
         .title = "waitid with none of WEXITED, WSTOPPED and WCONTINUED in options fails with EINVAL",
         .covers = {"EINVAL"}) {
  AsParent("parent of a terminated child", [] {
    Child c = Fork([] { _exit(0); });
    AwaitWaitableOrThrow(c.pid(), WEXITED, "the child did not terminate");
    siginfo_t si = Garbage();
    const int r = waitid(P_PID, Id(c.pid()), &si, WNOHANG);
    EXPECT_THAT(r, SyscallFailsWithErrno(EINVAL)) << "options WNOHANG alone names no state change to wait for";
    if (r == 0 && si.si_pid == c.pid()) c.Release();  // a deviating waitid reaped it
  });
}

IPC_CASE(pidfd, waitid, unknown_option_fails_einval,
         .title = "waitid with an option bit it does not define fails with EINVAL", .covers = {"EINVAL"}) {
  AsParent("parent of a terminated child", [] {
    Child c = Fork([] { _exit(0); });
    AwaitWaitableOrThrow(c.pid(), WEXITED, "the child did not terminate");
    siginfo_t si = Garbage();
    const int r = waitid(P_PID, Id(c.pid()), &si, WEXITED | WNOHANG | kUnknownOption);
    EXPECT_THAT(r, SyscallFailsWithErrno(EINVAL)) << "options WEXITED | WNOHANG | 0x10000";
    if (r == 0 && si.si_pid == c.pid()) c.Release();  // a deviating waitid reaped it
  });
}

IPC_CASE(pidfd, waitid, unknown_idtype_fails_einval,
         .title = "waitid with an idtype that names no set of processes fails with EINVAL", .covers = {"EINVAL"}) {
  AsParent("parent of a terminated child", [] {
    Child c = Fork([] { _exit(0); });
    AwaitWaitableOrThrow(c.pid(), WEXITED, "the child did not terminate");
    siginfo_t si = Garbage();
    const int r = waitid(static_cast<idtype_t>(42), Id(c.pid()), &si, WEXITED | WNOHANG);
    EXPECT_THAT(r, SyscallFailsWithErrno(EINVAL)) << "idtype 42 is none of P_ALL, P_PID, P_PGID, P_PIDFD";
    if (r == 0 && si.si_pid == c.pid()) c.Release();  // a deviating waitid reaped it
  });
}

IPC_CASE(pidfd, waitid, wclone_reports_clone_child,
         .title = "waitid reports a clone child with __WCLONE and fails with ECHILD for it without",
         .covers = {"wclone_accepted"}, .refs = {"clone(2) The child termination signal"},
         .cls = Conformance::linux_specific) {
  AsParent("parent of a clone child", [] {
    const pid_t c = CloneChild(15);
    siginfo_t si = Garbage();
    EXPECT_THAT(waitid(P_PID, Id(c), &si, WEXITED), SyscallFailsWithErrno(ECHILD))
        << "without __WCLONE waitid waits only for children that signal SIGCHLD at their end";
    si = Garbage();
    EXPECT_THAT(waitid(P_PID, Id(c), &si, WEXITED | __WCLONE), SyscallSucceeds()) << "waitid(WEXITED | __WCLONE)";
    EXPECT_TRUE(si.si_pid == c && si.si_code == CLD_EXITED && si.si_status == 15)
        << "expected the clone child's _exit(15); waitid stored " << Describe(si);
  });
}

IPC_CASE(pidfd, waitid, raw_call_fills_rusage,
         .title = "the raw waitid system call stores the child's resource usage in its fifth argument",
         .covers = {"raw_call_fills_rusage"}, .refs = {"getrusage(2) ru_maxrss"}, .cls = Conformance::linux_specific,
         .raw_syscalls = "waitid: the raw system call, for its fifth argument (struct rusage *), which the C "
                         "library's waitid() does not take") {
  AsParent("parent", [] {
    Child c = Fork([] { _exit(0); });
    const pid_t pid = c.pid();
    siginfo_t si = Garbage();
    rusage ru;
    std::memset(&ru, 0, sizeof ru);
    const long r = syscall(SYS_waitid, P_PID, pid, &si, WEXITED, &ru);
    ASSERT_THAT(r, SyscallSucceeds()) << "the raw waitid with a struct rusage";
    if (si.si_pid == pid) c.Release();  // reaped here
    EXPECT_EQ(si.si_pid, pid) << "waitid stored " << Describe(si);
    EXPECT_GT(ru.ru_maxrss, 0) << "the child's ru_maxrss: a process that ran had some memory resident";
  });
}

IPC_CASE(pidfd, waitid, null_infop_returns_child_pid,
         .title = "waitid with infop NULL succeeds and returns the pid of the child it waited for",
         .covers = {"null_infop_returns_pid"}, .cls = Conformance::linux_specific) {
  AsParent("parent", [] {
    Child c = Fork([] { _exit(0); });
    const pid_t pid = c.pid();
    AwaitWaitableOrThrow(pid, WEXITED, "the child did not terminate");
    const int r = waitid(P_PID, Id(pid), nullptr, WEXITED);
    const int err = errno;
    if (kill(pid, 0) != 0) c.Release();  // reaped by the call
    EXPECT_EQ(r, pid) << "wait(2) BUGS: on Linux waitid with a NULL infop succeeds and returns the pid of the "
                         "waited-for child; it returned "
                      << r << (r < 0 ? " (" + ErrnoName(err) + ")" : "");
  });
}

}  // namespace
