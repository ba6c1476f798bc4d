// sem_close(3), POSIX sem_close(): closing named semaphores, by the call and by execve and exit.
#include <fcntl.h>
#include <semaphore.h>

#include <optional>
#include <string>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_close, not_an_open_semaphore_fails_einval,
         .title = "sem_close of an address sem_open never gave, or of one already closed, fails with EINVAL",
         .covers = {"EINVAL"}) {
  sem_t never_opened{};
  EXPECT_THAT(sem_close(&never_opened), SyscallFailsWithErrno(EINVAL))
      << "sem_close of a sem_t object that no sem_open returned";
  NamedSem sem("closed", 0);
  sem_t* const s = sem.get();
  ASSERT_THAT(sem_close(s), SyscallSucceeds()) << "the first sem_close";
  sem.ForgetHandle();
  EXPECT_THAT(sem_close(s), SyscallFailsWithErrno(EINVAL)) << "a second sem_close of the same, now closed, address";
}

IPC_CASE(posix_sem, sem_close, close_unmaps_semaphore,
         .title = "sem_close of the only open of a semaphore removes its mapping; sem_open maps it anew",
         .covers = {"releases_process_resources"}) {
  NamedSem sem("unmap", 0);
  const std::optional<bool> before = MapsSemaphoreFile(sem.str());
  if (!before || !*before) {
    ThrowHarnessError("set-up: /proc/self/maps does not show the open semaphore " + SemFilePath(sem.str()));
  }
  ASSERT_THAT(sem_close(sem.get()), SyscallSucceeds());
  sem.ForgetHandle();
  EXPECT_EQ(MapsSemaphoreFile(sem.str()), std::optional<bool>(false))
      << "after sem_close of its only open the process should no longer map " << SemFilePath(sem.str());
  OpenSem again(sem_open(sem.name(), 0));
  ASSERT_THAT(again.get(), SyscallSucceeds()) << "sem_open of the name after sem_close";
  EXPECT_EQ(MapsSemaphoreFile(sem.str()), std::optional<bool>(true)) << "the semaphore opened again is mapped again";
}

IPC_CASE(posix_sem, sem_close, close_keeps_semaphore_and_value,
         .title = "after sem_close of a linked semaphore, sem_open of the name finds it with its value",
         .covers = {"value_unchanged"}) {
  NamedSem sem("keep", 0);
  for (int i = 0; i < 3; ++i) ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  ASSERT_THAT(sem_close(sem.get()), SyscallSucceeds());
  sem.ForgetHandle();
  OpenSem again(sem_open(sem.name(), 0));
  ASSERT_THAT(again.get(), SyscallSucceeds()) << "sem_open of " << sem.str() << " after its only open was closed";
  EXPECT_EQ(ValueOf(again.get()), 3) << "the three posts made before sem_close";
}

IPC_CASE(posix_sem, sem_close, exec_closes_named_semaphores,
         .title = "a named semaphore a process opened is no longer mapped in the program it execs",
         .covers = {"closed_on_exec"}) {
  NamedSem sem("exec", 0);
  Child c = Fork([&] {
    sem_t* s = sem_open(sem.name(), 0);
    ASSERT_THAT(s, SyscallSucceeds()) << "the child's own sem_open of " << sem.str();
    // Before the exec the open semaphore shows in /proc/self/maps, else the new program's look proves nothing.
    const std::optional<bool> mapped = MapsSemaphoreFile(sem.str());
    if (!mapped || !*mapped) {
      ThrowHarnessError(
          fmt::format("set-up: /proc/self/maps does not show {} open before the exec", SemFilePath(sem.str())));
    }
    ExecFixture("posix-sem-not-mapped", {sem.str()});
  });
  ExpectCleanExit(c.Wait(), "ipcconform-fixture posix-sem-not-mapped, exec'd with the semaphore open");
}

IPC_CASE(posix_sem, sem_close, exit_closes_named_semaphores,
         .title = "an unlinked semaphore is destroyed when the last process that had it open exits without sem_close",
         .covers = {"closed_on_exit"}, .needs = kNeedRoot) {
  InChild("a process with a private tmpfs on /dev/shm, to count its files", [&] {
    MountPrivateDevShm("mode=1777,size=64k,nr_inodes=64");
    const long before = DevShmInodesInUse();
    NamedSem sem("exit", 0);
    Child holder = Fork([&] {
      OpenSem mine(sem_open(sem.name(), 0));
      ASSERT_THAT(mine.get(), SyscallSucceeds()) << "the holder's sem_open";
      CheckpointPost(0);
      CheckpointWait(1);
      _exit(0);  // ends with the semaphore open: no sem_close, no destructor
    });
    if (!AwaitCheckpoint(holder, 0)) return;
    ASSERT_THAT(sem_close(sem.get()), SyscallSucceeds());
    sem.ForgetHandle();
    ASSERT_THAT(sem_unlink(sem.name()), SyscallSucceeds());
    sem.ForgetName();
    EXPECT_EQ(DevShmInodesInUse(), before + 1)
        << "the unlinked semaphore should still exist while the holder has it open";
    CheckpointPost(1);
    ExpectCleanExit(holder.Wait(), "the holder");
    EXPECT_EQ(DevShmInodesInUse(), before)
        << "once the holder ended without sem_close the unlinked semaphore should be gone: its exit closed it";
  });
}

}  // namespace
