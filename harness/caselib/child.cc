#include "harness/caselib/child.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/caselib/coverage.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc {

std::vector<pid_t> ChildrenOf(pid_t parent) {
  // readdir and plain reads: a process that ends (and leaves /proc) while this looks is skipped, never
  // an exception (the supervisor calls this while cases end around it).
  std::vector<pid_t> kids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return kids;
  while (const dirent* e = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || end == e->d_name || *end != '\0') continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[1024];
    const ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = '\0';
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so parse after the last ')'.
    const char* close_paren = std::strrchr(buf, ')');
    if (close_paren == nullptr) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) {
      kids.push_back(static_cast<pid_t>(pid));
    }
  }
  closedir(proc);
  return kids;
}
namespace {

using Clock = std::chrono::steady_clock;

// Polls waitpid with a short, growing pause: bounded, and portable to kernels without pidfd.
std::optional<int> PollWait(pid_t pid, int options, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, options | WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) {
      ThrowHarnessError(fmt::format("waitpid({}): {}", pid, ErrnoName(errno)));
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(2));
  }
}

}  // namespace

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = -1;
  }
  return *this;
}

Child::~Child() {
  Kill();
}

std::optional<int> Child::TryWait(milliseconds timeout) {
  if (status_) return status_;
  if (pid_ <= 0) ThrowHarnessError("waiting for a child that does not exist");
  auto status = PollWait(pid_, __WALL, timeout);
  if (status) status_ = status;
  return status;
}

int Child::Wait(milliseconds timeout) {
  if (auto status = TryWait(timeout)) return *status;
  pid_t pid = pid_;
  Kill();
  // A process of the case that should have ended and did not: what the case waits for did not
  // happen (a wake-up that never came, a call that never returned). That is the system's failure,
  // not the harness's, so it is a FAIL; the case stops here.
  const std::string message =
      fmt::format("expected child {} to end within {} ms, but it was still running (killed)", pid, timeout.count());
  Record(kMarkFailed, message);
  throw HarnessError(message);
}

std::optional<int> Child::WaitFor(int options, milliseconds timeout) {
  if (status_) return status_;
  auto status = PollWait(pid_, options, timeout);
  if (status && (WIFEXITED(*status) || WIFSIGNALED(*status))) status_ = status;
  return status;
}

void Child::Signal(int sig) {
  if (pid_ <= 0 || status_) ThrowHarnessError(fmt::format("cannot signal child {}: already gone", pid_));
  if (kill(pid_, sig) != 0) {
    ThrowHarnessError(fmt::format("kill({}, {}): {}", pid_, SignalName(sig), ErrnoName(errno)));
  }
}

void Child::Kill() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, __WALL) < 0 && errno == EINTR) {
    }
    status_ = status;
  }
}

pid_t Child::Release() {
  pid_t pid = pid_;
  pid_ = -1;
  return pid;
}

Child Fork(const std::function<void()>& fn) {
  fflush(nullptr);
  // A raw fork, not the spawning helper: the child goes on running the case body (a lambda of this image)
  // in the case's own tree, which Boost.Process cannot do.
  pid_t pid = fork();
  if (pid < 0) ThrowHarnessError(fmt::format("fork: {}", ErrnoName(errno)));
  if (pid > 0) return Child(pid);
  int code = 0;
  try {
    fn();
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    if (info != nullptr && ::testing::Test::HasFailure()) code = kChildFailedExit;
  } catch (const HarnessError&) {
    code = kChildHarnessErrorExit;
  } catch (const std::exception& e) {
    Record(kMarkError, fmt::format("exception in child: {}", e.what()));
    code = kChildHarnessErrorExit;
  } catch (...) {
    Record(kMarkError, "unknown exception in child");
    code = kChildHarnessErrorExit;
  }
  fflush(nullptr);
  FlushCoverage();
  _exit(code);
}

int RunInChild(const std::function<void()>& fn, milliseconds timeout) {
  Child child = Fork(fn);
  return child.Wait(timeout);
}

void ExpectCleanExit(int status, const std::string& what) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status) && (WEXITSTATUS(status) == kChildFailedExit || WEXITSTATUS(status) == kChildHarnessErrorExit)) {
    return;  // the child recorded its own failure or error with its message
  }
  if (WIFSIGNALED(status)) {
    Record(kMarkCrashed, fmt::format("{}: {}", what, DescribeWaitStatus(status)));
  }
  ADD_FAILURE() << what << ": expected a clean exit (status 0), but it " << DescribeWaitStatus(status);
}

