// signal(2): the ANSI C signal() function as the GNU C library provides it.
#include <signal.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

IPC_CASE(signal, signal, glibc_signal_has_bsd_semantics,
         .title = "glibc's signal() installs BSD semantics: SA_RESTART, handler kept and signal blocked while "
                  "it runs",
         .covers = {"glibc_installs_bsd_semantics"},
         .statement = "By default, in glibc 2 and later, the signal() wrapper function does not invoke the "
                      "kernel system call. Instead, it calls sigaction(2) using flags that supply BSD "
                      "semantics. ... On BSD, when a signal handler is invoked, the signal disposition is not "
                      "reset, and further instances of the signal are blocked from being delivered while the "
                      "handler is executing. ... The BSD semantics are equivalent to calling sigaction(2) with "
                      "the following flags: sa.sa_flags = SA_RESTART;",
         .refs = {"signal(2) Portability", "sigaction(2) SA_RESTART SA_RESETHAND SA_NODEFER"},
         .cls = Conformance::implementation_defined) {
  InChild("child using signal()", [] {
    ASSERT_NE(signal(SIGUSR1, CountingHandler), SIG_ERR) << "signal(SIGUSR1, handler) failed: " << ErrnoName(errno);
    struct sigaction q = QueryAction(SIGUSR1);
    EXPECT_EQ(q.sa_handler, CountingHandler) << "sigaction() should report the handler installed by signal()";
    EXPECT_NE(q.sa_flags & SA_RESTART, 0)
        << "signal() should install SA_RESTART; sa_flags are 0x" << std::hex << q.sa_flags;
    EXPECT_EQ(q.sa_flags & (SA_RESETHAND | SA_NODEFER), 0)
        << "signal() should not install SA_RESETHAND or SA_NODEFER (System V semantics); sa_flags are 0x" << std::hex
        << q.sa_flags;
    raise(SIGUSR1);
    EXPECT_TRUE(Has(g_handled.mask, SIGUSR1))
        << "SIGUSR1 should be blocked while its signal() handler runs; the mask was " << Describe(g_handled.mask);
    raise(SIGUSR1);  // with System V semantics this would take the default action and terminate
    EXPECT_EQ(g_handled.calls, 2) << "the handler installed by signal() should handle both deliveries";
    EXPECT_EQ(QueryAction(SIGUSR1).sa_handler, CountingHandler) << "the handler should still be installed";
  });
}

IPC_CASE(signal, signal, returns_previous_disposition,
         .title = "signal() returns the previous disposition of the signal", .covers = {"returns_previous_disposition"},
         .statement = "signal() returns the previous value of the signal handler.",
         .refs = {"signal(2) RETURN VALUE", "POSIX.1-2017 signal()"}, .cls = Conformance::posix) {
  InChild("child using signal()", [] {
    EXPECT_EQ(signal(SIGUSR1, CountingHandler), SIG_DFL) << "the first signal() call should return SIG_DFL";
    EXPECT_EQ(signal(SIGUSR1, SIG_IGN), CountingHandler) << "the second call should return the handler";
    EXPECT_EQ(signal(SIGUSR1, SIG_DFL), SIG_IGN) << "the third call should return SIG_IGN";
  });
}

IPC_CASE(signal, signal, sigkill_fails_einval,
         .title = "signal() cannot catch or ignore SIGKILL or SIGSTOP: SIG_ERR with EINVAL", .covers = {"EINVAL"},
         .statement = "The signals SIGKILL and SIGSTOP cannot be caught or ignored. ... On failure, it returns "
                      "SIG_ERR, and errno is set to indicate the error. EINVAL signum is invalid.",
         .refs = {"signal(2) DESCRIPTION, ERRORS", "POSIX.1-2017 signal() [EINVAL]"}, .cls = Conformance::posix) {
  InChild("child using signal()", [] {
    for (int sig : {SIGKILL, SIGSTOP}) {
      for (auto handler : {SIG_IGN, static_cast<sighandler_t>(CountingHandler)}) {
        errno = 0;
        const sighandler_t r = signal(sig, handler);
        const int err = errno;
        const std::string call =
            "signal(" + SignalName(sig) + ", " + (handler == SIG_IGN ? "SIG_IGN" : "handler") + ")";
        EXPECT_EQ(r, SIG_ERR) << call << " should fail";
        EXPECT_EQ(err, EINVAL) << call << ": expected errno EINVAL, got " << ErrnoName(err);
      }
    }
  });
}

}  // namespace
