// semop(2), semctl(2) ipc_perm: read and alter permission by class, and who may IPC_SET and IPC_RMID.
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;

constexpr const char* kModeStatement =
    "The least significant 9 bits of the mode field of the ipc_perm structure define the access permissions "
    "... 0400 Read by user, 0200 Write by user, 0040 Read by group, 0020 Write by group, 0004 Read by others, "
    "0002 Write by others. In effect, \"write\" means \"alter\" for a semaphore set.";
// Statements that two cases each quote.
constexpr const char* kOwnerClassStatement =
    "The effective user ID of the process matches xxx_perm.cuid or xxx_perm.uid ... and the appropriate bit of the "
    "user field in xxx_perm.mode is set.";
constexpr const char* kOwnerOrCreatorStatement =
    "The effective UID of the calling process must match the owner (sem_perm.uid) or creator (sem_perm.cuid) of the "
    "semaphore set, or the caller must be privileged.";
constexpr const char* kNotOwnerEperm =
    "EPERM The argument cmd has the value IPC_SET or IPC_RMID but the effective user ID of the calling process is "
    "not the creator (as found in sem_perm.cuid) or the owner (as found in sem_perm.uid) of the semaphore set, and "
    "the process does not have the CAP_SYS_ADMIN capability.";

// The class cases: `who` (`as` in messages) alters semaphore 0 of `id` (semop +1) and reads it back
// (GETVAL, then 1), both allowed; or both are refused with EACCES.
void ExpectAlterAndRead(int id, const Identity& who, bool granted, const std::string& as) {
  RunAs(who, as, [&] {
    if (granted) {
      EXPECT_THAT(Semop(id, {Op(0, 1)}), SyscallSucceeds()) << "semop +1 by " << as;
      EXPECT_THAT(semctl(id, 0, GETVAL), SyscallSucceedsWithValue(1)) << "GETVAL by " << as;
      return;
    }
    EXPECT_THAT(Semop(id, {Op(0, 1)}), SyscallFailsWithErrno(EACCES)) << "semop +1 by " << as;
    EXPECT_THAT(semctl(id, 0, GETVAL), SyscallFailsWithErrno(EACCES)) << "GETVAL by " << as;
  });
}

// The IPC_SET/IPC_RMID cases: `who` (`as` in messages) changes the mode of `set` to `mode` with IPC_SET and
// removes the set with IPC_RMID, both allowed; afterwards the set is gone.
void ExpectSetAndRemove(SemSet& set, const Identity& who, mode_t mode, const std::string& as) {
  RunAs(who, as + " child", [&] {
    semid_ds ds{};
    ASSERT_THAT(semctl(set.id(), 0, IPC_STAT, SemUn{.buf = &ds}), SyscallSucceeds());
    ds.sem_perm.mode = static_cast<unsigned short>(mode);
    EXPECT_THAT(semctl(set.id(), 0, IPC_SET, SemUn{.buf = &ds}), SyscallSucceeds()) << "IPC_SET by the " << as;
    EXPECT_THAT(semctl(set.id(), 0, IPC_RMID), SyscallSucceeds()) << "IPC_RMID by the " << as;
  });
  const int id = set.id();
  set.Forget();
  EXPECT_THAT(semctl(id, 0, GETVAL), SyscallFailsWithAnyErrno(std::vector<int>{EINVAL, EIDRM}))
      << "the set should be gone after the " << as << "'s IPC_RMID";
}

