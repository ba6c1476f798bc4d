// sysvipc(7), shmctl(2), proc(5): how long a System V shared memory segment lives.
#include "conformance/sysv_shm/shm_util.h"

namespace {

using namespace ipcc;
using namespace ipcc::shmtest;

constexpr const char* kRmidForced = "/proc/sys/kernel/shm_rmid_forced";

// Sets kernel.shm_rmid_forced for the rest of the scope (the case's own IPC namespace only).
class RmidForced {
 public:
  explicit RmidForced(int value) {
    auto old = ReadProcNumber(kRmidForced);
    if (!old) return;
    old_ = *old;
    errno_ = WriteProcErrno(kRmidForced, std::to_string(value));
    error_ = errno_ == 0 ? std::string() : "write " + std::string(kRmidForced) + ": " + ErrnoName(errno_);
    ok_ = errno_ == 0;
  }
  ~RmidForced() {
    if (ok_) WriteProc(kRmidForced, std::to_string(old_));
  }
  RmidForced(const RmidForced&) = delete;
  RmidForced& operator=(const RmidForced&) = delete;
  bool exists() const { return ok_ || !error_.empty(); }
  const std::string& error() const { return error_; }
  // The write failed because the system does not let the case set the file (EIO under gVisor).
  bool refused() const { return errno_ != 0 && SysctlWriteRefused(errno_); }

 private:
  unsigned long old_ = 0;
  bool ok_ = false;
  std::string error_;
  int errno_ = 0;
};

IPC_CASE(sysv_shm, lifetime, outlives_creating_process,
         .title = "without IPC_RMID a segment outlives every process that used it, with its data",
         .statement = "IPC_RMID ... The caller must ensure that a segment is eventually destroyed; otherwise its "
                      "pages that were faulted in will remain in memory or swap. (Without IPC_RMID the segment "
                      "and its identifier persist after the processes that used it are gone.)",
         .refs = {"shmctl(2) IPC_RMID", "sysvipc(7)", "proc(5) /proc/sys/kernel/shm_rmid_forced",
                  "POSIX.1-2017 shmget()"},
         .cls = Conformance::xsi) {
  if (auto forced = ReadProcNumber(kRmidForced); forced && *forced != 0) {
    GTEST_SKIP() << "kernel.shm_rmid_forced is " << *forced
                 << ": this system destroys segments when their last user goes (see proc(5))";
  }
  KeyFile k = FreshKey();
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
  EXPECT_STREQ(p, "outlived its creator") << "the data written by the exited process is gone";
}

IPC_CASE(sysv_shm, lifetime, rmid_forced_destroys_on_last_detach,
         .title = "with kernel.shm_rmid_forced = 1 a segment is destroyed when its attach count falls to zero",
         .statement = "/proc/sys/kernel/shm_rmid_forced: If this file is set to 1, all System V shared memory "
                      "segments will be marked for destruction as soon as the number of attached processes falls "
                      "to zero.",
         .refs = {"proc(5) /proc/sys/kernel/shm_rmid_forced", "shmctl(2) IPC_RMID", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {
  if (!InOwnNamespaces()) GTEST_SKIP() << "sets kernel.shm_rmid_forced: runs only in an IPC namespace of its own";
  RmidForced forced(1);
  if (!forced.exists()) IPCC_UNSUPPORTED(std::string(kRmidForced) + " is missing (before Linux 3.1)");
  if (forced.refused()) IPCC_UNSUPPORTED("cannot set " + std::string(kRmidForced) + " here: " + forced.error());
  if (!forced.error().empty()) ThrowHarnessError("setting shm_rmid_forced: " + forced.error());
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  void* r = shmat(seg.id(), nullptr, 0);
  ASSERT_THAT(r, SyscallSucceeds());
  Attachment att(r);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "while attached";
  ASSERT_THAT(att.Detach(), SyscallSucceeds());
  shmid_ds ds{};
  EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
      << "IPC_STAT after the only attach was detached, with shm_rmid_forced = 1 and no IPC_RMID";
}

IPC_CASE(sysv_shm, lifetime, rmid_forced_destroys_unattached_at_creator_exit,
         .title = "with kernel.shm_rmid_forced = 1 a never-attached segment is destroyed when its creator exits",
         .statement = "Setting this option will also destroy segments that were created, but never attached, "
                      "upon termination of the process that created the segment with shmget(2).",
         .refs = {"proc(5) /proc/sys/kernel/shm_rmid_forced", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {
  if (!InOwnNamespaces()) GTEST_SKIP() << "sets kernel.shm_rmid_forced: runs only in an IPC namespace of its own";
  RmidForced forced(1);
  if (!forced.exists()) IPCC_UNSUPPORTED(std::string(kRmidForced) + " is missing (before Linux 3.1)");
  if (forced.refused()) IPCC_UNSUPPORTED("cannot set " + std::string(kRmidForced) + " here: " + forced.error());
  if (!forced.error().empty()) ThrowHarnessError("setting shm_rmid_forced: " + forced.error());
  SharedBox<std::atomic<int>> box;
  box->store(-1);
  Child c = Fork([&] {
    int id = -1;
    EXPECT_THAT(id = shmget(IPC_PRIVATE, PageSize(), IPC_CREAT | 0600), SyscallSucceeds());
    box->store(id);
    if (id < 0) return;
    CheckpointPost(0);
    CheckpointWait(1);
  });
  const bool created = AwaitCheckpoint(c, 0);
  Segment seg(box->load());
  if (!created) return;
  shmid_ds ds{};
  EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallSucceeds()) << "while the creator still runs";
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "creating child");
  EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
      << "IPC_STAT after the creator of the never-attached segment exited, with shm_rmid_forced = 1";
}

IPC_CASE(sysv_shm, lifetime, rmid_forced_set_destroys_orphans,
         .title = "setting kernel.shm_rmid_forced to 1 destroys an existing segment nobody has attached",
         .statement = "Note that existing segments that are attached to no process will be immediately destroyed "
                      "when this file is set to 1.",
         .refs = {"proc(5) /proc/sys/kernel/shm_rmid_forced", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {
  if (!InOwnNamespaces()) GTEST_SKIP() << "sets kernel.shm_rmid_forced: runs only in an IPC namespace of its own";
  auto current = ReadProcNumber(kRmidForced);
  if (!current) IPCC_UNSUPPORTED(std::string(kRmidForced) + " is missing (before Linux 3.1)");
  ASSERT_EQ(*current, 0u) << "a new IPC namespace starts with shm_rmid_forced = 0";
  // A segment whose creator has exited and that nobody has attached (an orphan). (Linux destroys only
  // segments whose creator is gone here; one created by a running process stays until that exits.)
  SharedBox<std::atomic<int>> box;
  box->store(-1);
  Child c = Fork([&] {
    int id = -1;
    EXPECT_THAT(id = shmget(IPC_PRIVATE, PageSize(), IPC_CREAT | 0600), SyscallSucceeds());
    box->store(id);
  });
  ExpectCleanExit(c.Wait(), "creating child");
  Segment seg(box->load());
  if (seg.id() < 0) return;
  shmid_ds ds{};
  ASSERT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallSucceeds()) << "the orphan exists while shm_rmid_forced = 0";
  RmidForced forced(1);
  if (forced.refused()) IPCC_UNSUPPORTED("cannot set " + std::string(kRmidForced) + " here: " + forced.error());
  if (!forced.error().empty()) ThrowHarnessError("setting shm_rmid_forced: " + forced.error());
  EXPECT_THAT(shmctl(seg.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
      << "IPC_STAT of the unattached orphan after shm_rmid_forced was set to 1";
}

}  // namespace
