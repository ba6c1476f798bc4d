// shmget(2), shmop(2), shmctl(2) and the XSI IPC permission rules: who may use a System V segment.
#include <sys/resource.h>

#include <atomic>
#include <cstring>
#include <initializer_list>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_shm;

// Sets shm_perm.uid / gid / mode of a segment as root (the case process): set-up.
void SetPerm(int id, uid_t uid, gid_t gid, unsigned mode) {
  IPCC_SETUP(IpcSet(id, [&](shmid_ds& ds) {
    ds.shm_perm.uid = uid;
    ds.shm_perm.gid = gid;
    ds.shm_perm.mode = static_cast<unsigned short>(mode);
  }));
}

std::string Outcome(int err) {
  return err == 0 ? std::string("success") : ErrnoName(err);
}

// shmat(id, NULL, flags) as `who` in a child, expected to give `expected` (0: success, else that errno).
void ExpectAttachAs(const Identity& who, int id, int flags, int expected, const std::string& what) {
  SharedPage<std::atomic<int>> result;
  result->store(-1);
  RunAs(who, [&] {
    void* r = shmat(id, nullptr, flags);
    result->store(SyscallFailed(r) ? errno : 0);
    Attachment detach(r);
  });
  const int err = result->load();
  EXPECT_EQ(err, expected) << (flags & SHM_RDONLY ? "shmat(SHM_RDONLY)" : "shmat (read-write)") << " " << what
                           << " by uid " << who.uid << ": expected " << Outcome(expected) << ", got " << Outcome(err);
}

// A new root-owned private segment of `mode`, which the second identity's shmat with each of `flags` is to
// be refused with EACCES.
void ExpectAttachRefused(int mode, std::initializer_list<int> flags, const std::string& what) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | mode);
  for (int f : flags) ExpectAttachAs(who, seg.id(), f, EACCES, what);
}