IPC_CASE(sysv_sem, permissions, alter_without_write_permission_fails_eacces,
         .title = "an unprivileged process without alter permission gets EACCES from semop and SETVAL",
         .covers = {"semop.EACCES", "semctl.EACCES"},
         .statement = "If sem_op is a positive integer ... The calling process must have alter permission on the "
                      "semaphore set. ... EACCES The calling process does not have the permissions required to "
                      "perform the specified semaphore operations, and does not have the CAP_IPC_OWNER capability.",
         .refs = {"semop(2) DESCRIPTION, EACCES", "semctl(2) SETVAL, EACCES", "POSIX.1-2017 semop() [EACCES]"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);  // owned by root, nothing for others
  SetVal(set.id(), 0, 2);
  RunAs(nobody, "unprivileged child", [&] {
    EXPECT_THAT(Semop(set.id(), {Op(0, 1)}), SyscallFailsWithErrno(EACCES)) << "semop +1";
    EXPECT_THAT(Semop(set.id(), {Op(0, -1, IPC_NOWAIT)}), SyscallFailsWithErrno(EACCES)) << "semop -1";
    EXPECT_THAT(semctl(set.id(), 0, SETVAL, SemUn{.val = 9}), SyscallFailsWithErrno(EACCES)) << "SETVAL";
  });
  EXPECT_EQ(GetVal(set.id(), 0), 2) << "value after the refused operations";
}

