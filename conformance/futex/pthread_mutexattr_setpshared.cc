// pthread_mutexattr_setpshared(3posix), pthread_mutexattr_getpshared(3): the process-shared attribute of
// mutexes, and what a private and a process-shared mutex synchronise.
#include <pthread.h>
#include <sys/syscall.h>

#include <chrono>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/futex.h"

namespace {

using namespace ipcc;
using namespace ipcc::futex;

IPC_CASE(futex, pthread_mutexattr_setpshared, invalid_value_fails_einval,
         .title = "pthread_mutexattr_setpshared with a value other than PRIVATE or SHARED returns EINVAL",
         .covers = {"EINVAL"}) {
  pthread_mutexattr_t attr;
  ASSERT_THAT(pthread_mutexattr_init(&attr), ReturnsErrno(0));
  ScopedCleanup destroy([&] { pthread_mutexattr_destroy(&attr); });
  const int invalid = PTHREAD_PROCESS_PRIVATE + PTHREAD_PROCESS_SHARED + 1;
  EXPECT_THAT(pthread_mutexattr_setpshared(&attr, invalid), ReturnsErrno(EINVAL)) << "pshared " << invalid;
  int pshared = -1;
  ASSERT_THAT(pthread_mutexattr_getpshared(&attr, &pshared), ReturnsErrno(0));
  EXPECT_EQ(pshared, PTHREAD_PROCESS_PRIVATE) << "the refused value should leave the default in the object";
}

IPC_CASE(futex, pthread_mutexattr_setpshared, shared_mutex_held_in_one_process_blocks_another,
         .title = "a PTHREAD_PROCESS_SHARED mutex locked by one child blocks another process's lock until unlocked",
         .covers = {"PTHREAD_PROCESS_SHARED"}) {
  SharedMutex m({PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_STALLED});
  Child holder = Fork([&] {
    ASSERT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(0)) << "the holder locking the mutex";
    CheckpointPost(0);
    CheckpointWait(1);
    EXPECT_THAT(pthread_mutex_unlock(m.get()), ReturnsErrno(0)) << "the holder unlocking the mutex";
  });
  if (!AwaitCheckpoint(holder, 0)) return;
  Child locker = Locker(m.get(), 0, "the process locking the held mutex",
                        [&] { EXPECT_THAT(pthread_mutex_unlock(m.get()), ReturnsErrno(0)); });
  IPCC_ASSERT_BLOCKED(locker.pid(), SYS_futex);
  CheckpointPost(1);
  ExpectCleanExit(holder.Wait(), "the holder process");
  ExpectReleased(locker, "the process blocked in pthread_mutex_lock, after the holder unlocked");
}

IPC_CASE(futex, pthread_mutexattr_setpshared, private_mutex_blocks_other_thread,
         .title = "a PTHREAD_PROCESS_PRIVATE mutex locked by one thread blocks another thread until unlocked",
         .covers = {"PTHREAD_PROCESS_PRIVATE"}) {
  // In a child of its own, so that a thread left blocked on a deviating system ends with it.
  Child process = Fork([] {
    pthread_mutexattr_t attr;
    ASSERT_THAT(pthread_mutexattr_init(&attr), ReturnsErrno(0));
    ASSERT_THAT(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_PRIVATE), ReturnsErrno(0));
    pthread_mutex_t m;
    ASSERT_THAT(pthread_mutex_init(&m, &attr), ReturnsErrno(0));
    pthread_mutexattr_destroy(&attr);
    ASSERT_THAT(pthread_mutex_lock(&m), ReturnsErrno(0)) << "the first thread locking the mutex";
    Thread second([&] {
      EXPECT_THAT(pthread_mutex_lock(&m), ReturnsErrno(0)) << "the second thread locking the mutex";
      EXPECT_THAT(pthread_mutex_unlock(&m), ReturnsErrno(0)) << "the second thread unlocking it";
    });
    if (!AwaitBlocked(second.tid(), "the second thread in pthread_mutex_lock")) return;
    EXPECT_THAT(pthread_mutex_unlock(&m), ReturnsErrno(0)) << "the first thread unlocking the mutex";
    EXPECT_TRUE(second.Join())
        << "the second thread should get the mutex once it is unlocked, but it was still blocked";
  });
  ExpectCleanExit(process.Wait(std::chrono::milliseconds(9000)), "the process whose threads share the mutex");
}

}  // namespace
