// sem_post(3), POSIX sem_post(): raising the value, and which waiter a post lets through.
#include <sched.h>
#include <semaphore.h>
#include <signal.h>

#include <optional>
#include <string>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_post, increments_by_one, .title = "each sem_post with nobody waiting raises the value by one",
         .covers = {"increments_value"}) {
  sem_t sem;
  IPCC_SETUP(sem_init(&sem, 0, 0));
  for (int expected = 1; expected <= 3; ++expected) {
    ASSERT_THAT(sem_post(&sem), SyscallSucceeds());
    EXPECT_EQ(ValueOf(&sem), expected) << "the value after post number " << expected;
  }
  sem_destroy(&sem);
}

IPC_CASE(posix_sem, sem_post, at_sem_value_max_fails_eoverflow,
         .title = "a post can take the value to SEM_VALUE_MAX; the next fails with EOVERFLOW and changes nothing",
         .covers = {"EOVERFLOW", "SEM_VALUE_MAX", "failure_leaves_value"}, .cls = Conformance::linux_specific) {
  sem_t sem;
  IPCC_SETUP(sem_init(&sem, 0, static_cast<unsigned>(SEM_VALUE_MAX) - 1U));
  ASSERT_THAT(sem_post(&sem), SyscallSucceeds()) << "the post from SEM_VALUE_MAX - 1 to SEM_VALUE_MAX";
  ASSERT_EQ(ValueOf(&sem), SEM_VALUE_MAX) << "the value after the post from SEM_VALUE_MAX - 1";
  EXPECT_THAT(sem_post(&sem), SyscallFailsWithErrno(EOVERFLOW)) << "a post at SEM_VALUE_MAX (" << SEM_VALUE_MAX << ")";
  EXPECT_EQ(ValueOf(&sem), SEM_VALUE_MAX) << "the failed post must leave the value at SEM_VALUE_MAX";
  sem_destroy(&sem);
}

