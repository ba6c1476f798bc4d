// pthread_mutex_consistent(3), POSIX pthread_mutex_consistent(): making a robust mutex usable again after
// its owner died, and the mutexes it refuses.
#include <pthread.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/futex.h"

namespace {

using namespace ipcc;
using namespace ipcc::futex;

IPC_CASE(
    futex, pthread_mutex_consistent, consistent_then_unlock_makes_mutex_usable,
    .title = "after EOWNERDEAD, pthread_mutex_consistent and unlock leave the mutex usable: the next lock returns 0",
    .covers = {"makes_mutex_usable_again"}) {
  SharedMutex m(RobustShared());
  EndHolding(m.get(), "the owner process, ending with the mutex locked");
  ExpectReturnsWithin("the next owner, recovering the mutex", [&] {
    ASSERT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(EOWNERDEAD));
    EXPECT_THAT(pthread_mutex_consistent(m.get()), ReturnsErrno(0));
    EXPECT_THAT(pthread_mutex_unlock(m.get()), ReturnsErrno(0));
  });
  ExpectReturnsWithin("a later locker in another process", [&] {
    EXPECT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(0)) << "the recovered mutex should lock normally";
    EXPECT_THAT(pthread_mutex_unlock(m.get()), ReturnsErrno(0));
  });
}

IPC_CASE(futex, pthread_mutex_consistent, consistent_robust_mutex_fails_einval,
         .title = "pthread_mutex_consistent on a locked robust mutex that is not inconsistent returns EINVAL",
         .covers = {"EINVAL"}) {
  SharedMutex m({PTHREAD_PROCESS_PRIVATE, PTHREAD_MUTEX_ROBUST});
  ASSERT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(0)) << "an ordinary lock of a robust mutex";
  EXPECT_THAT(pthread_mutex_consistent(m.get()), ReturnsErrno(EINVAL)) << "the mutex protects no inconsistent state";
  EXPECT_THAT(pthread_mutex_unlock(m.get()), ReturnsErrno(0));
}

IPC_CASE(futex, pthread_mutex_consistent, non_robust_mutex_fails_einval,
         .title = "pthread_mutex_consistent on a locked mutex that is not robust returns EINVAL",
         .covers = {"EINVAL"}) {
  SharedMutex m({PTHREAD_PROCESS_PRIVATE, PTHREAD_MUTEX_STALLED});
  ASSERT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(0));
  EXPECT_THAT(pthread_mutex_consistent(m.get()), ReturnsErrno(EINVAL)) << "a PTHREAD_MUTEX_STALLED mutex";
  EXPECT_THAT(pthread_mutex_unlock(m.get()), ReturnsErrno(0));
}

}  // namespace
