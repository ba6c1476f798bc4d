// RAII owners for what cases create: file descriptors and arbitrary clean-up actions. System V ids and
// mappings use ScopedCleanup with the matching removal call.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <utility>

namespace ipcc {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

class ScopedCleanup {
 public:
  explicit ScopedCleanup(std::function<void()> fn) : fn_(std::move(fn)) {}
  ScopedCleanup(ScopedCleanup&& other) noexcept : fn_(std::exchange(other.fn_, nullptr)) {}
  ScopedCleanup(const ScopedCleanup&) = delete;
  ScopedCleanup& operator=(const ScopedCleanup&) = delete;
  ScopedCleanup& operator=(ScopedCleanup&&) = delete;
  ~ScopedCleanup() { Run(); }
  void Run() {
    if (fn_) std::exchange(fn_, nullptr)();
  }
  void Cancel() { fn_ = nullptr; }

 private:
  std::function<void()> fn_;
};

// Waits, bounded, until `fd` has data or end-of-file (poll for POLLIN); false when nothing came within
// `bound`, so a read loop on a deviating system stops instead of hanging its case. A failing poll
// returns true: the read that follows reports the error.
inline bool ReadableWithin(int fd, std::chrono::milliseconds bound) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int r = poll(&p, 1, static_cast<int>(bound.count()));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;
  }
}

}  // namespace ipcc
