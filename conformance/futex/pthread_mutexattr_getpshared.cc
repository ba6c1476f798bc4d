// pthread_mutexattr_getpshared(3), POSIX pthread_mutexattr_getpshared(): reading the process-shared
// attribute of a mutex attributes object.
#include <pthread.h>

#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;

IPC_CASE(futex, pthread_mutexattr_getpshared, default_is_private,
         .title = "a new mutex attributes object has the process-shared attribute PTHREAD_PROCESS_PRIVATE",
         .covers = {"default_is_private"}) {
  pthread_mutexattr_t attr;
  ASSERT_THAT(pthread_mutexattr_init(&attr), ReturnsErrno(0));
  ScopedCleanup destroy([&] { pthread_mutexattr_destroy(&attr); });
  int pshared = -1;
  ASSERT_THAT(pthread_mutexattr_getpshared(&attr, &pshared), ReturnsErrno(0));
  EXPECT_EQ(pshared, PTHREAD_PROCESS_PRIVATE) << "PTHREAD_PROCESS_PRIVATE is " << PTHREAD_PROCESS_PRIVATE
                                              << ", PTHREAD_PROCESS_SHARED " << PTHREAD_PROCESS_SHARED;
}

IPC_CASE(futex, pthread_mutexattr_getpshared, returns_value_set,
         .title = "pthread_mutexattr_getpshared returns 0 and the process-shared attribute last set",
         .covers = {"returns_value_set"}) {
  pthread_mutexattr_t attr;
  ASSERT_THAT(pthread_mutexattr_init(&attr), ReturnsErrno(0));
  ScopedCleanup destroy([&] { pthread_mutexattr_destroy(&attr); });
  for (const int value : {PTHREAD_PROCESS_SHARED, PTHREAD_PROCESS_PRIVATE}) {
    ASSERT_THAT(pthread_mutexattr_setpshared(&attr, value), ReturnsErrno(0)) << "setting " << value;
    int pshared = -1;
    EXPECT_THAT(pthread_mutexattr_getpshared(&attr, &pshared), ReturnsErrno(0));
    EXPECT_EQ(pshared, value) << "after pthread_mutexattr_setpshared(" << value << ")";
  }
}

}  // namespace
