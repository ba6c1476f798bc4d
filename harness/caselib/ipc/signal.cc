#include "harness/caselib/ipc/signal.h"

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include <gtest/gtest.h>

#include "harness/caselib/fd.h"
#include "harness/caselib/matchers.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::signals {

sigset_t SetOf(std::initializer_list<int> sigs) {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : sigs) sigaddset(&s, sig);
  return s;
}

std::string Describe(const sigset_t& s) {
  std::string out = "{";
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&s, sig) != 1) continue;
    if (out.size() > 1) out += ", ";
    out += SignalName(sig);
  }
  return out + "}";
}

sigset_t CurrentMask() {
  sigset_t s;
  sigemptyset(&s);
  if (sigprocmask(SIG_BLOCK, nullptr, &s) != 0) ThrowHarnessError("sigprocmask(query): " + ErrnoName(errno));
  return s;
}

sigset_t PendingSet() {
  sigset_t s;
  sigemptyset(&s);
  if (sigpending(&s) != 0) ThrowHarnessError("sigpending: " + ErrnoName(errno));
  return s;
}

struct sigaction QueryAction(int sig) {
  struct sigaction sa {};
  if (sigaction(sig, nullptr, &sa) != 0) {
    ThrowHarnessError("sigaction(" + SignalName(sig) + ", NULL, &old): " + ErrnoName(errno));
  }
  return sa;
}

namespace {

void Install(int sig, struct sigaction& sa, int flags, const sigset_t& mask, const char* what) {
  sa.sa_mask = mask;
  sa.sa_flags = flags;
  if (sigaction(sig, &sa, nullptr) != 0) {
    ThrowHarnessError("sigaction(" + SignalName(sig) + what + "): " + ErrnoName(errno));
  }
}

void ChangeMask(int how, std::initializer_list<int> sigs) {
  sigset_t s = SetOf(sigs);
  if (sigprocmask(how, &s, nullptr) != 0) ThrowHarnessError("sigprocmask: " + ErrnoName(errno));
}

}  // namespace

void SetHandler(int sig, void (*handler)(int), int flags, const sigset_t& mask) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  Install(sig, sa, flags, mask, "");
}

void SetInfoHandler(int sig, void (*handler)(int, siginfo_t*, void*), int flags, const sigset_t& mask) {
  struct sigaction sa {};
  sa.sa_sigaction = handler;
  Install(sig, sa, flags | SA_SIGINFO, mask, ", SA_SIGINFO");
}

sigset_t Block(std::initializer_list<int> sigs) {
  ChangeMask(SIG_BLOCK, sigs);
  return SetOf(sigs);
}

void Unblock(std::initializer_list<int> sigs) {
  ChangeMask(SIG_UNBLOCK, sigs);
}

int AcceptSignal(const sigset_t& set, siginfo_t* info, std::chrono::milliseconds bound) {
  timespec ts{static_cast<time_t>(bound.count() / 1000), static_cast<long>((bound.count() % 1000) * 1000000)};
  for (;;) {
    int r = sigtimedwait(&set, info, &ts);
    if (r >= 0 || errno != EINTR) return r;
  }
}

std::optional<siginfo_t> ExpectAccepted(int sig, const std::string& what) {
  siginfo_t info{};
  const int got = AcceptSignal(SetOf({sig}), &info);
  const int err = errno;
  if (got == sig) return info;
  ADD_FAILURE() << what << ": expected " << SignalName(sig) << " within " << kDefaultWait.count()
                << " ms, but sigtimedwait "
                << (got < 0 ? "failed with " + ErrnoName(err) : "returned " + SignalName(got));
  return std::nullopt;
}

std::string SiCodeName(int code) {
  switch (code) {
    case SI_USER:
      return "SI_USER";
    case SI_QUEUE:
      return "SI_QUEUE";
    case SI_TKILL:
      return "SI_TKILL";
    case SI_KERNEL:
      return "SI_KERNEL";
    case SI_TIMER:
      return "SI_TIMER";
    case SI_MESGQ:
      return "SI_MESGQ";
    default:
      return "si_code " + std::to_string(code);
  }
}

std::string CldCodeName(int code) {
  switch (code) {
    case CLD_EXITED:
      return "CLD_EXITED";
    case CLD_KILLED:
      return "CLD_KILLED";
    case CLD_DUMPED:
      return "CLD_DUMPED";
    case CLD_TRAPPED:
      return "CLD_TRAPPED";
    case CLD_STOPPED:
      return "CLD_STOPPED";
    case CLD_CONTINUED:
      return "CLD_CONTINUED";
    default:
      return SiCodeName(code);
  }
}

void CountingHandler(int sig) {
  sigprocmask(SIG_BLOCK, nullptr, &g_handled.mask);
  g_handled.last_sig = sig;
  g_handled.calls = g_handled.calls + 1;
}

std::string Deliveries::Signals() const {
  std::string out;
  for (int i = 0; i < count && i < kMax; ++i) {
    if (!out.empty()) out += ", ";
    out += SignalName(sig[i]);
  }
  return "[" + out + "]";
}

