// POSIX shared memory and mappings as set-up (shm_overview(7), mmap(2)): object names and their owner,
// set-up creation of objects and files, the one owner of an mmap(2) mapping (the System V cases use it
// too), byte access that always loads and stores, and the children a case forks to be killed by a fault
// or to act as another user.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <functional>
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

// Creates a new object of `size` bytes with exactly `mode` (fchmod, so the umask does not matter), for a
// case about what is done with the object rather than about its creation: set-up, so every failure here
// is a harness ERROR.
inline UniqueFd CreateObject(const ShmName& name, std::size_t size, mode_t mode = 0600) {
  UniqueFd fd = CreateShm(name, mode);
  IPCC_SETUP(fchmod(fd.get(), mode));
  if (size > 0) IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(size)));
  return fd;
}

// A new shared memory object of the case, made as set-up with CreateObject (`size` bytes, exactly `mode`):
// its name, unlinked at the end, and the creator's O_RDWR descriptor.
struct ShmObject {
  ShmName name;
  UniqueFd fd;
  explicit ShmObject(std::string_view stem, std::size_t size = 0, mode_t mode = 0600)
      : name(UniqueShmName(stem)), fd(CreateObject(name, size, mode)) {}
};

// The umask for a scope, the old one put back at its end.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(umask(mask)) {}
  ~ScopedUmask() { umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

// A regular file in the case's private folder, `size` bytes long, starting with `content` (set-up).
inline UniqueFd MakeFile(const std::string& path, std::size_t size, const std::string& content = "") {
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600));
  if (!fd.valid()) ThrowHarnessError("set-up: creating " + path + ": " + ErrnoName(errno));
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(size)));
  if (!content.empty() && pwrite(fd.get(), content.data(), content.size(), 0) != static_cast<ssize_t>(content.size())) {
    ThrowHarnessError("set-up: pwrite: " + ErrnoName(errno));
  }
  return fd;
}

