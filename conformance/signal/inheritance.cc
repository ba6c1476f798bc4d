// What fork(2) and execve(2) do to dispositions, the signal mask and pending signals (signal(7),
// sigaction(2) NOTES, sigprocmask(2) NOTES, sigpending(2) NOTES). The exec cases exec the fixture
// program "signal-state", which checks the state it started with and fails the case on a mismatch.
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "conformance/signal/signal_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::sigcase;

volatile sig_atomic_t g_calls = 0;
void CountHandler(int) {
  g_calls = g_calls + 1;
}
void InfoHandler(int, siginfo_t*, void*) {
  g_calls = g_calls + 1;
}

std::string Check(const char* kind, int sig) {
  return std::string(kind) + ":" + std::to_string(sig);
}

IPC_CASE(signal, fork, child_inherits_handlers,
         .title = "a child created by fork inherits the parent's handlers and ignored signals",
         .statement = "A child created via fork(2) inherits a copy of its parent's signal dispositions.",
         .refs = {"signal(7) Signal dispositions", "sigaction(2) NOTES", "fork(2)", "POSIX.1-2017 fork()"},
         .cls = Conformance::posix) {
  Child parent = Fork([] {
    SetHandler(SIGUSR1, CountHandler);
    SetHandler(SIGUSR2, SIG_IGN);
    Child child = Fork([] {
      EXPECT_EQ(QueryAction(SIGUSR1).sa_handler, CountHandler) << "the child should have the parent's handler";
      EXPECT_EQ(QueryAction(SIGUSR2).sa_handler, SIG_IGN) << "SIGUSR2 should still be ignored in the child";
      raise(SIGUSR1);
      EXPECT_EQ(g_calls, 1) << "the inherited handler should run in the child";
      raise(SIGUSR2);  // ignored: the child survives
    });
    ExpectCleanExit(child.Wait(), "forked child");
    EXPECT_EQ(g_calls, 0) << "the child's delivery must not run the handler in the parent";
  });
  ExpectCleanExit(parent.Wait(), "parent process");
}

IPC_CASE(signal, fork, child_inherits_mask, .title = "a child created by fork inherits the parent's signal mask",
         .statement = "A child created via fork(2) inherits a copy of its parent's signal mask.",
         .refs = {"signal(7) Signal mask and pending signals", "sigprocmask(2) NOTES", "POSIX.1-2017 fork()"},
         .cls = Conformance::posix) {
  Child parent = Fork([] {
    Block({SIGUSR1, SIGRTMIN + 1});
    Child child = Fork([] {
      const sigset_t mask = CurrentMask();
      EXPECT_TRUE(Has(mask, SIGUSR1) && Has(mask, SIGRTMIN + 1))
          << "the child should start with the parent's mask {SIGUSR1, SIGRTMIN+1}, but has " << Describe(mask);
      EXPECT_FALSE(Has(mask, SIGUSR2)) << "SIGUSR2 was not blocked in the parent: " << Describe(mask);
    });
    ExpectCleanExit(child.Wait(), "forked child");
  });
  ExpectCleanExit(parent.Wait(), "parent process");
}

IPC_CASE(signal, fork, child_starts_with_empty_pending_set,
         .title = "a child created by fork has no pending signals, while the parent's stay pending",
         .statement = "A child created via fork(2) initially has an empty pending signal set.",
         .refs = {"signal(7) Signal mask and pending signals", "sigpending(2) NOTES", "POSIX.1-2017 fork()"},
         .cls = Conformance::posix) {
  Child parent = Fork([] {
    Block({SIGUSR1, SIGRTMIN + 2});
    raise(SIGUSR1);
    union sigval v {};
    ASSERT_THAT(sigqueue(getpid(), SIGRTMIN + 2, v), SyscallSucceeds());
    ASSERT_TRUE(Has(PendingSet(), SIGUSR1) && Has(PendingSet(), SIGRTMIN + 2)) << "set-up: both should be pending";
    Child child = Fork([] {
      const sigset_t pending = PendingSet();
      EXPECT_FALSE(Has(pending, SIGUSR1) || Has(pending, SIGRTMIN + 2))
          << "the child should start with no pending signals, but has " << Describe(pending);
    });
    ExpectCleanExit(child.Wait(), "forked child");
    EXPECT_TRUE(Has(PendingSet(), SIGUSR1) && Has(PendingSet(), SIGRTMIN + 2))
        << "the parent's pending signals should stay pending: " << Describe(PendingSet());
  });
  ExpectCleanExit(parent.Wait(), "parent process");
}

