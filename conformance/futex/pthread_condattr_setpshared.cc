// POSIX pthread_condattr_setpshared(): the values it refuses.
#include <pthread.h>

#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;

IPC_CASE(futex, pthread_condattr_setpshared, invalid_value_fails_einval,
         .title = "pthread_condattr_setpshared with a value other than PRIVATE or SHARED returns EINVAL",
         .covers = {"EINVAL"}) {
  pthread_condattr_t attr;
  ASSERT_THAT(pthread_condattr_init(&attr), ReturnsErrno(0));
  ScopedCleanup destroy([&] { pthread_condattr_destroy(&attr); });
  const int invalid = PTHREAD_PROCESS_PRIVATE + PTHREAD_PROCESS_SHARED + 1;
  EXPECT_THAT(pthread_condattr_setpshared(&attr, invalid), ReturnsErrno(EINVAL)) << "pshared " << invalid;
  int pshared = -1;
  ASSERT_THAT(pthread_condattr_getpshared(&attr, &pshared), ReturnsErrno(0));
  EXPECT_EQ(pshared, PTHREAD_PROCESS_PRIVATE) << "the refused value should leave the default in the object";
}

}  // namespace
