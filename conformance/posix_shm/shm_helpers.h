// Helpers shared by the posix_shm case files: unique object names, RAII owners for shared memory
// objects and mappings, set-up creation, and a child that is expected to die by a signal.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"

namespace ipcc::posix_shm {

// A name no other case or earlier run uses: "/ipcc-<stem>-<pid>-<n>-<ns>".
inline std::string UniqueShmName(std::string_view stem) {
  static std::atomic<unsigned> counter{0};
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return fmt::format("/ipcc-{}-{}-{}-{}", stem, getpid(), counter.fetch_add(1), ts.tv_nsec);
}

// A shared memory object name this process created: unlinked when the owner goes away (in the
// process that created the owner only; forked children never run the destructor of the parent's
// objects).
class ShmName {
 public:
  ShmName() = default;
  explicit ShmName(std::string name) : name_(std::move(name)), owner_(getpid()) {}
  ShmName(const ShmName&) = delete;
  ShmName& operator=(const ShmName&) = delete;
  ~ShmName() {
    if (owned_ && getpid() == owner_) shm_unlink(name_.c_str());
  }
  const char* c_str() const { return name_.c_str(); }
  const std::string& str() const { return name_; }
  // The case unlinked it itself: the name stays usable, but is no longer unlinked on destruction.
  void Forget() { owned_ = false; }

 private:
  std::string name_;
  pid_t owner_ = -1;
  bool owned_ = true;
};

// Creates the shared memory object a case is about to use (O_RDWR|O_CREAT|O_EXCL, `mode`). Set-up: a
// refusal is a harness ERROR naming the call and the errno, never a verdict. (A system without
// shm_open at all is UNSUPPORTED by the runner's posix_shm probe before the case starts.)
inline UniqueFd CreateShm(const ShmName& name, mode_t mode = 0600) {
  UniqueFd fd(shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, mode));
  if (!fd.valid()) {
    ThrowHarnessError(fmt::format("set-up: shm_open(\"{}\", O_RDWR|O_CREAT|O_EXCL, {:#o}) failed with {}", name.str(),
                                  mode, ErrnoName(errno)));
  }
  return fd;
}

// A mapping, unmapped on destruction (in the process that made the owner).
class Mapping {
 public:
  Mapping() = default;
  Mapping(void* addr, std::size_t len) : addr_(addr), len_(len), owner_(getpid()) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  Mapping(Mapping&& other) noexcept
      : addr_(std::exchange(other.addr_, MAP_FAILED)), len_(other.len_), owner_(other.owner_) {}
  Mapping& operator=(Mapping&& other) noexcept {
    if (this != &other) {
      reset();
      addr_ = std::exchange(other.addr_, MAP_FAILED);
      len_ = other.len_;
      owner_ = other.owner_;
    }
    return *this;
  }
  ~Mapping() { reset(); }

  bool valid() const { return addr_ != MAP_FAILED && addr_ != nullptr; }
  volatile char* bytes() const { return static_cast<volatile char*>(addr_); }
  void* get() const { return addr_; }
  std::size_t size() const { return len_; }
  // The case unmapped it itself.
  void Forget() { addr_ = MAP_FAILED; }
  void reset() {
    if (valid() && getpid() == owner_) munmap(addr_, len_);
    addr_ = MAP_FAILED;
  }

 private:
  void* addr_ = MAP_FAILED;
  std::size_t len_ = 0;
  pid_t owner_ = -1;
};

// mmap as applications call it; the Mapping is invalid when mmap failed (errno kept).
inline Mapping Map(std::size_t len, int prot, int flags, int fd, off_t offset = 0) {
  void* p = mmap(nullptr, len, prot, flags, fd, offset);
  return Mapping(p, len);
}

// Reads `len` bytes of a mapping into a string (through volatile accesses, so every byte is loaded
// from memory at the time of the call).
inline std::string ReadBytes(const Mapping& m, std::size_t offset, std::size_t len) {
  std::string out(len, '\0');
  for (std::size_t i = 0; i < len; ++i) out[i] = m.bytes()[offset + i];
  return out;
}

inline void WriteBytes(const Mapping& m, std::size_t offset, std::string_view data) {
  for (std::size_t i = 0; i < data.size(); ++i) m.bytes()[offset + i] = data[i];
}

// In a child that is about to die by a signal on purpose: no core file (which would be slow and
// leave files behind), whatever core_pattern says.
inline void SuppressCoreDump() {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
}

}  // namespace ipcc::posix_shm
