// semget(2): creating and finding System V semaphore sets.
#include <unistd.h>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;

IPC_CASE(sysv_sem, semget, creat_excl_on_existing_key_fails_eexist,
         .title = "semget with IPC_CREAT|IPC_EXCL on a key that has a set fails with EEXIST",
         .covers = {"EEXIST", "IPC_EXCL", "IPC_CREAT", "existing_key_returns_its_set"},
         .statement = "If semflg specifies both IPC_CREAT and IPC_EXCL and a semaphore set already exists for "
                      "key, then semget() fails with errno set to EEXIST.",
         .refs = {"semget(2) EEXIST", "POSIX.1-2017 semget() [EEXIST]"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 1, IPC_CREAT | IPC_EXCL | 0600);
  EXPECT_THAT(semget(k.key, 1, IPC_CREAT | IPC_EXCL | 0600), SyscallFailsWithErrno(EEXIST));
  // Without IPC_EXCL the same call finds the existing set.
  EXPECT_THAT(semget(k.key, 1, IPC_CREAT | 0600), SyscallSucceedsWithValue(set.id()));
}

IPC_CASE(sysv_sem, semget, missing_key_without_creat_fails_enoent,
         .title = "semget of a key with no set and without IPC_CREAT fails with ENOENT",
         .covers = {"ENOENT", "failed_lookup_creates_nothing"},
         .statement = "ENOENT: No semaphore set exists for key and semflg did not specify IPC_CREAT.",
         .refs = {"semget(2) ENOENT", "POSIX.1-2017 semget() [ENOENT]"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::sem);
  EXPECT_THAT(semget(k.key, 1, 0600), SyscallFailsWithErrno(ENOENT));
  // Nothing was created by the failed call.
  EXPECT_THAT(semget(k.key, 0, 0), SyscallFailsWithErrno(ENOENT))
      << "a failed semget without IPC_CREAT must not have created a set";
}

IPC_CASE(sysv_sem, semget, nsems_above_existing_count_fails_einval,
         .title = "semget of an existing key asking for more semaphores than the set has fails with EINVAL",
         .covers = {"EINVAL", "nsems_up_to_existing_count_accepted"},
         .statement = "EINVAL: A semaphore set corresponding to key already exists, but nsems is larger than the "
                      "number of semaphores in that set.",
         .refs = {"semget(2) EINVAL", "POSIX.1-2017 semget() [EINVAL]"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 2, IPC_CREAT | IPC_EXCL | 0600);
  EXPECT_THAT(semget(k.key, 3, 0600), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(semget(k.key, 3, IPC_CREAT | 0600), SyscallFailsWithErrno(EINVAL))
      << "IPC_CREAT does not change the answer for an existing key";
  // Asking for as many or fewer is fine.
  EXPECT_THAT(semget(k.key, 2, 0600), SyscallSucceedsWithValue(set.id()));
  EXPECT_THAT(semget(k.key, 1, 0600), SyscallSucceedsWithValue(set.id()));
}

IPC_CASE(sysv_sem, semget, nsems_above_semmsl_fails_einval,
         .title = "semget creating a set of more than SEMMSL semaphores fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL: nsems is less than 0 or greater than the limit on the number of semaphores per "
                      "semaphore set (SEMMSL). ... On Linux, this limit can be read and modified via the first "
                      "field of /proc/sys/kernel/sem.",
         .refs = {"semget(2) EINVAL, Semaphore limits SEMMSL", "proc(5) /proc/sys/kernel/sem",
                  "POSIX.1-2017 semget() [EINVAL]"},
         .cls = Conformance::xsi) {
  // SEMMSL from IPC_INFO where /proc/sys/kernel/sem cannot be read (that file's own statement is
  // semctl.ipc_info_matches_proc_sem's).
  const long semmsl = SemLimit(&SemLimits::semmsl, &seminfo::semmsl);
  const int too_many = static_cast<int>(semmsl + 1);
  const SemSet set = ExpectSemget(IPC_PRIVATE, too_many, IPC_CREAT | 0600, EINVAL,
                                  fmt::format("SEMMSL is {}, nsems was {}", semmsl, too_many));
  EXPECT_THAT(semget(IPC_PRIVATE, -1, IPC_CREAT | 0600), SyscallFailsWithErrno(EINVAL)) << "nsems of -1";
}

IPC_CASE(sysv_sem, semget, create_with_zero_nsems_fails_einval,
         .title = "semget creating a new set with nsems 0 fails with EINVAL", .covers = {"EINVAL"},
         .statement = "The argument nsems can be 0 (a don't care) when a semaphore set is not being created. "
                      "Otherwise, nsems must be greater than 0 and less than or equal to the maximum number of "
                      "semaphores per semaphore set (SEMMSL).",
         .refs = {"semget(2) DESCRIPTION", "POSIX.1-2017 semget() [EINVAL]"}, .cls = Conformance::xsi) {
  const SemSet set = ExpectSemget(IPC_PRIVATE, 0, IPC_CREAT | 0600, EINVAL, "creating a private set of 0 semaphores");
  const SysvKey k = FreshKey(SysvKind::sem);
  const SemSet keyed = ExpectSemget(k.key, 0, IPC_CREAT | 0600, EINVAL, "creating a keyed set of 0 semaphores");
}

IPC_CASE(sysv_sem, semget, zero_nsems_finds_existing_set, .title = "semget with nsems 0 finds an existing set",
         .covers = {"zero_nsems_finds_existing_set", "existing_key_returns_its_set"},
         .statement = "The argument nsems can be 0 (a don't care) when a semaphore set is not being created.",
         .refs = {"semget(2) DESCRIPTION", "POSIX.1-2017 semget()"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 4, IPC_CREAT | IPC_EXCL | 0600);
  EXPECT_THAT(semget(k.key, 0, 0), SyscallSucceedsWithValue(set.id()));
  EXPECT_THAT(semget(k.key, 0, IPC_CREAT | 0600), SyscallSucceedsWithValue(set.id()));
}

IPC_CASE(sysv_sem, semget, new_set_values_are_zero,
         .title = "the semaphores of a new set start at 0 (Linux; POSIX leaves them unspecified)",
         .covers = {"new_set_values_are_zero"},
         .statement = "The values of the semaphores in a newly created set are indeterminate. ... Although Linux, "
                      "like many other implementations, initializes the semaphore values to 0, a portable "
                      "application cannot rely on this.",
         .refs = {"semget(2) NOTES Semaphore initialization", "POSIX.1-2017 semget() APPLICATION USAGE"},
         .cls = Conformance::implementation_defined) {
  SemSet set = NewSet(IPC_PRIVATE, 5, IPC_CREAT | 0600);
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{0, 0, 0, 0, 0})) << "values of a fresh 5-semaphore set";
  // A set made on a key whose previous set was removed starts from zero too (nothing carries over).
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet first = NewSet(k.key, 2, IPC_CREAT | IPC_EXCL | 0600);
  SetAll(first.id(), {7, 9});
  first.Reset();
  SemSet second = NewSet(k.key, 2, IPC_CREAT | IPC_EXCL | 0600);
  EXPECT_EQ(GetAll(second.id()), (std::vector<int>{0, 0})) << "values of a set re-created on a removed key";
}