void InChild(const std::string& what, const std::function<void()>& fn) {
  Child c = Fork(fn);
  ExpectCleanExit(c.Wait(), what);
}

bool KilledBy(int status, int sig) {
  return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

void ExpectKilledBy(int status, int sig, const std::string& what) {
  EXPECT_TRUE(KilledBy(status, sig)) << what << ": expected to be killed by " << SignalName(sig) << ", but it "
                                     << DescribeWaitStatus(status);
}

std::optional<int> ExpectEnds(Child& c, const std::string& what, milliseconds bound) {
  auto status = c.TryWait(bound);
  if (!status) {
    ADD_FAILURE() << what << ": expected the process to end, but it was still running " << bound.count() << " ms later";
    c.Kill();
  }
  return status;
}

bool AwaitCheckpoint(Child& c, int id, std::uint32_t count, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (CheckpointValue(id) >= count) return true;
    if (auto st = c.TryWait(std::chrono::milliseconds(1))) {
      if (CheckpointValue(id) >= count) return true;
      const bool recorded =
          WIFEXITED(*st) && (WEXITSTATUS(*st) == kChildFailedExit || WEXITSTATUS(*st) == kChildHarnessErrorExit);
      if (!recorded) {
        ADD_FAILURE() << "child " << c.pid() << " ended before reaching checkpoint " << id << ": it "
                      << DescribeWaitStatus(*st);
      }
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ThrowHarnessError(
          fmt::format("checkpoint {} not reached within {} ms while child {} runs", id, timeout.count(), c.pid()));
    }
  }
}

void ExecFixture(const std::string& subcommand, const std::vector<std::string>& args) {
  const std::string path = FixturePath();
  std::vector<std::string> all{"ipcconform-fixture", subcommand};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(path.c_str(), argv.data());
  ThrowHarnessError(fmt::format("execv({}): {}", path, ErrnoName(errno)));
}

std::string FixturePath() {
  if (const char* env = std::getenv("IPCCONFORM_FIXTURE"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) ThrowHarnessError("cannot resolve /proc/self/exe to find the fixture program");
  for (const auto& candidate :
       {self.parent_path() / "ipcconform-fixture", self.parent_path() / "../fixtures/ipcconform-fixture",
        self.parent_path().parent_path() / "fixtures" / "ipcconform-fixture"}) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate.lexically_normal().string();
  }
  ThrowHarnessError(fmt::format("fixture program ipcconform-fixture not found beside {}", self.string()));
}

Child SpawnFixture(const std::string& subcommand, const std::vector<std::string>& args) {
  const std::string path = FixturePath();
  std::vector<std::string> words{path, subcommand};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  fflush(nullptr);
  // posix_spawn rather than a library that makes pipes through the C library's pipe(): the harness's
  // own plumbing must not go through functions the fault-injection library deviates. The state memfd
  // is inherited (not close-on-exec), so the fixture reports into the same tree.
  pid_t pid = -1;
  const int err = posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv.data(), environ);
  if (err != 0) ThrowHarnessError(fmt::format("cannot start fixture {}: {}", subcommand, ErrnoName(err)));
  return Child(pid);
}

bool WaitGone(pid_t pid, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return false;
}

void ExpectReturnsWithin(const std::string& what, const std::function<void()>& call, milliseconds bound) {
  Child c = Fork(call);
  const std::optional<int> status = c.TryWait(bound);
  if (!status) {
    c.Kill();
    ADD_FAILURE() << what << ": expected it to return within " << bound.count()
                  << " ms, but it was still blocked (killed)";
    return;
  }
  ExpectCleanExit(*status, what);
}

bool ExpectReleased(Child& c, const std::string& what) {
  const std::optional<int> status = c.TryWait(kReturnBound);
  if (!status) {
    c.Kill();
    ADD_FAILURE() << what << ": expected it to complete within " << kReturnBound.count()
                  << " ms of the event that should release it, but it was still blocked (killed)";
    return false;
  }
  ExpectCleanExit(*status, what);
  return WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

}  // namespace ipcc
