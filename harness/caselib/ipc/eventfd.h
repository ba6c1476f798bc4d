// eventfd(2) objects for the eventfd cases (conformance/eventfd): set-up owners, bounded reads of the
// counter, the counter as /proc/<pid>/fdinfo shows it, poll events by name, bounded calls, and a counter
// overflow posted by kernel AIO.
//
// The namespace has the function's name: a case file with `using namespace ipcc;` calls the C library's
// function as ::eventfd (as the pipe cases call ::pipe).
#pragma once

#include <fcntl.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/fd.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::eventfd {

// The largest value the counter may hold (eventfd(2): the largest unsigned 64-bit value minus 1).
inline constexpr std::uint64_t kMaxCounter = 0xfffffffffffffffeULL;
// The value a write may never give, and the one an overflowed counter reads as.
inline constexpr std::uint64_t kAllOnes = 0xffffffffffffffffULL;

// "0xfffffffffffffffe": a counter value for messages.
inline std::string Hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

// eventfd(initval, flags) as set-up, for the cases whose subject is what is done with the descriptor
// (a failure is a harness error; the cases about eventfd() itself call it and judge the result).
inline UniqueFd Make(unsigned initval, int flags = 0) {
  const int fd = ::eventfd(initval, flags);
  if (fd < 0) ThrowHarnessError("set-up: eventfd(" + std::to_string(initval) + ", flags): " + ErrnoName(errno));
  return UniqueFd(fd);
}

// Adds v to the counter with one write of 8 bytes, as set-up: a harness error unless all 8 bytes go in.
inline void Add(int fd, std::uint64_t v) {
  const ssize_t n = ::write(fd, &v, sizeof v);
  if (n != static_cast<ssize_t>(sizeof v)) {
    ThrowHarnessError("set-up: write of " + Hex(v) + " to the eventfd returned " + std::to_string(n) +
                      (n < 0 ? " (" + ErrnoName(errno) + ")" : std::string()));
  }
}

// poll() of one descriptor with timeout 0; returns revents (a failed poll fails the case and gives 0).
inline short PollNow(int fd, short events) {
  pollfd p{fd, events, 0};
  const int r = ::poll(&p, 1, 0);
  if (r < 0) {
    ADD_FAILURE() << "poll of the eventfd failed with " << ErrnoName(errno);
    return 0;
  }
  return p.revents;
}

// "POLLIN|POLLOUT", "none": revents by name, for messages.
inline std::string PollEvents(short revents) {
  std::string s;
  const struct {
    short bit;
    const char* name;
  } names[] = {{POLLIN, "POLLIN"},   {POLLPRI, "POLLPRI"}, {POLLOUT, "POLLOUT"},
               {POLLERR, "POLLERR"}, {POLLHUP, "POLLHUP"}, {POLLNVAL, "POLLNVAL"}};
  short rest = revents;
  for (const auto& n : names) {
    if (revents & n.bit) {
      s += (s.empty() ? "" : "|") + std::string(n.name);
      rest = static_cast<short>(rest & ~n.bit);
    }
  }
  if (rest != 0) s += (s.empty() ? "" : "|") + std::string("0x") + std::to_string(rest);
  return s.empty() ? "none" : s;
}

// One read of 8 bytes that the case expects to succeed at once or after a bounded wait: first waits at most
// kReturnBound for POLLIN (so that a counter a deviating system left at 0 fails the case instead of hanging
// a blocking read), then reads. Returns the value read, or nullopt after recording a failure naming `what`.
inline std::optional<std::uint64_t> ReadWithin(int fd, const std::string& what) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(kReturnBound.count()));
  } while (r < 0 && errno == EINTR);
  if (r == 0) {
    ADD_FAILURE() << what << ": expected the counter to be nonzero (readable), but poll saw no POLLIN within "
                  << kReturnBound.count() << " ms";
    return std::nullopt;
  }
  std::uint64_t v = 0;
  const ssize_t n = ::read(fd, &v, sizeof v);
  if (n != static_cast<ssize_t>(sizeof v)) {
    ADD_FAILURE() << what << ": expected a read of the counter to return 8 bytes, but it "
                  << (n < 0 ? "failed with " + ErrnoName(errno) : "returned " + std::to_string(n));
    return std::nullopt;
  }
  return v;
}

// Expects one read (bounded as ReadWithin) to give `expected`.
inline void ExpectReads(int fd, std::uint64_t expected, const std::string& what) {
  const std::optional<std::uint64_t> v = ReadWithin(fd, what);
  if (v) {
    EXPECT_EQ(*v, expected) << what << ": read gave " << Hex(*v) << ", expected " << Hex(expected);
  }
}

