// Shared helpers for the System V semaphore cases (conformance/sysv_sem/*.cc): RAII ownership of a set,
// semctl(2) wrappers for set-up and read-back, the limits in /proc/sys/kernel/sem, and a shared page.
//
// Set-up and read-back helpers (GetVal, GetAll, Stat, ...) throw a harness error when the call itself
// fails: a case checks the documented behaviour with its own EXPECT_THAT(...) on the call under test,
// and a broken read-back gives ERROR (no verdict) rather than a misleading FAIL.
#pragma once

#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <initializer_list>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"

namespace ipcc::sysv_sem {

// semctl(2): "The calling program must define this union".
union SemUn {
  int val;
  semid_ds* buf;
  unsigned short* array;
  seminfo* info;
};

// Owns a semaphore set id: IPC_RMID when it goes out of scope (in the process that created the owner;
// a forked child _exit()s without unwinding the parent's frames).
class SemSet {
 public:
  SemSet() = default;
  explicit SemSet(int id) : id_(id) {}
  SemSet(SemSet&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  SemSet& operator=(SemSet&& other) noexcept {
    Reset(std::exchange(other.id_, -1));
    return *this;
  }
  SemSet(const SemSet&) = delete;
  SemSet& operator=(const SemSet&) = delete;
  ~SemSet() { Reset(); }

  int id() const { return id_; }
  // Removes the set now (if owned) and owns `id` instead.
  void Reset(int id = -1) {
    if (id_ >= 0) semctl(id_, 0, IPC_RMID);
    id_ = id;
  }
  // The case removed the set itself: stop owning it.
  void Forget() { id_ = -1; }

 private:
  int id_ = -1;
};

// In a test body: `var` becomes a new set made by semget(key, nsems, flags) and removed at the end of the
// scope. The runner has proven System V semaphores present (feature sysv_sem), so any failure is a
// set-up ERROR.
#define IPCC_NEW_SEM_SET(var, key, nsems, flags)                                                                     \
  ::ipcc::sysv_sem::SemSet var;                                                                                      \
  do {                                                                                                               \
    const int ipcc_id_ = semget((key), (nsems), (flags));                                                            \
    if (ipcc_id_ < 0) {                                                                                              \
      ::ipcc::ThrowHarnessError(                                                                                     \
          fmt::format("set-up: semget({}) failed with {}", #key ", " #nsems ", " #flags, ::ipcc::ErrnoName(errno))); \
    }                                                                                                                \
    var.Reset(ipcc_id_);                                                                                             \
  } while (0)

inline sembuf Op(unsigned short num, short op, short flg = 0) {
  sembuf b{};
  b.sem_num = num;
  b.sem_op = op;
  b.sem_flg = flg;
  return b;
}

// semop(2) over a brace list, as applications write it: Semop(id, {Op(0, -1), Op(1, 1)}).
inline int Semop(int id, std::initializer_list<sembuf> ops) {
  std::vector<sembuf> v(ops);
  const int r = semop(id, v.data(), v.size());
  const int err = errno;
  v.clear();
  errno = err;
  return r;
}

inline int Semtimedop(int id, std::initializer_list<sembuf> ops, const timespec* timeout) {
  std::vector<sembuf> v(ops);
  const int r = semtimedop(id, v.data(), v.size(), timeout);
  const int err = errno;
  v.clear();
  errno = err;
  return r;
}

inline int CtlOrThrow(int id, int num, int cmd, SemUn arg, const char* what) {
  const int r = semctl(id, num, cmd, arg);
  if (r < 0)
    ThrowHarnessError(fmt::format("read-back: semctl({}, {}, {}) failed with {}", id, num, what, ErrnoName(errno)));
  return r;
}

inline int GetVal(int id, int num) {
  return CtlOrThrow(id, num, GETVAL, SemUn{.val = 0}, "GETVAL");
}
inline int GetNcnt(int id, int num) {
  return CtlOrThrow(id, num, GETNCNT, SemUn{.val = 0}, "GETNCNT");
}
inline int GetZcnt(int id, int num) {
  return CtlOrThrow(id, num, GETZCNT, SemUn{.val = 0}, "GETZCNT");
}
inline int GetPid(int id, int num) {
  return CtlOrThrow(id, num, GETPID, SemUn{.val = 0}, "GETPID");
}
inline void SetVal(int id, int num, int value) {
  CtlOrThrow(id, num, SETVAL, SemUn{.val = value}, "SETVAL");
}

inline semid_ds Stat(int id) {
  semid_ds ds{};
  CtlOrThrow(id, 0, IPC_STAT, SemUn{.buf = &ds}, "IPC_STAT");
  return ds;
}

inline std::vector<int> GetAll(int id) {
  const semid_ds ds = Stat(id);
  std::vector<unsigned short> raw(ds.sem_nsems + 1, 0xdead);
  CtlOrThrow(id, 0, GETALL, SemUn{.array = raw.data()}, "GETALL");
  return std::vector<int>(raw.begin(), raw.begin() + static_cast<long>(ds.sem_nsems));
}

inline void SetAll(int id, std::vector<unsigned short> values) {
  CtlOrThrow(id, 0, SETALL, SemUn{.array = values.data()}, "SETALL");
}

inline std::string Show(const std::vector<int>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// /proc/sys/kernel/sem: SEMMSL SEMMNS SEMOPM SEMMNI (proc(5)); nullopt when the file cannot be read
// as four numbers. A case that changes it declares need::WritableSysctl(kProcSem) and uses SetProcSem.
struct SemLimits {
  long semmsl = 0, semmns = 0, semopm = 0, semmni = 0;
};
inline constexpr const char* kProcSem = "/proc/sys/kernel/sem";

inline std::optional<SemLimits> ReadProcSem() {
  const auto text = ReadSysctl(kProcSem);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  SemLimits l;
  if (!(in >> l.semmsl >> l.semmns >> l.semopm >> l.semmni)) return std::nullopt;
  return l;
}

// Set-up: the limits now, a harness error when the file cannot be read (a case that depends on them
// for its set-up only; the statement about the file itself is semctl.ipc_info_matches_proc_sem's).
inline SemLimits ReadProcSemOrThrow() {
  const auto l = ReadProcSem();
  if (!l) ThrowHarnessError(fmt::format("set-up: cannot read {} as four numbers", kProcSem));
  return *l;
}

// One limit from /proc/sys/kernel/sem, else from IPC_INFO (Linux), for cases that only use its value;
// a harness error when neither answers.
inline long SemLimit(long SemLimits::*field, int seminfo::*info_field) {
  if (const auto l = ReadProcSem()) return (*l).*field;
  seminfo info{};
  if (semctl(0, 0, IPC_INFO, SemUn{.info = &info}) < 0) {
    ThrowHarnessError(fmt::format("set-up: {} cannot be read and IPC_INFO fails with {}", kProcSem, ErrnoName(errno)));
  }
  return info.*info_field;
}

// The file's text for the four limits.
inline std::string ProcSemText(const SemLimits& l) {
  return fmt::format("{} {} {} {}", l.semmsl, l.semmns, l.semopm, l.semmni);
}

// A key from ftok(3) on a fresh file in the case's folder, not in use yet in this IPC namespace.
struct Key {
  key_t key;
  std::string path;
  int proj;
};
inline Key FreshKey() {
  const std::string path = TempPath("semkey");
  const int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) ThrowHarnessError(fmt::format("set-up: cannot create {}: {}", path, ErrnoName(errno)));
  close(fd);
  for (int proj = 'S'; proj < 'S' + 40; ++proj) {
    const key_t key = ftok(path.c_str(), proj);
    if (key == static_cast<key_t>(-1)) ThrowHarnessError(fmt::format("set-up: ftok({}): {}", path, ErrnoName(errno)));
    if (semget(key, 0, 0) < 0 && errno == ENOENT) return {key, path, proj};
  }
  ThrowHarnessError("set-up: every ftok key tried is already in use");
}

// Seconds since the epoch, as sem_otime/sem_ctime are. The kernel stamps those from a clock whose
// granularity may differ from time()'s (a tick-updated coarse clock, or a fine one), so bounds around a
// stamp are taken as: earliest = EarliestStamp() before the call, latest = LatestStamp() after it.
inline time_t Now() {
  return time(nullptr);
}
inline time_t EarliestStamp() {
  return time(nullptr) - 1;
}  // one second of slack below
inline time_t LatestStamp() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::max(time(nullptr), ts.tv_sec);
}

}  // namespace ipcc::sysv_sem
