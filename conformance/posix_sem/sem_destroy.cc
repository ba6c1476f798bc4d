// sem_destroy(3), POSIX sem_destroy(): destroying an unnamed semaphore, and initialising its memory again.
#include <semaphore.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_destroy, semaphore_nobody_waits_on_destroyed,
         .title = "sem_destroy of a semaphore whose waiter has been released returns 0",
         .covers = {"unused_destroyed"}) {
  SharedSem sem(0);
  Child waiter = ForkSemWait(sem.get());
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  if (!ExpectReleased(waiter, "the waiter, released before the semaphore is destroyed")) return;
  EXPECT_THAT(sem_destroy(sem.get()), SyscallSucceedsWithValue(0))
      << "sem_destroy of an initialised semaphore nobody is blocked on any more";
  sem.ForgetSemaphore();
}

IPC_CASE(posix_sem, sem_destroy, memory_initialised_again_after_destroy,
         .title = "after sem_destroy, sem_init on the same memory gives a semaphore with the new value",
         .covers = {"reinit_after_destroy"}) {
  SharedPage<sem_t> sem;
  IPCC_SETUP(sem_init(sem.get(), 1, 2));
  ExpectReturnsWithin("sem_trywait of the first semaphore, at value 2",
                      [&] { EXPECT_THAT(sem_trywait(sem.get()), SyscallSucceeds()); });
  ASSERT_THAT(sem_destroy(sem.get()), SyscallSucceeds());
  ASSERT_THAT(sem_init(sem.get(), 1, 0), SyscallSucceeds()) << "sem_init on the memory of the destroyed semaphore";
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value of the semaphore initialised again with 0, not the old 1";
  ExpectReturnsWithin("sem_trywait of the new semaphore, at value 0", [&] {
    EXPECT_THAT(sem_trywait(sem.get()), SyscallFailsWithErrno(EAGAIN)) << "a decrement of the new semaphore at 0";
  });
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  EXPECT_EQ(ValueOf(sem.get()), 1) << "the new semaphore after one post";
  sem_destroy(sem.get());
}

}  // namespace
