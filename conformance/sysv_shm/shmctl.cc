// shmctl(2): removal, status and control of System V shared memory segments.
#include <cstring>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_shm;

IPC_CASE(sysv_shm, shmctl, rmid_lifetime,
         .title = "after IPC_RMID attached processes keep using the segment; it is destroyed at the last detach",
         .covers = {"IPC_RMID", "rmid_destroys_at_last_detach"},
         .statement = "IPC_RMID Mark the segment to be destroyed. The segment will actually be destroyed only "
                      "after the last process detaches it (i.e., when the shm_nattch member of the associated "
                      "structure shmid_ds is zero).",
         .refs = {"shmctl(2) IPC_RMID", "shmop(2) shmdt()", "POSIX.1-2017 shmctl() IPC_RMID"},
         .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  const int id = seg.id();
  HeldChild c = AttachedChild(id, [](volatile char* q) {
    // The segment is marked for removal now.
    EXPECT_EQ(q[0], 'P') << "after IPC_RMID the attached child no longer sees the parent's data";
    q[1] = 'C';  // and it can still write
    CheckpointPost(2);
    CheckpointWait(3);  // the parent has detached: the child is the last one attached
    EXPECT_EQ(q[2], 'Q') << "after IPC_RMID the child does not see the parent's later write";
    EXPECT_THAT(shmdt(const_cast<char*>(q)), SyscallSucceeds()) << "the last detach";
    CheckpointPost(4);
    CheckpointWait(5);
  });
  IPCC_SHM_ATTACH(att, id, nullptr, 0);
  volatile char* p = att.bytes();
  p[0] = 'P';
  if (!c.Held()) return;
  ASSERT_THAT(shmctl(id, IPC_RMID, nullptr), SyscallSucceeds()) << "IPC_RMID with two processes attached";
  c.Go();
  if (!AwaitCheckpoint(c.child(), 2)) return;
  EXPECT_EQ(p[1], 'C') << "after IPC_RMID the parent does not see the attached child's write";
  p[2] = 'Q';
  ASSERT_THAT(att.Detach(), SyscallSucceeds()) << "shmdt by the parent (not the last attach)";
  CheckpointPost(3);
  if (!AwaitCheckpoint(c.child(), 4)) return;
  // The last process has detached: the segment and its id are gone.
  shmid_ds ds{};
  EXPECT_THAT(shmctl(id, IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
      << "IPC_STAT after the last detach of a removed segment";
  Attachment again(shmat(id, nullptr, 0));
  EXPECT_THAT(again.raw(), SyscallFailsWithErrno(EINVAL)) << "shmat after the last detach of a removed segment";
  seg.Forget();
  CheckpointPost(5);
  c.ExpectExit("attached child");
}

IPC_CASE(sysv_shm, shmctl, rmid_key_no_longer_finds_segment,
         .title = "after IPC_RMID (still attached) the key finds nothing; IPC_CREAT makes a new, empty segment",
         .covers = {"rmid_frees_key", "shmget.ENOENT"},
         .statement = "IPC_RMID Mark the segment to be destroyed. (POSIX: Remove the shared memory identifier "
                      "specified by shmid from the system.) ENOENT No segment exists for the given key, and "
                      "IPC_CREAT was not specified.",
         .refs = {"shmctl(2) IPC_RMID", "shmget(2) ENOENT", "POSIX.1-2017 shmctl() IPC_RMID"},
         .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  std::strcpy(p.get(), "old");
  ASSERT_THAT(shmctl(seg.id(), IPC_RMID, nullptr), SyscallSucceeds());
  EXPECT_THAT(shmget(k.key, 0, 0), SyscallFailsWithErrno(ENOENT)) << "the key of a removed, still attached segment";
  int r = -1;
  EXPECT_THAT(r = shmget(k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600), SyscallSucceeds())
      << "IPC_CREAT|IPC_EXCL with the key of a removed, still attached segment";
  Segment fresh(r);
  if (r < 0) return;
  EXPECT_NE(r, seg.id()) << "the new segment has the removed segment's id";
  IPCC_SHM_ATTACH(q, r, nullptr, 0);
  EXPECT_EQ(q[0], 0) << "the new segment for the key holds the removed segment's data";
  EXPECT_STREQ(p.get(), "old") << "creating a new segment for the key changed the removed, attached one";
}

IPC_CASE(sysv_shm, shmctl, rmid_sets_shm_dest,
         .title = "IPC_RMID of an attached segment sets SHM_DEST in shm_perm.mode; IPC_STAT still works",
         .covers = {"rmid_sets_shm_dest"},
         .statement = "If a segment has been marked for destruction, then the (nonstandard) SHM_DEST flag of the "
                      "shm_perm.mode field in the associated data structure retrieved by IPC_STAT will be set.",
         .refs = {"shmctl(2) IPC_RMID"}, .cls = Conformance::linux_specific) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(att, seg.id(), nullptr, 0);
  EXPECT_EQ(Stat(seg.id()).shm_perm.mode & SHM_DEST, 0u) << "SHM_DEST is set before IPC_RMID";
  ASSERT_THAT(shmctl(seg.id(), IPC_RMID, nullptr), SyscallSucceeds());
  shmid_ds ds = Stat(seg.id(), "after IPC_RMID while attached");
  EXPECT_NE(ds.shm_perm.mode & SHM_DEST, 0u)
      << "expected SHM_DEST (01000) in shm_perm.mode after IPC_RMID, mode is 0" << std::oct << ds.shm_perm.mode;
  EXPECT_EQ(ds.shm_nattch, 1u) << "shm_nattch of the removed, attached segment";
  ASSERT_THAT(att.Detach(), SyscallSucceeds());
  EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL)) << "after the last detach";
  seg.Forget();
}

