// POSIX message queues as the cases use them (mq_overview(7)): fresh names, the one owner of a queue,
// deadlines, notification signals, and bounded waits for calls that a deviating system could leave
// blocked.
//
// A system without POSIX message queues is UNSUPPORTED by the runner's posix_mq probe before any case
// using them starts, so nothing here looks at ENOSYS: from any call but the creating mq_open it is a
// partially implemented mechanism, and the call's expectation FAILs with the errno it saw.
#pragma once

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/matchers.h"

namespace ipcc::posix_mq {

inline constexpr mqd_t kNoQueue = static_cast<mqd_t>(-1);

// The /proc/sys/fs/mqueue files (mq_overview(7) "/proc interfaces").
inline constexpr char kProcMsgMax[] = "/proc/sys/fs/mqueue/msg_max";
inline constexpr char kProcMsgsizeMax[] = "/proc/sys/fs/mqueue/msgsize_max";
inline constexpr char kProcMsgDefault[] = "/proc/sys/fs/mqueue/msg_default";
inline constexpr char kProcMsgsizeDefault[] = "/proc/sys/fs/mqueue/msgsize_default";
inline constexpr char kProcQueuesMax[] = "/proc/sys/fs/mqueue/queues_max";

// A name no other case or earlier run uses: "/ipcc-<stem>-<pid>-<n>-<ns>".
std::string UniqueMqName(std::string_view stem);

// Cases give small explicit attributes: the bytes of every queue count against the RLIMIT_MSGQUEUE of
// its creator's user, which for root is shared with every other root process on the machine.
inline mq_attr Attr(long maxmsg, long msgsize) {
  mq_attr a{};
  a.mq_maxmsg = maxmsg;
  a.mq_msgsize = msgsize;
  return a;
}

// One queue descriptor, closed when the owner goes (in the process that holds it).
class UniqueMqd {
 public:
  explicit UniqueMqd(mqd_t q = kNoQueue) : q_(q) {}
  UniqueMqd(UniqueMqd&& other) noexcept : q_(other.release()) {}
  UniqueMqd& operator=(UniqueMqd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueMqd(const UniqueMqd&) = delete;
  UniqueMqd& operator=(const UniqueMqd&) = delete;
  ~UniqueMqd() { reset(); }

  mqd_t get() const { return q_; }
  bool valid() const { return q_ != kNoQueue; }
  mqd_t release() { return std::exchange(q_, kNoQueue); }
  void reset(mqd_t q = kNoQueue) {
    if (q_ != kNoQueue) mq_close(q_);
    q_ = q;
  }

 private:
  mqd_t q_;
};

// A queue a case works with: its name and one descriptor. The process that made the Queue object closes
// the descriptor and unlinks the name when it goes (forked children never run the destructors of their
// parent's objects); a queue made in a child (another IPC namespace) is the child's to remove.
class Queue {
 public:
  // Only a fresh name from `stem`: the case makes (or fails to make) the queue itself, with set().
  explicit Queue(std::string_view stem);
  // Creates a queue under a fresh name as set-up (Create below).
  Queue(std::string_view stem, mq_attr attr, int oflag = O_RDWR, mode_t mode = 0600);
  // Exactly `name`, not made yet: for the same name in two IPC namespaces. Only a queue this object
  // created (Create, TryCreate, set) is unlinked.
  static Queue Named(std::string name) { return Queue(std::move(name), Exact{}); }
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue();

  // mq_open(name, O_CREAT|O_EXCL|oflag, mode, &attr), for the cases whose statement is about the
  // creation: the call's result, errno intact (a queue made is this object's).
  mqd_t TryCreate(mq_attr attr, int oflag = O_RDWR, mode_t mode = 0600);
  // The same as set-up: a refusal is a harness ERROR naming the call and the errno, never a verdict.
  void Create(mq_attr attr, int oflag = O_RDWR, mode_t mode = 0600);

  mqd_t get() const { return q_.get(); }
  bool valid() const { return q_.valid(); }
  const char* name() const { return name_.c_str(); }
  const std::string& str() const { return name_; }
  // The descriptor of the queue the case created under name() itself.
  void set(mqd_t q) {
    q_.reset(q);
    created_ = true;
  }
  // The descriptor was closed by the case.
  void ForgetDescriptor() { q_.release(); }
  // The name was unlinked by the case.
  void ForgetName() { created_ = false; }

 private:
  struct Exact {};
  Queue(std::string name, Exact);

