// sysvipc(7), shmctl(2), proc(5): how long a System V shared memory segment lives.
#include <cstring>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_shm;

constexpr const char* kRmidForced = "/proc/sys/kernel/shm_rmid_forced";

IPC_CASE(sysv_shm, lifetime, outlives_creating_process,
         .title = "without IPC_RMID a segment outlives every process that used it, with its data",
         .covers = {"shmctl.segment_persists_until_rmid"},
         .statement = "IPC_RMID ... The caller must ensure that a segment is eventually destroyed; otherwise its "
                      "pages that were faulted in will remain in memory or swap. (Without IPC_RMID the segment "
                      "and its identifier persist after the processes that used it are gone.)",
         .refs = {"shmctl(2) IPC_RMID", "sysvipc(7)", "proc(5) /proc/sys/kernel/shm_rmid_forced",
                  "POSIX.1-2017 shmget()"},
         .cls = Conformance::xsi, .needs = kNeedIpcNamespace) {
  // The statement holds while kernel.shm_rmid_forced is 0 (proc(5)), which is what a new IPC
  // namespace starts with: the case's own namespace, never the host's, whose value it cannot know.
  if (const auto forced = ReadSysctl(kRmidForced); forced && *forced != "0") {
    ThrowHarnessError("set-up: kernel.shm_rmid_forced is " + *forced +
                      " in the case's own IPC namespace; this case needs 0 (a new namespace's value)");
  }
  const SysvKey k = FreshKey(SysvKind::shm);
  Child c = Fork([&] {
    int id = -1;
    ASSERT_THAT(id = shmget(k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600), SyscallSucceeds());
    void* r = shmat(id, nullptr, 0);
    ASSERT_THAT(r, SyscallSucceeds());
    std::strcpy(static_cast<char*>(r), "outlived its creator");
    // Exits attached, without IPC_RMID.
  });
  const int status = c.Wait();
  // Whatever the child managed to create is removed by this process.
  int id = shmget(k.key, 0, 0);
  const int err = errno;
  Segment seg(id);
  ExpectCleanExit(status, "creating child");
  ASSERT_GE(id, 0) << "after the creating (and only attached) process exited, shmget(key, 0, 0) failed with "
                   << ErrnoName(err) << ": the segment did not outlive it";
  shmid_ds ds = Stat(id);
  EXPECT_EQ(ds.shm_nattch, 0u) << "shm_nattch after its only user exited";
  EXPECT_EQ(ds.shm_cpid, c.pid()) << "shm_cpid: the exited creator";
  IPCC_SHM_ATTACH(p, id, nullptr, 0);
  EXPECT_STREQ(p.get(), "outlived its creator") << "the data written by the exited process is gone";
}

IPC_CASE(sysv_shm, lifetime, rmid_forced_destroys_on_last_detach,
         .title = "with kernel.shm_rmid_forced = 1 a segment is destroyed when its attach count falls to zero",
         .covers = {"proc5.shm_rmid_forced_destroys_at_last_detach"},
         .statement = "/proc/sys/kernel/shm_rmid_forced: If this file is set to 1, all System V shared memory "
                      "segments will be marked for destruction as soon as the number of attached processes falls "
                      "to zero.",
         .refs = {"proc(5) /proc/sys/kernel/shm_rmid_forced", "shmctl(2) IPC_RMID", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific, .needs = need::MinKernel(3, 1) | need::WritableSysctl(kRmidForced)) {
  ScopedSysctl forced(kRmidForced, 1);
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(att, seg.id(), nullptr, 0);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "while attached";
  ASSERT_THAT(att.Detach(), SyscallSucceeds());
  shmid_ds ds{};
  EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
      << "IPC_STAT after the only attach was detached, with shm_rmid_forced = 1 and no IPC_RMID";
}

IPC_CASE(sysv_shm, lifetime, rmid_forced_destroys_unattached_at_creator_exit,
         .title = "with kernel.shm_rmid_forced = 1 a never-attached segment is destroyed when its creator exits",
         .covers = {"proc5.shm_rmid_forced_destroys_unattached_at_creator_exit"},
         .statement = "Setting this option will also destroy segments that were created, but never attached, "
                      "upon termination of the process that created the segment with shmget(2).",
         .refs = {"proc(5) /proc/sys/kernel/shm_rmid_forced", "ipc_namespaces(7)"}, .cls = Conformance::linux_specific,
         .needs = need::MinKernel(3, 1) | need::WritableSysctl(kRmidForced)) {
  ScopedSysctl forced(kRmidForced, 1);
  CreatingChild creator(PageSize(), IPC_CREAT | 0600);
  if (!creator.Created()) return;
  shmid_ds ds{};
  EXPECT_THAT(shmctl(creator.id(), IPC_STAT, &ds), SyscallSucceeds()) << "while the creator still runs";
  creator.Release();
  EXPECT_THAT(shmctl(creator.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
      << "IPC_STAT after the creator of the never-attached segment exited, with shm_rmid_forced = 1";
}

IPC_CASE(sysv_shm, lifetime, rmid_forced_set_destroys_orphans,
         .title = "setting kernel.shm_rmid_forced to 1 destroys an existing segment nobody has attached",
         .covers = {"proc5.shm_rmid_forced_set_destroys_orphans"},
         .statement = "Note that existing segments that are attached to no process will be immediately destroyed "
                      "when this file is set to 1.",
         .refs = {"proc(5) /proc/sys/kernel/shm_rmid_forced", "ipc_namespaces(7)"}, .cls = Conformance::linux_specific,
         .needs = need::MinKernel(3, 1) | need::WritableSysctl(kRmidForced)) {
  ASSERT_EQ(ReadSysctlNumber(kRmidForced), 0) << "a new IPC namespace starts with shm_rmid_forced = 0";
  // A segment whose creator has exited and that nobody has attached (an orphan). (Linux destroys only
  // segments whose creator is gone here; one created by a running process stays until that exits.)
  CreatingChild creator(PageSize(), IPC_CREAT | 0600);
  if (!creator.Created()) return;
  creator.Release();
  shmid_ds ds{};
  ASSERT_THAT(shmctl(creator.id(), IPC_STAT, &ds), SyscallSucceeds()) << "the orphan exists while shm_rmid_forced = 0";
  ScopedSysctl forced(kRmidForced, 1);
  EXPECT_THAT(shmctl(creator.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
      << "IPC_STAT of the unattached orphan after shm_rmid_forced was set to 1";
}

}  // namespace