IPC_CASE(sysv_sem, permissions, read_without_read_permission_fails_eacces,
         .title = "an unprivileged process without read permission gets EACCES from GETVAL, GETALL, IPC_STAT and "
                  "wait-for-zero",
         .covers = {"semctl.EACCES", "semop.EACCES"},
         .statement = "GETVAL ... The calling process must have read permission on the semaphore set. ... If sem_op "
                      "is zero, the process must have read permission on the semaphore set. ... EACCES The argument "
                      "cmd has one of the values GETALL, GETPID, GETVAL, GETNCNT, GETZCNT, IPC_STAT ... and the "
                      "calling process does not have the required permissions.",
         .refs = {"semctl(2) EACCES", "semop(2) DESCRIPTION, EACCES", "POSIX.1-2017 semctl() [EACCES]"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  RunAs(nobody, "unprivileged child", [&] {
    unsigned short values[2] = {};
    semid_ds ds{};
    EXPECT_THAT(semctl(set.id(), 0, GETVAL), SyscallFailsWithErrno(EACCES)) << "GETVAL";
    EXPECT_THAT(semctl(set.id(), 0, GETALL, SemUn{.array = values}), SyscallFailsWithErrno(EACCES)) << "GETALL";
    EXPECT_THAT(semctl(set.id(), 0, GETNCNT), SyscallFailsWithErrno(EACCES)) << "GETNCNT";
    EXPECT_THAT(semctl(set.id(), 0, GETZCNT), SyscallFailsWithErrno(EACCES)) << "GETZCNT";
    EXPECT_THAT(semctl(set.id(), 0, GETPID), SyscallFailsWithErrno(EACCES)) << "GETPID";
    EXPECT_THAT(semctl(set.id(), 0, IPC_STAT, SemUn{.buf = &ds}), SyscallFailsWithErrno(EACCES)) << "IPC_STAT";
    EXPECT_THAT(Semop(set.id(), {Op(0, 0, IPC_NOWAIT)}), SyscallFailsWithErrno(EACCES)) << "semop wait-for-zero";
  });
}

IPC_CASE(sysv_sem, permissions, read_permission_allows_reads_and_wait_for_zero_only,
         .title = "read permission alone allows GETVAL, IPC_STAT and wait-for-zero, but not changes",
         .covers = {"semop.zero_op_needs_read_permission", "semop.nonzero_op_needs_alter_permission",
                    "semctl.get_commands_need_read_permission", "semctl.set_commands_need_alter_permission"},
         .statement = "If sem_op is zero, the process must have read permission on the semaphore set. ... If sem_op "
                      "is less than zero, the process must have alter permission on the semaphore set.",
         .refs = {"semop(2) DESCRIPTION", "semctl(2) GETVAL, IPC_STAT, SETVAL", "POSIX.1-2017 semop()"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0604);  // others: read only
  RunAs(nobody, "unprivileged child with read permission", [&] {
    semid_ds ds{};
    EXPECT_THAT(semctl(set.id(), 0, GETVAL), SyscallSucceedsWithValue(0)) << "GETVAL";
    EXPECT_THAT(semctl(set.id(), 0, IPC_STAT, SemUn{.buf = &ds}), SyscallSucceeds()) << "IPC_STAT";
    EXPECT_THAT(Semop(set.id(), {Op(0, 0, IPC_NOWAIT)}), SyscallSucceeds())
        << "semop wait-for-zero on a semaphore at 0";
    EXPECT_THAT(Semop(set.id(), {Op(0, 1)}), SyscallFailsWithErrno(EACCES)) << "semop +1";
    EXPECT_THAT(semctl(set.id(), 0, SETVAL, SemUn{.val = 1}), SyscallFailsWithErrno(EACCES)) << "SETVAL";
  });
  EXPECT_EQ(GetVal(set.id(), 0), 0) << "value after the refused changes";
}

IPC_CASE(sysv_sem, permissions, alter_permission_allows_changes_not_reads,
         .title = "alter permission alone allows semop changes and SETVAL, but not GETVAL or wait-for-zero",
         .covers = {"semop.zero_op_needs_read_permission", "semop.nonzero_op_needs_alter_permission",
                    "semctl.get_commands_need_read_permission", "semctl.set_commands_need_alter_permission"},
         .statement = kModeStatement,
         .refs = {"semctl(2) The ipc_perm structure, GETVAL, SETVAL", "semop(2) DESCRIPTION",
                  "POSIX.1-2017 XSI Interprocess Communication"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0602);  // others: alter only
  RunAs(nobody, "unprivileged child with alter permission", [&] {
    EXPECT_THAT(Semop(set.id(), {Op(0, 2)}), SyscallSucceeds()) << "semop +2";
    EXPECT_THAT(semctl(set.id(), 0, SETVAL, SemUn{.val = 5}), SyscallSucceeds()) << "SETVAL 5";
    EXPECT_THAT(semctl(set.id(), 0, GETVAL), SyscallFailsWithErrno(EACCES)) << "GETVAL";
    EXPECT_THAT(Semop(set.id(), {Op(0, 0, IPC_NOWAIT)}), SyscallFailsWithErrno(EACCES)) << "semop wait-for-zero";
  });
  EXPECT_EQ(GetVal(set.id(), 0), 5) << "value after the child's SETVAL 5";
}

IPC_CASE(sysv_sem, permissions, group_bits_apply_to_group_member,
         .title = "the group permission bits grant access to a process in the set's group",
         .covers = {"semctl.group_bits_decide_for_group"}, .statement = kModeStatement,
         .refs = {"semctl(2) The ipc_perm structure", "semget(2) DESCRIPTION",
                  "POSIX.1-2017 XSI Interprocess Communication (IPC permissions)"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetOwnerAndMode(set.id(), geteuid(), nobody.gid, 0060);  // owner root, group nobody's: rw for the group
  ExpectAlterAndRead(set.id(), nobody, true, "a member of the set's group (group bits 060)");
}

IPC_CASE(sysv_sem, permissions, group_class_ignores_other_bits,
         .title = "a process in the set's group is judged by the group bits, not the other bits",
         .covers = {"semctl.group_bits_decide_for_group"},
         .statement = "The effective user ID of the process does not match ... but the effective group ID of the "
                      "process matches xxx_perm.cgid or xxx_perm.gid ... and the appropriate bit of the group field "
                      "in xxx_perm.mode is set; ... [only a process matching neither] is judged by the other field.",
         .refs = {"POSIX.1-2017 XSI Interprocess Communication (IPC permissions)", "semctl(2) The ipc_perm structure"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetOwnerAndMode(set.id(), geteuid(), nobody.gid, 0006);  // others may, the group may not
  ExpectAlterAndRead(set.id(), nobody, false, "a group member when only the other bits allow it");
}

IPC_CASE(sysv_sem, permissions, owner_bits_decide_for_owner,
         .title = "the owner is judged by the owner bits: granted by 0600, refused by 0066",
         .covers = {"semctl.owner_bits_decide_for_owner"}, .statement = kOwnerClassStatement,
         .refs = {"POSIX.1-2017 XSI Interprocess Communication (IPC permissions)", "semctl(2) The ipc_perm structure"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetOwnerAndMode(set.id(), nobody.uid, nobody.gid, 0600);
  ExpectAlterAndRead(set.id(), nobody, true, "the owner, mode 0600");
  SetOwnerAndMode(set.id(), nobody.uid, nobody.gid, 0066);
  ExpectAlterAndRead(set.id(), nobody, false, "the owner, mode 0066");
}

// A set created by the unprivileged identity (so that it is the creator, cuid), owned by this process.
SemSet CreateAs(const Identity& who, mode_t mode) {
  SharedPage<int> id;
  *id = -1;
  RunAs(who, "creating child", [&] {
    *id = semget(IPC_PRIVATE, 1, IPC_CREAT | static_cast<int>(mode));
    if (*id < 0) ThrowHarnessError("set-up: semget as the unprivileged identity: " + ErrnoName(errno));
  });
  if (*id < 0) ThrowHarnessError("set-up: the creating child made no set");
  return SemSet(*id);
}

IPC_CASE(sysv_sem, permissions, creator_uses_owner_bits_after_owner_change,
         .title = "the creator keeps owner access after IPC_SET gives the set to another uid",
         .covers = {"semctl.owner_bits_decide_for_owner", "semctl.ipc_set_keeps_creator"},
         .statement = kOwnerClassStatement,
         .refs = {"POSIX.1-2017 XSI Interprocess Communication (IPC permissions)", "semctl(2) IPC_SET"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = CreateAs(nobody, 0600);
  SetOwnerAndMode(set.id(), geteuid(), getegid(), 0600);  // owner now root; nobody stays the creator
  ASSERT_EQ(Stat(set.id()).sem_perm.cuid, nobody.uid) << "sem_perm.cuid of the set the child made";
  ExpectAlterAndRead(set.id(), nobody, true, "the creator");
}

IPC_CASE(sysv_sem, permissions, creator_may_ipc_set_and_rmid,
         .title = "the creator may IPC_SET and IPC_RMID a set whose owner is another uid",
         .covers = {"semctl.creator_keeps_control"}, .statement = kOwnerOrCreatorStatement,
         .refs = {"semctl(2) IPC_SET, IPC_RMID", "POSIX.1-2017 semctl() IPC_SET, IPC_RMID"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = CreateAs(nobody, 0600);
  SetOwnerAndMode(set.id(), geteuid(), getegid(), 0666);
  ExpectSetAndRemove(set, nobody, 0644, "creator");
}

IPC_CASE(sysv_sem, permissions, owner_may_ipc_set_and_rmid,
         .title = "the owner (not the creator) may IPC_SET and IPC_RMID", .covers = {"semctl.owner_may_set_and_remove"},
         .statement = kOwnerOrCreatorStatement,
         .refs = {"semctl(2) IPC_SET, IPC_RMID", "POSIX.1-2017 semctl() IPC_SET, IPC_RMID"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetOwnerAndMode(set.id(), nobody.uid, nobody.gid, 0600);
  ExpectSetAndRemove(set, nobody, 0640, "owner");
}

IPC_CASE(sysv_sem, permissions, ipc_set_by_non_owner_fails_eperm,
         .title = "IPC_SET by a process that is neither owner nor creator fails with EPERM, even with mode 0666",
         .covers = {"semctl.EPERM"}, .statement = kNotOwnerEperm,
         .refs = {"semctl(2) EPERM", "POSIX.1-2017 semctl() [EPERM]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0666);
  RunAs(nobody, "unprivileged child", [&] {
    semid_ds ds{};
    ASSERT_THAT(semctl(set.id(), 0, IPC_STAT, SemUn{.buf = &ds}), SyscallSucceeds());
    ds.sem_perm.mode = 0600;
    EXPECT_THAT(semctl(set.id(), 0, IPC_SET, SemUn{.buf = &ds}), SyscallFailsWithErrno(EPERM));
  });
  EXPECT_EQ(Stat(set.id()).sem_perm.mode & 0777, 0666) << "mode after the refused IPC_SET";
}

IPC_CASE(sysv_sem, permissions, ipc_rmid_by_non_owner_fails_eperm,
         .title = "IPC_RMID by a process that is neither owner nor creator fails with EPERM, even with mode 0666",
         .covers = {"semctl.EPERM"}, .statement = kNotOwnerEperm,
         .refs = {"semctl(2) EPERM", "POSIX.1-2017 semctl() [EPERM]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0666);
  RunAs(nobody, "unprivileged child",
        [&] { EXPECT_THAT(semctl(set.id(), 0, IPC_RMID), SyscallFailsWithErrno(EPERM)); });
  semid_ds ds{};
  EXPECT_THAT(semctl(set.id(), 0, IPC_STAT, SemUn{.buf = &ds}), SyscallSucceeds())
      << "the set must still exist after the refused IPC_RMID";
}

IPC_CASE(sysv_sem, permissions, semget_existing_key_checks_requested_mode,
         .title = "semget of an existing key fails with EACCES when the permissions asked for in semflg are not "
                  "granted",
         .covers = {"semget.EACCES", "semget.existing_set_access_checked_against_semflg"},
         .statement = "If the semaphore set already exists, the permissions are verified. ... EACCES A semaphore "
                      "set exists for key, but the calling process does not have permission to access the set.",
         .refs = {"semget(2) DESCRIPTION, EACCES", "POSIX.1-2017 semget() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 1, IPC_CREAT | IPC_EXCL | 0604);  // others: read only
  RunAs(nobody, "unprivileged child", [&] {
    EXPECT_THAT(semget(k.key, 0, 0444), SyscallSucceedsWithValue(set.id())) << "asking for read, which others have";
    EXPECT_THAT(semget(k.key, 0, 0666), SyscallFailsWithErrno(EACCES))
        << "asking for read and alter; others may only read";
    EXPECT_THAT(semget(k.key, 0, 0222), SyscallFailsWithErrno(EACCES)) << "asking for alter";
  });
}

IPC_CASE(sysv_sem, permissions, sem_stat_any_skips_read_check,
         .title = "SEM_STAT needs read permission; SEM_STAT_ANY does not (Linux 4.17+)",
         .covers = {"semctl.SEM_STAT_ANY", "semctl.EACCES"},
         .statement = "SEM_STAT_ANY (Linux-specific, since Linux 4.17) Return a semid_ds structure as for SEM_STAT. "
                      "However, sem_perm.mode is not checked for read access for semid meaning that any user can "
                      "employ this operation.",
         .refs = {"semctl(2) SEM_STAT, SEM_STAT_ANY, EACCES"}, .cls = Conformance::linux_specific,
         .needs = kNeedSecondUid | need::MinKernel(4, 17)) {
  // On a kernel of 4.17 or later, EINVAL from SEM_STAT_ANY means it is missing: a FAIL, not UNSUPPORTED.
  const Identity nobody = SecondIdentity();
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  seminfo info{};
  const int highest = semctl(0, 0, IPC_INFO, SemUn{.info = &info});
  ASSERT_THAT(highest, SyscallSucceeds()) << "IPC_INFO";
  int index = -1;
  for (int i = 0; i <= highest && index < 0; ++i) {
    semid_ds ds{};
    if (semctl(i, 0, SEM_STAT, SemUn{.buf = &ds}) == set.id()) index = i;
  }
  ASSERT_GE(index, 0) << "SEM_STAT (as root) found no index holding the new set";
  RunAs(nobody, "unprivileged child", [&] {
    semid_ds ds{};
    EXPECT_THAT(semctl(index, 0, SEM_STAT, SemUn{.buf = &ds}), SyscallFailsWithErrno(EACCES))
        << "SEM_STAT of a 0600 root set by an unprivileged process";
    EXPECT_THAT(semctl(index, 0, SEM_STAT_ANY, SemUn{.buf = &ds}), SyscallSucceedsWithValue(set.id()))
        << "SEM_STAT_ANY (since Linux 4.17) of the same set by the same process";
    EXPECT_EQ(ds.sem_nsems, 2u) << "sem_nsems from SEM_STAT_ANY";
  });
}

}  // namespace