  std::string name_;
  pid_t owner_;
  UniqueMqd q_;
  bool created_ = false;
};

// mq_open(name, oflag, 0600, attr) is expected to fail with `err` (`what` says how the call was made).
// A queue wrongly made is closed and, when O_CREAT was given, unlinked again (a name missing its
// leading slash with one added).
void ExpectOpenFails(const std::string& name, int oflag, const mq_attr* attr, int err, const std::string& what);

// An absolute CLOCK_REALTIME time `ms` milliseconds from now, as mq_timedsend/mq_timedreceive take.
timespec RealtimeIn(long ms);
inline bool NotBefore(const timespec& now, const timespec& deadline) {
  return now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}
// A deadline long past: one second after the Epoch.
inline constexpr timespec kLongPast{1, 0};

// mq_receive bounded by `timeout_ms` (mq_timedreceive): a message that was reported sent but never
// arrives ends the wait with ETIMEDOUT instead of hanging the case.
inline ssize_t ReceiveWithin(mqd_t q, char* buf, std::size_t len, long timeout_ms = 2000) {
  const timespec deadline = RealtimeIn(timeout_ms);
  return mq_timedreceive(q, buf, len, nullptr, &deadline);
}

// Blocks a signal in this process for the lifetime of the object, so a notification stays pending and
// can be collected with TakePending. On destruction a still-pending instance is discarded (the
// disposition goes through SIG_IGN) before the signal is unblocked again.
class BlockedSignal {
 public:
  explicit BlockedSignal(int sig);
  BlockedSignal(const BlockedSignal&) = delete;
  BlockedSignal& operator=(const BlockedSignal&) = delete;
  ~BlockedSignal();
  // The pending instance of the signal, taken from the pending set without waiting; nullopt when none
  // is pending.
  std::optional<siginfo_t> TakePending() const;

 private:
  int sig_;
  sigset_t old_{};
};

inline sigevent SignalEvent(int sig, int value) {
  sigevent sev{};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = sig;
  sev.sigev_value.sival_int = value;
  return sev;
}

// mq_notify(q) for a SIGEV_SIGNAL notification by `sig` carrying `value`: the call's result, errno
// intact, for the case to judge.
inline int NotifyBySignal(mqd_t q, int sig, int value) {
  const sigevent sev = SignalEvent(sig, value);
  return mq_notify(q, &sev);
}

// Another process (a forked child) asks for notification on q (SIGUSR2); `matcher` judges its
// mq_notify, `why` says what that shows.
template <typename Matcher>
void ExpectAnotherProcessRegisters(mqd_t q, Matcher matcher, const std::string& why) {
  ExpectCleanExit(RunInChild([&] { EXPECT_THAT(NotifyBySignal(q, SIGUSR2, 2), matcher) << why; }),
                  "another process asking for notification");
}

// Expects q to hold `expected` messages (mq_curmsgs from mq_getattr); `why` says what that shows. False
// when it does not (or mq_getattr failed, recorded too), for the cases whose next steps depend on it.
bool ExpectCurMsgs(mqd_t q, long expected, const std::string& why);

// Receives one message from q (into a buffer of 8192 bytes, as large as any queue the cases make) and
// expects its bytes to be `text` and, when given, its priority `prio`. False when the receive failed or
// brought something else.
bool ExpectReceive(mqd_t q, std::string_view text, std::optional<unsigned> prio = std::nullopt);

// Sends the message `text` on q and tells whether that made the notification signal `sig` pending (the
// kernel raises it inside that mq_send). A failed send is recorded as a failure.
bool SendRaises(mqd_t q, const BlockedSignal& sig, std::string_view text = "m");

// kReturnBound, ExpectReturnsWithin and ExpectReleased: harness/caselib/child.h.

// One mq_timedsend or mq_timedreceive with the deadline given: its result, errno intact.
using TimedCall = std::function<long(const timespec&)>;
// `call` (named `name`, made `situation`, e.g. "on the full queue") with a deadline 20 ms ahead fails
// with ETIMEDOUT, not before the deadline, in a bounded child.
void ExpectTimesOutAtDeadline(const std::string& name, const std::string& situation, const TimedCall& call);
// `call` that would block fails with EINVAL for tv_nsec 1000000000 and -1, in a bounded child.
void ExpectInvalidTimeoutsFail(const std::string& name, const std::string& situation, const TimedCall& call);

// Runs fn in a forked child that first drops to the case's unprivileged identity (the case declares
// kNeedSecondUid), and expects the child to end cleanly.
void RunUnprivileged(const std::function<void()>& fn);

// Sets the process umask for a scope (queues are created with mode & ~umask).
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(umask(mask)) {}
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;
  ~ScopedUmask() { umask(old_); }

 private:
  mode_t old_;
};

// Mounts an mqueue file system (it shows the queues of the calling process's IPC namespace) at `dir`:
// the mount(2) result, errno intact (mq_overview(7) "Mounting the message queue filesystem").
int MountMqueue(const std::string& dir);

}  // namespace ipcc::posix_mq
