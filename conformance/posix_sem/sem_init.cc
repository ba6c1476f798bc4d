// sem_init(3), POSIX sem_init(): unnamed semaphores, shared by threads or, in shared memory, by processes.
#include <pthread.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"
#include "harness/caselib/ipc/posix_shm.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_init, starts_at_given_value,
         .title = "sem_init with value 3 returns 0; three decrements go through and the fourth does not",
         .covers = {"initial_value"}) {
  SharedPage<sem_t> sem;
  EXPECT_THAT(sem_init(sem.get(), 1, 3), SyscallSucceedsWithValue(0)) << "sem_init(pshared 1, value 3)";
  ExpectReturnsWithin("four sem_trywait calls on the new semaphore", [&] {
    for (int i = 1; i <= 3; ++i) EXPECT_THAT(sem_trywait(sem.get()), SyscallSucceeds()) << "decrement " << i;
    EXPECT_THAT(sem_trywait(sem.get()), SyscallFailsWithErrno(EAGAIN)) << "a fourth decrement from the value 3";
  });
  sem_destroy(sem.get());
}

IPC_CASE(posix_sem, sem_init, value_above_max_fails_einval,
         .title = "sem_init with a value above SEM_VALUE_MAX fails with EINVAL, thread- or process-shared",
         .covers = {"EINVAL"}) {
  sem_t sem;
  const unsigned above = static_cast<unsigned>(SEM_VALUE_MAX) + 1U;
  for (const int pshared : {0, 1}) {
    EXPECT_THAT(sem_init(&sem, pshared, above), SyscallFailsWithErrno(EINVAL))
        << "sem_init(pshared " << pshared << ", SEM_VALUE_MAX + 1 = " << above << ")";
  }
}

IPC_CASE(posix_sem, sem_init, value_sem_value_max_accepted,
         .title = "sem_init accepts SEM_VALUE_MAX itself as the initial value", .covers = {"SEM_VALUE_MAX"}) {
  sem_t sem;
  ASSERT_THAT(sem_init(&sem, 0, static_cast<unsigned>(SEM_VALUE_MAX)), SyscallSucceeds())
      << "sem_init with value SEM_VALUE_MAX (" << SEM_VALUE_MAX << ")";
  EXPECT_EQ(ValueOf(&sem), SEM_VALUE_MAX) << "the initial value";
  sem_destroy(&sem);
}

struct ThreadWait {
  sem_t* sem;
  int started_fd;
  int result = -2;
  int err = 0;
};

void* WaitInThread(void* p) {
  auto* w = static_cast<ThreadWait*>(p);
  const pid_t tid = gettid();
  if (write(w->started_fd, &tid, sizeof tid) != static_cast<ssize_t>(sizeof tid)) return nullptr;
  w->result = sem_wait(w->sem);
  w->err = errno;
  return nullptr;
}

IPC_CASE(posix_sem, sem_init, thread_shared_post_wakes_other_thread,
         .title = "a pshared 0 semaphore: a thread blocked in sem_wait is woken by another thread's post",
         .covers = {"thread_shared"}) {
  InChild("a process whose two threads share the semaphore", [&] {
    sem_t sem;
    ASSERT_THAT(sem_init(&sem, 0, 0), SyscallSucceeds()) << "sem_init(pshared 0, value 0)";
    Pipe started = MakePipe();
    ThreadWait wait{&sem, started.w.get()};
    pthread_t thread;
    if (pthread_create(&thread, nullptr, WaitInThread, &wait) != 0) ThrowHarnessError("set-up: pthread_create");
    pid_t tid = 0;
    if (!ReadableWithin(started.r.get(), kReturnBound) || read(started.r.get(), &tid, sizeof tid) != sizeof tid) {
      ThrowHarnessError("the waiting thread did not start");
    }
    IPCC_ASSERT_BLOCKED(tid, IPCC_SEM_WAIT_SYSCALLS);
    ASSERT_THAT(sem_post(&sem), SyscallSucceeds()) << "the post of the main thread";
    const timespec deadline = RealtimeIn(kReturnBound.count());
    const int joined = pthread_timedjoin_np(thread, nullptr, &deadline);
    // Still blocked at the bound: the thread stays behind and goes with this process.
    ASSERT_THAT(joined, ReturnsErrno(0)) << "the thread blocked in sem_wait should end soon after the post";
    EXPECT_EQ(wait.result, 0) << "the thread's sem_wait, woken by the post, failed with " << ErrnoName(wait.err);
    sem_destroy(&sem);
  });
}

// Two process-shared semaphores, both at 0: `down` for the case process's post to a child, `up` for the
// child's post back.
struct SemPair {
  sem_t* down = nullptr;
  sem_t* up = nullptr;
};
// `at` (the start of shared memory, room for two sem_t) as two semaphores.
SemPair PairAt(void* at) {
  auto* sems = static_cast<sem_t*>(at);
  return {&sems[0], &sems[1]};
}

