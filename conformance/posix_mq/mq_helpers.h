// Helpers shared by the posix_mq case files: unique queue names, a RAII owner for a queue, the ENOSYS
// rule (a system without POSIX message queues is UNSUPPORTED, never a pass or a failure), timeouts and
// notification signals.
#pragma once

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "harness/harness.h"

namespace ipcc::posix_mq {

inline constexpr char kMqEnosys[] = "POSIX message queues: mq_open returns ENOSYS";

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
  explicit Queue(std::string_view stem) : name_(UniqueMqName(stem)), owner_(getpid()) {}
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue() {
    if (getpid() != owner_) return;
    if (q_ != static_cast<mqd_t>(-1)) mq_close(q_);
    if (owned_) mq_unlink(name_.c_str());
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

}  // namespace ipcc::posix_mq

// Ends the case as UNSUPPORTED when `result` is a failure with ENOSYS (the C library's stub, or a kernel
// without CONFIG_POSIX_MQUEUE). errno is left as it was for the matchers that follow.
#define IPCC_MQ_ENOSYS_GUARD(result, call_name)                                                    \
  do {                                                                                             \
    if (::ipcc::SyscallFailed(result) && errno == ENOSYS) {                                        \
      IPCC_UNSUPPORTED(std::string("POSIX message queues: ") + (call_name) + " returns ENOSYS");   \
    }                                                                                              \
  } while (0)

// Creates `var`, a new queue (O_CREAT|O_EXCL plus `oflag`), or ends the case: UNSUPPORTED on ENOSYS,
// FAIL on any other error.
#define IPCC_MQ_CREATE(var, stem, oflag, mode, attr)                                               \
  ::ipcc::posix_mq::Queue var(stem);                                                               \
  do {                                                                                             \
    const mqd_t ipcc_q_ = mq_open(var.name(), O_CREAT | O_EXCL | (oflag), (mode), (attr));         \
    if (ipcc_q_ == static_cast<mqd_t>(-1) && errno == ENOSYS) IPCC_UNSUPPORTED(::ipcc::posix_mq::kMqEnosys); \
    ASSERT_THAT(ipcc_q_, SyscallSucceeds()) << "creating message queue " << var.str();            \
    var.set(ipcc_q_);                                                                              \
  } while (0)

// Ends the case as UNSUPPORTED unless POSIX message queues exist: creates and removes a small probe queue.
#define IPCC_REQUIRE_MQ()                                                                          \
  do {                                                                                             \
    const std::string ipcc_probe_name_ = ::ipcc::posix_mq::UniqueMqName("probe");                  \
    mq_attr ipcc_probe_attr_ = ::ipcc::posix_mq::Attr(1, 16);                                      \
    const mqd_t ipcc_probe_q_ =                                                                    \
        mq_open(ipcc_probe_name_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600, &ipcc_probe_attr_);     \
    if (ipcc_probe_q_ == static_cast<mqd_t>(-1) && errno == ENOSYS) {                              \
      IPCC_UNSUPPORTED(::ipcc::posix_mq::kMqEnosys);                                               \
    }                                                                                              \
    if (ipcc_probe_q_ != static_cast<mqd_t>(-1)) {                                                 \
      mq_close(ipcc_probe_q_);                                                                     \
      mq_unlink(ipcc_probe_name_.c_str());                                                         \
    }                                                                                              \
  } while (0)

namespace ipcc::posix_mq {

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
    struct sigaction ign {}, old_action{};
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

// The value of a /proc/sys/fs/mqueue file, or nullopt when it does not exist.
inline std::optional<long> ReadMqueueSysctl(const std::string& file) {
  std::ifstream in("/proc/sys/fs/mqueue/" + file);
  long v = 0;
  if (!(in >> v)) return std::nullopt;
  return v;
}

// Writes a /proc/sys/fs/mqueue file (the case's own IPC namespace); a harness error when refused.
inline void WriteMqueueSysctl(const std::string& file, long value) {
  const std::string path = "/proc/sys/fs/mqueue/" + file;
  std::ofstream out(path);
  out << value << "\n";
  out.flush();
  if (!out) ThrowHarnessError("cannot write " + path);
  out.close();
  if (ReadMqueueSysctl(file) != value) ThrowHarnessError("writing " + path + " did not take effect");
}

// Puts a /proc/sys/fs/mqueue value back (from a ScopedCleanup: never throws).
inline void RestoreMqueueSysctl(const std::string& file, long value) noexcept {
  try {
    std::ofstream out("/proc/sys/fs/mqueue/" + file);
    out << value << "\n";
  } catch (...) {
  }
}

}  // namespace ipcc::posix_mq
