// sem_wait(3), POSIX sem_wait() (sem_trywait(3posix)): taking one from the value, waiting at zero.
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <optional>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_wait, positive_value_taken_at_once,
         .title = "sem_wait on a semaphore at 2 returns at once and leaves 1",
         .covers = {"decrements_at_once_when_positive"}) {
  SharedSem sem(2);
  ExpectReturnsWithin("sem_wait on a semaphore at 2", [&] { EXPECT_THAT(sem_wait(sem.get()), SyscallSucceeds()); });
  EXPECT_EQ(ValueOf(sem.get()), 1) << "the value after one sem_wait from 2";
}

IPC_CASE(posix_sem, sem_wait, blocks_at_zero_until_post,
         .title = "sem_wait on a semaphore at 0 blocks until another process posts, then takes the post",
         .covers = {"blocks_at_zero_until_post"}) {
  SharedSem sem(0);
  Child waiter = ForkSemWait(sem.get());
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value while the process waits";
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  if (!ExpectReleased(waiter, "the process blocked in sem_wait at value 0, after a post")) return;
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the released sem_wait should have taken the post";
}

IPC_CASE(posix_sem, sem_wait, handler_without_sa_restart_fails_eintr,
         .title = "a caught signal without SA_RESTART ends a blocked sem_wait with EINTR; it takes no later post",
         .covers = {"EINTR", "failure_leaves_value"}) {
  SharedSem sem(0);
  Child waiter = Fork([&] {
    signals::SetHandler(SIGUSR1, NoteSignal, 0);
    EXPECT_THAT(sem_wait(sem.get()), SyscallFailsWithErrno(EINTR))
        << "sem_wait at value 0 interrupted by a SIGUSR1 handler installed without SA_RESTART";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  waiter.Signal(SIGUSR1);
  const std::optional<int> ended = ExpectEnds(waiter, "sem_wait after its SIGUSR1 handler ran (still waiting?)");
  if (!ended) return;
  ExpectCleanExit(*ended, "the interrupted sem_wait");
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after the interrupted sem_wait";
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  EXPECT_EQ(ValueOf(sem.get()), 1) << "a post after the interrupted sem_wait: the failed call must take nothing";
}

int g_handled_fd = -1;
void WriteHandled(int) {
  const char c = 'h';
  (void)!write(g_handled_fd, &c, 1);
}

IPC_CASE(posix_sem, sem_wait, sa_restart_handler_resumes_wait,
         .title = "a caught signal with SA_RESTART does not end a blocked sem_wait: it waits on until a post",
         .covers = {"restarted_with_sa_restart"}, .cls = Conformance::linux_specific) {
  SharedSem sem(0);
  Pipe handled = MakePipe();
  Child waiter = Fork([&] {
    g_handled_fd = handled.w.get();
    signals::SetHandler(SIGUSR1, WriteHandled, SA_RESTART);
    EXPECT_THAT(sem_wait(sem.get()), SyscallSucceeds())
        << "sem_wait interrupted by a SIGUSR1 handler installed with SA_RESTART, then posted";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  waiter.Signal(SIGUSR1);
  // The signal is the system's to deliver: a handler that never runs is a deviation (FAIL), not set-up.
  if (!ReadableWithin(handled.r.get(), kReturnBound)) {
    ADD_FAILURE() << "expected the waiter's SIGUSR1 handler to run within " << kReturnBound.count()
                  << " ms of kill(SIGUSR1), but it did not";
    return;
  }
  // Back asleep after the handler: a wait that failed with EINTR instead would end the process here.
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  ExpectReleased(waiter, "the sem_wait restarted after its SA_RESTART handler, after a post");
}

}  // namespace
