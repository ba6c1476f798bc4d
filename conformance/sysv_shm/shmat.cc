// shmat(2) (shmop(2)): attaching System V shared memory segments.
#include <atomic>

#include "conformance/sysv_shm/shm_util.h"

namespace {

using namespace ipcc;
using namespace ipcc::shmtest;

std::uint32_t Load(const char* p) {
  return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(const_cast<char*>(p))).load();
}
void Store(char* p, std::uint32_t v) {
  std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(p)).store(v);
}

// A free, SHMLBA-aligned address range of `len` bytes (reserved, then released again). The case process
// is single-threaded, so nothing else maps there before the case uses it.
char* FreeAlignedRange(std::size_t len) {
  const std::size_t lba = ShmLba();
  const std::size_t total = len + 2 * lba;
  void* r = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED) ThrowHarnessError(fmt::format("mmap reserve: {}", ErrnoName(errno)));
  munmap(r, total);
  std::uintptr_t a = (reinterpret_cast<std::uintptr_t>(r) + lba - 1) / lba * lba;
  return reinterpret_cast<char*>(a);
}

IPC_CASE(sysv_shm, shmat, cross_process_visibility,
         .title = "a store by one attached process is seen by another attached process, both ways",
         .statement = "System V shared memory allows processes to share a region a memory (a \"segment\"). "
                      "shmat() attaches the System V shared memory segment identified by shmid to the address "
                      "space of the calling process.",
         .refs = {"sysvipc(7) Shared memory segments", "shmop(2) shmat()", "POSIX.1-2017 shmat()"},
         .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  // The child attaches the segment itself (it is forked before the parent attaches, so it inherits no
  // attachment).
  Child c = Fork([&] {
    IPCC_SHM_ATTACH(q, seg.id(), nullptr, 0);
    CheckpointPost(0);  // attached
    CheckpointWait(1);  // the parent has stored its word
    EXPECT_EQ(Load(q), 0x11223344u) << "the child does not see the parent's store through its own attach";
    Store(q + 64, 0x55667788u);
    CheckpointPost(2);
    CheckpointWait(3);
  });
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  if (!AwaitCheckpoint(c, 0)) return;
  Store(p, 0x11223344u);
  CheckpointPost(1);
  if (!AwaitCheckpoint(c, 2)) return;
  EXPECT_EQ(Load(p + 64), 0x55667788u) << "the parent does not see the child's store through its own attach";
  CheckpointPost(3);
  ExpectCleanExit(c.Wait(), "attached child");
}

