// wait(2) wait(): waiting for any child to terminate; zombies, orphans and an ignored SIGCHLD.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pidfd.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::pidfd;

void NoopHandler(int) {}

// The state letter /proc/<pid>/stat gives for a process ('R', 'S', 'Z', ...), or 0 when there is none.
char ProcState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  char state = 0;
  return std::sscanf(stat.c_str() + close + 1, " %c", &state) == 1 ? state : 0;
}

IPC_CASE(pidfd, wait, returns_pid_and_status_of_terminated_child,
         .title = "wait returns the pid of the terminated child and stores its exit status",
         .covers = {"reaps_any_terminated_child"}) {
  AsParent("parent calling wait()", [] {
    Child c = Fork([] { _exit(9); });
    int status = 0;
    const pid_t r = wait(&status);
    ASSERT_EQ(r, c.pid()) << "wait must return the pid of the child that terminated (errno " << ErrnoName(errno) << ")";
    c.Release();  // reaped here
    ExpectExitStatus(status, 9, "the status wait stored");
  });
}

IPC_CASE(pidfd, wait, blocks_until_child_terminates,
         .title = "wait blocks while the caller's only child runs and returns once it terminates",
         .covers = {"blocks_until_a_child_terminates"}) {
  Gate gate;
  Child parent = Fork([&] {
    Child c = ForkHeld(gate, 5);
    int status = 0;
    const pid_t r = wait(&status);
    ASSERT_EQ(r, c.pid()) << "wait must return the pid of the child once it terminated (errno " << ErrnoName(errno)
                          << ")";
    c.Release();  // reaped here
    ExpectExitStatus(status, 5, "the status wait stored");
  });
  IPCC_ASSERT_BLOCKED(parent.pid(), SYS_wait4);
  gate.Open();
  ExpectReleased(parent, "parent blocked in wait(), after its child was let go");
}

IPC_CASE(pidfd, wait, no_children_fails_echild, .title = "wait in a process without children fails with ECHILD",
         .covers = {"ECHILD"}) {
  AsParent("process without children calling wait()", [] {
    int status = 0;
    EXPECT_THAT(wait(&status), SyscallFailsWithErrno(ECHILD)) << "the caller has never had a child";
  });
}

