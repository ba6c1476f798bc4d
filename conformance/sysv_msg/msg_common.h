// Helpers shared by the System V message queue cases (sysvipc(7), msgget(2), msgop(2), msgctl(2)).
#pragma once

#include <linux/capability.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"

// The system calls glibc may use for msgsnd()/msgrcv(): the dedicated ones, or the multiplexed ipc()
// call on architectures that still route System V IPC through it.
#ifdef SYS_ipc
#define IPCC_MSGSND_SYSCALLS SYS_msgsnd, SYS_ipc
#define IPCC_MSGRCV_SYSCALLS SYS_msgrcv, SYS_ipc
#else
#define IPCC_MSGSND_SYSCALLS SYS_msgsnd
#define IPCC_MSGRCV_SYSCALLS SYS_msgrcv
#endif

// Creates a private queue owned by a guard named `var` (removed at scope end). The runner has proven
// System V message queues present (feature sysv_msg), so a failing msgget() here is a set-up ERROR.
#define IPCC_NEW_MSG_QUEUE(var, mode) ::ipcc::sysv_msg::Queue var(IPCC_SETUP(msgget(IPC_PRIVATE, IPC_CREAT | (mode))))

namespace ipcc::sysv_msg {

// Owns a queue id: IPC_RMID at scope end unless the case removed it itself (Release()).
class Queue {
 public:
  explicit Queue(int id) : id_(id) {}
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue() {
    if (id_ >= 0) msgctl(id_, IPC_RMID, nullptr);
  }
  int id() const { return id_; }
  // The case removed the queue (or handed it away): nothing to do at scope end.
  void Release() { id_ = -1; }

 private:
  int id_;
};

// Message buffer for the small messages most cases use.
inline constexpr std::size_t kSmallText = 512;
struct SmallMsg {
  long mtype;
  char mtext[kSmallText];
};

// msgsnd() of `text` with type `type`; returns what msgsnd returned, errno intact.
inline int Send(int id, long type, std::string_view text, int flags = IPC_NOWAIT) {
  if (text.size() > kSmallText) ThrowHarnessError("Send(): message text too long for the helper");
  SmallMsg m;
  std::memset(&m, 0, sizeof m);
  m.mtype = type;
  std::memcpy(m.mtext, text.data(), text.size());
  return msgsnd(id, &m, text.size(), flags);
}

struct Received {
  long type = 0;
  std::string text;
};

// msgrcv() into a buffer whose mtext holds `msgsz` bytes; fills `out` on success. Returns what msgrcv
// returned, errno intact.
inline ssize_t Recv(int id, std::size_t msgsz, long msgtyp, int flags, Received* out) {
  if (msgsz > kSmallText) ThrowHarnessError("Recv(): msgsz too large for the helper");
  SmallMsg m;
  std::memset(&m, 0, sizeof m);
  const ssize_t n = msgrcv(id, &m, msgsz, msgtyp, flags);
  const int saved = errno;
  if (n >= 0 && out != nullptr) {
    out->type = m.mtype;
    out->text.assign(m.mtext, static_cast<std::size_t>(n));
  }
  errno = saved;
  return n;
}

// IPC_STAT, a harness error when it fails (for cases whose subject is something else).
inline msqid_ds Stat(int id) {
  msqid_ds ds;
  std::memset(&ds, 0, sizeof ds);
  if (msgctl(id, IPC_STAT, &ds) != 0)
    ThrowHarnessError(fmt::format("read-back: msgctl({}, IPC_STAT): {}", id, ErrnoName(errno)));
  return ds;
}

// IPC_SET of msg_qbytes (lowering needs no privilege), a harness error when it fails.
inline void SetQbytes(int id, unsigned long qbytes) {
  msqid_ds ds = Stat(id);
  ds.msg_qbytes = qbytes;
  if (msgctl(id, IPC_SET, &ds) != 0) {
    ThrowHarnessError(fmt::format("set-up: msgctl({}, IPC_SET, msg_qbytes={}): {}", id, qbytes, ErrnoName(errno)));
  }
}

// IPC_SET of owner uid/gid and mode, a harness error when it fails.
inline void SetOwnerMode(int id, uid_t uid, gid_t gid, mode_t mode) {
  msqid_ds ds = Stat(id);
  ds.msg_perm.uid = uid;
  ds.msg_perm.gid = gid;
  ds.msg_perm.mode = static_cast<unsigned short>(mode);
  if (msgctl(id, IPC_SET, &ds) != 0)
    ThrowHarnessError(fmt::format("set-up: msgctl({}, IPC_SET): {}", id, ErrnoName(errno)));
}

// A /proc/sys/kernel/<name> value, or nullopt when the file is missing, unreadable or not a number.
inline std::optional<long> ReadKernelLimit(const std::string& name) {
  const auto text = ::ipcc::ReadSysctl("/proc/sys/kernel/" + name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const long v = std::strtol(text->c_str(), &end, 10);
  if (end == text->c_str()) return std::nullopt;
  return v;
}

// The system limits: /proc/sys/kernel/<name> first, else the IPC_INFO answer (Linux).
inline long Limit(const std::string& name) {
  if (auto v = ReadKernelLimit(name)) return *v;
  msginfo info;
  std::memset(&info, 0, sizeof info);
  if (msgctl(0, IPC_INFO, reinterpret_cast<msqid_ds*>(&info)) < 0) {
    ThrowHarnessError(fmt::format("set-up: cannot read {}: /proc/sys/kernel/{} missing and IPC_INFO fails with {}",
                                  name, name, ErrnoName(errno)));
  }
  if (name == "msgmax") return info.msgmax;
  if (name == "msgmnb") return info.msgmnb;
  if (name == "msgmni") return info.msgmni;
  ThrowHarnessError("unknown message queue limit " + name);
}

// A key for which this call created a fresh queue with IPC_CREAT|IPC_EXCL (other processes of the
// system may use keys too: a taken key is skipped, never shared). Returns the id; *key gets the key.
inline int CreateKeyedQueue(int mode, key_t* key) {
  std::random_device rd;
  std::mt19937 gen(rd() ^ static_cast<unsigned>(getpid()));
  std::uniform_int_distribution<int> dist(0x10000, 0x7ffffff0);
  for (int attempt = 0; attempt < 64; ++attempt) {
    const key_t k = static_cast<key_t>(dist(gen));
    const int id = msgget(k, IPC_CREAT | IPC_EXCL | mode);
    if (id >= 0) {
      *key = k;
      return id;
    }
    if (errno != EEXIST)
      ThrowHarnessError(fmt::format("set-up: msgget(key {:#x}, IPC_CREAT|IPC_EXCL): {}", k, ErrnoName(errno)));
  }
  ThrowHarnessError("set-up: no free System V message queue key found in 64 attempts");
}

// Installs `handler` for `sig` with the given flags (a harness error when refused).
inline void InstallHandler(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, nullptr) != 0) ThrowHarnessError(fmt::format("set-up: sigaction: {}", ErrnoName(errno)));
}

// time() with a second of slack each way: the kernel stamps System V times from its coarse
// real-time seconds, which may tick over a moment apart from the C library's time().
struct TimeWindow {
  time_t before;
  time_t after;
  bool Contains(time_t t) const { return t >= before - 1 && t <= after + 1; }
  std::string Describe() const { return fmt::format("[{}, {}] (time() before and after, 1 s slack)", before, after); }
};

}  // namespace ipcc::sysv_msg
