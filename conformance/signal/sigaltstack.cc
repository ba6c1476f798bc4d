// sigaltstack(2): running handlers on an alternate signal stack (SA_ONSTACK).
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

volatile std::uintptr_t g_handler_frame = 0;
volatile int g_ss_flags_in_handler = -1;

void StackProbeHandler(int sig) {
  volatile char here = 0;
  g_handler_frame = reinterpret_cast<std::uintptr_t>(&here);
  stack_t now{};
  if (sigaltstack(nullptr, &now) == 0) g_ss_flags_in_handler = now.ss_flags;
  CountingHandler(sig);
}

constexpr std::size_t kAltStackSize = 256 * 1024;  // well above any SIGSTKSZ / MINSIGSTKSZ

// In a forked child: installs an alternate stack and StackProbeHandler for SIGUSR1 with `flags`, runs
// `before_raise`, raises SIGUSR1, and (once the handler ran) runs `check` with the stack's memory.
void RaiseWithAltStack(int flags, const std::function<void()>& before_raise,
                       const std::function<void(const std::vector<char>&)>& check) {
  InChild("child with an alternate signal stack", [&] {
    std::vector<char> mem(kAltStackSize);
    stack_t ss{};
    ss.ss_sp = mem.data();
    ss.ss_size = mem.size();
    ss.ss_flags = 0;
    if (sigaltstack(&ss, nullptr) != 0) ThrowHarnessError("sigaltstack: " + ErrnoName(errno));
    SetHandler(SIGUSR1, StackProbeHandler, flags);
    if (before_raise) before_raise();
    if (::testing::Test::HasFatalFailure()) return;
    raise(SIGUSR1);
    ASSERT_EQ(g_handled.calls, 1) << "the handler did not run";
    check(mem);
  });
}

bool OnStack(const std::vector<char>& mem) {
  const auto lo = reinterpret_cast<std::uintptr_t>(mem.data());
  return g_handler_frame >= lo && g_handler_frame < lo + mem.size();
}

IPC_CASE(signal, sigaltstack, handler_runs_on_alternate_stack,
         .title = "a handler installed with SA_ONSTACK runs on the alternate signal stack",
         .covers = {"sigaction.SA_ONSTACK"},
         .statement = "3. When establishing a signal handler using sigaction(2), inform the system that the "
                      "signal handler should be executed on the alternate signal stack by specifying the "
                      "SA_ONSTACK flag.",
         .refs = {"sigaltstack(2)", "sigaction(2) SA_ONSTACK", "POSIX.1-2017 sigaltstack()"},
         .cls = Conformance::posix) {
  RaiseWithAltStack(SA_ONSTACK, {}, [](const std::vector<char>& mem) {
    EXPECT_TRUE(OnStack(mem)) << "a local variable of the SA_ONSTACK handler was at 0x" << std::hex << g_handler_frame
                              << ", outside the alternate stack [0x" << reinterpret_cast<std::uintptr_t>(mem.data())
                              << ", +0x" << mem.size() << ")";
  });
}

IPC_CASE(signal, sigaltstack, ss_onstack_reported_in_handler,
         .title = "inside a handler running on the alternate stack, sigaltstack reports SS_ONSTACK",
         .covers = {"SS_ONSTACK"},
         .statement = "SS_ONSTACK The thread is currently executing on the alternate signal stack.",
         .refs = {"sigaltstack(2) old_ss.ss_flags", "POSIX.1-2017 sigaltstack() SS_ONSTACK"},
         .cls = Conformance::posix) {
  RaiseWithAltStack(
      SA_ONSTACK,
      [] {
        stack_t before{};
        ASSERT_THAT(sigaltstack(nullptr, &before), SyscallSucceeds());
        EXPECT_EQ(before.ss_flags & SS_ONSTACK, 0) << "not on the alternate stack outside the handler";
      },
      [](const std::vector<char>&) {
        EXPECT_NE(g_ss_flags_in_handler & SS_ONSTACK, 0)
            << "sigaltstack in the handler should report SS_ONSTACK; ss_flags were " << g_ss_flags_in_handler;
      });
}

IPC_CASE(signal, sigaltstack, without_sa_onstack_uses_normal_stack,
         .title = "a handler installed without SA_ONSTACK runs on the normal stack even if an alternate exists",
         .covers = {"used_only_when_handler_requests_it"},
         .statement = "An alternate signal stack is used during the execution of a signal handler if the "
                      "establishment of that handler (see sigaction(2)) requested it. ... By default, a signal "
                      "handler is invoked on the normal process stack.",
         .refs = {"sigaltstack(2)", "signal(7) Signal dispositions", "POSIX.1-2017 sigaction() SA_ONSTACK"},
         .cls = Conformance::posix) {
  RaiseWithAltStack(0, {}, [](const std::vector<char>& mem) {
    EXPECT_FALSE(OnStack(mem)) << "a handler without SA_ONSTACK ran on the alternate stack";
    EXPECT_EQ(g_ss_flags_in_handler & SS_ONSTACK, 0) << "sigaltstack in the handler reported SS_ONSTACK";
  });
}

IPC_CASE(signal, sigaltstack, too_small_fails_enomem,
         .title = "sigaltstack with a stack smaller than MINSIGSTKSZ fails with ENOMEM", .covers = {"ENOMEM"},
         .statement = "ENOMEM The specified size of the new alternate signal stack ss.ss_size was less than "
                      "MINSIGSTKSZ.",
         .refs = {"sigaltstack(2) ERRORS", "POSIX.1-2017 sigaltstack() [ENOMEM]"}, .cls = Conformance::posix) {
  InChild("child", [] {
    static char tiny[256];  // far below MINSIGSTKSZ on every architecture
    stack_t ss{};
    ss.ss_sp = tiny;
    ss.ss_size = sizeof tiny;
    ss.ss_flags = 0;
    EXPECT_THAT(sigaltstack(&ss, nullptr), SyscallFailsWithErrno(ENOMEM)) << "ss_size " << sizeof tiny;
  });
}

}  // namespace
