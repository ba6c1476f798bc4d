// pthread_kill(3): a signal directed to one thread of the calling process.
#include <pthread.h>
#include <signal.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

IPC_CASE(signal, pthread_kill, targets_thread,
         .title = "pthread_kill delivers the signal to the thread named, not to another thread",
         .covers = {"signals_named_thread"},
         .statement = "The pthread_kill() function sends the signal sig to thread, a thread in the same "
                      "process as the caller. The signal is asynchronously directed to thread.",
         .refs = {"pthread_kill(3)", "signal(7) process-directed and thread-directed signals",
                  "POSIX.1-2017 pthread_kill()"},
         .cls = Conformance::posix) {
  InChild("child with two threads", [] {
    // SIGUSR1 is unblocked in both threads.
    const int tag = ThreadThatHandled({}, [](pthread_t target) {
      const int rc = pthread_kill(target, SIGUSR1);
      EXPECT_THAT(rc, ReturnsErrno(0)) << "pthread_kill";
      return rc == 0;
    });
    ASSERT_NE(tag, 0) << "the SIGUSR1 handler did not run within 5 s of pthread_kill()";
    EXPECT_EQ(tag, 2) << "the handler should run in the target thread (tag 2), but it ran in the sending main thread";
  });
}

}  // namespace
