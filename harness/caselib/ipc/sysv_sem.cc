#include "harness/caselib/ipc/sysv_sem.h"

#include <algorithm>
#include <cerrno>
#include <sstream>

#include <fmt/format.h>

namespace ipcc::sysv_sem {
namespace {

int CtlOrThrow(int id, int num, int cmd, SemUn arg, const char* what) {
  const int r = semctl(id, num, cmd, arg);
  if (r < 0) {
    ThrowHarnessError(fmt::format("read-back: semctl({}, {}, {}) failed with {}", id, num, what, ErrnoName(errno)));
  }
  return r;
}

// "semop {0: -1, 2: +1 SEM_UNDO}", for messages.
std::string Describe(const std::vector<sembuf>& ops) {
  std::string s = "semop {";
  for (std::size_t i = 0; i < ops.size(); ++i) {
    s += fmt::format("{}{}: {:+d}", i ? ", " : "", ops[i].sem_num, ops[i].sem_op);
    if (ops[i].sem_flg & IPC_NOWAIT) s += " IPC_NOWAIT";
    if (ops[i].sem_flg & SEM_UNDO) s += " SEM_UNDO";
  }
  return s + "}";
}

}  // namespace

SemSet NewSet(key_t key, int nsems, int flags) {
  const int id = semget(key, nsems, flags);
  if (id < 0) {
    ThrowHarnessError(fmt::format("set-up: semget(key {:#x}, {}, {:#o}) failed with {}", static_cast<unsigned>(key),
                                  nsems, flags, ErrnoName(errno)));
  }
  return SemSet(id);
}

SemSet ExpectSemget(key_t key, int nsems, int flags, int expected_errno, const std::string& what) {
  const int id = semget(key, nsems, flags);
  if (expected_errno == 0) {
    EXPECT_THAT(id, SyscallSucceeds()) << what;
  } else {
    EXPECT_THAT(id, SyscallFailsWithErrno(expected_errno)) << what;
  }
  return SemSet(id);
}

// errno is kept across freeing the copy of the operations: the caller's matcher reads it.
int Semop(int id, std::initializer_list<sembuf> ops) {
  std::vector<sembuf> v(ops);
  const int r = semop(id, v.data(), v.size());
  const int err = errno;
  v = {};
  errno = err;
  return r;
}

int Semtimedop(int id, std::initializer_list<sembuf> ops, const timespec* timeout) {
  std::vector<sembuf> v(ops);
  const int r = semtimedop(id, v.data(), v.size(), timeout);
  const int err = errno;
  v = {};
  errno = err;
  return r;
}

Child ForkSemop(int id, std::vector<sembuf> ops, int expected_errno) {
  return Fork([&] {
    const int r = semop(id, ops.data(), ops.size());
    if (expected_errno == 0) {
      EXPECT_THAT(r, SyscallSucceeds()) << Describe(ops);
    } else {
      EXPECT_THAT(r, SyscallFailsWithErrno(expected_errno)) << Describe(ops);
    }
  });
}

int GetVal(int id, int num) {
  return CtlOrThrow(id, num, GETVAL, SemUn{.val = 0}, "GETVAL");
}
int GetNcnt(int id, int num) {
  return CtlOrThrow(id, num, GETNCNT, SemUn{.val = 0}, "GETNCNT");
}
int GetZcnt(int id, int num) {
  return CtlOrThrow(id, num, GETZCNT, SemUn{.val = 0}, "GETZCNT");
}
int GetPid(int id, int num) {
  return CtlOrThrow(id, num, GETPID, SemUn{.val = 0}, "GETPID");
}
void SetVal(int id, int num, int value) {
  CtlOrThrow(id, num, SETVAL, SemUn{.val = value}, "SETVAL");
}

semid_ds Stat(int id) {
  semid_ds ds{};
  CtlOrThrow(id, 0, IPC_STAT, SemUn{.buf = &ds}, "IPC_STAT");
  return ds;
}

std::vector<int> GetAll(int id) {
  const semid_ds ds = Stat(id);
  std::vector<unsigned short> raw(ds.sem_nsems + 1, 0xdead);
  CtlOrThrow(id, 0, GETALL, SemUn{.array = raw.data()}, "GETALL");
  return std::vector<int>(raw.begin(), raw.begin() + static_cast<long>(ds.sem_nsems));
}

void SetAll(int id, std::vector<unsigned short> values) {
  CtlOrThrow(id, 0, SETALL, SemUn{.array = values.data()}, "SETALL");
}

void SetOwnerAndMode(int id, uid_t uid, gid_t gid, mode_t mode) {
  semid_ds ds = Stat(id);
  ds.sem_perm.uid = uid;
  ds.sem_perm.gid = gid;
  ds.sem_perm.mode = static_cast<unsigned short>(mode);
  if (semctl(id, 0, IPC_SET, SemUn{.buf = &ds}) != 0) {
    ThrowHarnessError(fmt::format("set-up: IPC_SET uid {} gid {} mode {:o}: {}", uid, gid, mode, ErrnoName(errno)));
  }
}

std::optional<SemLimits> ReadProcSem() {
  const auto text = ReadSysctl(kProcSem);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  SemLimits l;
  if (!(in >> l.semmsl >> l.semmns >> l.semopm >> l.semmni)) return std::nullopt;
  return l;
}

SemLimits ReadProcSemOrThrow() {
  const auto l = ReadProcSem();
  if (!l) ThrowHarnessError(fmt::format("set-up: cannot read {} as four numbers", kProcSem));
  return *l;
}

long SemLimit(long SemLimits::*field, int seminfo::*info_field) {
  if (const auto l = ReadProcSem()) return (*l).*field;
  seminfo info{};
  if (semctl(0, 0, IPC_INFO, SemUn{.info = &info}) < 0) {
    ThrowHarnessError(fmt::format("set-up: {} cannot be read and IPC_INFO fails with {}", kProcSem, ErrnoName(errno)));
  }
  return info.*info_field;
}

std::string ProcSemText(const SemLimits& l) {
  return fmt::format("{} {} {} {}", l.semmsl, l.semmns, l.semopm, l.semmni);
}

time_t EarliestStamp() {
  return time(nullptr) - 1;  // one second of slack below
}

time_t LatestStamp() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::max(time(nullptr), ts.tv_sec);
}

}  // namespace ipcc::sysv_sem