IPC_CASE(posix_sem, sem_post, one_post_releases_one_waiter,
         .title = "of two processes waiting at value 0, one post lets exactly one through, a second the other",
         .covers = {"wakes_one_waiter"}) {
  SharedSem sem(0);
  Pipe done = MakePipe();
  Child a = ForkTaggedSemWait(sem.get(), done.w.get(), 'a');
  IPCC_ASSERT_BLOCKED(a.pid(), IPCC_SEM_WAIT_SYSCALLS);
  Child b = ForkTaggedSemWait(sem.get(), done.w.get(), 'b');
  IPCC_ASSERT_BLOCKED(b.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  const std::optional<char> first = NextReleased(done.r.get());
  ASSERT_TRUE(first.has_value()) << "no waiter went through within " << kReturnBound.count() << " ms of the post";
  Child& other = *first == 'a' ? b : a;
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the waiter that went through took the one post";
  IPCC_ASSERT_BLOCKED(other.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  const std::optional<char> second = NextReleased(done.r.get());
  ASSERT_TRUE(second.has_value()) << "the second post released nobody within " << kReturnBound.count() << " ms";
  EXPECT_NE(*second, *first) << "each waiter goes through once";
  ExpectCleanExit(a.Wait(), "waiter a");
  ExpectCleanExit(b.Wait(), "waiter b");
  EXPECT_EQ(ValueOf(sem.get()), 0) << "two posts, two waiters through: nothing may be left over";
}

sem_t* g_post_in_handler = nullptr;
void PostFromHandler(int) {
  sem_post(g_post_in_handler);
}

IPC_CASE(posix_sem, sem_post, post_in_signal_handler_wakes_waiter,
         .title = "a sem_post made in a signal handler lets a process waiting on the semaphore through",
         .covers = {"async_signal_safe"}) {
  SharedSem sem(0);
  Child poster = Fork([&] {
    g_post_in_handler = sem.get();
    signals::Block({SIGUSR1});
    signals::SetHandler(SIGUSR1, PostFromHandler);
    CheckpointPost(0);  // the handler is in place; SIGUSR1 stays blocked until sigsuspend
    sigset_t none;
    sigemptyset(&none);
    sigsuspend(&none);
  });
  if (!AwaitCheckpoint(poster, 0)) return;
  Child waiter = ForkSemWait(sem.get());
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  poster.Signal(SIGUSR1);
  ExpectReleased(waiter, "the process blocked in sem_wait, after another process posted in its SIGUSR1 handler");
  ExpectCleanExit(poster.Wait(), "the process posting from its handler");
}

// The scheduling policy of a waiter: SCHED_FIFO at `priority` (set-up in the forked waiter).
std::function<void()> Fifo(int priority) {
  return [priority] {
    sched_param param{};
    param.sched_priority = priority;
    if (sched_setscheduler(0, SCHED_FIFO, &param) != 0) {
      ThrowHarnessError(fmt::format("set-up: sched_setscheduler(SCHED_FIFO, {}): {}", priority, ErrnoName(errno)));
    }
  };
}

IPC_CASE(posix_sem, sem_post, highest_priority_waiter_released_first,
         .title = "with two SCHED_FIFO waiters, a post releases the higher-priority one, though it came second",
         .covers = {"highest_priority_waiter_first"},
         .needs = IPCC_NEED_CAPABILITY(CAP_SYS_NICE) | need::Feature("sched_fifo")) {
  SharedSem sem(0);
  Pipe done = MakePipe();
  Child low = ForkTaggedSemWait(sem.get(), done.w.get(), 'L', Fifo(10));
  IPCC_ASSERT_BLOCKED(low.pid(), IPCC_SEM_WAIT_SYSCALLS);
  Child high = ForkTaggedSemWait(sem.get(), done.w.get(), 'H', Fifo(20));
  IPCC_ASSERT_BLOCKED(high.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  const std::optional<char> first = NextReleased(done.r.get());
  ASSERT_TRUE(first.has_value()) << "no waiter went through within " << kReturnBound.count() << " ms of the post";
  EXPECT_EQ(*first, 'H') << "the post should release the SCHED_FIFO priority 20 waiter (H), not the priority 10 one "
                            "(L) that had waited longer";
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  EXPECT_TRUE(NextReleased(done.r.get()).has_value()) << "the second post should release the other waiter";
  ExpectCleanExit(low.Wait(), "the priority 10 waiter");
  ExpectCleanExit(high.Wait(), "the priority 20 waiter");
}

IPC_CASE(posix_sem, sem_post, longest_waiter_of_equal_priority_released_first,
         .title = "with two SCHED_FIFO waiters of equal priority, a post releases the one that waited longer",
         .covers = {"longest_waiter_of_equal_priority_first"},
         .needs = IPCC_NEED_CAPABILITY(CAP_SYS_NICE) | need::Feature("sched_fifo")) {
  SharedSem sem(0);
  Pipe done = MakePipe();
  Child earlier = ForkTaggedSemWait(sem.get(), done.w.get(), 'E', Fifo(10));
  IPCC_ASSERT_BLOCKED(earlier.pid(), IPCC_SEM_WAIT_SYSCALLS);
  Child later = ForkTaggedSemWait(sem.get(), done.w.get(), 'L', Fifo(10));
  IPCC_ASSERT_BLOCKED(later.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  const std::optional<char> first = NextReleased(done.r.get());
  ASSERT_TRUE(first.has_value()) << "no waiter went through within " << kReturnBound.count() << " ms of the post";
  EXPECT_EQ(*first, 'E') << "the post should release the waiter that started waiting first (E), not the later one (L)";
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  EXPECT_TRUE(NextReleased(done.r.get()).has_value()) << "the second post should release the other waiter";
  ExpectCleanExit(earlier.Wait(), "the earlier waiter");
  ExpectCleanExit(later.Wait(), "the later waiter");
}

}  // namespace