IPC_CASE(pidfd, wait, interrupted_by_handler_fails_eintr,
         .title = "a blocked wait interrupted by a signal handler installed without SA_RESTART fails with EINTR",
         .covers = {"EINTR"}) {
  Gate gate;
  Child waiter = Fork([&] {
    signals::SetHandler(SIGUSR1, NoopHandler, 0);
    Child c = ForkHeld(gate);
    int status = 0;
    const pid_t r = wait(&status);
    EXPECT_THAT(r, SyscallFailsWithErrno(EINTR)) << "SIGUSR1 was caught while wait() was blocked";
    if (r == c.pid()) c.Release();  // a deviating wait reaped it
    gate.Open();
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_wait4);
  waiter.Signal(SIGUSR1);
  ExpectReleased(waiter, "process blocked in wait(), after SIGUSR1 was caught");
}

IPC_CASE(pidfd, wait, zombie_until_waited,
         .title = "a terminated child stays a zombie with its pid taken until wait, which releases it",
         .covers = {"zombie_until_waited"}) {
  AsParent("parent of a terminated child", [] {
    Child c = Fork([] { _exit(0); });
    const pid_t pid = c.pid();
    AwaitWaitableOrThrow(pid, WEXITED, "the child did not terminate");
    EXPECT_EQ(ProcState(pid), 'Z') << "/proc/" << pid << "/stat of a terminated child not yet waited for";
    EXPECT_THAT(kill(pid, 0), SyscallSucceeds()) << "the zombie's pid still names a process";
    int status = 0;
    ASSERT_EQ(wait(&status), pid) << "wait for the zombie (errno " << ErrnoName(errno) << ")";
    c.Release();  // reaped here
    EXPECT_THAT(kill(pid, 0), SyscallFailsWithErrno(ESRCH)) << "after the wait no process has the pid";
    EXPECT_EQ(ProcState(pid), 0) << "/proc/" << pid << " must be gone after the wait";
  });
}

IPC_CASE(pidfd, wait, orphan_adopted_by_subreaper,
         .title = "the child of a parent that terminates is adopted by the subreaper, whose wait reaps it",
         .covers = {"orphans_adopted_by_subreaper"}, .refs = {"prctl(2) PR_SET_CHILD_SUBREAPER"},
         .cls = Conformance::linux_specific) {
  AsParent("subreaper", [] {
    IPCC_SETUP(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    SharedPage<std::atomic<pid_t>> grandchild;
    Child middle = Fork([&] {
      const pid_t g = fork();
      if (g < 0) ThrowHarnessError("fork: " + ErrnoName(errno));
      if (g == 0) _exit(6);
      grandchild->store(g);
    });  // ends without waiting for its child
    ExpectCleanExit(middle.Wait(), "the middle process");
    const pid_t orphan = grandchild->load();
    if (orphan <= 0) ThrowHarnessError("set-up: the middle process did not report its child");
    int status = 0;
    EXPECT_EQ(wait(&status), orphan) << "the subreaper's wait must return the orphan it adopted (errno "
                                     << ErrnoName(errno) << ")";
    ExpectExitStatus(status, 6, "the orphan");
  });
}

// A parent whose SIGCHLD action `install` makes makes two held children and calls wait(): it must stay
// blocked after the first child ended (which leaves no zombie) and fail with ECHILD once both have.
void ExpectNoZombies(const std::function<void()>& install, const std::string& how) {
  Gate first, second;
  struct Pids {
    std::atomic<pid_t> a{0}, b{0};
  };
  SharedPage<Pids> pids;
  Child parent = Fork([&] {
    install();
    Child a = ForkHeld(first);
    Child b = ForkHeld(second);
    pids->a = a.Release();  // the kernel reaps them
    pids->b = b.Release();
    int status = 0;
    const pid_t r = wait(&status);
    const int err = errno;
    EXPECT_EQ(r, -1) << "with " << how << " wait must fail with ECHILD once every child has terminated; it returned "
                     << r << " (" << DescribeWaitStatus(status) << ")";
    if (r == -1) {
      EXPECT_EQ(err, ECHILD) << "wait failed with " << ErrnoName(err);
    }
  });
  IPCC_ASSERT_BLOCKED(parent.pid(), SYS_wait4);
  first.Open();
  EXPECT_TRUE(WaitGone(pids->a, kDefaultWait))
      << "with " << how << " the first child, which terminated, must not remain as a zombie";
  IPCC_ASSERT_BLOCKED(parent.pid(), SYS_wait4);  // still waiting: the second child runs
  second.Open();
  ExpectReleased(parent, "parent blocked in wait(), after its last child terminated");
}

IPC_CASE(pidfd, wait, sig_ign_children_leave_no_zombies,
         .title = "with SIGCHLD ignored, wait blocks until every child has terminated, leaving no zombie, then ECHILD",
         .covers = {"sig_ign_no_zombies"}) {
  ExpectNoZombies([] { signals::SetHandler(SIGCHLD, SIG_IGN); }, "SIGCHLD set to SIG_IGN");
}

IPC_CASE(pidfd, wait, sa_nocldwait_children_leave_no_zombies,
         .title = "with SA_NOCLDWAIT, wait blocks until every child has terminated, leaving no zombie, then ECHILD",
         .covers = {"sa_nocldwait_no_zombies"}) {
  ExpectNoZombies([] { signals::SetHandler(SIGCHLD, SIG_DFL, SA_NOCLDWAIT); }, "SA_NOCLDWAIT set for SIGCHLD");
}

}  // namespace
