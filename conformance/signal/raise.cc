// raise(3): a signal sent to the calling process or thread.
#include <signal.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

IPC_CASE(signal, raise, delivers_before_returning,
         .title = "raise() returns only after the handler of the raised signal has returned",
         .covers = {"handler_returns_before_raise"},
         .statement = "The raise() function sends a signal to the calling process or thread. ... If the signal "
                      "causes a handler to be called, raise() will return only after the signal handler has "
                      "returned.",
         .refs = {"raise(3)", "POSIX.1-2017 raise()"}, .cls = Conformance::posix) {
  InChild("child", [] {
    SetHandler(SIGUSR2, CountingHandler);
    EXPECT_EQ(raise(SIGUSR2), 0);
    EXPECT_EQ(g_handled.calls, 1) << "the SIGUSR2 handler should have run before raise() returned";
  });
}

}  // namespace