IPC_CASE(sysv_sem, semget, new_set_otime_zero_ctime_now,
         .title = "a new set has sem_otime 0 and sem_ctime set to the creation time",
         .covers = {"new_set_otime_is_zero", "new_set_ctime_is_now"},
         .statement = "When creating a new semaphore set, semget() initializes the set's associated data "
                      "structure, semid_ds: ... sem_otime is set to 0. sem_ctime is set to the current time.",
         .refs = {"semget(2) DESCRIPTION", "POSIX.1-2017 semget()"}, .cls = Conformance::xsi) {
  const time_t before = EarliestStamp();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  const time_t after = LatestStamp();
  const semid_ds ds = Stat(set.id());
  EXPECT_EQ(ds.sem_otime, 0) << "sem_otime of a set no semop has touched";
  EXPECT_GE(ds.sem_ctime, before) << "sem_ctime must be the creation time (between " << before << " and " << after
                                  << ")";
  EXPECT_LE(ds.sem_ctime, after) << "sem_ctime must be the creation time (between " << before << " and " << after
                                 << ")";
}

IPC_CASE(sysv_sem, semget, creator_owns_set_with_mode_from_semflg,
         .title = "a new set is owned by the creator's effective ids and takes the low 9 bits of semflg as mode",
         .covers = {"new_set_owner_and_creator_are_caller", "new_set_mode_is_semflg_low_bits",
                    "new_set_nsems_is_nsems"},
         .statement = "sem_perm.cuid and sem_perm.uid are set to the effective user ID of the calling process. "
                      "sem_perm.cgid and sem_perm.gid are set to the effective group ID of the calling process. "
                      "The least significant 9 bits of sem_perm.mode are set to the least significant 9 bits of "
                      "semflg. sem_nsems is set to the value of nsems.",
         .refs = {"semget(2) DESCRIPTION", "POSIX.1-2017 semget()"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 3, IPC_CREAT | 0751);
  const semid_ds ds = Stat(set.id());
  EXPECT_EQ(ds.sem_perm.uid, geteuid()) << "sem_perm.uid (owner)";
  EXPECT_EQ(ds.sem_perm.cuid, geteuid()) << "sem_perm.cuid (creator)";
  EXPECT_EQ(ds.sem_perm.gid, getegid()) << "sem_perm.gid (owner group)";
  EXPECT_EQ(ds.sem_perm.cgid, getegid()) << "sem_perm.cgid (creator group)";
  EXPECT_EQ(ds.sem_perm.mode & 0777, 0751) << "permission bits (octal " << std::oct << (ds.sem_perm.mode & 0777) << ")";
  EXPECT_EQ(ds.sem_nsems, 3u) << "sem_nsems";
}

}  // namespace
