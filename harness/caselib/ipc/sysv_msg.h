// System V message queues as the cases use them (sysvipc(7), msgget(2), msgop(2), msgctl(2)): the owner of
// a queue, small messages in and out, msqid_ds read-back and settings, the queue limits, and the skeletons
// several cases share.
#pragma once

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <cstddef>
#include <ctime>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/caselib/caselib.h"

// The system calls glibc may use for msgsnd()/msgrcv(), for IPCC_ASSERT_BLOCKED: the dedicated ones, or
// the multiplexed ipc() call on architectures that still route System V IPC through it.
#ifdef SYS_ipc
#define IPCC_MSGSND_SYSCALLS SYS_msgsnd, SYS_ipc
#define IPCC_MSGRCV_SYSCALLS SYS_msgrcv, SYS_ipc
#else
#define IPCC_MSGSND_SYSCALLS SYS_msgsnd
#define IPCC_MSGRCV_SYSCALLS SYS_msgrcv
#endif

namespace ipcc::sysv_msg {

// Owns a queue id: IPC_RMID when the owner goes (in the process that made it; a forked child _exit()s
// without unwinding its parent's frames), unless the case removed the queue itself (Release()).
class Queue {
 public:
  Queue() = default;
  explicit Queue(int id) : id_(id) {}
  Queue(Queue&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  Queue& operator=(Queue&& other) noexcept {
    Remove();
    id_ = std::exchange(other.id_, -1);
    return *this;
  }
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue() { Remove(); }

  int id() const { return id_; }
  // The case removed the queue (or handed it away): nothing to do when the owner goes.
  void Release() { id_ = -1; }

 private:
  void Remove() {
    if (id_ >= 0) msgctl(id_, IPC_RMID, nullptr);
    id_ = -1;
  }
  int id_ = -1;
};

// msgget(IPC_PRIVATE, IPC_CREAT | mode), owned. The runner has proven System V message queues present
// (feature sysv_msg), so a failure here is a set-up ERROR.
Queue NewQueue(int mode);

// msgget(key, IPC_CREAT | IPC_EXCL | mode) on a key from FreshKey, owned (set-up, likewise).
Queue NewQueue(const SysvKey& key, int mode);

// The small messages most cases send and receive.
inline constexpr std::size_t kSmallText = 512;
struct SmallMsg {
  long mtype;
  char mtext[kSmallText];
};

// msgsnd() of `text` with type `type`; returns what msgsnd returned, errno intact.
int Send(int id, long type, std::string_view text, int flags = IPC_NOWAIT);

// A message buffer (mtype, then mtext) of type 1 with `size` bytes of text, all 'x', for messages larger
// than the small ones: msgsnd(id, buf.data(), size, flags).
std::vector<char> BigMessage(std::size_t size);

struct Received {
  long type = 0;
  std::string text;
};
// msgrcv() into a buffer whose mtext holds `msgsz` bytes; fills `out` on success. Returns what msgrcv
// returned, errno intact.
ssize_t Recv(int id, std::size_t msgsz, long msgtyp, int flags, Received* out);

struct Sent {
  long type;
  const char* text;
};
// Queues the messages in order (set-up: a queue that refuses one is a harness error).
void Fill(int id, std::initializer_list<Sent> messages);

// Receives with msgtyp, flags | IPC_NOWAIT and expects a message of `type` with `text`; `why` says which
// receive it is.
void ExpectNext(int id, long msgtyp, int flags, long type, const std::string& text, const std::string& why);

// IPC_STAT, a harness error when it fails (read-back for cases whose subject is something else).
msqid_ds Stat(int id);
// IPC_SET of msg_qbytes (lowering needs no privilege); a harness error when it fails.
void SetQbytes(int id, unsigned long qbytes);
// IPC_SET of the owner uid/gid and mode; a harness error when it fails.
void SetOwnerMode(int id, uid_t uid, gid_t gid, mode_t mode);

// A /proc/sys/kernel/<name> value, or nullopt when the file is missing, unreadable or not a number.
std::optional<long> ReadKernelLimit(const std::string& name);
// The limit msgmax, msgmnb or msgmni: /proc/sys/kernel/<name> first, else the IPC_INFO answer (Linux); a
// harness error when neither answers.
long Limit(const std::string& name);

// The id of a queue that was made and removed again (IPC_RMID, expected to succeed), with `queued` sent
// to it first unless empty: for the cases about calls on a removed queue.
int RemovedQueueId(std::string_view queued = {});

// Expects the msqid_ds time `field` (named `name`) of the queue `act` returns the id of to be the current
// time after `act`: within time() before and after it, with a second of slack each way (the kernel stamps
// System V times from its coarse real-time seconds, which may tick over a moment apart from time()).
using MsqTime = decltype(msqid_ds::msg_stime);
void ExpectStampedNow(const char* name, MsqTime msqid_ds::*field, const std::function<int()>& act);

// Runs `act` in a forked child (`who` in messages) and expects the msqid_ds pid `field` (named `name`) of
// queue `id` to be that child's once it ended: the skeleton of the msg_lspid and msg_lrpid cases.
using MsqPid = decltype(msqid_ds::msg_lspid);
void ExpectStampedByChild(int id, const char* name, MsqPid msqid_ds::*field, const std::string& who,
                          const std::function<void()>& act);

// The skeleton of "a caught signal ends a blocked msgsnd/msgrcv with EINTR even with SA_RESTART": `call`
// runs in a child whose SIGUSR1 handler was installed with SA_RESTART; once the child is seen asleep in the
// call, SIGUSR1 is sent. The call must fail with EINTR and the handler must have run. `what` names the call.
enum class Blocking { msgsnd, msgrcv };
void ExpectSignalEndsWithEintr(Blocking in, const std::function<int()>& call, const std::string& what);

}  // namespace ipcc::sysv_msg
