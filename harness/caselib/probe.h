// The blocked-task probe: proves that a process is blocked inside a given system call by reading what
// the kernel says about it, never by sleeping and hoping.
//
// /proc/<pid>/syscall gives the number of the system call a sleeping task is in; where that file is
// missing (some sandboxes), the task state in /proc/<pid>/stat and /proc/<pid>/wchan are used, which
// prove "asleep in the kernel" but not which call.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

namespace ipcc {

struct ProbeResult {
  enum Kind {
    kBlocked,           // asleep in one of the expected system calls
    kExited,            // the process ended (or became a zombie) before it was seen blocked
    kBlockedElsewhere,  // asleep in another system call (not a harness wait) through the last second
                        // of the wait: the expected call did not block
    kTimedOut,          // never seen blocked in time: no verdict can be drawn
  } kind = kTimedOut;
  std::string method;     // "syscall" or "stat+wchan"
  std::string last_seen;  // what the probe saw last, for messages
};

// Waits, bounded, until `pid` (a task of this pid namespace; a thread id works too) is asleep in one
// of `syscalls` (numbers from <sys/syscall.h>).
ProbeResult WaitUntilBlocked(pid_t pid, std::vector<long> syscalls,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Human-readable syscall name for the common calls cases wait in ("openat", "read", ...).
std::string SyscallName(long nr);

}  // namespace ipcc

// Asserts that `pid` becomes blocked in one of the given system calls. A process that ends instead is
// a FAIL (the call did not block); a probe that cannot see the process block in time is an ERROR.
#define IPCC_ASSERT_BLOCKED(pid, ...)                                                                            \
  do {                                                                                                           \
    const ::ipcc::ProbeResult ipcc_probe_ = ::ipcc::WaitUntilBlocked((pid), {__VA_ARGS__});                      \
    if (ipcc_probe_.kind == ::ipcc::ProbeResult::kExited) {                                                      \
      GTEST_FAIL() << "expected pid " << (pid) << " to block in " #__VA_ARGS__                                   \
                   << ", but it completed without blocking (" << ipcc_probe_.last_seen << ")";                   \
    }                                                                                                            \
    if (ipcc_probe_.kind == ::ipcc::ProbeResult::kBlockedElsewhere) {                                            \
      GTEST_FAIL() << "expected pid " << (pid) << " to block in " #__VA_ARGS__                                   \
                   << ", but it did not stay there: it is " << ipcc_probe_.last_seen                             \
                   << " (the call returned and the process went on)";                                            \
    }                                                                                                            \
    if (ipcc_probe_.kind == ::ipcc::ProbeResult::kTimedOut) {                                                    \
      ::ipcc::ThrowHarnessError("blocked-task probe expired: pid " + std::to_string(pid) +                       \
                                " never seen blocked in " #__VA_ARGS__ "; last seen: " + ipcc_probe_.last_seen); \
    }                                                                                                            \
  } while (0)
