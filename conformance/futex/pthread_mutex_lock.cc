// pthread_mutex_lock(3) on process-shared robust mutexes, as pthread_mutexattr_setrobust(3),
// pthread_mutex_consistent(3) and POSIX pthread_mutexattr_getrobust() describe it: EOWNERDEAD after the
// owner's death (or execve), ENOTRECOVERABLE after an unlock without pthread_mutex_consistent.
#include <pthread.h>
#include <sys/syscall.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/futex.h"

namespace {

using namespace ipcc;
using namespace ipcc::futex;

IPC_CASE(futex, pthread_mutex_lock, robust_owner_death_returns_eownerdead,
         .title = "after the owner process of a robust mutex ended holding it, pthread_mutex_lock returns EOWNERDEAD",
         .covers = {"robust_owner_death_returns_eownerdead", "pthread_mutexattr_setrobust.PTHREAD_MUTEX_ROBUST"}) {
  SharedMutex m(RobustShared());
  EndHolding(m.get(), "the owner process, ending with the mutex locked");
  // Bounded: a mutex that stayed locked would block the locker for good.
  ExpectReturnsWithin("pthread_mutex_lock in another process after the owner's death", [&] {
    EXPECT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(EOWNERDEAD));
    EXPECT_THAT(pthread_mutex_trylock(m.get()), ReturnsErrno(EBUSY))
        << "EOWNERDEAD comes with the lock: the caller holds the mutex (a trylock of a robust mutex it holds is busy)";
  });
}

IPC_CASE(futex, pthread_mutex_lock, robust_blocked_waiter_gets_eownerdead,
         .title = "a process blocked locking a robust mutex gets it with EOWNERDEAD when the owner process dies",
         .covers = {"robust_waiter_gets_eownerdead"}) {
  SharedMutex m(RobustShared());
  Child owner = Fork([&] {
    ASSERT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(0)) << "the owner locking the mutex";
    CheckpointPost(0);
    CheckpointWait(1);  // then ends holding it
  });
  if (!AwaitCheckpoint(owner, 0)) return;
  Child waiter = Locker(m.get(), EOWNERDEAD, "the process waiting for the robust mutex");
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  CheckpointPost(1);
  ExpectCleanExit(owner.Wait(), "the owner process");
  ExpectReleased(waiter, "the process blocked in pthread_mutex_lock, after the owner died");
}

IPC_CASE(
    futex, pthread_mutex_lock, robust_unlock_without_consistent_gives_enotrecoverable,
    .title = "a robust mutex unlocked after EOWNERDEAD without pthread_mutex_consistent fails with ENOTRECOVERABLE",
    .covers = {"robust_unlocked_inconsistent_enotrecoverable"}) {
  SharedMutex m(RobustShared());
  EndHolding(m.get(), "the owner process, ending with the mutex locked");
  ExpectReturnsWithin("the next owner, unlocking without making the mutex consistent", [&] {
    ASSERT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(EOWNERDEAD));
    EXPECT_THAT(pthread_mutex_unlock(m.get()), ReturnsErrno(0)) << "unlocking the inconsistent mutex";
  });
  ExpectReturnsWithin("a later locker in another process", [&] {
    EXPECT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(ENOTRECOVERABLE));
    EXPECT_THAT(pthread_mutex_trylock(m.get()), ReturnsErrno(ENOTRECOVERABLE))
        << "every attempt to lock the unusable mutex fails so";
  });
}

IPC_CASE(
    futex, pthread_mutex_lock, robust_next_owner_death_gives_eownerdead_again,
    .title =
        "when the process that got EOWNERDEAD ends without making the mutex consistent, the next lock gets EOWNERDEAD",
    .covers = {"robust_eownerdead_again_when_next_owner_dies"}) {
  SharedMutex m(RobustShared());
  EndHolding(m.get(), "the first owner, ending with the mutex locked");
  EndHolding(m.get(), "the second owner, ending after EOWNERDEAD without consistent or unlock", EOWNERDEAD);
  ExpectReturnsWithin("a third locker", [&] { EXPECT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(EOWNERDEAD)); });
}

IPC_CASE(futex, pthread_mutex_lock, robust_owner_execve_gives_eownerdead,
         .title = "an owner of a process-shared robust mutex that execs without unlocking gives a waiter EOWNERDEAD",
         .covers = {"robust_owner_execve_gives_eownerdead"}, .cls = Conformance::linux_specific) {
  SharedMutex m(RobustShared());
  Child owner = Fork([&] {
    ASSERT_THAT(pthread_mutex_lock(m.get()), ReturnsErrno(0)) << "the owner locking the mutex";
    CheckpointPost(0);
    CheckpointWait(1);
    // The new program posts checkpoint 2 and stays until checkpoint 3: the process lives on.
    ExecFixture("futex-post-then-wait", {"2", "3"});
  });
  if (!AwaitCheckpoint(owner, 0)) return;
  Child waiter = Locker(m.get(), EOWNERDEAD, "the process waiting for the robust mutex", [&] {
    EXPECT_THAT(pthread_mutex_consistent(m.get()), ReturnsErrno(0));
    EXPECT_THAT(pthread_mutex_unlock(m.get()), ReturnsErrno(0));
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  CheckpointPost(1);
  // The owner's process still runs (its new program waits for checkpoint 3) when the waiter is released.
  ExpectReleased(waiter, "the process blocked in pthread_mutex_lock, after the owner's execve");
  CheckpointWait(2);  // the exec did happen: the new program runs
  CheckpointPost(3);
  ExpectCleanExit(owner.Wait(), "the owner process, running the exec'd program");
}

}  // namespace
