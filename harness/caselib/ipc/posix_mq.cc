#include "harness/caselib/ipc/posix_mq.h"

#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include <fmt/format.h>

#include "harness/caselib/names.h"
#include "harness/caselib/privilege.h"
#include "harness/caselib/state.h"

namespace ipcc::posix_mq {

std::string UniqueMqName(std::string_view stem) {
  static std::atomic<unsigned> counter{0};
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return fmt::format("/ipcc-{}-{}-{}-{}", stem, getpid(), counter.fetch_add(1), ts.tv_nsec);
}

Queue::Queue(std::string_view stem) : Queue(UniqueMqName(stem), Exact{}) {}

Queue::Queue(std::string_view stem, mq_attr attr, int oflag, mode_t mode) : Queue(stem) {
  Create(attr, oflag, mode);
}

Queue::Queue(std::string name, Exact) : name_(std::move(name)), owner_(getpid()) {}

Queue::~Queue() {
  if (getpid() != owner_) {
    q_.release();
    return;
  }
  q_.reset();
  if (created_) mq_unlink(name_.c_str());
}

mqd_t Queue::TryCreate(mq_attr attr, int oflag, mode_t mode) {
  const mqd_t q = mq_open(name_.c_str(), O_CREAT | O_EXCL | oflag, mode, &attr);
  if (q != kNoQueue) set(q);
  return q;
}

void Queue::Create(mq_attr attr, int oflag, mode_t mode) {
  if (TryCreate(attr, oflag, mode) == kNoQueue) {
    const int err = errno;
    ThrowHarnessError(
        fmt::format("set-up: mq_open(\"{}\", O_CREAT|O_EXCL|{:#o}, {:#o}, {{mq_maxmsg {}, mq_msgsize {}}}) "
                    "failed with {}",
                    name_, oflag, mode, attr.mq_maxmsg, attr.mq_msgsize, ErrnoName(err)));
  }
}

void ExpectOpenFails(const std::string& name, int oflag, const mq_attr* attr, int err, const std::string& what) {
  UniqueMqd q(mq_open(name.c_str(), oflag, 0600, attr));
  EXPECT_THAT(q.get(), SyscallFailsWithErrno(err)) << what;
  if (q.valid() && (oflag & O_CREAT) != 0) mq_unlink((name.rfind('/', 0) == 0 ? name : "/" + name).c_str());
}

timespec RealtimeIn(long ms) {
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

BlockedSignal::BlockedSignal(int sig) : sig_(sig) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig_);
  if (sigprocmask(SIG_BLOCK, &set, &old_) != 0) ThrowHarnessError("sigprocmask: " + ErrnoName(errno));
}

BlockedSignal::~BlockedSignal() {
  struct sigaction ign {};
  struct sigaction old_action {};
  ign.sa_handler = SIG_IGN;
  sigaction(sig_, &ign, &old_action);
  sigprocmask(SIG_SETMASK, &old_, nullptr);
  sigaction(sig_, &old_action, nullptr);
}

std::optional<siginfo_t> BlockedSignal::TakePending() const {
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

bool ExpectCurMsgs(mqd_t q, long expected, const std::string& why) {
  mq_attr now{};
  const int r = mq_getattr(q, &now);
  EXPECT_THAT(r, SyscallSucceeds()) << "mq_getattr, to count the messages on the queue";
  if (r != 0) return false;
  EXPECT_EQ(now.mq_curmsgs, expected) << why;
  return now.mq_curmsgs == expected;
}

bool ExpectReceive(mqd_t q, std::string_view text, std::optional<unsigned> prio) {
  char buf[8192];
  unsigned seen_prio = 0;
  const ssize_t n = mq_receive(q, buf, sizeof buf, &seen_prio);
  EXPECT_THAT(n, SyscallSucceedsWithValue(static_cast<ssize_t>(text.size())))
      << "mq_receive of the message \"" << text << "\"";
  if (n < 0) return false;
  const std::string_view seen(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(seen, text) << "the bytes of the message received";
  if (prio) {
    EXPECT_EQ(seen_prio, *prio) << "the priority of the message \"" << text << "\"";
  }
  return seen == text && (!prio || seen_prio == *prio);
}

bool SendRaises(mqd_t q, const BlockedSignal& sig, std::string_view text) {
  EXPECT_THAT(mq_send(q, text.data(), text.size(), 0), SyscallSucceeds()) << "sending \"" << text << "\"";
  return sig.TakePending().has_value();
}

void ExpectTimesOutAtDeadline(const std::string& name, const std::string& situation, const TimedCall& call) {
  // The call's own timeout, 20 ms ahead on CLOCK_REALTIME; bounded, since a deadline that is not
  // applied would leave the call blocked for good.
  ExpectReturnsWithin(name + " " + situation + " with a deadline 20 ms ahead", [&] {
    const timespec deadline = RealtimeIn(20);
    EXPECT_THAT(call(deadline), SyscallFailsWithErrno(ETIMEDOUT)) << name << " " << situation;
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    EXPECT_TRUE(NotBefore(now, deadline))
        << name << " returned ETIMEDOUT before its absolute CLOCK_REALTIME deadline was reached";
  });
}

void ExpectInvalidTimeoutsFail(const std::string& name, const std::string& situation, const TimedCall& call) {
  // Bounded: a system that accepted the timeout and then mishandled it could block for good.
  ExpectReturnsWithin(
      name + " " + situation + " with an invalid timeout",
      [&] {
        timespec bad = RealtimeIn(1000);
        for (const long nsec : {1000000000L, -1L}) {
          bad.tv_nsec = nsec;
          EXPECT_THAT(call(bad), SyscallFailsWithErrno(EINVAL)) << "tv_nsec = " << nsec << " " << situation;
        }
      },
      std::chrono::milliseconds(4000));
}

void RunUnprivileged(const std::function<void()>& fn) {
  const Identity nobody = SecondIdentity();
  ExpectCleanExit(RunInChild([&] {
                    DropPrivileges(nobody);
                    fn();
                  }),
                  "unprivileged child");
}

int MountMqueue(const std::string& dir) {
  return mount("mqueue", dir.c_str(), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
}

}  // namespace ipcc::posix_mq