IPC_CASE(sysv_shm, shmat, two_attaches_alias_in_one_process,
         .title = "two attaches of one segment in one process are different addresses of the same memory",
         .statement = "The same segment may be attached as a read and as a read-write one, and more than once, "
                      "in the process's address space.",
         .refs = {"shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 2 * PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(a, seg.id(), nullptr, 0);
  IPCC_SHM_ATTACH(b, seg.id(), nullptr, 0);
  ASSERT_NE(a, b) << "the two attaches returned the same address";
  Store(a + PageSize(), 0xCAFEF00Du);
  EXPECT_EQ(Load(b + PageSize()), 0xCAFEF00Du) << "a store through the first attach is not seen through the second";
  Store(b, 0x0BADBEEFu);
  EXPECT_EQ(Load(a), 0x0BADBEEFu) << "a store through the second attach is not seen through the first";
}

IPC_CASE(sysv_shm, shmat, null_address_is_page_aligned,
         .title = "shmat with a NULL address attaches at a page-aligned address",
         .statement = "If shmaddr is NULL, the system chooses a suitable (unused) page-aligned address to attach "
                      "the segment.",
         .refs = {"shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 123, IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % PageSize(), 0u)
      << "attach address " << static_cast<void*>(p) << " is not a multiple of the page size " << PageSize();
}

IPC_CASE(sysv_shm, shmat, rdonly_write_faults,
         .title = "a write through an SHM_RDONLY attach kills the writer with SIGSEGV",
         .statement = "SHM_RDONLY Attach the segment for read-only access.",
         .refs = {"shmop(2) SHM_RDONLY", "POSIX.1-2017 shmat() SHM_RDONLY"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(ro, seg.id(), nullptr, SHM_RDONLY);
  const int status = StatusOfTouch([&] { *reinterpret_cast<volatile char*>(ro) = 'w'; });
  EXPECT_TRUE(KilledBy(status, SIGSEGV))
      << "expected the child's write through the SHM_RDONLY attach to kill it with SIGSEGV, but it "
      << DescribeWaitStatus(status)
      << (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? " (the write went through)" : "");
  EXPECT_EQ(ro[0], 0) << "the segment changed although the only write went through a read-only attach";
}

IPC_CASE(sysv_shm, shmat, rdonly_and_rw_attach_coexist,
         .title = "one process can attach a segment read-only and read-write; the read-only view sees writes",
         .statement = "The same segment may be attached as a read and as a read-write one, and more than once, "
                      "in the process's address space.",
         .refs = {"shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(ro, seg.id(), nullptr, SHM_RDONLY);
  IPCC_SHM_ATTACH(rw, seg.id(), nullptr, 0);
  Store(rw + 8, 0x12345678u);
  EXPECT_EQ(Load(ro + 8), 0x12345678u) << "the read-only attach does not see the read-write attach's store";
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "shm_nattch: expected 2 attaches (one read-only, one read-write)";
}

IPC_CASE(sysv_shm, shmat, rnd_rounds_down_to_shmlba,
         .title = "shmat with SHM_RND attaches at the address rounded down to a multiple of SHMLBA",
         .statement = "If shmaddr isn't NULL and SHM_RND is specified in shmflg, the attach occurs at the "
                      "address equal to shmaddr rounded down to the nearest multiple of SHMLBA.",
         .refs = {"shmop(2) shmat() SHM_RND", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  char* base = FreeAlignedRange(2 * ShmLba() + PageSize());
  char* target = base + ShmLba();
  void* r = shmat(seg.id(), target + 100, SHM_RND);
  ASSERT_THAT(r, SyscallSucceeds()) << "shmat(id, SHMLBA-multiple + 100, SHM_RND) on a free range";
  Attachment guard(r);
  EXPECT_EQ(r, static_cast<void*>(target))
      << "expected the attach at " << static_cast<void*>(target) << " (" << static_cast<void*>(target + 100)
      << " rounded down to SHMLBA " << ShmLba() << "), got " << r;
}

IPC_CASE(sysv_shm, shmat, misaligned_without_rnd_einval,
         .title = "shmat at an address that is not page-aligned, without SHM_RND, fails with EINVAL",
         .statement = "Otherwise, shmaddr must be a page-aligned address at which the attach occurs. EINVAL "
                      "... unaligned (i.e., not page-aligned and SHM_RND was not specified) ... shmaddr value",
         .refs = {"shmop(2) shmat()", "shmop(2) EINVAL", "POSIX.1-2017 shmat() [EINVAL]"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  char* base = FreeAlignedRange(2 * ShmLba() + PageSize());
  void* r = nullptr;
  EXPECT_THAT(r = shmat(seg.id(), base + ShmLba() + 100, 0), SyscallFailsWithErrno(EINVAL));
  Attachment guard(r == reinterpret_cast<void*>(-1) ? nullptr : r);
}

IPC_CASE(sysv_shm, shmat, remap_replaces_existing_mapping,
         .title = "SHM_REMAP attaches over an existing mapping, replacing it",
         .statement = "SHM_REMAP (Linux-specific) This flag specifies that the mapping of the segment should "
                      "replace any existing mapping in the range starting at shmaddr and continuing for the size "
                      "of the segment.",
         .refs = {"shmop(2) SHM_REMAP"}, .cls = Conformance::linux_specific) {
  const std::size_t size = 2 * PageSize();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, size, IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(other, seg.id(), nullptr, 0);
  std::memset(other, 'S', size);
  void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) ThrowHarnessError(fmt::format("mmap: {}", ErrnoName(errno)));
  ScopedCleanup unmap([&] { munmap(m, size); });  // after the detach below: a no-op on the hole
  std::memset(m, 'A', size);
  void* r = shmat(seg.id(), m, SHM_REMAP);
  ASSERT_THAT(r, SyscallSucceeds()) << "shmat(id, address of an anonymous mapping, SHM_REMAP)";
  Attachment guard(r);
  EXPECT_EQ(r, m) << "SHM_REMAP attached elsewhere than the given address";
  char* p = static_cast<char*>(r);
  EXPECT_EQ(p[0], 'S') << "the first byte still shows the old anonymous mapping, not the segment";
  EXPECT_EQ(p[size - 1], 'S') << "the last byte still shows the old anonymous mapping, not the segment";
  p[10] = 'x';
  EXPECT_EQ(other[10], 'x') << "a write at the remapped address does not reach the segment";
}

IPC_CASE(sysv_shm, shmat, occupied_range_without_remap_einval,
         .title = "shmat at an address range already mapped, without SHM_REMAP, fails with EINVAL",
         .statement = "SHM_REMAP ... (Normally, an EINVAL error would result if a mapping already exists in this "
                      "address range.) EINVAL ... can't attach segment at shmaddr",
         .refs = {"shmop(2) SHM_REMAP", "shmop(2) EINVAL"}, .cls = Conformance::linux_specific) {
  const std::size_t size = 2 * PageSize();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, size, IPC_CREAT | 0600);
  void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) ThrowHarnessError(fmt::format("mmap: {}", ErrnoName(errno)));
  ScopedCleanup unmap([&] { munmap(m, size); });
  std::memset(m, 'A', size);
  void* r = nullptr;
  EXPECT_THAT(r = shmat(seg.id(), m, 0), SyscallFailsWithErrno(EINVAL));
  Attachment guard(r == reinterpret_cast<void*>(-1) ? nullptr : r);
  EXPECT_EQ(static_cast<char*>(m)[size - 1], 'A')
      << "the existing mapping was replaced although SHM_REMAP was not given";
}

IPC_CASE(sysv_shm, shmat, remap_with_null_address_einval, .title = "SHM_REMAP with a NULL address fails with EINVAL",
         .statement = "EINVAL ... or SHM_REMAP was specified and shmaddr was NULL.",
         .refs = {"shmop(2) SHM_REMAP", "shmop(2) EINVAL"}, .cls = Conformance::linux_specific) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  void* r = nullptr;
  EXPECT_THAT(r = shmat(seg.id(), nullptr, SHM_REMAP), SyscallFailsWithErrno(EINVAL));
  Attachment guard(r == reinterpret_cast<void*>(-1) ? nullptr : r);
}

IPC_CASE(sysv_shm, shmat, invalid_id_einval, .title = "shmat of an id that names no segment fails with EINVAL",
         .statement = "EINVAL Invalid shmid value ...", .refs = {"shmop(2) EINVAL", "POSIX.1-2017 shmat() [EINVAL]"},
         .cls = Conformance::xsi) {
  int gone = -1;
  {
    IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
    gone = seg.id();
  }  // removed while never attached: the id is gone at once
  void* r = nullptr;
  EXPECT_THAT(r = shmat(gone, nullptr, 0), SyscallFailsWithErrno(EINVAL)) << "the id of a removed segment";
  Attachment g1(r == reinterpret_cast<void*>(-1) ? nullptr : r);
  EXPECT_THAT(r = shmat(-1, nullptr, 0), SyscallFailsWithErrno(EINVAL)) << "id -1";
  Attachment g2(r == reinterpret_cast<void*>(-1) ? nullptr : r);
}

IPC_CASE(sysv_shm, shmat, fork_child_inherits_attachment,
         .title = "a forked child has the parent's attachment at the same address, sharing the memory",
         .statement = "After a fork(2), the child inherits the attached shared memory segments.",
         .refs = {"shmop(2) NOTES", "fork(2)", "POSIX.1-2017 fork() (shared memory segments)"},
         .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  Store(p, 0xA1A2A3A4u);
  Child c = Fork([&] {
    // No shmat here: the attachment is the inherited one.
    EXPECT_EQ(Load(p), 0xA1A2A3A4u) << "the child does not see the segment at the parent's attach address";
    Store(p + 4, 0xB1B2B3B4u);
  });
  ExpectCleanExit(c.Wait(), "forked child");
  EXPECT_EQ(Load(p + 4), 0xB1B2B3B4u)
      << "the child's store through the inherited attachment is not in the segment (a private copy?)";
}

IPC_CASE(sysv_shm, shmat, updates_atime_lpid_nattch,
         .title = "shmat sets shm_atime to now, shm_lpid to the attaching process, and adds 1 to shm_nattch",
         .statement = "A successful shmat() call updates the members of the shmid_ds structure ... shm_atime is "
                      "set to the current time. shm_lpid is set to the process-ID of the calling process. "
                      "shm_nattch is incremented by one.",
         .refs = {"shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  const time_t t0 = time(nullptr);
  Child c = Fork([&] {
    IPCC_SHM_ATTACH(q, seg.id(), nullptr, 0);
    CheckpointPost(0);
    CheckpointWait(1);
  });
  if (!AwaitCheckpoint(c, 0)) return;
  const time_t t1 = time(nullptr);
  shmid_ds ds = Stat(seg.id());
  EXPECT_EQ(ds.shm_lpid, c.pid()) << "shm_lpid: expected the attaching child " << c.pid();
  EXPECT_EQ(ds.shm_nattch, 1u) << "shm_nattch: expected 1 after one shmat";
  EXPECT_TRUE(ds.shm_atime >= t0 - 1 && ds.shm_atime <= t1 + 1)
      << "shm_atime: expected the attach time within [" << t0 << ", " << t1 << "], saw " << ds.shm_atime;
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "attaching child");
}

}  // namespace
