#include "harness/caselib/ipc/sysv_msg.h"

#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "harness/caselib/ipc/signal.h"

namespace ipcc::sysv_msg {
namespace {

volatile sig_atomic_t g_caught = 0;
void OnSignal(int) {
  g_caught = 1;
}

}  // namespace

Queue NewQueue(int mode) {
  return Queue(IPCC_SETUP(msgget(IPC_PRIVATE, IPC_CREAT | mode)));
}

Queue NewQueue(const SysvKey& key, int mode) {
  const int id = msgget(key.key, IPC_CREAT | IPC_EXCL | mode);
  if (id < 0) {
    ThrowHarnessError(fmt::format("set-up: msgget(key {:#x}, IPC_CREAT|IPC_EXCL|{:o}): {}",
                                  static_cast<unsigned>(key.key), mode, ErrnoName(errno)));
  }
  return Queue(id);
}

int Send(int id, long type, std::string_view text, int flags) {
  if (text.size() > kSmallText) ThrowHarnessError("Send(): message text too long for the helper");
  SmallMsg m;
  std::memset(&m, 0, sizeof m);
  m.mtype = type;
  std::memcpy(m.mtext, text.data(), text.size());
  return msgsnd(id, &m, text.size(), flags);
}

std::vector<char> BigMessage(std::size_t size) {
  std::vector<char> buf(sizeof(long) + size, 'x');
  const long type = 1;
  std::memcpy(buf.data(), &type, sizeof type);
  return buf;
}

ssize_t Recv(int id, std::size_t msgsz, long msgtyp, int flags, Received* out) {
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

void Fill(int id, std::initializer_list<Sent> messages) {
  for (const Sent& m : messages) {
    if (Send(id, m.type, m.text) != 0) {
      ThrowHarnessError(fmt::format("set-up: msgsnd(type {}, \"{}\"): {}", m.type, m.text, ErrnoName(errno)));
    }
  }
}

void ExpectNext(int id, long msgtyp, int flags, long type, const std::string& text, const std::string& why) {
  Received r;
  ASSERT_THAT(Recv(id, 64, msgtyp, flags | IPC_NOWAIT, &r), SyscallSucceedsWithValue(static_cast<ssize_t>(text.size())))
      << why;
  EXPECT_EQ(r.type, type) << why << ": wrong message type";
  EXPECT_EQ(r.text, text) << why << ": wrong message text";
}

msqid_ds Stat(int id) {
  msqid_ds ds;
  std::memset(&ds, 0, sizeof ds);
  if (msgctl(id, IPC_STAT, &ds) != 0) {
    ThrowHarnessError(fmt::format("read-back: msgctl({}, IPC_STAT): {}", id, ErrnoName(errno)));
  }
  return ds;
}

void SetQbytes(int id, unsigned long qbytes) {
  msqid_ds ds = Stat(id);
  ds.msg_qbytes = qbytes;
  if (msgctl(id, IPC_SET, &ds) != 0) {
    ThrowHarnessError(fmt::format("set-up: msgctl({}, IPC_SET, msg_qbytes={}): {}", id, qbytes, ErrnoName(errno)));
  }
}

void SetOwnerMode(int id, uid_t uid, gid_t gid, mode_t mode) {
  msqid_ds ds = Stat(id);
  ds.msg_perm.uid = uid;
  ds.msg_perm.gid = gid;
  ds.msg_perm.mode = static_cast<unsigned short>(mode);
  if (msgctl(id, IPC_SET, &ds) != 0) {
    ThrowHarnessError(
        fmt::format("set-up: msgctl({}, IPC_SET uid {} gid {} mode {:o}): {}", id, uid, gid, mode, ErrnoName(errno)));
  }
}

std::optional<long> ReadKernelLimit(const std::string& name) {
  const auto text = ReadSysctl("/proc/sys/kernel/" + name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const long v = std::strtol(text->c_str(), &end, 10);
  if (end == text->c_str()) return std::nullopt;
  return v;
}

long Limit(const std::string& name) {
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

int RemovedQueueId(std::string_view queued) {
  Queue q = NewQueue(0600);
  const int id = q.id();
  if (!queued.empty()) {
    EXPECT_THAT(Send(id, 1, queued), SyscallSucceeds()) << "a message for the queue to hold";
  }
  const int removed = msgctl(id, IPC_RMID, nullptr);
  EXPECT_THAT(removed, SyscallSucceeds()) << "IPC_RMID of the queue";
  if (removed == 0) q.Release();
  return id;
}

void ExpectStampedNow(const char* name, MsqTime msqid_ds::*field, const std::function<int()>& act) {
  const time_t before = time(nullptr);
  const int id = act();
  const time_t after = time(nullptr);
  const time_t stamp = Stat(id).*field;
  EXPECT_TRUE(stamp >= before - 1 && stamp <= after + 1)
      << "expected " << name << " within [" << before << ", " << after << "] (time() before and after, 1 s slack), saw "
      << stamp;
}

void ExpectStampedByChild(int id, const char* name, MsqPid msqid_ds::*field, const std::string& who,
                          const std::function<void()>& act) {
  Child c = Fork(act);
  const pid_t pid = c.pid();
  ExpectCleanExit(c.Wait(), who);
  EXPECT_EQ(Stat(id).*field, pid) << name << " should be the " << who << " (pid " << pid << ")";
}

void ExpectSignalEndsWithEintr(Blocking in, const std::function<int()>& call, const std::string& what) {
  Child c = Fork([&] {
    signals::SetHandler(SIGUSR1, OnSignal, SA_RESTART);
    EXPECT_THAT(call(), SyscallFailsWithErrno(EINTR)) << what << ", interrupted by a SIGUSR1 handler with SA_RESTART";
    EXPECT_EQ(g_caught, 1) << "the SIGUSR1 handler should have run";
  });
  if (in == Blocking::msgsnd) {
    IPCC_ASSERT_BLOCKED(c.pid(), IPCC_MSGSND_SYSCALLS);
  } else {
    IPCC_ASSERT_BLOCKED(c.pid(), IPCC_MSGRCV_SYSCALLS);
  }
  c.Signal(SIGUSR1);
  ExpectCleanExit(c.Wait(), "interrupted " + what);
}

}  // namespace ipcc::sysv_msg
