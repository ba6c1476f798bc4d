// Helpers shared by the pipe cases (conformance/pipe/*.cc): making pipes, filling them to capacity,
// deterministic byte patterns and reading until a count or end-of-file.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/caselib/caselib.h"

namespace ipcc::pipe_cases {

// n bytes of a deterministic, non-periodic pattern (xorshift32 from seed), so that a reordering, a
// loss or a duplication of any stretch shows as a mismatch.
inline std::string Pattern(std::size_t n, std::uint32_t seed) {
  std::string out(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1u;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

// Fills the pipe behind the write end wfd until a nonblocking write fails with EAGAIN (page-sized
// writes, then single bytes to top off), restoring the descriptor's O_NONBLOCK setting afterwards.
// Returns the number of bytes the pipe took. The bytes written are all 'F'.
inline std::size_t FillPipe(int wfd) {
  const int fl = fcntl(wfd, F_GETFL);
  if (fl < 0) ThrowHarnessError("fcntl(F_GETFL): " + ErrnoName(errno));
  if (!(fl & O_NONBLOCK)) SetNonblock(wfd, true);
  const std::string chunk(PageSize(), 'F');
  constexpr std::size_t kLimit = 64u << 20;  // no pipe should take this much: a broken EAGAIN
  std::size_t total = 0;
  for (std::size_t size : {chunk.size(), std::size_t{1}}) {
    for (;;) {
      const ssize_t n = write(wfd, chunk.data(), size);
      if (n > 0) {
        total += static_cast<std::size_t>(n);
        if (total > kLimit) ThrowHarnessError("filling a pipe: it took more than 64 MiB without EAGAIN");
        continue;
      }
      if (n < 0 && errno == EAGAIN) break;
      ThrowHarnessError("filling a pipe: nonblocking write gave " + (n < 0 ? ErrnoName(errno) : std::to_string(n)));
    }
  }
  if (!(fl & O_NONBLOCK)) SetNonblock(wfd, false);
  return total;
}

// The number of bytes a fresh default pipe takes before a nonblocking write fails with EAGAIN.
inline std::size_t MeasuredCapacity() {
  Pipe p = MakePipe();
  return FillPipe(p.w.get());
}

// For a blocking descriptor: waits, bounded, until a read would not block. False when nothing arrived
// within the bound: the writer the caller waits for never delivered (a deviation the caller's own
// comparison of what was read then reports), so the read loops stop instead of hanging the case.
inline bool ReadableWithin(int fd, std::chrono::milliseconds bound = kDefaultWait) {
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0) ThrowHarnessError("fcntl(F_GETFL): " + ErrnoName(errno));
  if (fl & O_NONBLOCK) return true;  // the read itself answers at once
  return ::ipcc::ReadableWithin(fd, bound);
}

// Reads exactly n bytes (looping over short reads); stops early at end-of-file, or when nothing arrives
// for 5 s (bounded: the caller sees fewer bytes than it expected). A read error is a harness error
// unless the caller asked for it to be reported (err != nullptr).
inline std::string ReadExactly(int fd, std::size_t n, int* err = nullptr) {
  std::string out;
  out.reserve(n);
  char buf[65536];
  while (out.size() < n) {
    if (!ReadableWithin(fd)) break;
    const std::size_t want = std::min(sizeof buf, n - out.size());
    const ssize_t got = read(fd, buf, want);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      if (err != nullptr) {
        *err = errno;
        break;
      }
      ThrowHarnessError("read from a pipe: " + ErrnoName(errno));
    }
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

// Reads until end-of-file (bounded at 64 MiB), or until nothing arrives for 5 s (the writers never
// finished: the caller's comparison then reports what did arrive).
inline std::string ReadAll(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    if (!ReadableWithin(fd)) return out;
    const ssize_t got = read(fd, buf, sizeof buf);
    if (got == 0) return out;
    if (got < 0) {
      if (errno == EINTR) continue;
      ThrowHarnessError("read from a pipe: " + ErrnoName(errno));
    }
    out.append(buf, static_cast<std::size_t>(got));
    if (out.size() > (64u << 20)) ThrowHarnessError("reading a pipe: more than 64 MiB before end-of-file");
  }
}

// The offset of the first difference between two byte strings, or nullopt when they are equal.
inline std::optional<std::size_t> FirstDifference(const std::string& a, const std::string& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return i;
  }
  if (a.size() != b.size()) return n;
  return std::nullopt;
}

}  // namespace ipcc::pipe_cases
