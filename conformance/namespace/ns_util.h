// Helpers shared by the IPC-namespace case files: entering namespaces, reading namespace links,
// System V and POSIX objects with RAII, /proc/sysvipc.
//
// What the cases need is declared in their .needs (docs/verdicts.md): every namespace.* case needs the
// ipc_namespace feature (added by the registry), those that create namespaces kNeedRoot, and those
// that use POSIX message queues or System V objects the feature of that mechanism.
#pragma once

#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"

namespace ipcc::ns {

// Keys and names of the objects the cases create. A case runs in IPC namespaces of its own, or (process-
// group isolation) alone and removing what it made, so fixed values do not meet another case's objects.
inline constexpr key_t kMsgKey = 0x4e530001;
inline constexpr key_t kSemKey = 0x4e530002;
inline constexpr key_t kShmKey = 0x4e530003;
inline constexpr const char* kQueueName = "/ipcconform-ns-queue";

// In a child: moves it into a new IPC namespace (plus `extra` CLONE_NEW* flags), as set-up: the runner's
// probe found IPC namespaces usable by root, so a refusal here is a harness ERROR. A new mount
// namespace is made private at once, so that the child's mounts never propagate back to the case's
// (or, under process-group isolation, the host's) mount namespace.
// gVisor refuses propagation changes with EINVAL (the supervisor then runs cases one at a time, so a
// mount that shows through stays inside the sandbox); anything else is a broken set-up.
inline void MakeMountsPrivate() {
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 && errno != EINVAL) {
    ThrowHarnessError(std::string("set-up: making / private in the new mount namespace failed with ") +
                      ErrnoName(errno));
  }
}

inline void UnshareIpc(int extra = 0) {
  if (unshare(CLONE_NEWIPC | extra) != 0) {
    ThrowHarnessError(std::string("set-up: unshare(CLONE_NEWIPC") + (extra != 0 ? " | ..." : "") + ") failed with " +
                      ErrnoName(errno));
  }
  if ((extra & CLONE_NEWNS) != 0) MakeMountsPrivate();
}

// namespaces(7) documents /proc/<pid>/ns/ipc since Linux 3.0. The cases whose statement is about the
// link (its identity, the handle it opens, setns through it) use these helpers: a link that is missing
// (gVisor has none) or unreadable is a deviation, recorded as a failure. Cases that merely need to tell
// namespaces apart look at the objects each one holds instead.
inline std::string IpcNsPath(pid_t pid) {
  return pid == 0 ? "/proc/self/ns/ipc" : "/proc/" + std::to_string(pid) + "/ns/ipc";
}

// The target of /proc/<pid>/ns/ipc ("ipc:[4026531839]"), pid 0 meaning the calling process; nullopt,
// with a failure recorded, when it cannot be read.
inline std::optional<std::string> IpcNsLink(pid_t pid = 0) {
  const std::string path = IpcNsPath(pid);
  char buf[128] = {};
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) {
    ADD_FAILURE() << "readlink(" << path << ") failed with " << ErrnoName(errno)
                  << ": namespaces(7) documents this link since Linux 3.0";
    return std::nullopt;
  }
  return std::string(buf, static_cast<std::size_t>(n));
}

// Opens /proc/<pid>/ns/ipc: a handle that keeps the namespace alive and can be passed to setns. An
// invalid descriptor, with a failure recorded, when it cannot be opened.
inline UniqueFd OpenIpcNs(pid_t pid) {
  const std::string path = IpcNsPath(pid);
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    ADD_FAILURE() << "open(" << path << ", O_RDONLY) failed with " << ErrnoName(errno)
                  << ": namespaces(7) documents this file, a handle for the namespace, since Linux 3.0";
  }
  return fd;
}

// System V objects of the current IPC namespace, removed when the owner goes out of scope (in the
// process that created them: a child in another namespace removes nothing of the parent's).
struct SysvObjects {
  int msq = -1, sem = -1, shm = -1;
  pid_t owner = getpid();
  SysvObjects() = default;
  SysvObjects(const SysvObjects&) = delete;
  SysvObjects& operator=(const SysvObjects&) = delete;
  ~SysvObjects() {
    if (getpid() != owner) return;
    if (msq >= 0) msgctl(msq, IPC_RMID, nullptr);
    if (sem >= 0) semctl(sem, 0, IPC_RMID);
    if (shm >= 0) shmctl(shm, IPC_RMID, nullptr);
  }
};

// Creates a message queue, a one-semaphore set and a one-page segment with the fixed keys.
inline void CreateSysvObjects(SysvObjects& o) {
  o.msq = msgget(kMsgKey, IPC_CREAT | IPC_EXCL | 0600);
  if (o.msq < 0) ThrowHarnessError("msgget(IPC_CREAT): " + ErrnoName(errno));
  o.sem = semget(kSemKey, 1, IPC_CREAT | IPC_EXCL | 0600);
  if (o.sem < 0) ThrowHarnessError("semget(IPC_CREAT): " + ErrnoName(errno));
  o.shm = shmget(kShmKey, 4096, IPC_CREAT | IPC_EXCL | 0600);
  if (o.shm < 0) ThrowHarnessError("shmget(IPC_CREAT): " + ErrnoName(errno));
}

// The keys listed in /proc/sysvipc/<kind> (the first column of every line after the header).
// Returns false when the file cannot be read.
inline bool SysvipcKeys(const std::string& kind, std::vector<long>* keys, std::string* header = nullptr) {
  std::ifstream in("/proc/sysvipc/" + kind);
  if (!in) return false;
  std::string line;
  if (!std::getline(in, line)) return false;
  if (header != nullptr) *header = line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    long key = 0;
    if (fields >> key) keys->push_back(key);
  }
  return true;
}

// A POSIX message queue descriptor, closed (and the name unlinked, in the creating process) at scope end.
struct Queue {
  mqd_t mq = static_cast<mqd_t>(-1);
  std::string name;
  bool unlink_on_close = false;
  pid_t owner = getpid();
  Queue() = default;
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue() {
    if (getpid() != owner) return;
    if (mq != static_cast<mqd_t>(-1)) mq_close(mq);
    if (unlink_on_close) mq_unlink(name.c_str());
  }
  bool valid() const { return mq != static_cast<mqd_t>(-1); }
};

inline mq_attr SmallQueueAttr() {
  mq_attr attr{};
  attr.mq_maxmsg = 4;
  attr.mq_msgsize = 64;
  return attr;
}

// Creates `name` exclusively (small attributes). Returns the errno on failure, 0 on success: for the
// cases whose statement is about that creation.
inline int CreateQueue(Queue& q, const std::string& name) {
  mq_attr attr = SmallQueueAttr();
  q.name = name;
  q.mq = mq_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
  if (!q.valid()) return errno;
  q.unlink_on_close = true;
  return 0;
}

// The same as set-up: a failure is a harness ERROR.
inline void CreateQueueOrThrow(Queue& q, const std::string& name) {
  if (const int err = CreateQueue(q, name); err != 0) {
    ThrowHarnessError("set-up: mq_open(" + name + ", O_CREAT | O_EXCL) failed with " + ErrnoName(err));
  }
}

// mq_receive bounded by `timeout_ms` (mq_timedreceive): a message that was reported sent but never
// arrives ends the wait with ETIMEDOUT instead of hanging the case.
inline ssize_t ReceiveWithin(mqd_t mq, char* buf, std::size_t len, int timeout_ms = 2000) {
  timespec deadline{};
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += static_cast<long>(timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000L;
  }
  return mq_timedreceive(mq, buf, len, nullptr, &deadline);
}

}  // namespace ipcc::ns
