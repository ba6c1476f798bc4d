// sem_getvalue(3), POSIX sem_getvalue(): reading the value.
#include <semaphore.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

// sem_getvalue(sem) expected to return 0 with `expected` in *sval; `when` says at which point.
void ExpectGetvalue(sem_t* sem, int expected, const char* when) {
  int value = -12345;
  EXPECT_THAT(sem_getvalue(sem, &value), SyscallSucceedsWithValue(0)) << "sem_getvalue " << when;
  EXPECT_EQ(value, expected) << "*sval " << when;
}

IPC_CASE(posix_sem, sem_getvalue, reports_current_value,
         .title = "sem_getvalue returns 0 and gives the value as initialised, posted and taken",
         .covers = {"reports_value"}) {
  SharedSem sem(3);
  ExpectGetvalue(sem.get(), 3, "after sem_init with value 3");
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  ExpectGetvalue(sem.get(), 4, "after one sem_post");
  ExpectReturnsWithin("two sem_trywait calls at value 4", [&] {
    EXPECT_THAT(sem_trywait(sem.get()), SyscallSucceeds());
    EXPECT_THAT(sem_trywait(sem.get()), SyscallSucceeds());
  });
  ExpectGetvalue(sem.get(), 2, "after two sem_trywait calls");
}

IPC_CASE(posix_sem, sem_getvalue, does_not_change_value,
         .title = "sem_getvalue takes nothing: after three calls at 2, two decrements go through and a third does not",
         .covers = {"leaves_value"}) {
  SharedSem sem(2);
  for (int i = 0; i < 3; ++i) ExpectGetvalue(sem.get(), 2, "at value 2");
  ExpectReturnsWithin("three sem_trywait calls after the sem_getvalue calls", [&] {
    EXPECT_THAT(sem_trywait(sem.get()), SyscallSucceeds()) << "the first decrement from 2";
    EXPECT_THAT(sem_trywait(sem.get()), SyscallSucceeds()) << "the second decrement from 2";
    EXPECT_THAT(sem_trywait(sem.get()), SyscallFailsWithErrno(EAGAIN)) << "a third decrement, at 0";
  });
}

IPC_CASE(posix_sem, sem_getvalue, zero_while_processes_wait,
         .title = "with two processes blocked in sem_wait, sem_getvalue reports 0, not -2",
         .covers = {"zero_while_waiters"}, .cls = Conformance::linux_specific) {
  SharedSem sem(0);
  Child a = ForkSemWait(sem.get());
  IPCC_ASSERT_BLOCKED(a.pid(), IPCC_SEM_WAIT_SYSCALLS);
  Child b = ForkSemWait(sem.get());
  IPCC_ASSERT_BLOCKED(b.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ExpectGetvalue(sem.get(), 0, "while two processes wait in sem_wait (Linux reports 0, not minus the waiters)");
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  ExpectReleased(a, "waiter a, after two posts");
  ExpectReleased(b, "waiter b, after two posts");
}

}  // namespace
