// sigsuspend(2): waiting for a signal with a temporary mask.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <functional>
#include <initializer_list>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

// A child with CountingHandler for SIGUSR1 and `blocked` in its mask calls sigsuspend({SIGUSR2}) and runs
// `after(result, errno)`; the case process proves it waits in rt_sigsuspend, then sends SIGUSR1 (blocked
// by the mask before the call, not by the one given to sigsuspend).
void SuspendUntilSigusr1(std::initializer_list<int> blocked, const std::function<void(int, int)>& after) {
  Child c = Fork([&] {
    SetHandler(SIGUSR1, CountingHandler);
    Block(blocked);
    sigset_t temporary = SetOf({SIGUSR2});
    const int r = sigsuspend(&temporary);
    const int err = errno;
    EXPECT_EQ(g_handled.calls, 1) << "the SIGUSR1 handler should have run during sigsuspend";
    after(r, err);
  });
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_rt_sigsuspend);
  c.Signal(SIGUSR1);
  ExpectEndsCleanly(c, "child in sigsuspend sent SIGUSR1");
}

IPC_CASE(signal, sigsuspend, replaces_mask_and_waits,
         .title = "sigsuspend waits with the given mask: a signal blocked before the call ends the wait",
         .covers = {"EINTR", "waits_with_temporary_mask"},
         .statement = "sigsuspend() temporarily replaces the signal mask of the calling thread with the mask "
                      "given by mask and then suspends the thread until delivery of a signal whose action is to "
                      "invoke a signal handler or to terminate a process. ... sigsuspend() always returns -1, "
                      "with errno set to indicate the error (normally, EINTR).",
         .refs = {"sigsuspend(2)", "POSIX.1-2017 sigsuspend()"}, .cls = Conformance::posix) {
  SuspendUntilSigusr1({SIGUSR1}, [](int r, int err) {
    EXPECT_EQ(r, -1) << "sigsuspend returns -1";
    EXPECT_EQ(err, EINTR) << "sigsuspend should fail with EINTR, not " << ErrnoName(err);
    EXPECT_TRUE(Has(g_handled.mask, SIGUSR2))
        << "the handler runs with sigsuspend's mask in force (SIGUSR2 blocked); the mask was "
        << Describe(g_handled.mask);
  });
}

IPC_CASE(signal, sigsuspend, restores_mask_on_return,
         .title = "after the handler returns, sigsuspend restores the mask in force before the call",
         .covers = {"restores_mask_after_handler"},
         .statement = "If the signal is caught, then sigsuspend() returns after the signal handler returns, and "
                      "the signal mask is restored to the state before the call to sigsuspend().",
         .refs = {"sigsuspend(2)", "POSIX.1-2017 sigsuspend()"}, .cls = Conformance::posix) {
  SuspendUntilSigusr1({SIGUSR1, SIGHUP}, [](int, int) {
    const sigset_t after = CurrentMask();
    EXPECT_TRUE(Has(after, SIGUSR1) && Has(after, SIGHUP) && !Has(after, SIGUSR2))
        << "after sigsuspend the mask should be {SIGHUP, SIGUSR1} again, but it is " << Describe(after);
  });
}

IPC_CASE(signal, sigsuspend, pending_signal_ends_wait_at_once,
         .title = "a signal already pending and unblocked by sigsuspend's mask is handled at once, no wait",
         .covers = {"pending_signal_ends_wait_at_once", "EINTR"},
         .statement = "Normally, sigsuspend() is used in conjunction with sigprocmask(2) in order to prevent "
                      "delivery of a signal during the execution of a critical code section. The caller first "
                      "blocks the signals with sigprocmask(2). When the critical code has completed, the caller "
                      "then waits for the signals by calling sigsuspend() with the signal mask that was "
                      "returned by sigprocmask(2).",
         .refs = {"sigsuspend(2) NOTES", "POSIX.1-2017 sigsuspend() (atomic mask change and wait)"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountingHandler);
    sigset_t old;
    sigset_t usr1 = SetOf({SIGUSR1});
    ASSERT_THAT(sigprocmask(SIG_BLOCK, &usr1, &old), SyscallSucceeds());
    raise(SIGUSR1);  // arrives during the "critical section": stays pending
    ASSERT_EQ(g_handled.calls, 0);
    const int r = sigsuspend(&old);
    const int err = errno;
    EXPECT_TRUE(r == -1 && err == EINTR) << "sigsuspend should return -1/EINTR at once, got " << r << "/"
                                         << ErrnoName(err);
    EXPECT_EQ(g_handled.calls, 1) << "the pending SIGUSR1 should be handled inside sigsuspend";
  });
  ExpectEndsCleanly(c, "child calling sigsuspend with SIGUSR1 already pending");
}

}  // namespace
