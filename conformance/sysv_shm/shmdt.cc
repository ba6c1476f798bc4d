// shmdt(2) (shmop(2)): detaching System V shared memory segments.
#include <cstring>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_shm;

// shmdt(addr) where it is to fail with EINVAL, the segment's one attach staying as it was.
void ExpectDetachEinval(int id, const void* addr, const std::string& what) {
  EXPECT_THAT(shmdt(addr), SyscallFailsWithErrno(EINVAL)) << what;
  EXPECT_EQ(Stat(id).shm_nattch, 1u) << "the failed shmdt changed shm_nattch";
}

IPC_CASE(sysv_shm, shmdt, access_after_shmdt_faults,
         .title = "after shmdt the segment's former address is gone: touching it raises SIGSEGV",
         .covers = {"removes_mapping"},
         .statement = "shmdt() detaches the shared memory segment located at the address specified by shmaddr "
                      "from the address space of the calling process.",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(att, seg.id(), nullptr, 0);
  volatile char* p = att.bytes();
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
         .covers = {"contents_survive_detach"},
         .statement = "shmdt() detaches the shared memory segment ... from the address space of the calling "
                      "process. (The segment is destroyed only after IPC_RMID and the last detach.)",
         .refs = {"shmop(2) shmdt()", "shmctl(2) IPC_RMID", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 2 * PageSize(), IPC_CREAT | 0600);
  {
    IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
    std::strcpy(p.get(), "kept across detach");
    std::strcpy(p.get() + PageSize(), "second page");
  }  // detached here
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 0u) << "shm_nattch after the only attach was detached";
  IPCC_SHM_ATTACH(q, seg.id(), nullptr, 0);
  EXPECT_STREQ(q.get(), "kept across detach") << "the data written before shmdt is not there after re-attaching";
  EXPECT_STREQ(q.get() + PageSize(), "second page") << "the second page's data is not there after re-attaching";
}

IPC_CASE(sysv_shm, shmdt, not_a_segment_einval,
         .title = "shmdt of an address where no segment is attached fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL There is no shared memory segment attached at shmaddr; or, shmaddr is not aligned "
                      "on a page boundary.",
         .refs = {"shmop(2) shmdt() EINVAL", "POSIX.1-2017 shmdt() [EINVAL]"}, .cls = Conformance::xsi) {
  const std::size_t ps = PageSize();
  Mapping m = MapAnonymous(ps, MAP_SHARED);
  EXPECT_THAT(shmdt(m.get()), SyscallFailsWithErrno(EINVAL)) << "a page-aligned anonymous shared mapping";
  // A page-aligned address with nothing mapped at all.
  void* hole = MapAnonymous(ps, MAP_PRIVATE, PROT_NONE).get();  // unmapped again at once
  EXPECT_THAT(shmdt(hole), SyscallFailsWithErrno(EINVAL)) << "a page-aligned unmapped address";
}

IPC_CASE(sysv_shm, shmdt, unaligned_address_einval,
         .title = "shmdt of an address inside a segment that is not page-aligned fails with EINVAL",
         .covers = {"EINVAL"},
         .statement = "EINVAL There is no shared memory segment attached at shmaddr; or, shmaddr is not aligned "
                      "on a page boundary.",
         .refs = {"shmop(2) shmdt() EINVAL", "POSIX.1-2017 shmdt() [EINVAL]"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  ExpectDetachEinval(seg.id(), p.get() + 1, "an address one byte into the segment");
}

IPC_CASE(sysv_shm, shmdt, middle_of_segment_einval,
         .title = "shmdt of a page-aligned address inside a segment but not its start fails with EINVAL",
         .covers = {"EINVAL", "needs_attach_address"},
         .statement = "The to-be-detached segment must be currently attached with shmaddr equal to the value "
                      "returned by the attaching shmat() call. (POSIX: [EINVAL] The value of shmaddr is not the "
                      "data segment start address of a shared memory segment.)",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt() [EINVAL]"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 2 * PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  ExpectDetachEinval(seg.id(), p.get() + PageSize(), "the segment's second page");
  // The whole segment is still attached and usable.
  p[PageSize()] = 'k';
  EXPECT_EQ(p.bytes()[PageSize()], 'k');
}

IPC_CASE(sysv_shm, shmdt, updates_dtime_lpid_nattch,
         .title = "shmdt sets shm_dtime to now, shm_lpid to the detaching process, and subtracts 1 from "
                  "shm_nattch",
         .covers = {"sets_dtime", "sets_lpid", "decrements_nattch"},
         .statement = "On a successful shmdt() call, the system updates the members of the shmid_ds structure "
                      "... shm_dtime is set to the current time. shm_lpid is set to the process-ID of the "
                      "calling process. shm_nattch is decremented by one.",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  // Forked before the parent attaches: the child's only attachment is its own.
  HeldChild c = AttachedChild(seg.id(), [](volatile char* q) {
    EXPECT_THAT(shmdt(const_cast<char*>(q)), SyscallSucceeds());
    CheckpointPost(2);
    CheckpointWait(3);
  });
  if (!c.Held()) return;
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  shmid_ds before = Stat(seg.id());
  EXPECT_EQ(before.shm_nattch, 2u) << "shm_nattch with the child's and the parent's attach";
  EXPECT_EQ(before.shm_dtime, 0) << "shm_dtime before any detach: expected 0";
  const time_t t0 = time(nullptr);
  c.Go();
  if (!AwaitCheckpoint(c.child(), 2)) return;
  const time_t t1 = time(nullptr);
  shmid_ds after = Stat(seg.id());
  EXPECT_EQ(after.shm_nattch, 1u) << "shm_nattch after the child's shmdt: expected 1";
  EXPECT_EQ(after.shm_lpid, c.pid()) << "shm_lpid after the child's shmdt: expected the child " << c.pid();
  EXPECT_TRUE(after.shm_dtime >= t0 - 1 && after.shm_dtime <= t1 + 1)
      << "shm_dtime: expected the detach time within [" << t0 << ", " << t1 << "], saw " << after.shm_dtime;
  CheckpointPost(3);
  c.ExpectExit("detaching child");
}

IPC_CASE(sysv_shm, shmdt, detaches_only_given_attach,
         .title = "with two attaches of a segment, shmdt of one leaves the other attached and usable",
         .covers = {"detaches_only_given_attach"},
         .statement = "shmdt() detaches the shared memory segment located at the address specified by shmaddr "
                      "... shm_nattch is decremented by one.",
         .refs = {"shmop(2) shmdt()", "POSIX.1-2017 shmdt()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(a, seg.id(), nullptr, 0);
  IPCC_SHM_ATTACH(b, seg.id(), nullptr, 0);
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "shm_nattch with two attaches";
  ASSERT_THAT(a.Detach(), SyscallSucceeds());
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 1u) << "shm_nattch after detaching one of two attaches";
  b[0] = 'b';
  EXPECT_EQ(b.bytes()[0], 'b') << "the remaining attach is not usable";
}

}  // namespace
