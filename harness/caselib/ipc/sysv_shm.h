// System V shared memory as set-up (sysvipc(7), shmget(2), shmop(2), shmctl(2)): the owners of a segment
// id and of an attach, IPC_STAT and IPC_SET, the kernel index of a segment, the rows of /proc/sysvipc/shm,
// and the children a case holds while it looks at a segment. Mappings, byte access and the children that
// fault or drop privileges come from ipc/posix_shm.h.
#pragma once

#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_shm.h"

namespace ipcc::sysv_shm {

using posix_shm::DescribeNonzero;
using posix_shm::ExpectSharedBothWays;
using posix_shm::Map;
using posix_shm::MapAnonymous;
using posix_shm::Mapping;
using posix_shm::ReadBytes;
using posix_shm::RunAs;
using posix_shm::StatusOfTouch;
using posix_shm::WriteBytes;

inline std::size_t ShmLba() {
  return static_cast<std::size_t>(SHMLBA);
}

// A segment id that is removed (IPC_RMID) when the owner goes out of scope. Owns nothing for an id < 0
// (a failed shmget).
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

  // An id a shmget returned where none was to be made, removed unless it is `keep` (the case's own).
  static Segment Stray(int id, int keep) { return Segment(id == keep ? -1 : id); }

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

// An attach that is detached (shmdt) when the owner goes out of scope. Owns nothing for a failed shmat
// ((void*)-1) or nullptr; raw() keeps what shmat returned, for the matchers.
class Attachment {
 public:
  Attachment() = default;
  explicit Attachment(void* addr) : raw_(addr), addr_(SyscallFailed(addr) ? nullptr : addr) {}
  Attachment(Attachment&& other) noexcept
      : raw_(std::exchange(other.raw_, nullptr)), addr_(std::exchange(other.addr_, nullptr)) {}
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;
  Attachment& operator=(Attachment&&) = delete;
  ~Attachment() { Detach(); }

  void* raw() const { return raw_; }
  char* get() const { return static_cast<char*>(addr_); }
  char& operator[](std::size_t i) const { return get()[i]; }
  volatile char* bytes() const { return static_cast<volatile char*>(addr_); }
  // Detaches now; returns shmdt's result (0 when nothing was attached).
  int Detach() {
    if (addr_ == nullptr) return 0;
    return shmdt(std::exchange(addr_, nullptr));
  }

 private:
  void* raw_ = nullptr;
  void* addr_ = nullptr;
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

// IPC_SET of the segment's IPC_STAT structure as `change` leaves it; returns shmctl(IPC_SET)'s result with
// its errno, for the case to assert (or IPCC_SETUP where it only prepares).
inline int IpcSet(int id, const std::function<void(shmid_ds&)>& change) {
  shmid_ds ds = Stat(id, "before IPC_SET");
  change(ds);
  return shmctl(id, IPC_SET, &ds);
}

// SHM_INFO, whose return value is the highest index in use of the kernel's array of segments.
inline int ShmInfo(struct shm_info* info) {
  return shmctl(0, SHM_INFO, reinterpret_cast<shmid_ds*>(info));
}

// The kernel array index of segment `id`: SHM_STAT over the indexes 0..highest until one returns `id`
// (its shmid_ds into `ds`); -1 when none does.
inline int FindIndex(int id, int highest, shmid_ds* ds = nullptr) {
  for (int i = 0; i <= highest; ++i) {
    shmid_ds d{};
    if (shmctl(i, SHM_STAT, &d) != id) continue;
    if (ds != nullptr) *ds = d;
    return i;
  }
  return -1;
}

// One row of /proc/sysvipc/shm, its columns found by the names of the header line (proc(5)).
struct ShmRow {
  long long key = 0;
  int id = -1;        // shmid
  unsigned mode = 0;  // perms (octal in the file)
  unsigned long long size = 0;
  long long cpid = 0;
  long long lpid = 0;
  unsigned long long nattch = 0;
  unsigned long long uid = 0;
};

// The rows of /proc/sysvipc/shm (ReadSysvipc(SysvKind::shm)); nullopt when the file cannot be read. A
// field that is missing or not a number reads as -1 (key, id, pids) or the largest value.
inline std::optional<std::vector<ShmRow>> ReadShmRows() {
  const auto table = ReadSysvipc(SysvKind::shm);
  if (!table) return std::nullopt;
  std::vector<ShmRow> rows;
  for (std::size_t i = 0; i < table->rows.size(); ++i) {
    auto number = [&](const char* column, int base = 10) {
      const auto text = table->Field(i, column);
      char* end = nullptr;
      const long long v = text ? std::strtoll(text->c_str(), &end, base) : -1;
      return (text && end != nullptr && *end == '\0') ? v : -1;
    };
    ShmRow r;
    r.key = number("key");
    r.id = static_cast<int>(number("shmid"));
    r.mode = static_cast<unsigned>(number("perms", 8));
    r.size = static_cast<unsigned long long>(number("size"));
    r.cpid = number("cpid");
    r.lpid = number("lpid");
    r.nattch = static_cast<unsigned long long>(number("nattch"));
    r.uid = static_cast<unsigned long long>(number("uid"));
    rows.push_back(r);
  }
  return rows;
}

// A forked child held at one point while the case looks at the system: it runs `setup` (false when that
// failed; the child recorded why and ends), posts checkpoint 0, waits for checkpoint 1, runs `then` and
// exits. The case uses checkpoints from 2 up for anything more.
class HeldChild {
 public:
  explicit HeldChild(const std::function<bool()>& setup, const std::function<void()>& then = {})
      : child_(Fork([&] {
          if (!setup()) return;
          CheckpointPost(0);
          CheckpointWait(1);
          if (then) then();
        })) {}
  // Waits (bounded) until the child is held; false when it ended first (its failure is recorded).
  bool Held() { return AwaitCheckpoint(child_, 0); }
  // Lets the child go on (checkpoint 1).
  void Go() { CheckpointPost(1); }
  // Waits for the child and expects a clean exit.
  void ExpectExit(const std::string& what) { ExpectCleanExit(child_.Wait(), what); }
  void Release(const std::string& what) {
    Go();
    ExpectExit(what);
  }
  Child& child() { return child_; }
  pid_t pid() const { return child_.pid(); }

