// Permission checks on System V shared memory: shmget(2), shmop(2), shmctl(2), and the XSI IPC
// permission rules (owner, group, other classes of shm_perm.mode).
#include "conformance/sysv_shm/shm_util.h"

namespace {

using namespace ipcc;
using namespace ipcc::shmtest;

// Sets shm_perm.uid / gid / mode of a segment as root (the case process).
void SetPerm(int id, uid_t uid, gid_t gid, unsigned mode) {
  shmid_ds ds = Stat(id, "before IPC_SET (set-up)");
  ds.shm_perm.uid = uid;
  ds.shm_perm.gid = gid;
  ds.shm_perm.mode = static_cast<unsigned short>(mode);
  if (shmctl(id, IPC_SET, &ds) != 0) ThrowHarnessError(fmt::format("set-up IPC_SET: {}", ErrnoName(errno)));
}

// shmat as the unprivileged identity in a child; returns errno (0 when the attach worked).
int AttachErrnoAs(const Identity& who, int id, int flags) {
  SharedBox<std::atomic<int>> result;
  result->store(-1);
  Child c = Fork([&] {
    DropPrivileges(who);
    void* r = shmat(id, nullptr, flags);
    if (r == reinterpret_cast<void*>(-1)) {
      result->store(errno);
      return;
    }
    result->store(0);
    shmdt(r);
  });
  ExpectCleanExit(c.Wait(), "unprivileged child");
  return result->load();
}

std::string AttachName(int flags) {
  return flags & SHM_RDONLY ? "shmat(SHM_RDONLY)" : "shmat (read-write)";
}

IPC_CASE(sysv_shm, permissions, attach_0600_root_segment_eacces,
         .title = "an unprivileged user cannot attach a root-owned 0600 segment: EACCES",
         .statement = "EACCES The calling process does not have the required permissions for the requested attach "
                      "type, and does not have the CAP_IPC_OWNER capability in the user namespace that governs its "
                      "IPC namespace.",
         .refs = {"shmop(2) EACCES", "POSIX.1-2017 shmat() [EACCES]",
                  "POSIX.1-2017 XSH 2.7 XSI Interprocess Communication"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  for (int flags : {0, SHM_RDONLY}) {
    const int err = AttachErrnoAs(who, seg.id(), flags);
    EXPECT_EQ(err, EACCES) << AttachName(flags) << " of a root 0600 segment by uid " << who.uid
                           << ": expected EACCES, got " << (err == 0 ? std::string("success") : ErrnoName(err));
  }
}

IPC_CASE(sysv_shm, permissions, rdonly_attach_without_read_eacces,
         .title = "SHM_RDONLY attach without read permission (mode 0602 for others) fails with EACCES",
         .statement = "SHM_RDONLY Attach the segment for read-only access. The process must have read permission "
                      "for the segment. ... There is no notion of a write-only shared memory segment.",
         .refs = {"shmop(2) SHM_RDONLY", "shmop(2) EACCES", "POSIX.1-2017 shmat() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0602);
  for (int flags : {SHM_RDONLY, 0}) {
    const int err = AttachErrnoAs(who, seg.id(), flags);
    EXPECT_EQ(err, EACCES) << AttachName(flags) << " by 'other' with write but no read permission: expected "
                           << "EACCES, got " << (err == 0 ? std::string("success") : ErrnoName(err));
  }
}

IPC_CASE(sysv_shm, permissions, rdonly_attach_allowed_with_0644,
         .title = "an unprivileged user can attach a 0644 segment read-only and read its data",
         .statement = "SHM_RDONLY Attach the segment for read-only access. The process must have read permission "
                      "for the segment.",
         .refs = {"shmop(2) SHM_RDONLY", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0644);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  std::strcpy(p, "readable by others");
  Child c = Fork([&] {
    DropPrivileges(who);
    void* r = shmat(seg.id(), nullptr, SHM_RDONLY);
    ASSERT_THAT(r, SyscallSucceeds()) << "SHM_RDONLY attach of a 0644 segment by an unprivileged user";
    EXPECT_STREQ(static_cast<char*>(r), "readable by others");
    shmdt(r);
  });
  ExpectCleanExit(c.Wait(), "unprivileged reader");
}

IPC_CASE(sysv_shm, permissions, rw_attach_without_write_eacces,
         .title = "a read-write attach of a 0644 segment by an unprivileged user fails with EACCES",
         .statement = "If this flag [SHM_RDONLY] is not specified, the segment is attached for read and write "
                      "access, and the process must have read and write permission for the segment.",
         .refs = {"shmop(2) SHM_RDONLY", "shmop(2) EACCES", "POSIX.1-2017 shmat() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0644);
  const int err = AttachErrnoAs(who, seg.id(), 0);
  EXPECT_EQ(err, EACCES) << "read-write shmat of a 0644 segment by 'other': expected EACCES, got "
                         << (err == 0 ? std::string("success") : ErrnoName(err));
}

IPC_CASE(sysv_shm, permissions, ipc_set_by_non_owner_eperm,
         .title = "IPC_SET by a process that is neither owner nor creator fails with EPERM",
         .statement = "EPERM IPC_SET or IPC_RMID is attempted, and the effective user ID of the calling process is "
                      "not that of the creator (found in shm_perm.cuid), or the owner (found in shm_perm.uid), and "
                      "the process was not privileged.",
         .refs = {"shmctl(2) IPC_SET", "shmctl(2) EPERM", "POSIX.1-2017 shmctl() [EPERM]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0666);
  Child c = Fork([&] {
    DropPrivileges(who);
    shmid_ds ds{};
    ASSERT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallSucceeds()) << "IPC_STAT of a 0666 segment";
    ds.shm_perm.mode = 0600;
    EXPECT_THAT(shmctl(seg.id(), IPC_SET, &ds), SyscallFailsWithErrno(EPERM)) << "IPC_SET by a non-owner";
  });
  ExpectCleanExit(c.Wait(), "unprivileged child");
  EXPECT_EQ(Stat(seg.id()).shm_perm.mode & 0777, 0666u) << "the mode changed although IPC_SET should have failed";
}

IPC_CASE(sysv_shm, permissions, ipc_rmid_by_non_owner_eperm,
         .title = "IPC_RMID by a process that is neither owner nor creator fails with EPERM",
         .statement = "IPC_RMID ... The caller must be the owner or creator of the segment, or be privileged. EPERM "
                      "IPC_SET or IPC_RMID is attempted, and the effective user ID of the calling process is not that "
                      "of the creator ... or the owner ..., and the process was not privileged.",
         .refs = {"shmctl(2) IPC_RMID", "shmctl(2) EPERM", "POSIX.1-2017 shmctl() [EPERM]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0666);
  Child c = Fork([&] {
    DropPrivileges(who);
    EXPECT_THAT(shmctl(seg.id(), IPC_RMID, nullptr), SyscallFailsWithErrno(EPERM)) << "IPC_RMID by a non-owner";
  });
  ExpectCleanExit(c.Wait(), "unprivileged child");
  shmid_ds ds = Stat(seg.id(), "after the refused IPC_RMID");
  EXPECT_EQ(ds.shm_perm.mode & SHM_DEST, 0u) << "the segment was marked for destruction by a non-owner";
}

IPC_CASE(sysv_shm, permissions, creator_keeps_control_after_owner_change,
         .title = "the creator may still IPC_SET and IPC_RMID after giving ownership to another uid",
         .statement = "The effective UID of the calling process must match the owner (shm_perm.uid) or creator "
                      "(shm_perm.cuid) of the shared memory segment, or the caller must be privileged.",
         .refs = {"shmctl(2) IPC_SET", "shmctl(2) IPC_RMID", "POSIX.1-2017 shmctl()"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  SharedBox<std::atomic<int>> box;
  box->store(-1);
  const uid_t other_uid = geteuid();
  Child c = Fork([&] {
    DropPrivileges(who);
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
    EXPECT_THAT(shmctl(id, IPC_RMID, nullptr), SyscallSucceeds()) << "IPC_RMID by the creator who is no longer owner";
  });
  ExpectCleanExit(c.Wait(), "unprivileged creator");
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
  int err = AttachErrnoAs(who, seg.id(), SHM_RDONLY);
  EXPECT_EQ(err, 0) << "SHM_RDONLY attach with group read (mode 0640, shm_perm.gid = " << who.gid
                    << "): expected success, got " << ErrnoName(err);
  err = AttachErrnoAs(who, seg.id(), 0);
  EXPECT_EQ(err, EACCES) << "read-write attach with only group read: expected EACCES, got "
                         << (err == 0 ? std::string("success") : ErrnoName(err));
  // The same mode with a group that does not match: the 'other' bits (none) apply.
  SetPerm(seg.id(), geteuid(), other_gid, 0640);
  err = AttachErrnoAs(who, seg.id(), SHM_RDONLY);
  EXPECT_EQ(err, EACCES) << "SHM_RDONLY attach when the group no longer matches: expected EACCES, got "
                         << (err == 0 ? std::string("success") : ErrnoName(err));
}

IPC_CASE(sysv_shm, permissions, owner_bits_follow_ipc_set_uid,
         .title = "after IPC_SET gives the segment to a uid, that uid gets the owner bits",
         .statement = "shm_perm.uid: Effective UID of owner. 0400 Read by user, 0200 Write by user. (The owner "
                      "class applies when the effective uid matches shm_perm.uid or shm_perm.cuid.)",
         .refs = {"shmctl(2) DESCRIPTION", "shmctl(2) IPC_SET", "POSIX.1-2017 XSH 2.7 XSI Interprocess Communication"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  int err = AttachErrnoAs(who, seg.id(), 0);
  EXPECT_EQ(err, EACCES) << "before the owner change: expected EACCES, got "
                         << (err == 0 ? std::string("success") : ErrnoName(err));
  SetPerm(seg.id(), who.uid, getegid(), 0600);
  err = AttachErrnoAs(who, seg.id(), 0);
  EXPECT_EQ(err, 0) << "read-write attach by the new owner (mode 0600): expected success, got " << ErrnoName(err);
}

IPC_CASE(sysv_shm, permissions, owner_class_checked_before_others,
         .title = "the owner gets only the owner bits, even when group and other bits would allow more",
         .statement = "(XSI IPC permissions) The user class applies when the effective user ID matches "
                      "shm_perm.cuid or shm_perm.uid; only otherwise are the group, then the other bits used.",
         .refs = {"POSIX.1-2017 XSH 2.7 XSI Interprocess Communication", "shmctl(2) DESCRIPTION"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  SetPerm(seg.id(), who.uid, getegid(), 0066);
  for (int flags : {0, SHM_RDONLY}) {
    const int err = AttachErrnoAs(who, seg.id(), flags);
    EXPECT_EQ(err, EACCES) << AttachName(flags) << " by the owner of a 0066 segment: expected EACCES (owner bits "
                           << "are 0), got " << (err == 0 ? std::string("success") : ErrnoName(err));
  }
}

IPC_CASE(sysv_shm, permissions, ipc_stat_without_read_eacces,
         .title = "IPC_STAT without read permission fails with EACCES",
         .statement = "IPC_STAT ... The caller must have read permission on the shared memory segment. EACCES "
                      "IPC_STAT or SHM_STAT is requested and shm_perm.mode does not allow read access for shmid",
         .refs = {"shmctl(2) IPC_STAT", "shmctl(2) EACCES", "POSIX.1-2017 shmctl() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  Child c = Fork([&] {
    DropPrivileges(who);
    shmid_ds ds{};
    EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EACCES)) << "IPC_STAT of a root 0600 segment";
  });
  ExpectCleanExit(c.Wait(), "unprivileged child");
}

IPC_CASE(sysv_shm, permissions, shmget_existing_without_permission_eacces,
         .title = "shmget of an existing key asking for access the user lacks fails with EACCES",
         .statement = "If this flag [IPC_CREAT] is not used, then shmget() will find the segment associated with "
                      "key and check to see if the user has permission to access the segment. EACCES The user does "
                      "not have permission to access the shared memory segment",
         .refs = {"shmget(2) IPC_CREAT", "shmget(2) EACCES", "POSIX.1-2017 shmget() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity who = SecondIdentity();
  KeyFile k = FreshKey();
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  Child c = Fork([&] {
    DropPrivileges(who);
    EXPECT_THAT(shmget(k.key, 0, 0600), SyscallFailsWithErrno(EACCES)) << "asking read-write on a root 0600 segment";
    EXPECT_THAT(shmget(k.key, 0, 0400), SyscallFailsWithErrno(EACCES)) << "asking read on a root 0600 segment";
  });
  ExpectCleanExit(c.Wait(), "unprivileged child");
}

IPC_CASE(sysv_shm, permissions, shm_stat_any_ignores_read_permission,
         .title = "SHM_STAT_ANY returns a segment's shmid_ds without read permission, where SHM_STAT gives EACCES",
         .statement = "SHM_STAT_ANY (Linux-specific, since Linux 4.17) Return a shmid_ds structure as for SHM_STAT. "
                      "However, shm_perm.mode is not checked for read access for shmid, meaning that any user can "
                      "employ this operation.",
         .refs = {"shmctl(2) SHM_STAT_ANY", "shmctl(2) SHM_STAT", "shmctl(2) EACCES"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid | need::MinKernel(4, 17)) {
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 3 * PageSize(), IPC_CREAT | 0600);
  // Find the segment's index as root (set-up: SHM_INFO and SHM_STAT have cases of their own).
  struct shm_info info {};
  const int max_index = IPCC_SETUP(shmctl(0, SHM_INFO, reinterpret_cast<shmid_ds*>(&info)));
  int index = -1;
  for (int i = 0; i <= max_index && index < 0; ++i) {
    shmid_ds d{};
    if (shmctl(i, SHM_STAT, &d) == seg.id()) index = i;
  }
  if (index < 0) {
    ThrowHarnessError(fmt::format("set-up: SHM_STAT over indexes 0..{} never returned id {}", max_index, seg.id()));
  }
  Child c = Fork([&] {
    DropPrivileges(who);
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
  ExpectCleanExit(c.Wait(), "unprivileged child");
}

IPC_CASE(sysv_shm, permissions, shm_unlock_by_non_owner_eperm,
         .title = "SHM_LOCK and SHM_UNLOCK by an unprivileged non-owner fail with EPERM",
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
         .statement = "EACCES The calling process does not have the required permissions for the requested attach "
                      "type, and does not have the CAP_IPC_OWNER capability in the user namespace that governs its "
                      "IPC namespace.",
         .refs = {"shmop(2) EACCES", "shmctl(2) EACCES", "capabilities(7) CAP_IPC_OWNER"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | IPCC_NEED_CAPABILITY(CAP_IPC_OWNER) | kNeedSecondUid) {
  const Identity who = SecondIdentity();
  SharedBox<std::atomic<int>> box;
  box->store(-1);
  Child c = Fork([&] {
    DropPrivileges(who);
    int id = -1;
    EXPECT_THAT(id = shmget(IPC_PRIVATE, PageSize(), IPC_CREAT | 0000), SyscallSucceeds());
    box->store(id);
    if (id < 0) return;
    CheckpointPost(0);
    CheckpointWait(1);  // the creator stays while root looks (kernel.shm_rmid_forced may be 1)
  });
  const bool created = AwaitCheckpoint(c, 0);
  Segment seg(box->load());
  if (!created) return;
  shmid_ds ds = Stat(seg.id(), "by root of a 0000 segment owned by another uid");
  EXPECT_EQ(ds.shm_perm.cuid, who.uid) << "set-up: the segment's creator";
  void* r = shmat(seg.id(), nullptr, 0);
  EXPECT_THAT(r, SyscallSucceeds()) << "read-write shmat by root of a 0000 segment owned by uid " << who.uid;
  Attachment att(r == reinterpret_cast<void*>(-1) ? nullptr : r);
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "unprivileged creator");
}

}  // namespace