IPC_CASE(sysv_shm, shmctl, rmid_segment_still_attachable,
         .title = "Linux lets a process attach a segment marked for destruction while it is still attached",
         .covers = {"removed_segment_still_attachable"},
         .statement = "Linux permits a process to attach (shmat(2)) a shared memory segment that has already "
                      "been marked for deletion using shmctl(IPC_RMID). This feature is not available on other "
                      "UNIX implementations.",
         .refs = {"shmctl(2) NOTES", "shmop(2) NOTES"}, .cls = Conformance::linux_specific) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(a, seg.id(), nullptr, 0);
  a[0] = 'r';
  ASSERT_THAT(shmctl(seg.id(), IPC_RMID, nullptr), SyscallSucceeds());
  IPCC_SHM_ATTACH(b, seg.id(), nullptr, 0) << ": shmat of a segment marked with IPC_RMID that is still attached";
  EXPECT_EQ(b.bytes()[0], 'r') << "the new attach does not show the removed segment's data";
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "shm_nattch after attaching the removed segment again";
  ASSERT_THAT(a.Detach(), SyscallSucceeds());
  ASSERT_THAT(b.Detach(), SyscallSucceeds());
  shmid_ds ds{};
  EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL)) << "after both detached";
  seg.Forget();
}

IPC_CASE(sysv_shm, shmctl, rmid_unattached_destroys_now,
         .title = "IPC_RMID of a segment nobody has attached destroys it at once: the id gives EINVAL",
         .covers = {"rmid_unattached_destroys_now", "EINVAL"},
         .statement = "The segment will actually be destroyed only after the last process detaches it (i.e., when "
                      "the shm_nattch member of the associated structure shmid_ds is zero). EINVAL shmid is not a "
                      "valid identifier",
         .refs = {"shmctl(2) IPC_RMID", "shmctl(2) EINVAL", "POSIX.1-2017 shmctl() IPC_RMID"},
         .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  ASSERT_THAT(shmctl(seg.id(), IPC_RMID, nullptr), SyscallSucceeds());
  shmid_ds ds{};
  EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL)) << "IPC_STAT";
  Attachment g(shmat(seg.id(), nullptr, 0));
  EXPECT_THAT(g.raw(), SyscallFailsWithErrno(EINVAL)) << "shmat";
  EXPECT_THAT(shmctl(seg.id(), IPC_RMID, nullptr), SyscallFailsWithErrno(EINVAL)) << "a second IPC_RMID";
  seg.Forget();
}