 private:
  Child child_;
};

// A held child that attaches segment `id` itself (shmat(id, NULL, 0), expected to succeed; it is forked
// before the case attaches, so it inherits no attach of the case's) and, once let go, runs `then` with its
// attach address and exits without shmdt: its exit detaches.
inline HeldChild AttachedChild(int id, const std::function<void(volatile char*)>& then = {}) {
  volatile char* attach = nullptr;  // both functions run in the child, inside this call
  return HeldChild(
      [&] {
        void* r = shmat(id, nullptr, 0);
        EXPECT_THAT(r, SyscallSucceeds()) << "shmat(" << id << ") in the child";
        attach = SyscallFailed(r) ? nullptr : static_cast<volatile char*>(r);
        return attach != nullptr;
      },
      [&] {
        if (then) then(attach);
      });
}

// A held child that creates a segment with shmget(IPC_PRIVATE, size, flags), expected to succeed (as `who`
// when one is given), and hands its id to the case process, which owns the segment from Created() on.
class CreatingChild {
 public:
  CreatingChild(std::size_t size, int flags, const Identity* who = nullptr)
      : held_([&] {
          if (who != nullptr) DropPrivileges(*who);
          int id = -1;
          EXPECT_THAT(id = shmget(IPC_PRIVATE, size, flags), SyscallSucceeds()) << "shmget in the creating child";
          id_->value.store(id);
          return id >= 0;
        }) {}
  // Waits (bounded) until the child has created the segment; false when it ended first (recorded).
  bool Created() {
    const bool held = held_.Held();
    segment_ = Segment(id_->value.load());  // removed by the case process even when the child failed later
    return held;
  }
  int id() const { return segment_.id(); }
  Segment& segment() { return segment_; }
  pid_t pid() const { return held_.pid(); }
  // Lets the creator exit and expects it to end cleanly.
  void Release(const std::string& what = "creating child") { held_.Release(what); }

 private:
  struct Id {
    std::atomic<int> value{-1};  // set by the child before it posts
  };
  SharedPage<Id> id_;
  HeldChild held_;
  Segment segment_;
};

}  // namespace ipcc::sysv_shm

// In a test body: creates a segment with shmget(key, size, flags) as set-up, owned by `var` (an
// ipcc::sysv_shm::Segment removed at the end of the scope). A failure is a harness ERROR (the set-up
// rule of docs/verdicts.md); a case whose statement is about that very shmget call checks it itself.
#define IPCC_SHM_CREATE(var, key, size, flags) \
  ::ipcc::sysv_shm::Segment var(IPCC_SETUP(::shmget((key), (size), (flags))))

// In a test body: attaches segment `id` as `var` (an ipcc::sysv_shm::Attachment, detached at the end of the
// scope), asserting that shmat succeeds.
#define IPCC_SHM_ATTACH(var, id, addr, flags)                       \
  ::ipcc::sysv_shm::Attachment var(::shmat((id), (addr), (flags))); \
  ASSERT_THAT(var.raw(), ::ipcc::SyscallSucceeds()) << "shmat(" #id ", " #addr ", " #flags ")"
