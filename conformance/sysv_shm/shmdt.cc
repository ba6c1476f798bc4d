// shmdt(2) (shmop(2)): detaching System V shared memory segments.
#include "conformance/sysv_shm/shm_util.h"

namespace {

using namespace ipcc;
using namespace ipcc::shmtest;

IPC_CASE(sysv_shm, shmdt, access_after_shmdt_faults,
         .title = "after shmdt the segment's former address is gone: touching it raises SIGSEGV",
         .statement = "shmdt() detaches the shared memory segment located at the address specified by shmaddr "
                      "from the address space of the calling process.",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  void* r = shmat(seg.id(), nullptr, 0);
  ASSERT_THAT(r, SyscallSucceeds());
  Attachment att(r);
  volatile char* p = static_cast<volatile char*>(r);
  p[0] = 'a';
  ASSERT_THAT(att.Detach(), SyscallSucceeds()) << "shmdt of the attach address";
  // The child is forked right after the detach (nothing in between maps memory) and reads the address
  // at once; the child's status, not the case, records the fault.
  const int status = StatusOfTouch([&] { (void)p[0]; });
  EXPECT_TRUE(KilledBy(status, SIGSEGV)) << "expected a read of the detached address "
                                         << static_cast<const void*>(const_cast<char*>(p))
                                         << " to kill the child with SIGSEGV, but it " << DescribeWaitStatus(status)
                                         << (WIFEXITED(status) && WEXITSTATUS(status) == 0
                                                 ? " (the address was still readable)"
                                                 : "");
}

IPC_CASE(sysv_shm, shmdt, reattach_after_shmdt_sees_data,
         .title = "detaching does not discard the contents: a new attach sees the data again",
         .statement = "shmdt() detaches the shared memory segment ... from the address space of the calling "
                      "process. (The segment is destroyed only after IPC_RMID and the last detach.)",
         .refs = {"shmop(2) shmdt()", "shmctl(2) IPC_RMID", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 2 * PageSize(), IPC_CREAT | 0600);
  {
    IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
    std::strcpy(p, "kept across detach");
    std::strcpy(p + PageSize(), "second page");
  }  // detached here
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 0u) << "shm_nattch after the only attach was detached";
  IPCC_SHM_ATTACH(q, seg.id(), nullptr, 0);
  EXPECT_STREQ(q, "kept across detach") << "the data written before shmdt is not there after re-attaching";
  EXPECT_STREQ(q + PageSize(), "second page") << "the second page's data is not there after re-attaching";
}

