// fork(2) and signal state (signal(7); sigaction(2), sigprocmask(2), sigpending(2) NOTES).
#include <signal.h>
#include <unistd.h>

#include <functional>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

// In a forked parent process: `prepare`, then `in_child` in a child forked from it, then `after` in the
// parent once the child exited cleanly.
void ForkAfter(const std::function<void()>& prepare, const std::function<void()>& in_child,
               const std::function<void()>& after = {}) {
  InChild("parent process", [&] {
    prepare();
    if (::testing::Test::HasFatalFailure()) return;
    InChild("forked child", in_child);
    if (after) after();
  });
}

IPC_CASE(signal, fork, child_inherits_handlers,
         .title = "a child created by fork inherits the parent's handlers and ignored signals",
         .covers = {"sigaction.fork_child_inherits_dispositions"},
         .statement = "A child created via fork(2) inherits a copy of its parent's signal dispositions.",
         .refs = {"signal(7) Signal dispositions", "sigaction(2) NOTES", "fork(2)", "POSIX.1-2017 fork()"},
         .cls = Conformance::posix) {
  ForkAfter(
      [] {
        SetHandler(SIGUSR1, CountingHandler);
        SetHandler(SIGUSR2, SIG_IGN);
      },
      [] {
        EXPECT_EQ(QueryAction(SIGUSR1).sa_handler, CountingHandler) << "the child should have the parent's handler";
        EXPECT_EQ(QueryAction(SIGUSR2).sa_handler, SIG_IGN) << "SIGUSR2 should still be ignored in the child";
        raise(SIGUSR1);
        EXPECT_EQ(g_handled.calls, 1) << "the inherited handler should run in the child";
        raise(SIGUSR2);  // ignored: the child survives
      },
      [] { EXPECT_EQ(g_handled.calls, 0) << "the child's delivery must not run the handler in the parent"; });
}

IPC_CASE(signal, fork, child_inherits_mask, .title = "a child created by fork inherits the parent's signal mask",
         .covers = {"sigprocmask.fork_child_inherits_mask"},
         .statement = "A child created via fork(2) inherits a copy of its parent's signal mask.",
         .refs = {"signal(7) Signal mask and pending signals", "sigprocmask(2) NOTES", "POSIX.1-2017 fork()"},
         .cls = Conformance::posix) {
  ForkAfter(
      [] {
        Block({SIGUSR1, SIGRTMIN + 1});
      },
      [] {
        const sigset_t mask = CurrentMask();
        EXPECT_TRUE(Has(mask, SIGUSR1) && Has(mask, SIGRTMIN + 1))
            << "the child should start with the parent's mask {SIGUSR1, SIGRTMIN+1}, but has " << Describe(mask);
        EXPECT_FALSE(Has(mask, SIGUSR2)) << "SIGUSR2 was not blocked in the parent: " << Describe(mask);
      });
}

IPC_CASE(signal, fork, child_starts_with_empty_pending_set,
         .title = "a child created by fork has no pending signals, while the parent's stay pending",
         .covers = {"sigpending.fork_child_has_empty_pending_set"},
         .statement = "A child created via fork(2) initially has an empty pending signal set.",
         .refs = {"signal(7) Signal mask and pending signals", "sigpending(2) NOTES", "POSIX.1-2017 fork()"},
         .cls = Conformance::posix) {
  auto both_pending = [] { return Has(PendingSet(), SIGUSR1) && Has(PendingSet(), SIGRTMIN + 2); };
  ForkAfter(
      [&] {
        Block({SIGUSR1, SIGRTMIN + 2});
        raise(SIGUSR1);
        union sigval v {};
        ASSERT_THAT(sigqueue(getpid(), SIGRTMIN + 2, v), SyscallSucceeds());
        ASSERT_TRUE(both_pending()) << "set-up: both should be pending";
      },
      [] {
        const sigset_t pending = PendingSet();
        EXPECT_FALSE(Has(pending, SIGUSR1) || Has(pending, SIGRTMIN + 2))
            << "the child should start with no pending signals, but has " << Describe(pending);
      },
      [&] {
        EXPECT_TRUE(both_pending()) << "the parent's pending signals should stay pending: " << Describe(PendingSet());
      });
}

}  // namespace
