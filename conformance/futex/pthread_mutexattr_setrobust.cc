// pthread_mutexattr_setrobust(3), POSIX pthread_mutexattr_setrobust(): the robustness attribute and what a
// stalled mutex does when its owner dies.
#include <pthread.h>
#include <sys/syscall.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/futex.h"

namespace {

using namespace ipcc;
using namespace ipcc::futex;

IPC_CASE(futex, pthread_mutexattr_setrobust, invalid_robustness_fails_einval,
         .title = "pthread_mutexattr_setrobust with a value other than STALLED or ROBUST returns EINVAL",
         .covers = {"EINVAL"}) {
  pthread_mutexattr_t attr;
  ASSERT_THAT(pthread_mutexattr_init(&attr), ReturnsErrno(0));
  ScopedCleanup destroy([&] { pthread_mutexattr_destroy(&attr); });
  const int invalid = PTHREAD_MUTEX_STALLED + PTHREAD_MUTEX_ROBUST + 1;
  EXPECT_THAT(pthread_mutexattr_setrobust(&attr, invalid), ReturnsErrno(EINVAL)) << "robustness " << invalid;
  int robustness = -1;
  ASSERT_THAT(pthread_mutexattr_getrobust(&attr, &robustness), ReturnsErrno(0));
  EXPECT_EQ(robustness, PTHREAD_MUTEX_STALLED) << "the refused value should leave the default in the object";
}

IPC_CASE(futex, pthread_mutexattr_setrobust, stalled_owner_death_leaves_mutex_locked,
         .title = "a PTHREAD_MUTEX_STALLED mutex whose owner process died holding it stays locked: lock blocks",
         .covers = {"PTHREAD_MUTEX_STALLED"}) {
  SharedMutex m({PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_STALLED});
  EndHolding(m.get(), "the owner process, ending with the mutex locked");
  Child locker = Fork([&] {
    const int r = pthread_mutex_lock(m.get());
    ADD_FAILURE() << "pthread_mutex_lock of a stalled mutex whose owner died returned " << ErrnoName(r)
                  << " instead of blocking";
  });
  IPCC_ASSERT_BLOCKED(locker.pid(), SYS_futex);
  EXPECT_THAT(pthread_mutex_trylock(m.get()), ReturnsErrno(EBUSY)) << "the dead owner's lock is still held";
  locker.Kill();
}

}  // namespace