IPC_CASE(sysv_shm, shmdt, not_a_segment_einval,
         .title = "shmdt of an address where no segment is attached fails with EINVAL",
         .statement = "EINVAL There is no shared memory segment attached at shmaddr; or, shmaddr is not aligned "
                      "on a page boundary.",
         .refs = {"shmop(2) shmdt() EINVAL", "POSIX.1-2017 shmdt() [EINVAL]"}, .cls = Conformance::xsi) {
  const std::size_t ps = PageSize();
  void* m = mmap(nullptr, ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) ThrowHarnessError(fmt::format("mmap: {}", ErrnoName(errno)));
  ScopedCleanup unmap([&] { munmap(m, ps); });
  EXPECT_THAT(shmdt(m), SyscallFailsWithErrno(EINVAL)) << "a page-aligned anonymous shared mapping";
  // A page-aligned address with nothing mapped at all.
  void* hole = mmap(nullptr, ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (hole == MAP_FAILED) ThrowHarnessError(fmt::format("mmap: {}", ErrnoName(errno)));
  munmap(hole, ps);
  EXPECT_THAT(shmdt(hole), SyscallFailsWithErrno(EINVAL)) << "a page-aligned unmapped address";
}

IPC_CASE(sysv_shm, shmdt, unaligned_address_einval,
         .title = "shmdt of an address inside a segment that is not page-aligned fails with EINVAL",
         .statement = "EINVAL There is no shared memory segment attached at shmaddr; or, shmaddr is not aligned "
                      "on a page boundary.",
         .refs = {"shmop(2) shmdt() EINVAL", "POSIX.1-2017 shmdt() [EINVAL]"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  EXPECT_THAT(shmdt(p + 1), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "the failed shmdt changed shm_nattch";
}

IPC_CASE(sysv_shm, shmdt, middle_of_segment_einval,
         .title = "shmdt of a page-aligned address inside a segment but not its start fails with EINVAL",
         .statement = "The to-be-detached segment must be currently attached with shmaddr equal to the value "
                      "returned by the attaching shmat() call. (POSIX: [EINVAL] The value of shmaddr is not the "
                      "data segment start address of a shared memory segment.)",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt() [EINVAL]"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 2 * PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  EXPECT_THAT(shmdt(p + PageSize()), SyscallFailsWithErrno(EINVAL)) << "the segment's second page";
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "the failed shmdt changed shm_nattch";
  // The whole segment is still attached and usable.
  p[PageSize()] = 'k';
  EXPECT_EQ(p[PageSize()], 'k');
}

IPC_CASE(sysv_shm, shmdt, updates_dtime_lpid_nattch,
         .title = "shmdt sets shm_dtime to now, shm_lpid to the detaching process, and subtracts 1 from "
                  "shm_nattch",
         .statement = "On a successful shmdt() call, the system updates the members of the shmid_ds structure "
                      "... shm_dtime is set to the current time. shm_lpid is set to the process-ID of the "
                      "calling process. shm_nattch is decremented by one.",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  // Forked before the parent attaches: the child's only attachment is its own.
  Child c = Fork([&] {
    void* r = shmat(seg.id(), nullptr, 0);
    ASSERT_THAT(r, SyscallSucceeds());
    CheckpointPost(0);
    CheckpointWait(1);
    EXPECT_THAT(shmdt(r), SyscallSucceeds());
    CheckpointPost(2);
    CheckpointWait(3);
  });
  if (!AwaitCheckpoint(c, 0)) return;
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  shmid_ds before = Stat(seg.id());
  EXPECT_EQ(before.shm_nattch, 2u) << "shm_nattch with the child's and the parent's attach";
  EXPECT_EQ(before.shm_dtime, 0) << "shm_dtime before any detach: expected 0";
  const time_t t0 = time(nullptr);
  CheckpointPost(1);
  if (!AwaitCheckpoint(c, 2)) return;
  const time_t t1 = time(nullptr);
  shmid_ds after = Stat(seg.id());
  EXPECT_EQ(after.shm_nattch, 1u) << "shm_nattch after the child's shmdt: expected 1";
  EXPECT_EQ(after.shm_lpid, c.pid()) << "shm_lpid after the child's shmdt: expected the child " << c.pid();
  EXPECT_TRUE(after.shm_dtime >= t0 - 1 && after.shm_dtime <= t1 + 1)
      << "shm_dtime: expected the detach time within [" << t0 << ", " << t1 << "], saw " << after.shm_dtime;
  CheckpointPost(3);
  ExpectCleanExit(c.Wait(), "detaching child");
}

IPC_CASE(sysv_shm, shmdt, detaches_only_given_attach,
         .title = "with two attaches of a segment, shmdt of one leaves the other attached and usable",
         .statement = "shmdt() detaches the shared memory segment located at the address specified by shmaddr "
                      "... shm_nattch is decremented by one.",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  void* ra = shmat(seg.id(), nullptr, 0);
  ASSERT_THAT(ra, SyscallSucceeds());
  Attachment a(ra);
  IPCC_SHM_ATTACH(b, seg.id(), nullptr, 0);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "shm_nattch with two attaches";
  ASSERT_THAT(a.Detach(), SyscallSucceeds());
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "shm_nattch after detaching one of two attaches";
  b[0] = 'b';
  EXPECT_EQ(*reinterpret_cast<volatile char*>(b), 'b') << "the remaining attach is not usable";
}

}  // namespace
