// Helpers shared by the signal cases: signal sets, installing actions, memory shared with forked
// children (and writable from handlers), bounded waits for a descriptor or a signal.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <initializer_list>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"

namespace ipcc::sigcase {

// One object of type T in anonymous MAP_SHARED memory: forked children see the same object, and a
// signal handler may write into it (use std::atomic or volatile members). Unmapped when the owner
// (the process that made it) destroys it; forked children end with _exit and never unmap it.
template <typename T>
class Shared {
 public:
  Shared() {
    void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ThrowHarnessError("mmap(MAP_SHARED|MAP_ANONYMOUS): " + ErrnoName(errno));
    ptr_ = new (p) T();
  }
  ~Shared() {
    ptr_->~T();
    munmap(ptr_, sizeof(T));
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }

 private:
  T* ptr_ = nullptr;
};

inline sigset_t SetOf(std::initializer_list<int> sigs) {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : sigs) sigaddset(&s, sig);
  return s;
}

inline bool Has(const sigset_t& s, int sig) {
  return sigismember(&s, sig) == 1;
}

// "{SIGUSR1, SIGRTMIN+2}" for messages.
inline std::string Describe(const sigset_t& s) {
  std::string out = "{";
  bool first = true;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&s, sig) == 1) {
      if (!first) out += ", ";
      out += SignalName(sig);
      first = false;
    }
  }
  return out + "}";
}

inline sigset_t CurrentMask() {
  sigset_t s;
  sigemptyset(&s);
  if (sigprocmask(SIG_BLOCK, nullptr, &s) != 0) ThrowHarnessError("sigprocmask(query): " + ErrnoName(errno));
  return s;
}

inline sigset_t PendingSet() {
  sigset_t s;
  sigemptyset(&s);
  if (sigpending(&s) != 0) ThrowHarnessError("sigpending: " + ErrnoName(errno));
  return s;
}

inline struct sigaction QueryAction(int sig) {
  struct sigaction sa {};
  if (sigaction(sig, nullptr, &sa) != 0) {
    ThrowHarnessError("sigaction(" + SignalName(sig) + ", NULL, &old): " + ErrnoName(errno));
  }
  return sa;
}

// Installs a one-argument handler (or SIG_DFL / SIG_IGN); a refusal is a harness error.
inline void SetHandler(int sig, void (*handler)(int), int flags = 0, const sigset_t& mask = SetOf({})) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sa.sa_mask = mask;
  sa.sa_flags = flags;
  if (sigaction(sig, &sa, nullptr) != 0) {
    ThrowHarnessError("sigaction(" + SignalName(sig) + "): " + ErrnoName(errno));
  }
}

// Installs an SA_SIGINFO handler.
inline void SetInfoHandler(int sig, void (*handler)(int, siginfo_t*, void*), int flags = 0,
                           const sigset_t& mask = SetOf({})) {
  struct sigaction sa {};
  sa.sa_sigaction = handler;
  sa.sa_mask = mask;
  sa.sa_flags = flags | SA_SIGINFO;
  if (sigaction(sig, &sa, nullptr) != 0) {
    ThrowHarnessError("sigaction(" + SignalName(sig) + ", SA_SIGINFO): " + ErrnoName(errno));
  }
}

inline void ChangeMask(int how, std::initializer_list<int> sigs) {
  sigset_t s = SetOf(sigs);
  if (sigprocmask(how, &s, nullptr) != 0) ThrowHarnessError("sigprocmask: " + ErrnoName(errno));
}
inline void Block(std::initializer_list<int> sigs) {
  ChangeMask(SIG_BLOCK, sigs);
}
inline void Unblock(std::initializer_list<int> sigs) {
  ChangeMask(SIG_UNBLOCK, sigs);
}

// Waits, bounded, until fd is readable; false when the bound expired first.
inline bool WaitReadable(int fd, std::chrono::milliseconds bound = kDefaultWait) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    int r = poll(&p, 1, static_cast<int>(bound.count()));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) ThrowHarnessError("poll: " + ErrnoName(errno));
  }
}

// Accepts one of `set` (which the caller has blocked) with sigtimedwait, bounded: the signal number,
// or -1 with errno EAGAIN when none arrived in time.
inline int AcceptSignal(const sigset_t& set, siginfo_t* info, std::chrono::milliseconds bound = kDefaultWait) {
  timespec ts{static_cast<time_t>(bound.count() / 1000), static_cast<long>((bound.count() % 1000) * 1000000)};
  for (;;) {
    int r = sigtimedwait(&set, info, &ts);
    if (r >= 0 || errno != EINTR) return r;
  }
}

// Name of an si_code value of a signal sent by a process (kill, sigqueue, tgkill) or the kernel.
inline std::string SiCodeName(int code) {
  switch (code) {
    case SI_USER:
      return "SI_USER";
    case SI_QUEUE:
      return "SI_QUEUE";
    case SI_TKILL:
      return "SI_TKILL";
    case SI_KERNEL:
      return "SI_KERNEL";
    case SI_TIMER:
      return "SI_TIMER";
    case SI_MESGQ:
      return "SI_MESGQ";
    default:
      return "si_code " + std::to_string(code);
  }
}

// Name of an si_code value of SIGCHLD.
inline std::string CldCodeName(int code) {
  switch (code) {
    case CLD_EXITED:
      return "CLD_EXITED";
    case CLD_KILLED:
      return "CLD_KILLED";
    case CLD_DUMPED:
      return "CLD_DUMPED";
    case CLD_TRAPPED:
      return "CLD_TRAPPED";
    case CLD_STOPPED:
      return "CLD_STOPPED";
    case CLD_CONTINUED:
      return "CLD_CONTINUED";
    default:
      return SiCodeName(code);
  }
}

// Replaces the calling (forked) process with the fixture program running `subcommand args...`; the
// fixture reports into the same case tree. Never returns (a failed exec is a harness error).
[[noreturn]] inline void ExecFixture(const std::string& fixture_path, const std::string& subcommand,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> all{"ipcconform-fixture", subcommand};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(fixture_path.c_str(), argv.data());
  ThrowHarnessError("execv(" + fixture_path + "): " + ErrnoName(errno));
}

}  // namespace ipcc::sigcase