void RecordDelivery(int sig) {
  if (g_deliveries.count < Deliveries::kMax) g_deliveries.sig[g_deliveries.count] = sig;
  g_deliveries.count = g_deliveries.count + 1;
}

void RecordInfoDelivery(int sig, siginfo_t* info, void*) {
  if (g_deliveries.count < Deliveries::kMax) {
    g_deliveries.sig[g_deliveries.count] = sig;
    g_deliveries.value[g_deliveries.count] = info->si_value.sival_int;
    g_deliveries.code[g_deliveries.count] = info->si_code;
  }
  g_deliveries.count = g_deliveries.count + 1;
}

pid_t ReapedPid(const std::function<void()>& body) {
  Child c = Fork([&] {
    if (body) body();
  });
  ExpectCleanExit(c.Wait(), "child");
  return c.pid();
}

void SendToWaitingChild(const std::function<void()>& before, const std::function<void(pid_t)>& send,
                        const std::function<void()>& after, const std::string& what) {
  Child c = Fork([&] {
    if (before) before();
    if (::testing::Test::HasFatalFailure()) return;  // an ASSERT in `before` stops the child there
    CheckpointPost(0);
    CheckpointWait(1);  // sent
    if (after) after();
  });
  if (!AwaitCheckpoint(c, 0)) return;
  send(c.pid());
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), what);
}

void DeliverAfterUnblock(std::initializer_list<int> sigs, const std::function<void()>& install,
                         const std::function<void(pid_t)>& send, const std::function<void()>& check) {
  const sigset_t set = SetOf(sigs);
  SendToWaitingChild(
      [&] {
        install();
        IPCC_SETUP(sigprocmask(SIG_BLOCK, &set, nullptr));
      },
      send,
      [&] {
        ASSERT_EQ(g_deliveries.count, 0) << "no signal may be delivered while blocked";
        IPCC_SETUP(sigprocmask(SIG_UNBLOCK, &set, nullptr));
        check();
      });
}

Child HeldChild(Pipe& hold, const std::function<void()>& first) {
  return Fork([&] {
    hold.w.reset();
    if (first) first();
    char b;
    EXPECT_THAT(read(hold.r.get(), &b, 1), SyscallSucceedsWithValue(0)) << "the held child's read";
  });
}

std::optional<int> ExpectKilled(Child& c, int sig, const std::string& what) {
  auto status = ExpectEnds(c, what);
  if (status) ExpectKilledBy(*status, sig, what);
  return status;
}

void ExpectEndsCleanly(Child& c, const std::string& what) {
  if (auto status = ExpectEnds(c, what)) ExpectCleanExit(*status, what);
}

void ExpectStopsAndContinues(Child& c, const std::function<void()>& release, const std::string& what) {
  c.Signal(SIGSTOP);
  auto status = c.WaitFor(WUNTRACED, kDefaultWait);
  if (!status) {
    ADD_FAILURE() << what << ": expected to be stopped by SIGSTOP, but waitpid(WUNTRACED) reported nothing within "
                  << kDefaultWait.count() << " ms";
    return;
  }
  if (!WIFSTOPPED(*status) || WSTOPSIG(*status) != SIGSTOP) {
    ADD_FAILURE() << what << ": expected to be stopped by SIGSTOP, but it " << DescribeWaitStatus(*status);
    if (!WIFSTOPPED(*status)) return;
  }
  c.Signal(SIGCONT);
  if (release) release();
  ExpectCleanExit(c.Wait(), what + ", stopped and continued");
}

namespace {

thread_local int t_tag = 0;
std::atomic<int> g_handled_tag{0};
int g_notify_fd = -1;

void TagHandler(int) {
  g_handled_tag.store(t_tag);
  char c = 'h';
  ssize_t n = write(g_notify_fd, &c, 1);
  (void)n;
}

}  // namespace

int ThreadThatHandled(const std::function<void()>& in_thread, const std::function<bool(pthread_t)>& send) {
  Pipe notify = MakePipe();
  Pipe hold = MakePipe();
  Pipe ready = MakePipe();
  g_notify_fd = notify.w.get();
  SetHandler(SIGUSR1, TagHandler);
  t_tag = 1;
  std::thread second([&] {
    t_tag = 2;
    if (in_thread) in_thread();
    char b = 'r';
    ssize_t w = write(ready.w.get(), &b, 1);
    (void)w;
    ssize_t n = read(hold.r.get(), &b, 1);  // interrupted by the handler (EINTR), or ended below
    (void)n;
  });
  const bool started = ReadableWithin(ready.r.get(), kDefaultWait);
  const bool handled = started && send(second.native_handle()) && ReadableWithin(notify.r.get(), kDefaultWait);
  hold.w.reset();  // let the thread go whatever happened
  second.join();
  if (!started) ThrowHarnessError("set-up: the second thread did not start within 5 s");
  return handled ? g_handled_tag.load() : 0;
}

}  // namespace ipcc::signals