// Initialises both semaphores of `mine` (pshared 1, value 0), then checks they are shared with a forked
// child both ways: the child, through the view `child_view` gives it (a failure it recorded: nullptr in
// `down`), must block in sem_wait until the case process posts `down`, then posts `up`, which the case
// process must take in a bounded sem_timedwait.
void ExpectSharedWithChild(SemPair mine, const std::function<SemPair()>& child_view, const std::string& how) {
  ASSERT_THAT(sem_init(mine.down, 1, 0), SyscallSucceeds()) << "sem_init(pshared 1) in " << how;
  ASSERT_THAT(sem_init(mine.up, 1, 0), SyscallSucceeds()) << "sem_init(pshared 1) in " << how;
  const ScopedCleanup destroy([&] {
    sem_destroy(mine.down);
    sem_destroy(mine.up);
  });
  Child child = Fork([&] {
    const SemPair view = child_view();
    if (view.down == nullptr) return;
    EXPECT_THAT(sem_wait(view.down), SyscallSucceeds()) << "the child's sem_wait through " << how;
    EXPECT_THAT(sem_post(view.up), SyscallSucceeds()) << "the child's sem_post through " << how;
  });
  IPCC_ASSERT_BLOCKED(child.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(mine.down), SyscallSucceeds()) << "the case process's post";
  const timespec deadline = RealtimeIn(kReturnBound.count());
  EXPECT_THAT(sem_timedwait(mine.up, &deadline), SyscallSucceeds())
      << "the case process waiting for the child's post back through " << how;
  ExpectCleanExit(child.Wait(), "the child sharing the semaphores");
}

IPC_CASE(posix_sem, sem_init, pshared_in_anonymous_shared_mapping,
         .title = "pshared semaphores in an anonymous MAP_SHARED mapping work between parent and forked child",
         .covers = {"pshared_anonymous_shared_mapping"}) {
  const posix_shm::Mapping page = posix_shm::MapAnonymous(PageSize(), MAP_SHARED);
  const SemPair sems = PairAt(page.get());
  ExpectSharedWithChild(
      sems, [&] { return sems; }, "an anonymous MAP_SHARED mapping inherited across fork");
}

IPC_CASE(posix_sem, sem_init, pshared_in_sysv_segment,
         .title = "pshared semaphores in a System V segment work between processes that each attach it",
         .covers = {"pshared_sysv_segment"}, .needs = need::Feature("sysv_shm")) {
  IPCC_SHM_CREATE(segment, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(attach, segment.id(), nullptr, 0);
  ExpectSharedWithChild(
      PairAt(attach.get()),
      [&]() -> SemPair {
        void* own = shmat(segment.id(), nullptr, 0);
        EXPECT_THAT(own, SyscallSucceeds()) << "the child's own shmat of the segment";
        if (own == reinterpret_cast<void*>(-1)) return {};  // NOLINT(performance-no-int-to-ptr)
        return PairAt(own);
      },
      "a System V segment the child attached itself");
}

IPC_CASE(posix_sem, sem_init, pshared_in_posix_shm_object,
         .title = "a pshared semaphore in a POSIX shared memory object is posted by an unrelated process mapping it",
         .covers = {"pshared_posix_shm_object"}, .needs = need::Feature("posix_shm")) {
  posix_shm::ShmObject object("sem", PageSize());
  const posix_shm::Mapping page = posix_shm::MapShared(object, PageSize());
  IPCC_SETUP(page.get());
  auto* sem = static_cast<sem_t*>(page.get());
  ASSERT_THAT(sem_init(sem, 1, 0), SyscallSucceeds()) << "sem_init(pshared 1) at the start of the object";
  const ScopedCleanup destroy([&] { sem_destroy(sem); });
  Child waiter = ForkSemWait(sem);
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  // The fixture opens the object by name, maps it and posts the semaphore at its start.
  Child poster = SpawnFixture("posix-sem-post-shm", {object.name.str()});
  ExpectCleanExit(poster.Wait(), "ipcconform-fixture posix-sem-post-shm");
  ExpectReleased(waiter, "the forked process waiting on the semaphore, after the unrelated process posted it");
}

IPC_CASE(
    posix_sem, sem_init, same_semaphore_through_two_mappings,
    .title = "a pshared semaphore mapped at two addresses is one semaphore: a post at one wakes a wait at the other",
    .covers = {"alternative_mappings"}) {
  const UniqueFd file = posix_shm::MakeFile(TempPath("sem-file"), PageSize());
  const posix_shm::Mapping first = posix_shm::Map(PageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, file.get());
  const posix_shm::Mapping second = posix_shm::Map(PageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, file.get());
  IPCC_SETUP(first.get());
  IPCC_SETUP(second.get());
  auto* at_first = static_cast<sem_t*>(first.get());
  auto* at_second = static_cast<sem_t*>(second.get());
  ASSERT_THAT(sem_init(at_first, 1, 0), SyscallSucceeds()) << "sem_init(pshared 1) through the first mapping";
  const ScopedCleanup destroy([&] { sem_destroy(at_first); });
  Child waiter = ForkSemWait(at_second);
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_post(at_first), SyscallSucceeds()) << "the post through the first mapping";
  if (!ExpectReleased(waiter, "the process waiting through the second mapping, after a post through the first")) {
    return;
  }
  ASSERT_THAT(sem_post(at_second), SyscallSucceeds()) << "a post through the second mapping";
  EXPECT_EQ(ValueOf(at_first), 1) << "the value read through the first mapping after a post through the second";
}

}  // namespace
