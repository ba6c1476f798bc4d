// sem_unlink(3), POSIX sem_unlink(): removing the name of a named semaphore.
#include <fcntl.h>
#include <semaphore.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_unlink, missing_name_fails_enoent,
         .title = "sem_unlink of a name no semaphore has fails with ENOENT", .covers = {"ENOENT"}) {
  const std::string name = UniqueSemName("none");
  EXPECT_THAT(sem_unlink(name.c_str()), SyscallFailsWithErrno(ENOENT)) << "sem_unlink of " << name;
}

IPC_CASE(posix_sem, sem_unlink, name_of_252_characters_fails_enametoolong,
         .title = "sem_unlink of a name with 252 characters after its slash fails with ENAMETOOLONG",
         .covers = {"ENAMETOOLONG"}) {
  const std::string name = NameOfLength("unlink", 252);
  EXPECT_THAT(sem_unlink(name.c_str()), SyscallFailsWithErrno(ENAMETOOLONG))
      << "a name one character above the NAME_MAX-4 limit of sem_overview(7)";
}

IPC_CASE(posix_sem, sem_unlink, created_name_of_251_characters_unlinks,
         .title = "sem_unlink of the longest name sem_open accepted succeeds, without ENAMETOOLONG",
         .covers = {"opened_name_not_too_long"}) {
  NamedSem sem = NamedSem::Exactly(NameOfLength("unlink", 251));
  ASSERT_THAT(sem.TryCreate(0), SyscallSucceeds()) << "creating a semaphore whose name has 251 characters";
  EXPECT_THAT(sem_unlink(sem.name()), SyscallSucceeds()) << "sem_unlink of the name sem_open just accepted";
}

IPC_CASE(posix_sem, sem_unlink, other_users_semaphore_fails_eacces,
         .title = "an unprivileged user cannot unlink root's semaphore (EACCES), which stays with its value",
         .covers = {"EACCES", "failure_changes_nothing"}, .needs = kNeedSecondUid) {
  const ScopedUmask no_umask(0);
  NamedSem sem("theirs", 1, 0666);
  RunUnprivileged([&] {
    EXPECT_THAT(sem_unlink(sem.name()), SyscallFailsWithErrno(EACCES))
        << "sem_unlink of another user's semaphore (mode 0666) in the sticky /dev/shm";
  });
  OpenSem again(sem_open(sem.name(), 0));
  EXPECT_THAT(again.get(), SyscallSucceeds()) << "the name should still be there after the refused sem_unlink";
  if (again.valid()) {
    EXPECT_EQ(ValueOf(again.get()), 1) << "the value after the refused sem_unlink";
  }
}

IPC_CASE(posix_sem, sem_unlink, name_gone_at_once,
         .title = "right after sem_unlink, sem_open of the name without O_CREAT fails with ENOENT",
         .covers = {"name_removed_at_once"}) {
  NamedSem sem("gone", 0);
  ASSERT_THAT(sem_unlink(sem.name()), SyscallSucceeds());
  sem.ForgetName();
  ExpectOpenFails(sem.str(), 0, 0, ENOENT, "sem_open of the name just unlinked, while this process still has it open");
}

IPC_CASE(posix_sem, sem_unlink, waiter_released_after_unlink,
         .title = "a process waiting on a semaphore whose name was unlinked is still released by a post",
         .covers = {"open_semaphore_stays_usable"}) {
  NamedSem sem("usable", 0);
  Child waiter = ForkSemWait(sem.get());
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ASSERT_THAT(sem_unlink(sem.name()), SyscallSucceeds());
  sem.ForgetName();
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds()) << "sem_post through the address opened before sem_unlink";
  ExpectReleased(waiter, "a process blocked in sem_wait, after the name was unlinked and the semaphore posted");
}

IPC_CASE(posix_sem, sem_unlink, destroyed_after_last_close,
         .title = "an unlinked semaphore exists until its last sem_close and is destroyed then",
         .covers = {"destroyed_after_last_close"}, .needs = kNeedRoot) {
  InChild("a process with a private tmpfs on /dev/shm, to count its files", [&] {
    MountPrivateDevShm("mode=1777,size=64k,nr_inodes=64");
    const long before = DevShmInodesInUse();
    NamedSem sem("destroy", 0);
    ASSERT_EQ(DevShmInodesInUse(), before + 1) << "the new semaphore should take one file of /dev/shm";
    ASSERT_THAT(sem_unlink(sem.name()), SyscallSucceeds());
    sem.ForgetName();
    EXPECT_EQ(DevShmInodesInUse(), before + 1) << "the unlinked semaphore should exist while it is still open";
    ASSERT_THAT(sem_close(sem.get()), SyscallSucceeds());
    sem.ForgetHandle();
    EXPECT_EQ(DevShmInodesInUse(), before) << "the unlinked semaphore should be destroyed by its last sem_close";
  });
}

IPC_CASE(posix_sem, sem_unlink, recreated_name_is_new_semaphore,
         .title = "O_CREAT of an unlinked name makes a new semaphore, apart from the old one still open",
         .covers = {"recreate_gives_new_semaphore", "state_unchanged"}) {
  NamedSem old_sem("recreate", 5);
  ASSERT_THAT(sem_unlink(old_sem.name()), SyscallSucceeds());
  old_sem.ForgetName();
  EXPECT_EQ(ValueOf(old_sem.get()), 5) << "sem_unlink must leave the value of the semaphore still open";
  NamedSem fresh = NamedSem::Exactly(old_sem.str());
  ASSERT_THAT(fresh.TryCreate(1), SyscallSucceeds())
      << "O_CREAT|O_EXCL of the unlinked name, while the old semaphore is still open";
  EXPECT_EQ(ValueOf(fresh.get()), 1) << "the new semaphore's value: its own initial value, not the old one's 5";
  ASSERT_THAT(sem_post(fresh.get()), SyscallSucceeds());
  EXPECT_EQ(ValueOf(old_sem.get()), 5) << "a post on the new semaphore must not reach the old one";
}

IPC_CASE(posix_sem, sem_unlink, returns_while_another_process_waits,
         .title = "sem_unlink returns at once while another process has the semaphore open and waits on it",
         .covers = {"returns_at_once"}) {
  NamedSem sem("busy", 0);
  Child waiter = ForkSemWait(sem.get());
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEM_WAIT_SYSCALLS);
  ExpectReturnsWithin("sem_unlink while another process waits on the semaphore",
                      [&] { EXPECT_THAT(sem_unlink(sem.name()), SyscallSucceeds()); });
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  ExpectReleased(waiter, "the waiting process, posted after the unlink");
}

}  // namespace
