// pthread_cond_wait on a process-shared condition variable (POSIX pthread_condattr_setpshared()): waiters
// in one process, signal and broadcast from another.
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>

#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/futex.h"

namespace {

using namespace ipcc;
using namespace ipcc::futex;

// Locks the shared mutex, bounded: waiters that kept it while asleep would otherwise block this process for
// good. False (with the errno named) when it could not be had within kReturnBound.
bool LockWithin(const SharedCondition& shared) {
  const timespec deadline = In(CLOCK_REALTIME, kReturnBound);
  const int r = pthread_mutex_timedlock(shared.mutex(), &deadline);
  EXPECT_THAT(r, ReturnsErrno(0)) << "pthread_mutex_timedlock of the shared mutex";
  return r == 0;
}

IPC_CASE(futex, pthread_cond_wait, pshared_signal_wakes_waiter_in_other_process,
         .title = "pthread_cond_signal in one process wakes a process blocked in pthread_cond_wait on a shared condvar",
         .covers = {"pshared_signal_wakes_other_process", "pthread_condattr_setpshared.PTHREAD_PROCESS_SHARED"}) {
  SharedCondition shared;
  Child waiter = Fork([&] { shared.WaitUntilReady("the process waiting on the condition variable"); });
  // Nobody holds the mutex: the only wait the child can be in is pthread_cond_wait.
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  ASSERT_TRUE(LockWithin(shared)) << "the waiter's pthread_cond_wait should have released the shared mutex";
  shared.ready() = 1;
  EXPECT_THAT(pthread_cond_signal(shared.cond()), ReturnsErrno(0));
  ASSERT_THAT(pthread_mutex_unlock(shared.mutex()), ReturnsErrno(0));
  ExpectReleased(waiter, "the process blocked in pthread_cond_wait, after pthread_cond_signal");
}

IPC_CASE(futex, pthread_cond_wait, pshared_broadcast_wakes_waiters_in_two_processes,
         .title = "pthread_cond_broadcast wakes the waiters of two other processes on a process-shared condvar",
         .covers = {"pshared_broadcast_wakes_every_process"}) {
  SharedCondition shared;
  // One after the other, so that each is seen asleep in pthread_cond_wait (the mutex is free meanwhile).
  std::vector<Child> waiters;
  for (const char* who : {"the first waiting process", "the second waiting process"}) {
    waiters.push_back(Fork([&shared, who] { shared.WaitUntilReady(who); }));
    IPCC_ASSERT_BLOCKED(waiters.back().pid(), SYS_futex);
  }
  ASSERT_TRUE(LockWithin(shared)) << "the waiters' pthread_cond_wait should have released the shared mutex";
  shared.ready() = 1;
  EXPECT_THAT(pthread_cond_broadcast(shared.cond()), ReturnsErrno(0));
  ASSERT_THAT(pthread_mutex_unlock(shared.mutex()), ReturnsErrno(0));
  for (Child& w : waiters) ExpectReleased(w, "a process blocked in pthread_cond_wait, after pthread_cond_broadcast");
}

}  // namespace