IPC_CASE(sysv_shm, shmctl, rmid_last_exit_destroys,
         .title = "a removed segment is destroyed when its last attached process exits",
         .covers = {"rmid_destroys_at_last_detach"},
         .statement = "The segment will actually be destroyed only after the last process detaches it. Upon "
                      "_exit(2), all attached shared memory segments are detached from the process.",
         .refs = {"shmctl(2) IPC_RMID", "shmop(2) NOTES", "POSIX.1-2017 shmctl() IPC_RMID", "POSIX.1-2017 _exit()"},
         .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  const int id = seg.id();
  // The child writes after IPC_RMID (still usable) and exits attached: the exit detaches.
  HeldChild c = AttachedChild(id, [](volatile char* q) { q[0] = 'c'; });
  if (!c.Held()) return;
  ASSERT_THAT(shmctl(id, IPC_RMID, nullptr), SyscallSucceeds()) << "IPC_RMID while only the child is attached";
  c.Release("attached child");
  shmid_ds ds{};
  EXPECT_THAT(shmctl(id, IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
      << "IPC_STAT after the last attached process exited";
  seg.Forget();
}

IPC_CASE(sysv_shm, shmctl, nattch_follows_attach,
         .title = "shm_nattch counts each shmat, including repeated attaches by one process",
         .covers = {"shmat.increments_nattch"},
         .statement = "shm_nattch Number of processes that have this segment attached. (shmat:) shm_nattch is "
                      "incremented by one.",
         .refs = {"shmctl(2) shm_nattch", "shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 0u) << "before any attach";
  IPCC_SHM_ATTACH(a, seg.id(), nullptr, 0);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "after one shmat";
  IPCC_SHM_ATTACH(b, seg.id(), nullptr, SHM_RDONLY);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "after a second shmat (read-only) by the same process";
}

IPC_CASE(sysv_shm, shmctl, nattch_follows_fork, .title = "fork adds the child's inherited attachment to shm_nattch",
         .covers = {"shmat.fork_child_inherits_attachments"},
         .statement = "After a fork(2), the child inherits the attached shared memory segments. shm_nattch "
                      "Number of current attaches.",
         .refs = {"shmop(2) NOTES", "shmctl(2) shm_nattch", "POSIX.1-2017 fork()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "the parent's attach alone";
  HeldChild c([] { return true; });  // its attach is the inherited one
  if (!c.Held()) return;
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "after fork: expected the child's inherited attach to count";
  c.Release("forked child");
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "after the child exited";
}

IPC_CASE(sysv_shm, shmctl, nattch_follows_exec,
         .title = "exec detaches the inherited attachment: shm_nattch drops once the new program runs",
         .covers = {"shmat.execve_detaches"},
         .statement = "After an execve(2), all attached shared memory segments are detached from the process.",
         .refs = {"shmop(2) NOTES", "execve(2)", "POSIX.1-2017 exec (shared memory segments)"},
         .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  HeldChild c([] { return true; }, [] { ExecFixture("sysv-shm-post-then-wait", {"2", "3"}); });
  if (!c.Held()) return;
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "before the exec: the parent's and the forked child's attach";
  c.Go();
  if (!AwaitCheckpoint(c.child(), 2)) return;  // the exec'd program runs
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "after the child's exec: expected its attach to be gone";
  CheckpointPost(3);
  c.ExpectExit("exec'd fixture");
}

IPC_CASE(sysv_shm, shmctl, nattch_follows_exit, .title = "a process that exits attached no longer counts in shm_nattch",
         .covers = {"shmat.exit_detaches"},
         .statement = "Upon _exit(2), all attached shared memory segments are detached from the process.",
         .refs = {"shmop(2) NOTES", "POSIX.1-2017 _exit()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  HeldChild c = AttachedChild(seg.id());  // exits without shmdt
  if (!c.Held()) return;
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "while the child is attached";
  c.Release("attached child");
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 0u) << "after the attached child exited without shmdt";
}

IPC_CASE(sysv_shm, shmctl, nattch_follows_shmdt, .title = "each shmdt subtracts one from shm_nattch, down to 0",
         .covers = {"shmdt.decrements_nattch"},
         .statement = "On a successful shmdt() call ... shm_nattch is decremented by one.",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(a, seg.id(), nullptr, 0);
  IPCC_SHM_ATTACH(b, seg.id(), nullptr, 0);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "with two attaches";
  ASSERT_THAT(b.Detach(), SyscallSucceeds());
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "after the first shmdt";
  ASSERT_THAT(a.Detach(), SyscallSucceeds());
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 0u) << "after the second shmdt";
}

IPC_CASE(sysv_shm, shmctl, cpid_is_creator,
         .title = "shm_cpid is the process that created the segment, not a later user",
         .covers = {"cpid_is_creator", "shmat.sets_lpid"},
         .statement = "shm_cpid ID of the process that created the shared memory segment.",
         .refs = {"shmctl(2) shm_cpid", "POSIX.1-2017 <sys/shm.h> shm_cpid"}, .cls = Conformance::xsi) {
  CreatingChild creator(PageSize(), IPC_CREAT | 0600);  // stays alive while the parent looks
  if (!creator.Created()) return;
  IPCC_SHM_ATTACH(p, creator.id(), nullptr, 0);
  shmid_ds ds = Stat(creator.id());
  EXPECT_EQ(ds.shm_cpid, creator.pid()) << "shm_cpid: expected the creating child " << creator.pid()
                                        << " (this process, " << getpid() << ", only attached)";
  EXPECT_EQ(ds.shm_lpid, getpid()) << "shm_lpid: expected the attaching process";
  creator.Release();
}

IPC_CASE(sysv_shm, shmctl, ipc_set_changes_mode, .title = "IPC_SET changes the permission bits of shm_perm.mode",
         .covers = {"IPC_SET", "ipc_set_updates_fields"},
         .statement = "IPC_SET Write the values of some members of the shmid_ds structure pointed to by buf to the "
                      "kernel data structure ... The following fields are updated: shm_perm.uid, shm_perm.gid, and "
                      "(the least significant 9 bits of) shm_perm.mode.",
         .refs = {"shmctl(2) IPC_SET", "POSIX.1-2017 shmctl() IPC_SET"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  ASSERT_THAT(IpcSet(seg.id(), [](shmid_ds& ds) { ds.shm_perm.mode = 0604; }), SyscallSucceeds());
  shmid_ds after = Stat(seg.id());
  EXPECT_EQ(after.shm_perm.mode & 0777, 0604u)
      << "expected mode 0604 after IPC_SET, saw 0" << std::oct << (after.shm_perm.mode & 0777);
}

IPC_CASE(sysv_shm, shmctl, ipc_set_changes_owner,
         .title = "IPC_SET changes shm_perm.uid and gid; cuid and cgid stay the creator's",
         .covers = {"IPC_SET", "ipc_set_updates_fields", "ipc_set_keeps_creator"},
         .statement = "The following fields are updated: shm_perm.uid, shm_perm.gid, and (the least significant "
                      "9 bits of) shm_perm.mode.",
         .refs = {"shmctl(2) IPC_SET", "POSIX.1-2017 shmctl() IPC_SET"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  // Another uid and gid to give the segment to (the identity is only a source of ids here).
  const Identity who = SecondIdentity();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  ASSERT_THAT(IpcSet(seg.id(),
                     [&](shmid_ds& ds) {
                       ds.shm_perm.uid = who.uid;
                       ds.shm_perm.gid = who.gid;
                     }),
              SyscallSucceeds());
  shmid_ds after = Stat(seg.id());
  EXPECT_EQ(after.shm_perm.uid, who.uid) << "shm_perm.uid after IPC_SET";
  EXPECT_EQ(after.shm_perm.gid, who.gid) << "shm_perm.gid after IPC_SET";
  EXPECT_EQ(after.shm_perm.cuid, geteuid()) << "shm_perm.cuid must stay the creator's";
  EXPECT_EQ(after.shm_perm.cgid, getegid()) << "shm_perm.cgid must stay the creator's";
}

IPC_CASE(sysv_shm, shmctl, ipc_set_keeps_only_permission_bits,
         .title = "IPC_SET takes only the 9 permission bits of the given mode",
         .covers = {"ipc_set_takes_only_permission_bits"},
         .statement = "The following fields are updated: shm_perm.uid, shm_perm.gid, and (the least significant "
                      "9 bits of) shm_perm.mode.",
         .refs = {"shmctl(2) IPC_SET", "POSIX.1-2017 shmctl() IPC_SET"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  constexpr unsigned kGiven = 07640 | SHM_DEST | SHM_LOCKED;
  ASSERT_THAT(IpcSet(seg.id(), [](shmid_ds& ds) { ds.shm_perm.mode = kGiven; }), SyscallSucceeds());
  shmid_ds after = Stat(seg.id());
  EXPECT_EQ(after.shm_perm.mode, 0640u) << "expected mode 0640 (only the permission bits of 0" << std::oct << kGiven
                                        << "), saw 0" << after.shm_perm.mode;
}

IPC_CASE(sysv_shm, shmctl, shm_lock_sets_shm_locked, .title = "SHM_LOCK sets SHM_LOCKED in shm_perm.mode",
         .covers = {"SHM_LOCK"},
         .statement = "SHM_LOCK (Linux-specific) Prevent swapping of the shared memory segment. ... If a segment "
                      "has been locked, then the (nonstandard) SHM_LOCKED flag of the shm_perm.mode field in the "
                      "associated data structure retrieved by IPC_STAT will be set.",
         .refs = {"shmctl(2) SHM_LOCK"}, .cls = Conformance::linux_specific, .needs = kNeedRoot) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  EXPECT_EQ(Stat(seg.id()).shm_perm.mode & SHM_LOCKED, 0u) << "SHM_LOCKED is set before SHM_LOCK";
  ASSERT_THAT(shmctl(seg.id(), SHM_LOCK, nullptr), SyscallSucceeds()) << "SHM_LOCK as root";
  ScopedCleanup unlock([&] { shmctl(seg.id(), SHM_UNLOCK, nullptr); });
  shmid_ds ds = Stat(seg.id());
  EXPECT_NE(ds.shm_perm.mode & SHM_LOCKED, 0u)
      << "expected SHM_LOCKED (02000) in shm_perm.mode after SHM_LOCK, mode is 0" << std::oct << ds.shm_perm.mode;
}

IPC_CASE(sysv_shm, shmctl, shm_unlock_clears_shm_locked, .title = "SHM_UNLOCK clears SHM_LOCKED in shm_perm.mode",
         .covers = {"SHM_UNLOCK"},
         .statement = "SHM_UNLOCK (Linux-specific) Unlock the segment, allowing it to be swapped out. (SHM_LOCKED "
                      "is set while a segment is locked.)",
         .refs = {"shmctl(2) SHM_UNLOCK", "shmctl(2) SHM_LOCK"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  ASSERT_THAT(shmctl(seg.id(), SHM_LOCK, nullptr), SyscallSucceeds()) << "SHM_LOCK as root";
  ScopedCleanup unlock([&] { shmctl(seg.id(), SHM_UNLOCK, nullptr); });
  ASSERT_NE(Stat(seg.id()).shm_perm.mode & SHM_LOCKED, 0u) << "SHM_LOCKED is not set after SHM_LOCK";
  ASSERT_THAT(shmctl(seg.id(), SHM_UNLOCK, nullptr), SyscallSucceeds()) << "SHM_UNLOCK";
  shmid_ds ds = Stat(seg.id());
  EXPECT_EQ(ds.shm_perm.mode & SHM_LOCKED, 0u)
      << "expected SHM_LOCKED cleared after SHM_UNLOCK, mode is 0" << std::oct << ds.shm_perm.mode;
}

IPC_CASE(sysv_shm, shmctl, ipc_info_reports_limits,
         .title = "IPC_INFO reports shmmax, shmmni and shmall as in /proc/sys/kernel, and shmmin 1",
         .covers = {"IPC_INFO"},
         .statement = "IPC_INFO (Linux-specific) Return information about system-wide shared memory limits and "
                      "parameters in the structure pointed to by buf. ... shmmin; Minimum segment size; always 1 "
                      "... The shmmni, shmmax, and shmall settings can be changed via /proc files of the same name.",
         .refs = {"shmctl(2) IPC_INFO", "proc(5) /proc/sys/kernel/shmmax"}, .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {
  struct shminfo info {};
  int r = -1;
  EXPECT_THAT(r = shmctl(0, IPC_INFO, reinterpret_cast<shmid_ds*>(&info)), SyscallSucceeds());
  if (r < 0) return;
  EXPECT_EQ(info.shmmin, 1u) << "shminfo.shmmin: documented as always 1";
  // The files are documented (proc(5)): one that is missing is a deviation, not a reason to stop.
  const std::pair<const char*, unsigned long> limits[] = {{"/proc/sys/kernel/shmmax", info.shmmax},
                                                          {"/proc/sys/kernel/shmmni", info.shmmni},
                                                          {"/proc/sys/kernel/shmall", info.shmall}};
  for (const auto& [path, reported] : limits) {
    const auto text = ReadSysctl(path);
    if (!text) {
      ADD_FAILURE() << path << " cannot be read (" << ErrnoName(errno) << "); IPC_INFO reports " << reported;
      continue;
    }
    EXPECT_EQ(std::to_string(reported), *text) << "IPC_INFO's value vs " << path;
  }
}

IPC_CASE(sysv_shm, shmctl, shm_info_counts_segments,
         .title = "SHM_INFO counts the existing segments (used_ids) and their pages (shm_tot)", .covers = {"SHM_INFO"},
         .statement = "SHM_INFO (Linux-specific) Return a shm_info structure whose fields contain information "
                      "about system resources consumed by shared memory. used_ids: # of currently existing "
                      "segments; shm_tot: Total number of shared memory pages.",
         .refs = {"shmctl(2) SHM_INFO"}, .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {  // exact counts: no other process's segments come and go
  struct shm_info before {};
  ASSERT_THAT(ShmInfo(&before), SyscallSucceeds());
  IPCC_SHM_CREATE(one, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_CREATE(three, IPC_PRIVATE, 2 * PageSize() + 1, IPC_CREAT | 0600);  // 3 pages
  struct shm_info after {};
  ASSERT_THAT(ShmInfo(&after), SyscallSucceeds());
  EXPECT_EQ(after.used_ids, before.used_ids + 2) << "used_ids after creating two segments";
  EXPECT_EQ(after.shm_tot, before.shm_tot + 4) << "shm_tot after creating segments of 1 and 3 pages";
  three.Remove();
  struct shm_info removed {};
  ASSERT_THAT(ShmInfo(&removed), SyscallSucceeds());
  EXPECT_EQ(removed.used_ids, before.used_ids + 1) << "used_ids after removing the 3-page segment";
  EXPECT_EQ(removed.shm_tot, before.shm_tot + 1) << "shm_tot after removing the 3-page segment";
}

IPC_CASE(sysv_shm, shmctl, shm_stat_by_index,
         .title = "SHM_STAT with a kernel array index returns the segment's id and its shmid_ds",
         .covers = {"SHM_STAT", "info_returns_highest_index"},
         .statement = "SHM_STAT (Linux-specific) Return a shmid_ds structure as for IPC_STAT. However, the shmid "
                      "argument is not a segment identifier, but instead an index into the kernel's internal array "
                      "... A successful SHM_STAT operation returns the identifier of the shared memory segment "
                      "whose index was given in shmid.",
         .refs = {"shmctl(2) SHM_STAT", "shmctl(2) RETURN VALUE"}, .cls = Conformance::linux_specific) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 3 * PageSize() + 7, IPC_CREAT | 0600);
  struct shm_info info {};
  int max_index = -1;
  ASSERT_THAT(max_index = ShmInfo(&info), SyscallSucceeds());
  shmid_ds ds{};
  const int found_at = FindIndex(seg.id(), max_index, &ds);
  ASSERT_GE(found_at, 0) << "no index in 0.." << max_index << " (SHM_INFO's highest index) returned id " << seg.id();
  EXPECT_EQ(ds.shm_segsz, 3 * PageSize() + 7) << "shm_segsz from SHM_STAT";
  EXPECT_EQ(ds.shm_cpid, getpid()) << "shm_cpid from SHM_STAT";
}

IPC_CASE(sysv_shm, shmctl, invalid_command_einval, .title = "shmctl with an unknown command fails with EINVAL",
         .covers = {"EINVAL"}, .statement = "EINVAL shmid is not a valid identifier, or cmd is not a valid command.",
         .refs = {"shmctl(2) EINVAL", "POSIX.1-2017 shmctl() [EINVAL]"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  shmid_ds ds{};
  EXPECT_THAT(shmctl(seg.id(), 0x7123, &ds), SyscallFailsWithErrno(EINVAL)) << "command 0x7123";
  EXPECT_THAT(shmctl(-1, IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL)) << "IPC_STAT of id -1";
}

}  // namespace
