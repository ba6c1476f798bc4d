// Helpers shared by the System V shared memory cases (conformance/sysv_shm/*.cc).
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"

namespace ipcc::shmtest {

inline std::size_t ShmLba() {
  return static_cast<std::size_t>(SHMLBA);
}

// A segment id that is removed (IPC_RMID) when the owner goes out of scope.
class Segment {
 public:
  Segment() = default;
  explicit Segment(int id) : id_(id) {}
  Segment(Segment&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  Segment& operator=(Segment&& other) noexcept {
    if (this != &other) {
      Remove();
      id_ = std::exchange(other.id_, -1);
    }
    return *this;
  }
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment() { Remove(); }

  int id() const { return id_; }
  void Remove() {
    if (id_ >= 0) shmctl(id_, IPC_RMID, nullptr);
    id_ = -1;
  }
  // Stops owning the id (the case removed it itself, or expects it to be gone).
  void Forget() { id_ = -1; }

 private:
  int id_ = -1;
};

// An attachment that is detached (shmdt) when the owner goes out of scope.
class Attachment {
 public:
  Attachment() = default;
  explicit Attachment(void* addr) : addr_(addr) {}
  Attachment(Attachment&& other) noexcept : addr_(std::exchange(other.addr_, nullptr)) {}
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;
  Attachment& operator=(Attachment&&) = delete;
  ~Attachment() { Detach(); }

  char* get() const { return static_cast<char*>(addr_); }
  // Detaches now; returns shmdt's result (0 when nothing was attached).
  int Detach() {
    if (addr_ == nullptr) return 0;
    return shmdt(std::exchange(addr_, nullptr));
  }
  // Stops owning the attachment (the case detached it itself).
  void Forget() { addr_ = nullptr; }

 private:
  void* addr_ = nullptr;
};

// A MAP_SHARED anonymous object: how processes of a case pass ids and results to each other
// without using the mechanism under test.
template <typename T>
class SharedBox {
 public:
  SharedBox() {
    void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ThrowHarnessError(fmt::format("mmap of a shared word: {}", ErrnoName(errno)));
    p_ = new (p) T();
  }
  SharedBox(const SharedBox&) = delete;
  SharedBox& operator=(const SharedBox&) = delete;
  ~SharedBox() { munmap(p_, sizeof(T)); }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }

 private:
  T* p_ = nullptr;
};

// IPC_STAT of a segment; a failure is recorded (non-fatal) and a zeroed structure returned.
inline shmid_ds Stat(int id, const char* when = "") {
  shmid_ds ds{};
  if (shmctl(id, IPC_STAT, &ds) != 0) {
    const int err = errno;
    ADD_FAILURE() << "shmctl(" << id << ", IPC_STAT) " << when << ": expected success, but it failed with "
                  << ErrnoName(err);
    ds = shmid_ds{};
  }
  return ds;
}

// A key made with ftok from a fresh file of the case's temporary folder, for which no segment exists yet.
struct KeyFile {
  std::string path;
  int proj = 0;
  key_t key = -1;
};

inline KeyFile FreshKey() {
  KeyFile k;
  k.path = TempPath("shmkey");
  int fd = open(k.path.c_str(), O_CREAT | O_WRONLY | O_EXCL, 0644);
  if (fd < 0) ThrowHarnessError(fmt::format("creating key file {}: {}", k.path, ErrnoName(errno)));
  close(fd);
  // /proc/sysvipc/shm says which keys are taken without relying on the shmget behaviour under test.
  std::vector<long> taken;
  std::ifstream in("/proc/sysvipc/shm");
  const bool have_proc = static_cast<bool>(in);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    long key = 0;
    if (f >> key) taken.push_back(key);
  }
  for (int proj = 'S'; proj < 'S' + 200; ++proj) {
    key_t key = ftok(k.path.c_str(), proj & 0xff);
    if (key == -1) ThrowHarnessError(fmt::format("ftok({}): {}", k.path, ErrnoName(errno)));
    if (key == IPC_PRIVATE) continue;
    bool free_key = false;
    if (have_proc) {
      free_key = std::find(taken.begin(), taken.end(), static_cast<long>(key)) == taken.end();
    } else {
      free_key = shmget(key, 0, 0) < 0 && errno == ENOENT;
    }
    if (free_key) {
      k.proj = proj & 0xff;
      k.key = key;
      return k;
    }
  }
  ThrowHarnessError("no free System V key found for " + k.path);
}

// Runs `touch` in a forked child that cannot dump core and returns its wait status: used to see
// whether an access to an address kills the process with SIGSEGV without crashing the case itself.
inline int StatusOfTouch(const std::function<void()>& touch) {
  Child c = Fork([&] {
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0);
    touch();
  });
  return c.Wait();
}

// One line of /proc/sysvipc/shm.
struct ProcShmEntry {
  long key = 0;
  int id = -1;
  unsigned mode = 0;
  unsigned long size = 0;
  long cpid = 0;
  long lpid = 0;
  unsigned long nattch = 0;
  unsigned long uid = 0;
  unsigned long gid = 0;
};

// The entries of /proc/sysvipc/shm (the header line skipped); nullopt when the file is missing.
inline std::optional<std::vector<ProcShmEntry>> ReadProcSysvipcShm() {
  std::ifstream in("/proc/sysvipc/shm");
  if (!in) return std::nullopt;
  std::vector<ProcShmEntry> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    ProcShmEntry e;
    std::string perms;
    if (f >> e.key >> e.id >> perms >> e.size >> e.cpid >> e.lpid >> e.nattch >> e.uid >> e.gid) {
      e.mode = static_cast<unsigned>(std::stoul(perms, nullptr, 8));
      out.push_back(e);
    }
  }
  return out;
}

}  // namespace ipcc::shmtest

// In a test body: creates a segment with shmget(key, size, flags) as set-up, owned by `var` (an
// ipcc::shmtest::Segment removed at the end of the scope). A failure is a harness ERROR (the set-up
// rule of docs/verdicts.md); a case whose statement is about that very shmget call checks it itself.
#define IPCC_SHM_CREATE(var, key, size, flags) \
  ::ipcc::shmtest::Segment var(IPCC_SETUP(::shmget((key), (size), (flags))))

// In a test body: attaches segment `id` as a char* named `var`, detached at the end of the scope.
#define IPCC_SHM_ATTACH(var, id, addr, flags)                                                    \
  void* const var##_raw_ = ::shmat((id), (addr), (flags));                                       \
  ASSERT_THAT(var##_raw_, ::ipcc::SyscallSucceeds()) << "shmat(" #id ", " #addr ", " #flags ")"; \
  ::ipcc::shmtest::Attachment var##_guard_(var##_raw_);                                          \
  [[maybe_unused]] char* const var = static_cast<char*>(var##_raw_)