// Expects the counter to be 0: poll (timeout 0) must not report POLLIN.
inline void ExpectZero(int fd, const std::string& what) {
  const short rev = PollNow(fd, POLLIN);
  EXPECT_FALSE(rev & POLLIN) << what << ": expected the counter to be 0 (not readable), but poll reports "
                             << PollEvents(rev);
}

// The eventfd-count line of /proc/<pid>/fdinfo/<fd> (hexadecimal), or nullopt when the file cannot be read
// or has no such line; *text gets the whole file for messages.
inline std::optional<std::uint64_t> FdinfoCount(pid_t pid, int fd, std::string* text = nullptr) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd);
  std::ifstream in(path);
  if (!in) {
    if (text) *text = "(cannot open " + path + ")";
    return std::nullopt;
  }
  std::optional<std::uint64_t> count;
  std::string all, line;
  while (std::getline(in, line)) {
    all += line + "\n";
    static constexpr const char kKey[] = "eventfd-count:";
    if (line.compare(0, sizeof kKey - 1, kKey) != 0) continue;
    const char* start = line.c_str() + sizeof kKey - 1;
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(start, &end, 16);
    if (errno == 0 && end != start) count = v;
  }
  if (text) *text = all;
  return count;
}

// Makes the counter of `fd` overflow the only way eventfd(2) says it can: the counter is written up to
// 0xfffffffffffffffe, then one kernel AIO read of a small file in the case's folder, submitted with
// IOCB_FLAG_RESFD naming `fd`, posts one more "signal" to it on completion. Linux's AIO has no C library
// wrapper (io_setup, io_submit, io_getevents, io_destroy are raw system calls). Set-up throughout: a
// failure, or a counter fdinfo does not show overflowed once the completion has been reaped, is a harness
// error, never a verdict on the behaviour the case checks.
inline void Overflow(int fd) {
  Add(fd, kMaxCounter);
  const std::string path = TempPath("aio-source");
  UniqueFd file(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!file.valid()) ThrowHarnessError("set-up: open(" + path + "): " + ErrnoName(errno));
  ::unlink(path.c_str());
  if (::write(file.get(), "aio!", 4) != 4)
    ThrowHarnessError("set-up: write to the AIO source file: " + ErrnoName(errno));

  aio_context_t ctx = 0;
  if (::syscall(SYS_io_setup, 1, &ctx) != 0) ThrowHarnessError("set-up: io_setup(1): " + ErrnoName(errno));
  const ScopedCleanup destroy([ctx] { ::syscall(SYS_io_destroy, ctx); });
  char buf[8] = {};
  iocb cb{};
  cb.aio_fildes = static_cast<std::uint32_t>(file.get());
  cb.aio_lio_opcode = IOCB_CMD_PREAD;
  cb.aio_buf = reinterpret_cast<std::uintptr_t>(buf);
  cb.aio_nbytes = 4;
  cb.aio_offset = 0;
  cb.aio_flags = IOCB_FLAG_RESFD;
  cb.aio_resfd = static_cast<std::uint32_t>(fd);
  iocb* list[1] = {&cb};
  const long submitted = ::syscall(SYS_io_submit, ctx, 1, list);
  if (submitted != 1) {
    ThrowHarnessError("set-up: io_submit of one IOCB_CMD_PREAD with IOCB_FLAG_RESFD returned " +
                      std::to_string(submitted) + (submitted < 0 ? " (" + ErrnoName(errno) + ")" : std::string()));
  }
  io_event ev{};
  timespec bound{2, 0};
  const long got = ::syscall(SYS_io_getevents, ctx, 1, 1, &ev, &bound);
  if (got != 1) {
    ThrowHarnessError("set-up: io_getevents for the AIO read returned " + std::to_string(got) +
                      (got < 0 ? " (" + ErrnoName(errno) + ")" : std::string()));
  }
  // A buffered read completes inside io_submit, which posts to the eventfd there; fdinfo confirms it.
  std::string text;
  const std::optional<std::uint64_t> count = FdinfoCount(::getpid(), fd, &text);
  if (count != kAllOnes) {
    ThrowHarnessError("set-up: after the AIO completion posted to a counter at 0xfffffffffffffffe, fdinfo does "
                      "not show it overflowed (eventfd-count 0xffffffffffffffff); fdinfo:\n" +
                      text);
  }
}

}  // namespace ipcc::eventfd
