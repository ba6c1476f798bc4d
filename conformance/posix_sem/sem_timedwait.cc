// sem_wait(3) sem_timedwait(), POSIX sem_timedwait(): waiting at zero until an absolute deadline.
#include <semaphore.h>
#include <signal.h>
#include <time.h>

#include <chrono>
#include <optional>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_timedwait, past_deadline_fails_etimedout_at_once,
         .title = "sem_timedwait at value 0 with a deadline long past fails at once with ETIMEDOUT, taking nothing",
         .covers = {"ETIMEDOUT", "expired_deadline_fails_at_once", "failure_leaves_value"}) {
  SharedSem sem(0);
  ExpectReturnsWithin("sem_timedwait at value 0 with a deadline one second after the Epoch",
                      [&] { EXPECT_THAT(sem_timedwait(sem.get(), &kLongPast), SyscallFailsWithErrno(ETIMEDOUT)); });
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after the timed-out call";
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  EXPECT_EQ(ValueOf(sem.get()), 1) << "a post after the timed-out sem_timedwait: the failed call must take nothing";
}

IPC_CASE(posix_sem, sem_timedwait, waits_until_deadline_then_etimedout,
         .title = "sem_timedwait at value 0 with a deadline 20 ms ahead fails with ETIMEDOUT, not before it",
         .covers = {"ETIMEDOUT", "waits_until_deadline"}) {
  SharedSem sem(0);
  ExpectReturnsWithin("sem_timedwait at value 0 with a deadline 20 ms ahead", [&] {
    const timespec deadline = RealtimeIn(20);
    EXPECT_THAT(sem_timedwait(sem.get(), &deadline), SyscallFailsWithErrno(ETIMEDOUT));
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    EXPECT_TRUE(NotBefore(now, deadline))
        << "sem_timedwait failed before its absolute CLOCK_REALTIME deadline was reached";
  });
}

IPC_CASE(posix_sem, sem_timedwait, invalid_tv_nsec_fails_einval,
         .title = "sem_timedwait that would wait, with tv_nsec 1000000000 or -1, fails with EINVAL",
         .covers = {"EINVAL"}) {
  SharedSem sem(0);
  ExpectReturnsWithin("sem_timedwait at value 0 with invalid deadlines", [&] {
    for (const long nsec : {1000000000L, -1L}) {
      timespec bad = RealtimeIn(1000);
      bad.tv_nsec = nsec;
      EXPECT_THAT(sem_timedwait(sem.get(), &bad), SyscallFailsWithErrno(EINVAL)) << "tv_nsec = " << nsec;
    }
  });
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after the refused calls";
}

IPC_CASE(posix_sem, sem_timedwait, available_value_ignores_past_deadline,
         .title = "sem_timedwait at value 1 with a deadline long past succeeds and takes the value",
         .covers = {"available_never_times_out"}) {
  SharedSem sem(1);
  ExpectReturnsWithin("sem_timedwait at value 1 with a deadline one second after the Epoch", [&] {
    EXPECT_THAT(sem_timedwait(sem.get(), &kLongPast), SyscallSucceeds())
        << "the semaphore can be locked at once, so the call may not time out";
  });
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after the successful sem_timedwait from 1";
}

IPC_CASE(posix_sem, sem_timedwait, available_value_ignores_invalid_timeout,
         .title = "sem_timedwait at value 1 with tv_nsec 1000000000 succeeds: the timeout is not checked",
         .covers = {"timeout_unchecked_when_available"}, .cls = Conformance::linux_specific) {
  SharedSem sem(1);
  ExpectReturnsWithin("sem_timedwait at value 1 with an invalid deadline", [&] {
    timespec bad = RealtimeIn(1000);
    bad.tv_nsec = 1000000000L;
    EXPECT_THAT(sem_timedwait(sem.get(), &bad), SyscallSucceeds())
        << "the value is 1, so the decrement can be made at once; sem_wait(3) says the validity of abs_timeout is "
           "not checked then";
  });
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after the sem_timedwait from 1";
}

IPC_CASE(posix_sem, sem_timedwait, post_before_deadline_ends_wait,
         .title = "a post before the deadline releases a blocked sem_timedwait, which succeeds",
         .covers = {"post_ends_wait"}) {
  SharedSem sem(0);
  Child waiter = Fork([&] {
    const timespec deadline = RealtimeIn(4000);
    EXPECT_THAT(sem_timedwait(sem.get(), &deadline), SyscallSucceeds())
        << "sem_timedwait with a deadline 4 s ahead, posted before it";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  if (!ExpectReleased(waiter, "the process blocked in sem_timedwait, after a post")) return;
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the released sem_timedwait should have taken the post";
}

IPC_CASE(posix_sem, sem_timedwait, deadline_is_on_clock_realtime,
         .title = "a deadline an hour ahead on CLOCK_MONOTONIC but long past on CLOCK_REALTIME times out at once",
         .covers = {"deadline_on_clock_realtime"}) {
  timespec mono{}, real{};
  IPCC_SETUP(clock_gettime(CLOCK_MONOTONIC, &mono));
  IPCC_SETUP(clock_gettime(CLOCK_REALTIME, &real));
  if (real.tv_sec < mono.tv_sec + 2 * 3600) {
    ThrowHarnessError("set-up: CLOCK_REALTIME is not at least two hours ahead of CLOCK_MONOTONIC, so a deadline "
                      "cannot tell the clocks apart");
  }
  const timespec deadline{mono.tv_sec + 3600, mono.tv_nsec};
  SharedSem sem(0);
  ExpectReturnsWithin("sem_timedwait at value 0 with a deadline one hour ahead on CLOCK_MONOTONIC", [&] {
    EXPECT_THAT(sem_timedwait(sem.get(), &deadline), SyscallFailsWithErrno(ETIMEDOUT))
        << "the deadline is long past on CLOCK_REALTIME, the clock it is measured on";
  });
}

IPC_CASE(posix_sem, sem_timedwait, handler_interrupts_with_eintr,
         .title = "a caught signal ends a sem_timedwait blocked at value 0 with EINTR before its deadline",
         .covers = {"EINTR"}) {
  SharedSem sem(0);
  Child waiter = Fork([&] {
    signals::SetHandler(SIGUSR1, NoteSignal, 0);
    const timespec deadline = RealtimeIn(4000);
    EXPECT_THAT(sem_timedwait(sem.get(), &deadline), SyscallFailsWithErrno(EINTR))
        << "sem_timedwait with a deadline 4 s ahead, interrupted by a SIGUSR1 handler";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  waiter.Signal(SIGUSR1);
  const std::optional<int> ended =
      ExpectEnds(waiter, "sem_timedwait after its SIGUSR1 handler ran", std::chrono::milliseconds(4500));
  if (!ended) return;
  ExpectCleanExit(*ended, "the interrupted sem_timedwait");
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after the interrupted call";
}

}  // namespace