IPC_CASE(signal, exec, exec_resets_caught_handlers,
         .title = "execve resets caught signals to SIG_DFL (fixture checks with a sigaction query)",
         .statement = "During an execve(2), the dispositions of handled signals are reset to the default; the "
                      "dispositions of ignored signals are left unchanged.",
         .refs = {"signal(7) Signal dispositions", "sigaction(2) NOTES", "execve(2)", "POSIX.1-2017 exec"},
         .cls = Conformance::posix) {
  const std::string fixture = FixturePath();
  Child c = Fork([&] {
    SetHandler(SIGUSR1, CountHandler);
    SetInfoHandler(SIGUSR2, InfoHandler);
    SetHandler(SIGTERM, CountHandler, SA_RESTART);
    SetHandler(SIGRTMIN + 3, CountHandler);
    ExecFixture(fixture, "signal-state",
                {Check("dfl", SIGUSR1), Check("dfl", SIGUSR2), Check("dfl", SIGTERM), Check("dfl", SIGRTMIN + 3)});
  });
  ExpectCleanExit(c.Wait(), "exec'd signal-state fixture");
}

IPC_CASE(signal, exec, exec_keeps_ignored_signals_ignored, .title = "execve leaves ignored signals ignored",
         .statement = "During an execve(2), the dispositions of handled signals are reset to the default; the "
                      "dispositions of ignored signals are left unchanged.",
         .refs = {"signal(7) Signal dispositions", "sigaction(2) NOTES", "execve(2)", "POSIX.1-2017 exec"},
         .cls = Conformance::posix) {
  const std::string fixture = FixturePath();
  Child c = Fork([&] {
    SetHandler(SIGUSR1, SIG_IGN);
    SetHandler(SIGTERM, SIG_IGN);
    SetHandler(SIGUSR2, CountHandler);  // control: handled, so reset
    ExecFixture(fixture, "signal-state", {Check("ign", SIGUSR1), Check("ign", SIGTERM), Check("dfl", SIGUSR2)});
  });
  ExpectCleanExit(c.Wait(), "exec'd signal-state fixture");
}

IPC_CASE(signal, exec, exec_keeps_signal_mask, .title = "execve preserves the signal mask",
         .statement = "A child created via fork(2) inherits a copy of its parent's signal mask; the signal mask "
                      "is preserved across execve(2).",
         .refs = {"signal(7) Signal mask and pending signals", "sigprocmask(2) NOTES", "execve(2)",
                  "POSIX.1-2017 exec"},
         .cls = Conformance::posix) {
  const std::string fixture = FixturePath();
  Child c = Fork([&] {
    Block({SIGUSR1, SIGTERM, SIGRTMIN + 4});
    ExecFixture(fixture, "signal-state",
                {Check("blocked", SIGUSR1), Check("blocked", SIGTERM), Check("blocked", SIGRTMIN + 4),
                 Check("unblocked", SIGUSR2)});
  });
  ExpectCleanExit(c.Wait(), "exec'd signal-state fixture");
}

IPC_CASE(signal, exec, exec_keeps_pending_signals, .title = "execve preserves pending signals",
         .statement = "A child created via fork(2) initially has an empty pending signal set; the pending signal "
                      "set is preserved across an execve(2).",
         .refs = {"signal(7) Signal mask and pending signals", "sigpending(2) NOTES", "execve(2)", "POSIX.1-2017 exec"},
         .cls = Conformance::posix) {
  const std::string fixture = FixturePath();
  Child c = Fork([&] {
    Block({SIGUSR1, SIGUSR2});
    raise(SIGUSR1);
    ASSERT_TRUE(Has(PendingSet(), SIGUSR1)) << "set-up: SIGUSR1 should be pending before execve";
    ExecFixture(fixture, "signal-state", {Check("pending", SIGUSR1), Check("notpending", SIGUSR2)});
  });
  ExpectCleanExit(c.Wait(), "exec'd signal-state fixture");
}

}  // namespace
