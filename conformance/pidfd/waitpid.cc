// wait(2) waitpid(): which children a pid selects, the options, the status macros, and the Linux notes on
// threads and clone children.
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pidfd.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::pidfd;

void NoopHandler(int) {}

// An option bit no kernel defines for waitpid (wait4): not WNOHANG, WUNTRACED, WCONTINUED or a __W flag.
constexpr int kUnknownOption = 0x10000;

// waitpid(pid, &status, options) that must report child `c`: expects it to, and then lets `c` go
// (reaped here). False, with a failure, when it returned something else.
bool ExpectReaped(Child& c, pid_t pid, int* status, int options, const std::string& what) {
  const pid_t r = waitpid(pid, status, options);
  const int err = errno;
  EXPECT_EQ(r, c.pid()) << what << ": waitpid(" << pid << ") must report child " << c.pid() << "; it returned " << r
                        << (r < 0 ? " (" + ErrnoName(err) + ")" : "");
  if (r != c.pid()) return false;
  c.Release();  // reaped here
  return true;
}

IPC_CASE(pidfd, waitpid, wnohang_returns_zero_while_child_runs,
         .title = "waitpid with WNOHANG returns 0 at once while the child it names runs", .covers = {"WNOHANG"}) {
  AsParent("parent calling waitpid(WNOHANG)", [] {
    Held c;
    int status = 0;
    EXPECT_THAT(waitpid(c.pid(), &status, WNOHANG), SyscallSucceedsWithValue(0))
        << "the child exists and has not changed state";
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitpid, wuntraced_reports_stopped_child,
         .title = "waitpid with WUNTRACED reports a child stopped by SIGSTOP: WIFSTOPPED, WSTOPSIG SIGSTOP",
         .covers = {"WUNTRACED"}) {
  AsParent("parent calling waitpid(WUNTRACED)", [] {
    Held c;
    IPCC_SETUP(kill(c.pid(), SIGSTOP));
    int status = 0;
    ASSERT_THAT(waitpid(c.pid(), &status, WUNTRACED), SyscallSucceedsWithValue(c.pid()));
    EXPECT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP)
        << "expected \"stopped by SIGSTOP\", but the child " << DescribeWaitStatus(status);
    IPCC_SETUP(kill(c.pid(), SIGCONT));
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitpid, wcontinued_reports_continued_child,
         .title = "waitpid with WCONTINUED reports a stopped child resumed by SIGCONT: WIFCONTINUED",
         .covers = {"WCONTINUED"}) {
  AsParent("parent calling waitpid(WCONTINUED)", [] {
    Held c;
    StopAndAwait(c.pid());
    IPCC_SETUP(kill(c.pid(), SIGCONT));
    int status = 0;
    ASSERT_THAT(waitpid(c.pid(), &status, WCONTINUED), SyscallSucceedsWithValue(c.pid()));
    EXPECT_TRUE(WIFCONTINUED(status)) << "expected \"continued\", but the child " << DescribeWaitStatus(status);
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitpid, stopped_child_not_reported_without_wuntraced,
         .title = "waitpid without WUNTRACED does not report a stopped child",
         .covers = {"reports_only_terminated_by_default"}) {
  AsParent("parent of a stopped child", [] {
    Held c;
    StopAndAwait(c.pid());
    int status = 0;
    EXPECT_THAT(waitpid(c.pid(), &status, WNOHANG), SyscallSucceedsWithValue(0))
        << "the child is stopped; without WUNTRACED only its termination may be reported, but waitpid gave "
        << DescribeWaitStatus(status);
    IPCC_SETUP(kill(c.pid(), SIGCONT));
    c.Release();
    ExpectCleanExit(c.child.Wait(), "child");
  });
}

IPC_CASE(pidfd, waitpid, positive_pid_waits_for_that_child_only,
         .title = "waitpid of a pid above 0 waits for that child only, not for another that terminated",
         .covers = {"pid_positive_that_child_only"}) {
  AsParent("parent of two children", [] {
    Child done = Fork([] { _exit(3); });
    Held held;
    AwaitWaitableOrThrow(done.pid(), WEXITED, "the other child did not terminate");
    int status = 0;
    EXPECT_THAT(waitpid(held.pid(), &status, WNOHANG), SyscallSucceedsWithValue(0))
        << "another child terminated, but waitpid names the child that still runs";
    held.Release();
    if (ExpectReaped(held.child, held.pid(), &status, 0, "once the named child ended")) {
      ExpectExitStatus(status, 0, "the named child");
    }
    ExpectExitStatus(done.Wait(), 3, "the other child (still waitable)");
  });
}

IPC_CASE(pidfd, waitpid, minus_one_waits_for_any_child, .title = "waitpid(-1) reports whichever child terminated",
         .covers = {"pid_minus_one_any_child"}) {
  AsParent("parent of two children", [] {
    Held held;
    Child done = Fork([] { _exit(4); });
    int status = 0;
    if (ExpectReaped(done, -1, &status, 0, "the child that terminated, while the other runs")) {
      ExpectExitStatus(status, 4, "the terminated child");
    }
    held.Release();
    ExpectCleanExit(held.child.Wait(), "the other child");
  });
}

IPC_CASE(pidfd, waitpid, zero_waits_for_own_process_group,
         .title = "waitpid(0) waits for children in the caller's process group, not for one in another group",
         .covers = {"pid_zero_own_process_group"}) {
  AsParent("parent of children in two process groups", [] {
    Child other = Fork([] {
      if (setpgid(0, 0) != 0) _exit(100);
      _exit(2);
    });
    AwaitWaitableOrThrow(other.pid(), WEXITED, "the child in another group did not terminate");
    Held same;
    int status = 0;
    EXPECT_THAT(waitpid(0, &status, WNOHANG), SyscallSucceedsWithValue(0))
        << "the only terminated child is in another process group";
    same.Release();
    if (ExpectReaped(same.child, 0, &status, 0, "the child in the caller's group, once it ended")) {
      ExpectExitStatus(status, 0, "the child in the caller's group");
    }
    ExpectExitStatus(other.Wait(), 2, "the child that made its own group (100: setpgid failed)");
  });
}

IPC_CASE(pidfd, waitpid, negative_pid_waits_for_that_process_group,
         .title = "waitpid(-pgid) waits for children in process group pgid, not for one in another group",
         .covers = {"pid_below_minus_one_process_group"}) {
  AsParent("parent of children in two process groups", [] {
    HeldInOwnGroup grouped;
    Child other = Fork([] { _exit(1); });
    AwaitWaitableOrThrow(other.pid(), WEXITED, "the child in the caller's group did not terminate");
    const pid_t group = grouped.pid();
    int status = 0;
    EXPECT_THAT(waitpid(-group, &status, WNOHANG), SyscallSucceedsWithValue(0))
        << "the only terminated child is not in process group " << group;
    grouped.Release();
    if (ExpectReaped(grouped.child, -group, &status, 0, "the child of process group " + std::to_string(group))) {
      ExpectExitStatus(status, 0, "the child in its own group");
    }
    ExpectExitStatus(other.Wait(), 1, "the other child");
  });
}

IPC_CASE(pidfd, waitpid, blocks_until_child_terminates,
         .title = "waitpid of a running child blocks until that child terminates",
         .covers = {"blocks_until_child_changes_state"}) {
  Gate gate;
  Child parent = Fork([&] {
    Child c = ForkHeld(gate, 5);
    int status = 0;
    if (ExpectReaped(c, c.pid(), &status, 0, "once the child was let go")) ExpectExitStatus(status, 5, "child");
  });
  IPCC_ASSERT_BLOCKED(parent.pid(), SYS_wait4);
  gate.Open();
  ExpectReleased(parent, "parent blocked in waitpid, after its child was let go");
}

IPC_CASE(pidfd, waitpid, already_terminated_child_reported_at_once,
         .title = "waitpid of a child that has already terminated returns at once",
         .covers = {"returns_at_once_if_already_changed"}) {
  AsParent(
      "parent of a terminated child",
      [] {
        Child c = Fork([] { _exit(0); });
        AwaitWaitableOrThrow(c.pid(), WEXITED, "the child did not terminate");
        int status = 0;
        ExpectReaped(c, c.pid(), &status, 0, "a child that had already terminated");
      },
      kDefaultWait + kReturnBound);
}

IPC_CASE(pidfd, waitpid, traced_child_stop_reported_without_wuntraced,
         .title = "waitpid without WUNTRACED reports the stop of a child the caller traces",
         .covers = {"traced_stop_reported_without_wuntraced"}, .refs = {"ptrace(2) PTRACE_TRACEME"},
         .cls = Conformance::linux_specific) {
  AsParent("tracer", [] {
    Child c = Fork([] {
      IPCC_SETUP(ptrace(PTRACE_TRACEME, 0, nullptr, nullptr));
      raise(SIGUSR2);  // a signal-delivery stop; the tracer resumes it without the signal
    });
    int status = 0;
    const pid_t r = waitpid(c.pid(), &status, 0);
    ASSERT_EQ(r, c.pid()) << "waitpid(pid, 0) of a traced child (errno " << ErrnoName(errno) << ")";
    EXPECT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2)
        << "expected the traced child's stop for SIGUSR2, without WUNTRACED; it " << DescribeWaitStatus(status);
    if (!WIFSTOPPED(status)) {
      c.Release();  // it ended and was reaped here
      return;
    }
    IPCC_SETUP(ptrace(PTRACE_CONT, c.pid(), nullptr, nullptr));  // signal 0: SIGUSR2 is dropped
    ExpectCleanExit(c.Wait(), "the traced child");
  });
}

IPC_CASE(pidfd, waitpid, exit_status_is_low_8_bits,
         .title = "for a child that called _exit(0x12a), WIFEXITED is true and WEXITSTATUS gives 0x2a",
         .covers = {"wexitstatus_low_8_bits"}) {
  AsParent("parent", [] {
    Child c = Fork([] { _exit(0x12a); });
    int status = 0;
    if (ExpectReaped(c, c.pid(), &status, 0, "the child that called _exit(0x12a)")) {
      ExpectExitStatus(status, 0x2a, "the child that called _exit(0x12a)");
    }
  });
}

IPC_CASE(pidfd, waitpid, killed_child_wifsignaled_wtermsig,
         .title = "for a child killed by SIGTERM, WIFSIGNALED is true, WIFEXITED false and WTERMSIG is SIGTERM",
         .covers = {"wifsignaled_wtermsig"}) {
  AsParent("parent", [] {
    Held c;
    IPCC_SETUP(kill(c.pid(), SIGTERM));
    int status = 0;
    if (!ExpectReaped(c.child, c.pid(), &status, 0, "the child killed by SIGTERM")) return;
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM && !WIFEXITED(status))
        << "expected \"killed by SIGTERM\", but the child " << DescribeWaitStatus(status);
  });
}

IPC_CASE(pidfd, waitpid, null_wstatus_allowed, .title = "waitpid with wstatus NULL waits for the child and reaps it",
         .covers = {"null_wstatus_allowed"}) {
  AsParent("parent", [] {
    Child c = Fork([] { _exit(0); });
    const pid_t pid = c.pid();
    if (!ExpectReaped(c, pid, nullptr, 0, "waitpid with a NULL wstatus")) return;
    EXPECT_THAT(kill(pid, 0), SyscallFailsWithErrno(ESRCH)) << "the child must be reaped";
  });
}

IPC_CASE(pidfd, waitpid, non_child_fails_echild,
         .title = "waitpid of a process that is not a child of the caller fails with ECHILD", .covers = {"ECHILD"}) {
  AsParent("process with a parent and no children", [] {
    int status = 0;
    EXPECT_THAT(waitpid(getppid(), &status, 0), SyscallFailsWithErrno(ECHILD)) << "the caller's parent";
    EXPECT_THAT(waitpid(getpid(), &status, 0), SyscallFailsWithErrno(ECHILD)) << "the caller itself";
  });
}

IPC_CASE(pidfd, waitpid, reaped_child_fails_echild,
         .title = "waitpid of a child that was already waited for fails with ECHILD", .covers = {"ECHILD"}) {
  AsParent("parent", [] {
    Child c = Fork([] { _exit(0); });
    const pid_t pid = c.pid();
    int status = 0;
    if (!ExpectReaped(c, pid, &status, 0, "the first wait")) return;
    EXPECT_THAT(waitpid(pid, &status, 0), SyscallFailsWithErrno(ECHILD)) << "the child was already waited for";
  });
}

IPC_CASE(pidfd, waitpid, interrupted_by_handler_fails_eintr,
         .title = "a blocked waitpid interrupted by a signal handler installed without SA_RESTART fails with EINTR",
         .covers = {"EINTR"}) {
  Gate gate;
  Child waiter = Fork([&] {
    signals::SetHandler(SIGUSR1, NoopHandler, 0);
    Child c = ForkHeld(gate);
    int status = 0;
    const pid_t r = waitpid(c.pid(), &status, 0);
    EXPECT_THAT(r, SyscallFailsWithErrno(EINTR)) << "SIGUSR1 was caught while waitpid was blocked";
    if (r == c.pid()) c.Release();  // a deviating waitpid reaped it
    gate.Open();
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_wait4);
  waiter.Signal(SIGUSR1);
  ExpectReleased(waiter, "process blocked in waitpid, after SIGUSR1 was caught");
}

IPC_CASE(pidfd, waitpid, caught_sigchld_fails_eintr,
         .title = "a waitpid for one child fails with EINTR when another child's end is caught as SIGCHLD",
         .covers = {"EINTR"}) {
  Gate gate;        // the waited-for child's
  Gate other_gate;  // the other child's: its end is the SIGCHLD the waiter catches
  Child waiter = Fork([&] {
    signals::SetHandler(SIGCHLD, NoopHandler, 0);
    Child other = ForkHeld(other_gate);
    Child c = ForkHeld(gate);
    int status = 0;
    const pid_t r = waitpid(c.pid(), &status, 0);
    EXPECT_THAT(r, SyscallFailsWithErrno(EINTR)) << "another child terminated and its SIGCHLD was caught";
    if (r == c.pid()) c.Release();  // a deviating waitpid reaped it
    gate.Open();
    ExpectCleanExit(other.Wait(), "the other child");
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_wait4);
  other_gate.Open();
  ExpectReleased(waiter, "process blocked in waitpid, after another of its children terminated");
}

IPC_CASE(pidfd, waitpid, unknown_option_fails_einval,
         .title = "waitpid with an option bit it does not define fails with EINVAL", .covers = {"EINVAL"}) {
  int status = 0;
  EXPECT_THAT(waitpid(-1, &status, WNOHANG | kUnknownOption), SyscallFailsWithErrno(EINVAL))
      << "options WNOHANG | 0x10000";
}

IPC_CASE(pidfd, waitpid, int_min_pid_fails_esrch, .title = "waitpid with pid INT_MIN fails with ESRCH",
         .covers = {"ESRCH"}, .cls = Conformance::linux_specific) {
  int status = 0;
  EXPECT_THAT(waitpid(INT_MIN, &status, WNOHANG), SyscallFailsWithErrno(ESRCH)) << "-INT_MIN names no process group";
}

// In a forked parent: a second thread forks a child that exits with `code` and stays alive until `check`
// (run in the first thread with the child's pid) has returned.
void WithChildOfOtherThread(int code, const std::function<void(pid_t)>& check) {
  AsParent("process whose second thread forks", [&] {
    std::promise<pid_t> forked;
    std::promise<void> done;
    std::shared_future<void> done_future = done.get_future().share();
    std::thread forker([&, done_future] {
      const pid_t pid = fork();
      if (pid == 0) _exit(code);
      forked.set_value(pid);
      done_future.wait();  // the thread outlives the check: its child stays its own
    });
    const pid_t pid = forked.get_future().get();
    if (pid > 0) check(pid);
    done.set_value();
    forker.join();
    if (pid < 0) ThrowHarnessError("fork in the second thread failed");
  });
}

IPC_CASE(pidfd, waitpid, waits_for_children_of_other_threads,
         .title = "a thread's waitpid reports a child that another thread of its process forked",
         .covers = {"waits_for_other_threads_children"}) {
  WithChildOfOtherThread(8, [](pid_t pid) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, 0);
    ASSERT_EQ(r, pid) << "waitpid in the first thread for the second thread's child (errno " << ErrnoName(errno) << ")";
    ExpectExitStatus(status, 8, "the second thread's child");
  });
}

IPC_CASE(pidfd, waitpid, wnothread_ignores_other_threads_children,
         .title = "waitpid with __WNOTHREAD fails with ECHILD for a child that another thread forked",
         .covers = {"wnothread_own_children_only"}, .cls = Conformance::linux_specific) {
  WithChildOfOtherThread(0, [](pid_t pid) {
    int status = 0;
    EXPECT_THAT(waitpid(pid, &status, __WNOTHREAD), SyscallFailsWithErrno(ECHILD))
        << "with __WNOTHREAD only the calling thread's own children count";
    EXPECT_THAT(waitpid(pid, &status, 0), SyscallSucceedsWithValue(pid)) << "without __WNOTHREAD it is reaped";
  });
}

IPC_CASE(pidfd, waitpid, clone_child_needs_wclone,
         .title = "a clone child (no termination signal) is not waited for without __WCLONE (ECHILD), and is with it",
         .covers = {"wclone_clone_children_only"}, .refs = {"clone(2) The child termination signal"},
         .cls = Conformance::linux_specific) {
  AsParent("parent of a clone child", [] {
    const pid_t c = CloneChild(11);
    int status = 0;
    EXPECT_THAT(waitpid(c, &status, 0), SyscallFailsWithErrno(ECHILD))
        << "without __WCLONE waitpid waits only for children that signal SIGCHLD at their end";
    const pid_t r = waitpid(c, &status, __WCLONE);
    EXPECT_EQ(r, c) << "waitpid(__WCLONE) of the clone child (errno " << ErrnoName(errno) << ")";
    if (r == c) ExpectExitStatus(status, 11, "the clone child");
  });
}

IPC_CASE(pidfd, waitpid, wall_waits_for_clone_child, .title = "waitpid with __WALL waits for a clone child",
         .covers = {"wall_all_children"}, .refs = {"clone(2) The child termination signal"},
         .cls = Conformance::linux_specific) {
  AsParent("parent of a clone child", [] {
    const pid_t c = CloneChild(12);
    int status = 0;
    const pid_t r = waitpid(c, &status, __WALL);
    EXPECT_EQ(r, c) << "waitpid(__WALL) of the clone child (errno " << ErrnoName(errno) << ")";
    if (r == c) ExpectExitStatus(status, 12, "the clone child");
  });
}

}  // namespace
