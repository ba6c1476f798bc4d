// sem_wait(3) sem_trywait(), POSIX sem_trywait(): taking one from the value without waiting.
#include <semaphore.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_trywait, positive_value_taken,
         .title = "sem_trywait on a semaphore at 2 succeeds twice, taking one each time",
         .covers = {"decrements_when_positive"}) {
  SharedSem sem(2);
  ExpectReturnsWithin("two sem_trywait calls on a semaphore at 2", [&] {
    EXPECT_THAT(sem_trywait(sem.get()), SyscallSucceeds()) << "sem_trywait at value 2";
    EXPECT_EQ(ValueOf(sem.get()), 1) << "the value after one sem_trywait from 2";
    EXPECT_THAT(sem_trywait(sem.get()), SyscallSucceeds()) << "sem_trywait at value 1";
  });
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after two sem_trywait calls from 2";
}

IPC_CASE(posix_sem, sem_trywait, zero_value_fails_eagain,
         .title = "sem_trywait on a semaphore at 0 fails at once with EAGAIN and takes nothing from a later post",
         .covers = {"EAGAIN", "failure_leaves_value"}) {
  SharedSem sem(0);
  // Bounded: a sem_trywait that waited would block here for good.
  ExpectReturnsWithin("sem_trywait on a semaphore at 0",
                      [&] { EXPECT_THAT(sem_trywait(sem.get()), SyscallFailsWithErrno(EAGAIN)); });
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after the refused sem_trywait";
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  EXPECT_EQ(ValueOf(sem.get()), 1) << "a post after the refused sem_trywait: the failed call must take nothing";
}

}  // namespace
