// Helpers shared by the FIFO case files (conformance/fifo/*.cc).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "harness/harness.h"

// glibc's open() enters the kernel through openat; architectures that still have open(2) list it too
// (where it does not exist, listing openat twice is harmless).
#ifdef SYS_open
#define IPCC_FIFO_SYS_OPEN SYS_open
#else
#define IPCC_FIFO_SYS_OPEN SYS_openat
#endif

namespace ipcc::fifo_cases {

// A fresh path in the case's private folder (nothing exists there yet).
inline std::string FifoPath() { return TempPath("fifo"); }

// Reads until `n` bytes arrived or end-of-file/an error; what was read.
inline std::string ReadUpTo(int fd, std::size_t n) {
  std::string got;
  while (got.size() < n) {
    char buf[4096];
    const std::size_t want = std::min(sizeof buf, n - got.size());
    const ssize_t r = read(fd, buf, want);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got.append(buf, static_cast<std::size_t>(r));
  }
  return got;
}

// Reads until end-of-file (or an error).
inline std::string ReadToEof(int fd) {
  std::string got;
  for (;;) {
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
