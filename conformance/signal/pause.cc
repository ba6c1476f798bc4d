// pause(2): sleeping until a signal is caught.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

IPC_CASE(signal, pause, returns_eintr_after_handler,
         .title = "pause sleeps until a signal is caught, then returns -1 with EINTR",
         .covers = {"EINTR", "sleeps_until_caught_signal"},
         .statement = "pause() causes the calling process (or thread) to sleep until a signal is delivered that "
                      "either terminates the process or causes the invocation of a signal-catching function. ... "
                      "pause() returns only when a signal was caught and the signal-catching function "
                      "returned. In this case, pause() returns -1, and errno is set to EINTR.",
         .refs = {"pause(2)", "POSIX.1-2017 pause()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountingHandler);
    const int r = pause();
    const int err = errno;
    EXPECT_TRUE(r == -1 && err == EINTR) << "pause should return -1/EINTR, got " << r << "/" << ErrnoName(err);
    EXPECT_EQ(g_handled.calls, 1) << "the handler should have run before pause returned";
  });
#ifdef SYS_pause
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_pause, SYS_ppoll);
#else
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_ppoll);
#endif
  c.Signal(SIGUSR1);
  ExpectEndsCleanly(c, "child in pause sent SIGUSR1");
}

}  // namespace
