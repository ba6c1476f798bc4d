// pthread_mutexattr_getrobust(3), POSIX pthread_mutexattr_getrobust(): reading the robustness attribute.
#include <pthread.h>

#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;

IPC_CASE(futex, pthread_mutexattr_getrobust, default_is_stalled,
         .title = "a new mutex attributes object has the robustness PTHREAD_MUTEX_STALLED",
         .covers = {"default_is_stalled"}) {
  pthread_mutexattr_t attr;
  ASSERT_THAT(pthread_mutexattr_init(&attr), ReturnsErrno(0));
  ScopedCleanup destroy([&] { pthread_mutexattr_destroy(&attr); });
  int robustness = -1;
  ASSERT_THAT(pthread_mutexattr_getrobust(&attr, &robustness), ReturnsErrno(0));
  EXPECT_EQ(robustness, PTHREAD_MUTEX_STALLED)
      << "PTHREAD_MUTEX_STALLED is " << PTHREAD_MUTEX_STALLED << ", PTHREAD_MUTEX_ROBUST " << PTHREAD_MUTEX_ROBUST;
}

IPC_CASE(futex, pthread_mutexattr_getrobust, returns_value_set,
         .title = "pthread_mutexattr_getrobust returns 0 and the robustness last set",
         .covers = {"returns_value_set"}) {
  pthread_mutexattr_t attr;
  ASSERT_THAT(pthread_mutexattr_init(&attr), ReturnsErrno(0));
  ScopedCleanup destroy([&] { pthread_mutexattr_destroy(&attr); });
  for (const int value : {PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_STALLED}) {
    ASSERT_THAT(pthread_mutexattr_setrobust(&attr, value), ReturnsErrno(0)) << "setting " << value;
    int robustness = -1;
    EXPECT_THAT(pthread_mutexattr_getrobust(&attr, &robustness), ReturnsErrno(0));
    EXPECT_EQ(robustness, value) << "after pthread_mutexattr_setrobust(" << value << ")";
  }
}

}  // namespace
