// System V semaphore sets as the cases use them (sysvipc(7), semget(2), semop(2), semctl(2)): the owner of
// a set, semop over a brace list, semctl(2) wrappers for set-up and read-back, the limits in
// /proc/sys/kernel/sem, and the skeletons several cases share.
//
// Set-up and read-back helpers (GetVal, GetAll, Stat, ...) throw a harness error when the call itself
// fails: a case checks the documented behaviour with its own EXPECT_THAT(...) on the call under test, and
// a broken read-back gives ERROR (no verdict) rather than a misleading FAIL.
#pragma once

#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <ctime>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/caselib/caselib.h"

// The system calls glibc may use for semop()/semtimedop(), for IPCC_ASSERT_BLOCKED: the dedicated ones, or
// the multiplexed ipc() call on architectures that still route System V IPC through it.
#ifdef SYS_ipc
#define IPCC_SEMOP_SYSCALLS SYS_semop, SYS_semtimedop, SYS_ipc
#else
#define IPCC_SEMOP_SYSCALLS SYS_semop, SYS_semtimedop
#endif

namespace ipcc::sysv_sem {

// semctl(2): "The calling program must define this union".
union SemUn {
  int val;
  semid_ds* buf;
  unsigned short* array;
  seminfo* info;
};

// Owns a semaphore set id: IPC_RMID when it goes out of scope (in the process that created the owner; a
// forked child _exit()s without unwinding the parent's frames).
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

// semget(key, nsems, flags), owned. The runner has proven System V semaphores present (feature sysv_sem),
// so any failure is a set-up ERROR.
SemSet NewSet(key_t key, int nsems, int flags);

inline sembuf Op(unsigned short num, short op, short flg = 0) {
  sembuf b{};
  b.sem_num = num;
  b.sem_op = op;
  b.sem_flg = flg;
  return b;
}

// semop(2) over a brace list, as applications write it: Semop(id, {Op(0, -1), Op(1, 1)}). Returns what
// semop returned, errno intact.
int Semop(int id, std::initializer_list<sembuf> ops);
int Semtimedop(int id, std::initializer_list<sembuf> ops, const timespec* timeout);

// Forks a process that makes semop(id, ops), which must succeed (`expected_errno` 0) or fail with
// `expected_errno`. For a call that blocks the caller proves it blocked (IPCC_ASSERT_BLOCKED with
// IPCC_SEMOP_SYSCALLS), releases it, and waits for the process.
Child ForkSemop(int id, std::vector<sembuf> ops, int expected_errno = 0);

// semget(key, nsems, flags) where its answer is what the case checks: expects a set (`expected_errno` 0)
// or a failure with `expected_errno`, `what` saying which call it is. The set, when one was made (rightly
// or not), is owned by the returned guard until the end of the case.
SemSet ExpectSemget(key_t key, int nsems, int flags, int expected_errno, const std::string& what);

// semctl read-back and set-up: a harness error when the call fails.
int GetVal(int id, int num);
int GetNcnt(int id, int num);
int GetZcnt(int id, int num);
int GetPid(int id, int num);
void SetVal(int id, int num, int value);
semid_ds Stat(int id);
std::vector<int> GetAll(int id);
void SetAll(int id, std::vector<unsigned short> values);
// IPC_SET of the owner uid/gid and mode.
void SetOwnerAndMode(int id, uid_t uid, gid_t gid, mode_t mode);

// /proc/sys/kernel/sem: SEMMSL SEMMNS SEMOPM SEMMNI (proc(5)).
struct SemLimits {
  long semmsl = 0, semmns = 0, semopm = 0, semmni = 0;
};
inline constexpr const char* kProcSem = "/proc/sys/kernel/sem";
// The four limits, or nullopt when the file cannot be read as four numbers. A case that changes it declares
// need::WritableSysctl(kProcSem).
std::optional<SemLimits> ReadProcSem();
// Set-up: the limits now, a harness error when the file cannot be read (a case that depends on them for its
// set-up only; the statement about the file itself is semctl.ipc_info_matches_proc_sem's).
SemLimits ReadProcSemOrThrow();
// One limit from /proc/sys/kernel/sem, else from IPC_INFO (Linux), for cases that only use its value; a
// harness error when neither answers.
long SemLimit(long SemLimits::*field, int seminfo::*info_field);
// The file's text for the four limits.
std::string ProcSemText(const SemLimits& l);

// Seconds since the epoch, as sem_otime/sem_ctime are. The kernel stamps those from a clock whose
// granularity may differ from time()'s (a tick-updated coarse clock, or a fine one), so bounds around a stamp
// are taken as: earliest = EarliestStamp() before the call, latest = LatestStamp() after it.
time_t EarliestStamp();
time_t LatestStamp();

}  // namespace ipcc::sysv_sem
