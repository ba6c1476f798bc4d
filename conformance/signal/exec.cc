// execve(2) and signal state (signal(7); sigaction(2), sigprocmask(2), sigpending(2) NOTES), seen by a fixture.
#include <signal.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

void InfoHandler(int sig, siginfo_t*, void*) {
  CountingHandler(sig);
}

// In a forked child: `prepare`, then execve of "signal-state" with one check (kind, signal) per entry:
// dfl/ign (disposition), blocked/unblocked (mask), pending/notpending.
void ExpectAfterExec(const std::function<void()>& prepare, const std::vector<std::pair<const char*, int>>& checks) {
  InChild("exec'd signal-state fixture", [&] {
    prepare();
    if (::testing::Test::HasFatalFailure()) return;
    std::vector<std::string> args;
    for (const auto& [kind, sig] : checks) args.push_back(std::string(kind) + ":" + std::to_string(sig));
    ExecFixture("signal-state", args);
  });
}

IPC_CASE(signal, exec, exec_resets_caught_handlers,
         .title = "execve resets caught signals to SIG_DFL (fixture checks with a sigaction query)",
         .covers = {"sigaction.exec_resets_handled_to_default"},
         .statement = "During an execve(2), the dispositions of handled signals are reset to the default; the "
                      "dispositions of ignored signals are left unchanged.",
         .refs = {"signal(7) Signal dispositions", "sigaction(2) NOTES", "execve(2)", "POSIX.1-2017 exec"},
         .cls = Conformance::posix) {
  ExpectAfterExec(
      [] {
        SetHandler(SIGUSR1, CountingHandler);
        SetInfoHandler(SIGUSR2, InfoHandler);
        SetHandler(SIGTERM, CountingHandler, SA_RESTART);
        SetHandler(SIGRTMIN + 3, CountingHandler);
      },
      {{"dfl", SIGUSR1}, {"dfl", SIGUSR2}, {"dfl", SIGTERM}, {"dfl", SIGRTMIN + 3}});
}

IPC_CASE(signal, exec, exec_keeps_ignored_signals_ignored, .title = "execve leaves ignored signals ignored",
         .covers = {"sigaction.exec_keeps_ignored_ignored", "sigaction.exec_resets_handled_to_default"},
         .statement = "During an execve(2), the dispositions of handled signals are reset to the default; the "
                      "dispositions of ignored signals are left unchanged.",
         .refs = {"signal(7) Signal dispositions", "sigaction(2) NOTES", "execve(2)", "POSIX.1-2017 exec"},
         .cls = Conformance::posix) {
  ExpectAfterExec(
      [] {
        SetHandler(SIGUSR1, SIG_IGN);
        SetHandler(SIGTERM, SIG_IGN);
        SetHandler(SIGUSR2, CountingHandler);  // control: handled, so reset
      },
      {{"ign", SIGUSR1}, {"ign", SIGTERM}, {"dfl", SIGUSR2}});
}

IPC_CASE(signal, exec, exec_keeps_signal_mask, .title = "execve preserves the signal mask",
         .covers = {"sigprocmask.exec_keeps_mask"},
         .statement = "A child created via fork(2) inherits a copy of its parent's signal mask; the signal mask "
                      "is preserved across execve(2).",
         .refs = {"signal(7) Signal mask and pending signals", "sigprocmask(2) NOTES", "execve(2)",
                  "POSIX.1-2017 exec"},
         .cls = Conformance::posix) {
  ExpectAfterExec(
      [] {
        Block({SIGUSR1, SIGTERM, SIGRTMIN + 4});
      },
      {{"blocked", SIGUSR1}, {"blocked", SIGTERM}, {"blocked", SIGRTMIN + 4}, {"unblocked", SIGUSR2}});
}

IPC_CASE(signal, exec, exec_keeps_pending_signals, .title = "execve preserves pending signals",
         .covers = {"sigpending.exec_keeps_pending"},
         .statement = "A child created via fork(2) initially has an empty pending signal set; the pending signal "
                      "set is preserved across an execve(2).",
         .refs = {"signal(7) Signal mask and pending signals", "sigpending(2) NOTES", "execve(2)", "POSIX.1-2017 exec"},
         .cls = Conformance::posix) {
  ExpectAfterExec(
      [] {
        Block({SIGUSR1, SIGUSR2});
        raise(SIGUSR1);
        ASSERT_TRUE(Has(PendingSet(), SIGUSR1)) << "set-up: SIGUSR1 should be pending before execve";
      },
      {{"pending", SIGUSR1}, {"notpending", SIGUSR2}});
}

}  // namespace
