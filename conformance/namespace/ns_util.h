// Helpers shared by the IPC-namespace case files: entering namespaces, reading namespace links,
// System V and POSIX objects with RAII, /proc/sysvipc and sysctl files.
#pragma once

#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/sysctl_util.h"
#include "harness/harness.h"

namespace ipcc::ns {

// Keys and names of the objects the cases create. Every case runs in IPC namespaces of its own, so
// fixed values cannot meet another case's objects.
inline constexpr key_t kMsgKey = 0x4e530001;
inline constexpr key_t kSemKey = 0x4e530002;
inline constexpr key_t kShmKey = 0x4e530003;
inline constexpr const char* kQueueName = "/ipcconform-ns-queue";

// Why a child of this process cannot unshare its IPC namespace, or "" when it can.
inline std::string IpcNamespaceUnavailable() {
  Child probe = Fork([] { _exit(unshare(CLONE_NEWIPC) == 0 ? 0 : errno); });
  const int status = probe.Wait();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  if (WIFEXITED(status)) {
    return "unshare(CLONE_NEWIPC) fails with " + ErrnoName(WEXITSTATUS(status)) +
           " for a root child: IPC namespaces are not available here";
  }
  ThrowHarnessError("IPC namespace probe child " + DescribeWaitStatus(status));
}

// Ends the case as UNSUPPORTED when IPC namespaces cannot be created.
#define IPCC_REQUIRE_IPC_NAMESPACES()                                        \
  do {                                                                       \
    const std::string ipcc_ns_why_ = ::ipcc::ns::IpcNamespaceUnavailable(); \
    if (!ipcc_ns_why_.empty()) IPCC_UNSUPPORTED(ipcc_ns_why_);               \
  } while (0)

// In a child: moves it into a new IPC namespace (plus `extra` CLONE_NEW* flags). Records a failure
// and returns false when the kernel refuses (the probe above said it would not).
inline bool UnshareIpc(int extra = 0) {
  if (unshare(CLONE_NEWIPC | extra) == 0) return true;
  ADD_FAILURE() << "unshare(CLONE_NEWIPC" << (extra != 0 ? " | ..." : "") << ") failed with " << ErrnoName(errno);
  return false;
}

// Ends the case as UNSUPPORTED when the system has no /proc/<pid>/ns/ipc links (gVisor): namespace
// handles, and the links that name a namespace, are proven absent. Other failures are harness errors.
#define IPCC_REQUIRE_IPC_NS_LINKS()                                                                  \
  do {                                                                                               \
    char ipcc_ns_buf_[128];                                                                          \
    if (readlink("/proc/self/ns/ipc", ipcc_ns_buf_, sizeof ipcc_ns_buf_) < 0) {                     \
      if (errno == ENOENT) IPCC_UNSUPPORTED("/proc/self/ns/ipc does not exist here (ENOENT): no namespace links or handles"); \
      ::ipcc::ThrowHarnessError("readlink(/proc/self/ns/ipc): " + ::ipcc::ErrnoName(errno));     \
    }                                                                                                \
  } while (0)

// The target of /proc/<pid>/ns/ipc ("ipc:[4026531839]"), pid 0 meaning the calling process.
inline std::string IpcNsLink(pid_t pid = 0) {
  const std::string path = pid == 0 ? "/proc/self/ns/ipc" : "/proc/" + std::to_string(pid) + "/ns/ipc";
  char buf[128] = {};
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) ThrowHarnessError("readlink(" + path + "): " + ErrnoName(errno));
  return std::string(buf, static_cast<std::size_t>(n));
}

// Opens /proc/<pid>/ns/ipc: a handle that keeps the namespace alive and can be passed to setns.
inline UniqueFd OpenIpcNs(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/ipc";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ThrowHarnessError("open(" + path + "): " + ErrnoName(errno));
  return UniqueFd(fd);
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

// Creates `name` exclusively (small attributes). Returns the errno on failure, 0 on success.
inline int CreateQueue(Queue& q, const std::string& name) {
  mq_attr attr = SmallQueueAttr();
  q.name = name;
  q.mq = mq_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
  if (!q.valid()) return errno;
  q.unlink_on_close = true;
  return 0;
}

// Ends the case as UNSUPPORTED when POSIX message queues are absent (ENOSYS).
#define IPCC_REQUIRE_POSIX_MQ()                                                                 \
  do {                                                                                          \
    mqd_t ipcc_mq_ = mq_open("/ipcconform-ns-probe", O_RDONLY);                                 \
    if (ipcc_mq_ == static_cast<mqd_t>(-1) && errno == ENOSYS) {                                \
      IPCC_UNSUPPORTED("mq_open fails with ENOSYS: POSIX message queues are not available");    \
    }                                                                                           \
    if (ipcc_mq_ != static_cast<mqd_t>(-1)) mq_close(ipcc_mq_);                                 \
  } while (0)

// Integer sysctl files (/proc/sys/kernel/msgmnb, /proc/sys/fs/mqueue/msg_max, ...): the value, or
// LONG_MIN when the file cannot be read.
inline long ReadSysctl(const std::string& path) {
  std::ifstream in(path);
  long value = LONG_MIN;
  if (!(in >> value)) return LONG_MIN;
  return value;
}

// Writes a value; returns 0 or the errno of the failed open/write.
inline int WriteSysctl(const std::string& path, long value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const std::string text = std::to_string(value) + "\n";
  const ssize_t n = write(fd, text.data(), text.size());
  const int err = n == static_cast<ssize_t>(text.size()) ? 0 : (n < 0 ? errno : EIO);
  close(fd);
  return err;
}

// Ends the case as UNSUPPORTED when the system does not let the case set `path` (it writes the
// current value back, which changes nothing): missing, read-only, or EIO under gVisor.
#define IPCC_REQUIRE_SYSCTL_WRITABLE(path)                                                           \
  do {                                                                                               \
    const long ipcc_cur_ = ::ipcc::ns::ReadSysctl(path);                                             \
    const int ipcc_err_ = ipcc_cur_ == LONG_MIN ? ENOENT : ::ipcc::ns::WriteSysctl((path), ipcc_cur_); \
    if (ipcc_err_ != 0 && ::ipcc::SysctlWriteRefused(ipcc_err_)) {                                   \
      IPCC_UNSUPPORTED(std::string("cannot set ") + (path) + " here: " + ::ipcc::ErrnoName(ipcc_err_)); \
    }                                                                                                \
    if (ipcc_err_ != 0) {                                                                            \
      ::ipcc::ThrowHarnessError(std::string("writing ") + (path) + ": " + ::ipcc::ErrnoName(ipcc_err_)); \
    }                                                                                                \
  } while (0)

}  // namespace ipcc::ns