IPC_CASE(sysv_shm, permissions, attach_0600_root_segment_eacces,
         .title = "an unprivileged user cannot attach a root-owned 0600 segment: EACCES", .covers = {"shmat.EACCES"},
         .statement = "EACCES The calling process does not have the required permissions for the requested attach "
                      "type, and does not have the CAP_IPC_OWNER capability in the user namespace that governs its "
                      "IPC namespace.",
         .refs = {"shmop(2) EACCES", "POSIX.1-2017 shmat() [EACCES]",
                  "POSIX.1-2017 XSH 2.7 XSI Interprocess Communication"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  ExpectAttachRefused(0600, {0, SHM_RDONLY}, "of a root 0600 segment");
}

IPC_CASE(sysv_shm, permissions, rdonly_attach_without_read_eacces,
         .title = "SHM_RDONLY attach without read permission (mode 0602 for others) fails with EACCES",
         .covers = {"shmat.EACCES", "shmat.rdonly_needs_read_permission"},
         .statement = "SHM_RDONLY Attach the segment for read-only access. The process must have read permission "
                      "for the segment. ... There is no notion of a write-only shared memory segment.",
         .refs = {"shmop(2) SHM_RDONLY", "shmop(2) EACCES", "POSIX.1-2017 shmat() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  ExpectAttachRefused(0602, {SHM_RDONLY, 0}, "by 'other' with write but no read permission");
}

IPC_CASE(sysv_shm, permissions, rdonly_attach_allowed_with_0644,
         .title = "an unprivileged user can attach a 0644 segment read-only and read its data",
         .covers = {"shmat.rdonly_needs_read_permission"},
         .statement = "SHM_RDONLY Attach the segment for read-only access. The process must have read permission "
                      "for the segment.",
         .refs = {"shmop(2) SHM_RDONLY", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0644);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  std::strcpy(p.get(), "readable by others");
  RunAs(
      who,
      [&] {
        IPCC_SHM_ATTACH(r, seg.id(), nullptr, SHM_RDONLY)
            << ": SHM_RDONLY attach of a 0644 segment by an unprivileged user";
        EXPECT_STREQ(r.get(), "readable by others");
      },
      "unprivileged reader");
}

IPC_CASE(sysv_shm, permissions, rw_attach_without_write_eacces,
         .title = "a read-write attach of a 0644 segment by an unprivileged user fails with EACCES",
         .covers = {"shmat.EACCES", "shmat.rw_needs_read_and_write_permission"},
         .statement = "If this flag [SHM_RDONLY] is not specified, the segment is attached for read and write "
                      "access, and the process must have read and write permission for the segment.",
         .refs = {"shmop(2) SHM_RDONLY", "shmop(2) EACCES", "POSIX.1-2017 shmat() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  ExpectAttachRefused(0644, {0}, "of a 0644 segment by 'other'");
}

IPC_CASE(sysv_shm, permissions, ipc_set_by_non_owner_eperm,
         .title = "IPC_SET by a process that is neither owner nor creator fails with EPERM", .covers = {"shmctl.EPERM"},
         .statement = "EPERM IPC_SET or IPC_RMID is attempted, and the effective user ID of the calling process is "
                      "not that of the creator (found in shm_perm.cuid), or the owner (found in shm_perm.uid), and "
                      "the process was not privileged.",
         .refs = {"shmctl(2) IPC_SET", "shmctl(2) EPERM", "POSIX.1-2017 shmctl() [EPERM]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0666);
  RunAs(who, [&] {
    shmid_ds ds{};
    ASSERT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallSucceeds()) << "IPC_STAT of a 0666 segment";
    ds.shm_perm.mode = 0600;
    EXPECT_THAT(shmctl(seg.id(), IPC_SET, &ds), SyscallFailsWithErrno(EPERM)) << "IPC_SET by a non-owner";
  });
  EXPECT_EQ(Stat(seg.id()).shm_perm.mode & 0777, 0666u) << "the mode changed although IPC_SET should have failed";
}

IPC_CASE(sysv_shm, permissions, ipc_rmid_by_non_owner_eperm,
         .title = "IPC_RMID by a process that is neither owner nor creator fails with EPERM",
         .covers = {"shmctl.EPERM"},
         .statement = "IPC_RMID ... The caller must be the owner or creator of the segment, or be privileged. EPERM "
                      "IPC_SET or IPC_RMID is attempted, and the effective user ID of the calling process is not that "
                      "of the creator ... or the owner ..., and the process was not privileged.",
         .refs = {"shmctl(2) IPC_RMID", "shmctl(2) EPERM", "POSIX.1-2017 shmctl() [EPERM]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0666);
  RunAs(who, [&] {
    EXPECT_THAT(shmctl(seg.id(), IPC_RMID, nullptr), SyscallFailsWithErrno(EPERM)) << "IPC_RMID by a non-owner";
  });
  shmid_ds ds = Stat(seg.id(), "after the refused IPC_RMID");
  EXPECT_EQ(ds.shm_perm.mode & SHM_DEST, 0u) << "the segment was marked for destruction by a non-owner";
}

IPC_CASE(sysv_shm, permissions, creator_keeps_control_after_owner_change,
         .title = "the creator may still IPC_SET and IPC_RMID after giving ownership to another uid",
         .covers = {"shmctl.creator_keeps_control"},
         .statement = "The effective UID of the calling process must match the owner (shm_perm.uid) or creator "
                      "(shm_perm.cuid) of the shared memory segment, or the caller must be privileged.",
         .refs = {"shmctl(2) IPC_SET", "shmctl(2) IPC_RMID", "POSIX.1-2017 shmctl()"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  SharedPage<std::atomic<int>> box;
  box->store(-1);
  const uid_t other_uid = geteuid();
  RunAs(
      who,
      [&] {
        int id = -1;
        ASSERT_THAT(id = shmget(IPC_PRIVATE, PageSize(), IPC_CREAT | 0600), SyscallSucceeds());
        box->store(id);
        shmid_ds ds{};
        ASSERT_THAT(shmctl(id, IPC_STAT, &ds), SyscallSucceeds());
        ds.shm_perm.uid = other_uid;  // give the segment away
        ASSERT_THAT(shmctl(id, IPC_SET, &ds), SyscallSucceeds()) << "IPC_SET by the owner, changing the owner";
        ASSERT_THAT(shmctl(id, IPC_STAT, &ds), SyscallSucceeds()) << "IPC_STAT by the creator (no longer owner)";
        EXPECT_EQ(ds.shm_perm.uid, other_uid) << "shm_perm.uid after giving the segment away";
        ds.shm_perm.mode = 0640;
        EXPECT_THAT(shmctl(id, IPC_SET, &ds), SyscallSucceeds()) << "IPC_SET by the creator who is no longer owner";
        EXPECT_THAT(shmctl(id, IPC_RMID, nullptr), SyscallSucceeds())
            << "IPC_RMID by the creator who is no longer owner";
      },
      "unprivileged creator");
  Segment seg(box->load());
  if (seg.id() < 0) return;
  shmid_ds ds{};
  if (shmctl(seg.id(), IPC_STAT, &ds) == 0) {
    ADD_FAILURE() << "the segment still exists: the creator's IPC_RMID did not remove it";
  } else {
    seg.Forget();
  }
}

IPC_CASE(sysv_shm, permissions, group_bits_grant_access,
         .title = "the group bits apply to a process whose group matches shm_perm.gid",
         .covers = {"shmctl.group_bits_decide_for_group"},
         .statement = "The least significant 9 bits of the mode field ... define the access permissions for the "
                      "shared memory segment: 0400 Read by user, 0200 Write by user, 0040 Read by group, 0020 Write "
                      "by group, 0004 Read by others, 0002 Write by others.",
         .refs = {"shmctl(2) DESCRIPTION", "POSIX.1-2017 XSH 2.7 XSI Interprocess Communication"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  // The creator's group (shm_perm.cgid) grants the group bits too, so the segment is created under a
  // group that is not the identity's, even when the identity shares the case's group.
  const gid_t case_gid = getegid();
  const bool shared_group = who.gid == case_gid;
  if (shared_group) IPCC_SETUP(setegid(who.gid + 1));
  const int id = shmget(IPC_PRIVATE, PageSize(), IPC_CREAT | 0640);
  const int create_err = errno;
  if (shared_group) IPCC_SETUP(setegid(case_gid));
  if (id < 0) ThrowHarnessError("set-up: shmget(IPC_PRIVATE, IPC_CREAT | 0640): " + ErrnoName(create_err));
  Segment seg(id);
  const gid_t other_gid = Stat(seg.id()).shm_perm.cgid;
  // Group is the unprivileged identity's group: read is granted, write is not.
  SetPerm(seg.id(), geteuid(), who.gid, 0640);
  ExpectAttachAs(who, seg.id(), SHM_RDONLY, 0,
                 "with group read (mode 0640, shm_perm.gid = " + std::to_string(who.gid) + ")");
  ExpectAttachAs(who, seg.id(), 0, EACCES, "with only group read");
  // The same mode with a group that does not match: the 'other' bits (none) apply.
  SetPerm(seg.id(), geteuid(), other_gid, 0640);
  ExpectAttachAs(who, seg.id(), SHM_RDONLY, EACCES, "when the group no longer matches");
}

IPC_CASE(sysv_shm, permissions, owner_bits_follow_ipc_set_uid,
         .title = "after IPC_SET gives the segment to a uid, that uid gets the owner bits",
         .covers = {"shmctl.new_owner_gets_owner_bits"},
         .statement = "shm_perm.uid: Effective UID of owner. 0400 Read by user, 0200 Write by user. (The owner "
                      "class applies when the effective uid matches shm_perm.uid or shm_perm.cuid.)",
         .refs = {"shmctl(2) DESCRIPTION", "shmctl(2) IPC_SET", "POSIX.1-2017 XSH 2.7 XSI Interprocess Communication"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  ExpectAttachAs(who, seg.id(), 0, EACCES, "before the owner change");
  SetPerm(seg.id(), who.uid, getegid(), 0600);
  ExpectAttachAs(who, seg.id(), 0, 0, "by the new owner (mode 0600)");
}

IPC_CASE(sysv_shm, permissions, owner_class_checked_before_others,
         .title = "the owner gets only the owner bits, even when group and other bits would allow more",
         .covers = {"shmctl.owner_bits_decide_for_owner"},
         .statement = "(XSI IPC permissions) The user class applies when the effective user ID matches "
                      "shm_perm.cuid or shm_perm.uid; only otherwise are the group, then the other bits used.",
         .refs = {"POSIX.1-2017 XSH 2.7 XSI Interprocess Communication", "shmctl(2) DESCRIPTION"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  SetPerm(seg.id(), who.uid, getegid(), 0066);
  for (int flags : {0, SHM_RDONLY}) {
    ExpectAttachAs(who, seg.id(), flags, EACCES, "by the owner of a 0066 segment (owner bits are 0)");
  }
}

IPC_CASE(sysv_shm, permissions, ipc_stat_without_read_eacces,
         .title = "IPC_STAT without read permission fails with EACCES", .covers = {"shmctl.EACCES", "shmctl.IPC_STAT"},
         .statement = "IPC_STAT ... The caller must have read permission on the shared memory segment. EACCES "
                      "IPC_STAT or SHM_STAT is requested and shm_perm.mode does not allow read access for shmid",
         .refs = {"shmctl(2) IPC_STAT", "shmctl(2) EACCES", "POSIX.1-2017 shmctl() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  RunAs(who, [&] {
    shmid_ds ds{};
    EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EACCES)) << "IPC_STAT of a root 0600 segment";
  });
}

IPC_CASE(sysv_shm, permissions, shmget_existing_without_permission_eacces,
         .title = "shmget of an existing key asking for access the user lacks fails with EACCES",
         .covers = {"shmget.EACCES", "shmget.existing_segment_access_checked_against_shmflg"},
         .statement = "If this flag [IPC_CREAT] is not used, then shmget() will find the segment associated with "
                      "key and check to see if the user has permission to access the segment. EACCES The user does "
                      "not have permission to access the shared memory segment",
         .refs = {"shmget(2) IPC_CREAT", "shmget(2) EACCES", "POSIX.1-2017 shmget() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  RunAs(who, [&] {
    EXPECT_THAT(shmget(k.key, 0, 0600), SyscallFailsWithErrno(EACCES)) << "asking read-write on a root 0600 segment";
    EXPECT_THAT(shmget(k.key, 0, 0400), SyscallFailsWithErrno(EACCES)) << "asking read on a root 0600 segment";
  });
}

IPC_CASE(sysv_shm, permissions, shm_stat_any_ignores_read_permission,
         .title = "SHM_STAT_ANY returns a segment's shmid_ds without read permission, where SHM_STAT gives EACCES",
         .covers = {"shmctl.SHM_STAT_ANY", "shmctl.EACCES"},
         .statement = "SHM_STAT_ANY (Linux-specific, since Linux 4.17) Return a shmid_ds structure as for SHM_STAT. "
                      "However, shm_perm.mode is not checked for read access for shmid, meaning that any user can "
                      "employ this operation.",
         .refs = {"shmctl(2) SHM_STAT_ANY", "shmctl(2) SHM_STAT", "shmctl(2) EACCES"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid | need::MinKernel(4, 17)) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 3 * PageSize(), IPC_CREAT | 0600);
  // Find the segment's index as root (set-up: SHM_INFO and SHM_STAT have cases of their own).
  struct shm_info info {};
  const int max_index = IPCC_SETUP(ShmInfo(&info));
  const int index = FindIndex(seg.id(), max_index);
  if (index < 0) {
    ThrowHarnessError(fmt::format("set-up: SHM_STAT over indexes 0..{} never returned id {}", max_index, seg.id()));
  }
  RunAs(who, [&] {
    shmid_ds ds{};
    EXPECT_THAT(shmctl(index, SHM_STAT, &ds), SyscallFailsWithErrno(EACCES)) << "SHM_STAT without read permission";
    // The kernel is at least 4.17 (declared): EINVAL here means the command is missing.
    int r = -1;
    EXPECT_THAT(r = shmctl(index, SHM_STAT_ANY, &ds), SyscallSucceedsWithValue(seg.id()))
        << "SHM_STAT_ANY (since Linux 4.17) of index " << index << " without read permission";
    if (r >= 0) {
      EXPECT_EQ(ds.shm_segsz, 3 * PageSize()) << "shm_segsz from SHM_STAT_ANY";
    }
  });
}

IPC_CASE(sysv_shm, permissions, shm_unlock_by_non_owner_eperm,
         .title = "SHM_LOCK and SHM_UNLOCK by an unprivileged non-owner fail with EPERM",
         .covers = {"shmctl.EPERM", "shmctl.lock_needs_owner_or_privilege"},
         .statement = "Since Linux 2.6.10, an unprivileged process can employ these operations if its effective UID "
                      "matches the owner or creator UID of the segment ... EPERM",
         .refs = {"shmctl(2) SHM_LOCK", "shmctl(2) EPERM"}, .cls = Conformance::linux_specific,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0666);
  ScopedCleanup unlock([&] { shmctl(seg.id(), SHM_UNLOCK, nullptr); });  // in case the lock went through
  Child c = Fork([&] {
    rlimit lim{1 << 20, 1 << 20};  // a memlock allowance, so that only ownership decides
    setrlimit(RLIMIT_MEMLOCK, &lim);
    DropPrivileges(who);
    EXPECT_THAT(shmctl(seg.id(), SHM_LOCK, nullptr), SyscallFailsWithErrno(EPERM)) << "SHM_LOCK by a non-owner";
    EXPECT_THAT(shmctl(seg.id(), SHM_UNLOCK, nullptr), SyscallFailsWithErrno(EPERM)) << "SHM_UNLOCK by a non-owner";
  });
  ExpectCleanExit(c.Wait(), "unprivileged child");
  EXPECT_EQ(Stat(seg.id()).shm_perm.mode & SHM_LOCKED, 0u) << "a non-owner locked the segment";
}

IPC_CASE(sysv_shm, permissions, shm_lock_by_owner_within_memlock,
         .title = "an unprivileged owner can SHM_LOCK and SHM_UNLOCK within RLIMIT_MEMLOCK",
         .covers = {"shmctl.unprivileged_owner_may_lock"},
         .statement = "Since Linux 2.6.10, an unprivileged process can employ these operations if its effective UID "
                      "matches the owner or creator UID of the segment, and (for SHM_LOCK) the amount of memory to be "
                      "locked falls within the RLIMIT_MEMLOCK resource limit.",
         .refs = {"shmctl(2) SHM_LOCK", "setrlimit(2) RLIMIT_MEMLOCK"}, .cls = Conformance::linux_specific,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  SetPerm(seg.id(), who.uid, who.gid, 0600);
  ScopedCleanup unlock([&] { shmctl(seg.id(), SHM_UNLOCK, nullptr); });
  Child c = Fork([&] {
    rlimit lim{1 << 20, 1 << 20};
    if (setrlimit(RLIMIT_MEMLOCK, &lim) != 0) ThrowHarnessError("setrlimit(RLIMIT_MEMLOCK): " + ErrnoName(errno));
    DropPrivileges(who);
    ASSERT_THAT(shmctl(seg.id(), SHM_LOCK, nullptr), SyscallSucceeds()) << "SHM_LOCK by the unprivileged owner";
    shmid_ds ds{};
    ASSERT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallSucceeds());
    EXPECT_NE(ds.shm_perm.mode & SHM_LOCKED, 0u) << "SHM_LOCKED not set after the owner's SHM_LOCK";
    EXPECT_THAT(shmctl(seg.id(), SHM_UNLOCK, nullptr), SyscallSucceeds()) << "SHM_UNLOCK by the unprivileged owner";
    ASSERT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallSucceeds());
    EXPECT_EQ(ds.shm_perm.mode & SHM_LOCKED, 0u) << "SHM_LOCKED still set after the owner's SHM_UNLOCK";
  });
  ExpectCleanExit(c.Wait(), "unprivileged owner");
}

