#include "harness/caselib/ipc/pidfd.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/caselib/coverage.h"
#include "harness/caselib/ipc/signal.h"
#include "harness/caselib/matchers.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::pidfd {

using Clock = std::chrono::steady_clock;

UniqueFd Open(pid_t pid, unsigned flags) {
  const int fd = pidfd_open(pid, flags);
  if (fd < 0) ThrowHarnessError(fmt::format("set-up: pidfd_open({}, {:#x}): {}", pid, flags, ErrnoName(errno)));
  return UniqueFd(fd);
}

void Gate::Pass() const {
  char b = 0;
  for (;;) {
    const ssize_t n = read(p_.r.get(), &b, 1);
    if (n >= 0 || errno != EINTR) return;
  }
}

void Gate::Open(int waiters) const {
  for (int i = 0; i < waiters; ++i) {
    const char b = 'g';
    if (write(p_.w.get(), &b, 1) != 1) ThrowHarnessError("set-up: writing to the gate pipe: " + ErrnoName(errno));
  }
}

Child ForkHeld(const Gate& gate, int exit_code, const std::function<void()>& first) {
  return Fork([&] {
    if (first) first();
    if (::testing::Test::HasFailure()) return;  // the child's own failure, recorded with its message
    gate.Pass();
    fflush(nullptr);
    FlushCoverage();
    _exit(exit_code);
  });
}

HeldInOwnGroup::HeldInOwnGroup() : Held(0, [] { IPCC_SETUP(setpgid(0, 0)); }) {
  IPCC_SETUP(setpgid(pid(), pid()));
}

bool AwaitWaitable(pid_t pid, int state, siginfo_t* info, std::chrono::milliseconds bound) {
  // SIGCHLD is blocked before the first look, so a state change after it leaves the signal pending and
  // sigtimedwait returns: no change can be missed, and no pause is guessed.
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, &old) != 0) ThrowHarnessError("set-up: sigprocmask: " + ErrnoName(errno));
  ScopedCleanup restore([&] { sigprocmask(SIG_SETMASK, &old, nullptr); });
  const auto deadline = Clock::now() + bound;
  for (;;) {
    siginfo_t si{};
    if (waitid(P_PID, static_cast<id_t>(pid), &si, state | WNOWAIT | WNOHANG) != 0) {
      ThrowHarnessError(fmt::format("set-up: waitid(P_PID, {}, WNOWAIT|WNOHANG): {}", pid, ErrnoName(errno)));
    }
    if (si.si_pid == pid) {
      if (info != nullptr) *info = si;
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    timespec ts{static_cast<time_t>(left.count() / 1000), static_cast<long>((left.count() % 1000) * 1000000)};
    siginfo_t ignored{};
    sigtimedwait(&chld, &ignored, &ts);  // a SIGCHLD, EAGAIN at the deadline, or EINTR: look again
  }
}

void AwaitWaitableOrThrow(pid_t pid, int state, const std::string& what) {
  if (!AwaitWaitable(pid, state)) {
    ThrowHarnessError(fmt::format("set-up: {} (child {}) within {} ms", what, pid, kDefaultWait.count()));
  }
}

void AsParent(const std::string& what, const std::function<void()>& fn, std::chrono::milliseconds bound) {
  Child c = Fork(fn);
  const std::optional<int> status = c.TryWait(bound);
  if (!status) {
    c.Kill();
    ADD_FAILURE() << what << ": expected it to end within " << bound.count()
                  << " ms, but it was still running (killed): a call it made never returned";
    return;
  }
  ExpectCleanExit(*status, what);
}

void StopAndAwait(pid_t pid) {
  if (kill(pid, SIGSTOP) != 0) ThrowHarnessError(fmt::format("set-up: kill({}, SIGSTOP): {}", pid, ErrnoName(errno)));
  AwaitWaitableOrThrow(pid, WSTOPPED, "SIGSTOP did not stop the child");
}

namespace {
int CloneMain(void* arg) {
  return static_cast<int>(reinterpret_cast<std::intptr_t>(arg));
}
}  // namespace

pid_t CloneChild(int exit_code) {
  // Without CLONE_VM the child runs on its own copy of this stack, so it may go when clone returns.
  std::vector<char> stack(64 * 1024);
  const pid_t pid = clone(CloneMain, stack.data() + stack.size(), 0 /* no termination signal */,
                          reinterpret_cast<void*>(static_cast<std::intptr_t>(exit_code)));
  if (pid < 0) ThrowHarnessError("set-up: clone(flags 0, no termination signal): " + ErrnoName(errno));
  return pid;
}

void ExpectExitStatus(int status, int code, const std::string& what) {
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == code)
      << what << ": expected the status of an _exit(" << code << "), but it " << DescribeWaitStatus(status);
}

void ExpectReport(const siginfo_t& info, pid_t pid, int code, int status, const std::string& what) {
  EXPECT_EQ(info.si_signo, SIGCHLD) << what << ": si_signo must be SIGCHLD; waitid stored " << Describe(info);
  EXPECT_EQ(info.si_pid, pid) << what << ": si_pid must be the child's pid " << pid << "; waitid stored "
                              << Describe(info);
  EXPECT_EQ(info.si_code, code) << what << ": si_code must be " << signals::CldCodeName(code) << "; waitid stored "
                                << Describe(info);
  EXPECT_EQ(info.si_status, status) << what << ": si_status must be " << status
                                    << (code == CLD_EXITED ? " (the exit status)" : " (" + SignalName(status) + ")")
                                    << "; waitid stored " << Describe(info);
}

void UseUpDescriptors() {
  // open() returns the lowest free number: every number below it is in use.
  const int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (lowest < 0) ThrowHarnessError("set-up: open(/dev/null): " + ErrnoName(errno));
  close(lowest);
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) ThrowHarnessError("set-up: getrlimit(RLIMIT_NOFILE): " + ErrnoName(errno));
  lim.rlim_cur = static_cast<rlim_t>(lowest);
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
    ThrowHarnessError(fmt::format("set-up: setrlimit(RLIMIT_NOFILE, soft {}): {}", lowest, ErrnoName(errno)));
  }
}

std::string Describe(const siginfo_t& info) {
  return fmt::format("si_signo={} si_code={} si_pid={} si_uid={} si_status={}", SignalName(info.si_signo),
                     info.si_signo == SIGCHLD ? signals::CldCodeName(info.si_code) : signals::SiCodeName(info.si_code),
                     info.si_pid, info.si_uid, info.si_status);
}

siginfo_t Garbage() {
  siginfo_t info;
  std::memset(&info, 0x5a, sizeof info);
  return info;
}

}  // namespace ipcc::pidfd
