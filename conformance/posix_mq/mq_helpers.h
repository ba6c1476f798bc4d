// Helpers shared by the posix_mq case files: unique queue names, a RAII owner for a queue, timeouts,
// bounded waits and notification signals.
//
// A system without POSIX message queues is UNSUPPORTED by the runner's posix_mq probe before any case of
// the family starts, so nothing here looks at ENOSYS: from any call but the creating mq_open it is a
// partially implemented mechanism, and the call's expectation FAILs with the errno it saw.
#pragma once

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"

namespace ipcc::posix_mq {

// A name no other case or earlier run uses: "/ipcc-<stem>-<pid>-<n>-<ns>".
inline std::string UniqueMqName(std::string_view stem) {
  static std::atomic<unsigned> counter{0};
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return fmt::format("/ipcc-{}-{}-{}-{}", stem, getpid(), counter.fetch_add(1), ts.tv_nsec);
}

// Cases give small explicit attributes: the bytes of every queue count against the RLIMIT_MSGQUEUE of
// its creator's user, which for root is shared with every other root process on the machine.
inline mq_attr Attr(long maxmsg, long msgsize) {
  mq_attr a{};
  a.mq_maxmsg = maxmsg;
  a.mq_msgsize = msgsize;
  return a;
}

// A queue this process created: closed and unlinked when the owner goes away, in the creating process
// only (forked children never run the destructors of the parent's objects).
class Queue {
 public:
  // Only the name: the case makes (or fails to make) the queue itself.
  explicit Queue(std::string_view stem) : name_(UniqueMqName(stem)), owner_(getpid()) {}
  // Creates the queue the case is about to test (O_CREAT|O_EXCL plus `oflag`). This is set-up: a refusal
  // is a harness ERROR naming the call and the errno, never a verdict about the queue.
  Queue(std::string_view stem, int oflag, mode_t mode, mq_attr* attr) : Queue(stem) {
    q_ = mq_open(name_.c_str(), O_CREAT | O_EXCL | oflag, mode, attr);
    if (q_ == static_cast<mqd_t>(-1)) {
      const int err = errno;
      const std::string attr_text =
          attr == nullptr ? "NULL" : fmt::format("{{mq_maxmsg {}, mq_msgsize {}}}", attr->mq_maxmsg, attr->mq_msgsize);
      ThrowHarnessError(fmt::format("set-up: mq_open(\"{}\", O_CREAT|O_EXCL|{:#o}, {:#o}, {}) failed with {}", name_,
                                    oflag, mode, attr_text, ErrnoName(err)));
    }
  }
  mqd_t get() const { return q_; }
  const char* name() const { return name_.c_str(); }
  const std::string& str() const { return name_; }
  void set(mqd_t q) { q_ = q; }
  // The descriptor was closed by the case.
  void ForgetDescriptor() { q_ = static_cast<mqd_t>(-1); }
  // The name was unlinked by the case.
  void ForgetName() { owned_ = false; }

 private:
  std::string name_;
  pid_t owner_;
  mqd_t q_ = static_cast<mqd_t>(-1);
  bool owned_ = true;
};

// An absolute CLOCK_REALTIME time `ms` milliseconds from now, as mq_timedsend/mq_timedreceive take.
inline timespec RealtimeIn(long ms) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec += 1;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

inline bool NotBefore(const timespec& now, const timespec& deadline) {
  return now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

// Blocks a signal in this process for the lifetime of the object, so a notification stays pending and
// can be collected with TakePending. On destruction a still-pending instance is discarded (the
// disposition goes through SIG_IGN) before the signal is unblocked again.
class BlockedSignal {
 public:
  explicit BlockedSignal(int sig) : sig_(sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig_);
    if (sigprocmask(SIG_BLOCK, &set, &old_) != 0) ThrowHarnessError("sigprocmask: " + ErrnoName(errno));
  }
  BlockedSignal(const BlockedSignal&) = delete;
  BlockedSignal& operator=(const BlockedSignal&) = delete;
  ~BlockedSignal() {
    struct sigaction ign {
    }, old_action{};
    ign.sa_handler = SIG_IGN;
    sigaction(sig_, &ign, &old_action);
    sigprocmask(SIG_SETMASK, &old_, nullptr);
    sigaction(sig_, &old_action, nullptr);
  }

  // The pending instance of the signal, taken from the pending set without waiting; nullopt when none
  // is pending.
  std::optional<siginfo_t> TakePending() const {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig_);
    siginfo_t info{};
    const timespec zero{0, 0};
    const int r = sigtimedwait(&set, &info, &zero);
    if (r == sig_) return info;
    if (r < 0 && errno != EAGAIN) ThrowHarnessError("sigtimedwait: " + ErrnoName(errno));
    return std::nullopt;
  }

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

// How long a call that should return at once (or at a deadline a few milliseconds ahead) may take before
// the case calls it blocked for good: far above any scheduling delay, well inside the case's timeout.
inline constexpr std::chrono::milliseconds kReturnBound{2000};

// Runs `call` in a child and expects it to finish within `bound`. For calls that a deviating system
// could leave blocked for good (O_NONBLOCK or a deadline that is not applied, a message that was never
// queued): the case then FAILs saying so instead of hanging until its timeout. `call` makes its own
// expectations; what it does to the queue is seen by the parent, its memory is not.
inline void ExpectReturnsWithin(const std::string& what, const std::function<void()>& call,
                                std::chrono::milliseconds bound = kReturnBound) {
  Child c = Fork(call);
  const std::optional<int> status = c.TryWait(bound);
  if (!status) {
    c.Kill();
    ADD_FAILURE() << what << ": expected it to return within " << bound.count()
                  << " ms, but it was still blocked (killed)";
    return;
  }
  ExpectCleanExit(*status, what);
}

// After the event that should release a child blocked in a queue call (a message sent, room made):
// expects the child to end cleanly within kReturnBound. False, with a FAIL naming `what`, when it stays
// blocked (a wake-up that never came) or ends otherwise; the case should then stop, since what follows
// depends on the child's call having completed.
inline bool ExpectReleased(Child& c, const std::string& what) {
  const std::optional<int> status = c.TryWait(kReturnBound);
  if (!status) {
    c.Kill();
    ADD_FAILURE() << what << ": expected it to complete within " << kReturnBound.count()
                  << " ms of the event that should release it, but it was still blocked (killed)";
    return false;
  }
  ExpectCleanExit(*status, what);
  return WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

}  // namespace ipcc::posix_mq