// Up to `len` bytes of a file at `offset`, as read() returns them (fewer at its end).
inline std::string PreadString(int fd, std::size_t len, off_t offset) {
  std::string buf(len, '\0');
  const ssize_t n = pread(fd, buf.data(), len, offset);
  if (n < 0) ThrowHarnessError("pread: " + ErrnoName(errno));
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

// Expects fstat(fd) to succeed and to give st_size `expected`.
inline void ExpectSize(int fd, off_t expected, const std::string& what) {
  struct stat st {};
  ASSERT_THAT(fstat(fd, &st), SyscallSucceeds()) << what;
  EXPECT_EQ(st.st_size, expected) << "st_size: " << what;
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
  char* data() const { return static_cast<char*>(addr_); }
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

// mmap of the first `len` bytes of the object, MAP_SHARED through the creator's descriptor (errno kept when
// it fails).
inline Mapping MapShared(const ShmObject& obj, std::size_t len, int prot = PROT_READ | PROT_WRITE) {
  return Map(len, prot, MAP_SHARED, obj.fd.get());
}

// Expects a writable MAP_SHARED mapping of `ro_fd`, a descriptor opened O_RDONLY, to fail with EACCES.
inline void ExpectSharedWritableMapRefused(int ro_fd) {
  Mapping m = Map(PageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, ro_fd);
  EXPECT_THAT(m.get(), SyscallFailsWithErrno(EACCES))
      << "mmap(PROT_READ|PROT_WRITE, MAP_SHARED) of an O_RDONLY descriptor";
}

// The bytes of `m` after expecting that the mmap(2) behind it succeeded (errno as mmap left it); nullptr
// when it failed.
inline volatile char* ExpectMapped(const Mapping& m, const std::string& what) {
  EXPECT_THAT(m.get(), SyscallSucceeds()) << what;
  return m.valid() ? m.bytes() : nullptr;
}

// An anonymous mapping (`share` MAP_PRIVATE or MAP_SHARED) that only prepares the case, as memory or an
// address range to work on: set-up.
inline Mapping MapAnonymous(std::size_t len, int share = MAP_PRIVATE, int prot = PROT_READ | PROT_WRITE) {
  Mapping m = Map(len, prot, share | MAP_ANONYMOUS, -1);
  IPCC_SETUP(m.get());
  return m;
}

// Reads `len` bytes at `p + offset` into a string, through volatile accesses, so every byte is loaded
// from memory at the time of the call (what another process stored there is seen).
inline std::string ReadBytes(const volatile char* p, std::size_t offset, std::size_t len) {
  std::string out(len, '\0');
  for (std::size_t i = 0; i < len; ++i) out[i] = p[offset + i];
  return out;
}
inline std::string ReadBytes(const Mapping& m, std::size_t offset, std::size_t len) {
  return ReadBytes(m.bytes(), offset, len);
}

inline void WriteBytes(volatile char* p, std::size_t offset, std::string_view data) {
  for (std::size_t i = 0; i < data.size(); ++i) p[offset + i] = data[i];
}
inline void WriteBytes(const Mapping& m, std::size_t offset, std::string_view data) {
  WriteBytes(m.bytes(), offset, data);
}

// "" when the `len` bytes at `p` are all zero; otherwise how many are not and where the first one is, for
// EXPECT_EQ(DescribeNonzero(p, len), "") to print what was seen.
inline std::string DescribeNonzero(const volatile char* p, std::size_t len) {
  std::size_t count = 0, first = len;
  for (std::size_t i = 0; i < len; ++i) {
    if (p[i] == 0) continue;
    if (count++ == 0) first = i;
  }
  if (count == 0) return "";
  return fmt::format("{} of {} bytes are not zero, the first at offset {} ({:#04x})", count, len, first,
                     static_cast<unsigned char>(p[first]));
}

// Runs `touch` in a forked child that writes no core file (slow, and files left behind, whatever
// core_pattern says) and returns the child's wait status: for an access that is to kill the process by a
// signal (SIGSEGV, SIGBUS) without taking the case with it.
inline int StatusOfTouch(const std::function<void()>& touch) {
  Child c = Fork([&] {
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    touch();
  });
  return c.Wait();
}

// Runs `fn` in a forked child that has dropped to `who` (for good) and expects the child to end cleanly;
// what `fn` expects fails the case from the child.
inline void RunAs(const Identity& who, const std::function<void()>& fn,
                  const std::string& what = "unprivileged child") {
  Child c = Fork([&] {
    DropPrivileges(who);
    fn();
  });
  ExpectCleanExit(c.Wait(), what);
}

// The two-way check that a region is shared between the case process and a forked child. In the child,
// `child_view` gives the child's view of the region (an inherited one, or one it maps itself; nullptr
// after a failure it recorded); then the case process stores `down` at offset 0 of its view `mine` (asked
// for after the fork, so that a view it makes then is not inherited), the child must load it through its
// view and stores `up` at `up_at`, which the case process must then load through its own. Uses checkpoints
// 0 to 2.
struct TwoWay {
  std::string down = "parent";
  std::string up = "child";
  std::size_t up_at = 64;
};
inline void ExpectSharedBothWays(const std::function<volatile char*()>& mine,
                                 const std::function<volatile char*()>& child_view, const std::string& how,
                                 const TwoWay& data = {}) {
  Child c = Fork([&] {
    volatile char* view = child_view();
    if (view == nullptr) return;
    CheckpointPost(0);  // the child has its view
    CheckpointWait(1);  // the case process stored
    EXPECT_EQ(ReadBytes(view, 0, data.down.size()), data.down)
        << "the child does not load the case process's store through " << how;
    WriteBytes(view, data.up_at, data.up);
    CheckpointPost(2);
  });
  volatile char* const view = mine();
  if (view == nullptr || !AwaitCheckpoint(c, 0)) return;
  WriteBytes(view, 0, data.down);
  CheckpointPost(1);
  if (!AwaitCheckpoint(c, 2)) return;
  EXPECT_EQ(ReadBytes(view, data.up_at, data.up.size()), data.up)
      << "the case process does not load the child's store through " << how;
  ExpectCleanExit(c.Wait(), "child sharing the region");
}

}  // namespace ipcc::posix_shm
