#include "harness/caselib/state.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

#include <fmt/format.h>

#include "harness/caselib/names.h"

namespace ipcc {
namespace {

SharedState* g_state = nullptr;
int g_state_fd = -1;
std::mutex g_state_mutex;

SharedState* MapState(int fd) {
  void* p = mmap(nullptr, kStateSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    fmt::print(stderr, "ipcconform: cannot map the case state (fd {}): {}\n", fd, ErrnoName(errno));
    std::abort();
  }
  return static_cast<SharedState*>(p);
}

long Futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t value, const timespec* timeout) {
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op, value, timeout, nullptr, 0);
}

}  // namespace

int CreateStateFd() {
  int fd = memfd_create("ipcconform-state", 0);
  if (fd < 0) {
    // memfd_create can be missing in old or sandboxed kernels; an unlinked tmpfs file serves the same.
    char path[] = "/tmp/ipcconform-state-XXXXXX";
    fd = mkstemp(path);
    if (fd >= 0) unlink(path);
  }
  if (fd < 0 || ftruncate(fd, kStateSize) != 0) {
    fmt::print(stderr, "ipcconform: cannot create the case state: {}\n", ErrnoName(errno));
    std::abort();
  }
  std::lock_guard lock(g_state_mutex);
  if (g_state != nullptr) munmap(g_state, kStateSize);
  if (g_state_fd >= 0) close(g_state_fd);
  g_state_fd = fd;
  g_state = MapState(fd);
  setenv("IPCCONFORM_STATE_FD", std::to_string(fd).c_str(), 1);
  return fd;
}

SharedState& State() {
  {
    std::lock_guard lock(g_state_mutex);
    if (g_state != nullptr) return *g_state;
    if (const char* env = std::getenv("IPCCONFORM_STATE_FD"); env != nullptr) {
      int fd = std::atoi(env);
      if (fcntl(fd, F_GETFD) >= 0) {
        g_state_fd = fd;
        g_state = MapState(fd);
        return *g_state;
      }
    }
  }
  CreateStateFd();
  return *g_state;
}

int StateFd() {
  State();
  return g_state_fd;
}

void ResetState() {
  SharedState& s = State();
  s.marks.store(0);
  s.log_used.store(0);
  s.root_pid.store(getpid());
  s.case_status.store(0);
  s.case_ended.store(0);
  s.first_bad.store(0);
  for (auto& c : s.checkpoints) c.store(0);
}

void Record(Mark mark, std::string_view message) {
  SharedState& s = State();
  s.marks.fetch_or(mark);
  if (mark == kMarkFailed || mark == kMarkError || mark == kMarkCrashed) {
    std::uint32_t none = 0;
    s.first_bad.compare_exchange_strong(none, mark);
  }
  if (mark == kMarkFinished) return;
  std::string line;
  const char* kind = mark == kMarkFailed        ? "FAIL"
                     : mark == kMarkError       ? "ERROR"
                     : mark == kMarkUnsupported ? "UNSUPPORTED"
                     : mark == kMarkSkipped     ? "SKIP"
                     : mark == kMarkCrashed     ? "CRASH"
                                                : "NOTE";
  if (getpid() != s.root_pid.load()) {
    line = fmt::format("[{} in pid {}] {}\n", kind, getpid(), message);
  } else {
    line = fmt::format("[{}] {}\n", kind, message);
  }
  const std::uint32_t cap = sizeof(s.log) - 1;
  std::uint32_t at = s.log_used.fetch_add(static_cast<std::uint32_t>(line.size()));
  if (at >= cap) return;
  std::size_t n = std::min<std::size_t>(line.size(), cap - at);
  std::memcpy(s.log + at, line.data(), n);
}

std::string LogText() {
  SharedState& s = State();
  std::uint32_t used = std::min<std::uint32_t>(s.log_used.load(), sizeof(s.log) - 1);
  std::string text(s.log, used);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

HarnessError::HarnessError(const std::string& what) : std::runtime_error(what) {}

void ThrowHarnessError(const std::string& message) {
  Record(kMarkError, message);
  throw HarnessError(message);
}

void CheckpointPost(int id) {
  if (id < 0 || id >= kCheckpointCount) ThrowHarnessError(fmt::format("checkpoint {} out of range", id));
  auto& word = State().checkpoints[id];
  word.fetch_add(1);
  Futex(&word, FUTEX_WAKE, INT32_MAX, nullptr);
}

std::uint32_t CheckpointValue(int id) {
  return State().checkpoints[id].load();
}

void CheckpointWait(int id, std::uint32_t count, std::chrono::milliseconds timeout) {
  if (id < 0 || id >= kCheckpointCount) ThrowHarnessError(fmt::format("checkpoint {} out of range", id));
  auto& word = State().checkpoints[id];
  timespec deadline{};
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += static_cast<time_t>(timeout.count() / 1000);
  deadline.tv_nsec += static_cast<long>((timeout.count() % 1000) * 1000000);
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000;
  }
  for (;;) {
    std::uint32_t seen = word.load();
    if (seen >= count) return;
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    timespec left{deadline.tv_sec - now.tv_sec, deadline.tv_nsec - now.tv_nsec};
    if (left.tv_nsec < 0) {
      left.tv_sec--;
      left.tv_nsec += 1000000000;
    }
    if (left.tv_sec < 0) {
      ThrowHarnessError(
          fmt::format("checkpoint {} not reached within {} ms (count {} of {})", id, timeout.count(), seen, count));
    }
    Futex(&word, FUTEX_WAIT, seen, &left);  // EAGAIN/EINTR/ETIMEDOUT all lead back to the check
  }
}

bool InOwnNamespaces() {
  const char* env = std::getenv("IPCCONFORM_ISOLATION");
  return env != nullptr && std::string_view(env) == "namespaces";
}

std::string TempDir() {
  static std::string dir = [] {
    if (const char* env = std::getenv("IPCCONFORM_TMPDIR"); env != nullptr && *env != '\0') {
      return std::string(env);
    }
    char templ[] = "/tmp/ipcconform-manual-XXXXXX";
    const char* made = mkdtemp(templ);
    if (made == nullptr) ThrowHarnessError(fmt::format("mkdtemp: {}", ErrnoName(errno)));
    return std::string(made);
  }();
  return dir;
}

std::string TempPath(std::string_view stem) {
  static std::atomic<unsigned> counter{0};
  return fmt::format("{}/{}.{}.{}", TempDir(), stem, getpid(), counter.fetch_add(1));
}

void ThrowSetupFailure(const char* call, int err, const char* file, int line) {
  ThrowHarnessError(fmt::format("set-up: {} failed with {} ({}:{})", call, ErrnoName(err), file, line));
}

}  // namespace ipcc
