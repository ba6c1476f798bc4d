// Helpers shared by the FIFO case files (conformance/fifo/*.cc).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>

#include "harness/caselib/caselib.h"

// glibc's open() enters the kernel through openat; architectures that still have open(2) list it too
// (where it does not exist, listing openat twice is harmless).
#ifdef SYS_open
#define IPCC_FIFO_SYS_OPEN SYS_open
#else
#define IPCC_FIFO_SYS_OPEN SYS_openat
#endif

namespace ipcc::fifo_cases {

// A fresh path in the case's private folder (nothing exists there yet).
inline std::string FifoPath() {
  return TempPath("fifo");
}

inline void InterruptOnly(int) {}

// A blocking open(2) of a FIFO by the case process itself, whose completion depends on the rendezvous
// under test (the other end's process is already waiting or about to open). Bounded: a timer signal
// (no SA_RESTART) interrupts an open still blocked after `bound`, which then fails with ETIMEDOUT, so
// the caller's assertion FAILs instead of the case hanging until its timeout.
inline int OpenWithin(const std::string& path, int flags, std::chrono::milliseconds bound = kDefaultWait) {
  struct sigaction sa {
  }, old{};
  sa.sa_handler = InterruptOnly;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGALRM, &sa, &old) != 0) ThrowHarnessError("sigaction(SIGALRM): " + ErrnoName(errno));
  // The interval re-arms it, should the first expiry come before the call is in the kernel.
  const long us = static_cast<long>(bound.count()) * 1000;
  itimerval timer{{0, 200000}, {us / 1000000, us % 1000000}};
  if (setitimer(ITIMER_REAL, &timer, nullptr) != 0) ThrowHarnessError("setitimer: " + ErrnoName(errno));
  int fd = open(path.c_str(), flags);
  int err = errno;
  const itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigaction(SIGALRM, &old, nullptr);
  if (fd < 0 && err == EINTR) err = ETIMEDOUT;  // still blocked when the bound expired
  errno = err;
  return fd;
}

// Reads until `n` bytes arrived, end-of-file, an error, or 5 s without data (bounded: the caller's
// comparison reports what did arrive); what was read.
inline std::string ReadUpTo(int fd, std::size_t n) {
  std::string got;
  while (got.size() < n) {
    if (!ReadableWithin(fd, kDefaultWait)) break;
    char buf[4096];
    const std::size_t want = std::min(sizeof buf, n - got.size());
    const ssize_t r = read(fd, buf, want);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got.append(buf, static_cast<std::size_t>(r));
  }
  return got;
}

// Reads until end-of-file, an error, or 5 s without data (bounded, as ReadUpTo).
inline std::string ReadToEof(int fd) {
  std::string got;
  for (;;) {
    if (!ReadableWithin(fd, kDefaultWait)) break;
    char buf[4096];
    const ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got.append(buf, static_cast<std::size_t>(r));
  }
  return got;
}

inline std::string FileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) return "FIFO";
  if (S_ISREG(mode)) return "regular file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "symbolic link";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISSOCK(mode)) return "socket";
  return "unknown type";
}

}  // namespace ipcc::fifo_cases