IPC_CASE(sysv_shm, permissions, cap_ipc_owner_bypasses_mode,
         .title = "a process with CAP_IPC_OWNER (root) attaches and stats a mode-0000 segment of another user",
         .covers = {"shmat.cap_ipc_owner_bypasses_mode", "shmctl.cap_ipc_owner_bypasses_mode"},
         .statement = "EACCES The calling process does not have the required permissions for the requested attach "
                      "type, and does not have the CAP_IPC_OWNER capability in the user namespace that governs its "
                      "IPC namespace.",
         .refs = {"shmop(2) EACCES", "shmctl(2) EACCES", "capabilities(7) CAP_IPC_OWNER"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | IPCC_NEED_CAPABILITY(CAP_IPC_OWNER) | kNeedSecondUid) {
  const Identity who = SecondIdentity();
  // Created by the other user, who stays while root looks (kernel.shm_rmid_forced may be 1).
  CreatingChild creator(PageSize(), IPC_CREAT | 0000, &who);
  if (!creator.Created()) return;
  shmid_ds ds = Stat(creator.id(), "by root of a 0000 segment owned by another uid");
  EXPECT_EQ(ds.shm_perm.cuid, who.uid) << "set-up: the segment's creator";
  Attachment att(shmat(creator.id(), nullptr, 0));
  EXPECT_THAT(att.raw(), SyscallSucceeds()) << "read-write shmat by root of a 0000 segment owned by uid " << who.uid;
  creator.Release("unprivileged creator");
}

}  // namespace
