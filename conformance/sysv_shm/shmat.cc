// shmat(2) (shmop(2)): attaching System V shared memory segments.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_shm;

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
  char* r = MapAnonymous(total, MAP_PRIVATE, PROT_NONE).data();  // released again at the end of this line
  const std::size_t past = reinterpret_cast<std::uintptr_t>(r) % lba;
  return past == 0 ? r : r + (lba - past);
}

// shmat(id, addr, flags) where the attach is to fail with EINVAL; an attach made all the same is returned,
// to be undone when the caller lets it go.
Attachment ExpectAttachEinval(int id, const void* addr, int flags, const std::string& what) {
  Attachment att(shmat(id, addr, flags));
  EXPECT_THAT(att.raw(), SyscallFailsWithErrno(EINVAL)) << what;
  return att;
}

IPC_CASE(sysv_shm, shmat, cross_process_visibility,
         .title = "a store by one attached process is seen by another attached process, both ways",
         .covers = {"stores_visible_across_processes"},
         .statement = "System V shared memory allows processes to share a region a memory (a \"segment\"). "
                      "shmat() attaches the System V shared memory segment identified by shmid to the address "
                      "space of the calling process.",
         .refs = {"sysvipc(7) Shared memory segments", "shmop(2) shmat()", "POSIX.1-2017 shmat()"},
         .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  // Each process attaches the segment itself (the child is forked before the parent attaches, so it
  // inherits no attachment).
  std::optional<Attachment> theirs, mine;
  auto attach = [&](std::optional<Attachment>& a) {
    a.emplace(shmat(seg.id(), nullptr, 0));
    EXPECT_THAT(a->raw(), SyscallSucceeds()) << "shmat(" << seg.id() << ")";
    return a->bytes();
  };
  ExpectSharedBothWays([&] { return attach(mine); }, [&] { return attach(theirs); }, "its own attach");
}

IPC_CASE(sysv_shm, shmat, two_attaches_alias_in_one_process,
         .title = "two attaches of one segment in one process are different addresses of the same memory",
         .covers = {"attach_more_than_once"},
         .statement = "The same segment may be attached as a read and as a read-write one, and more than once, "
                      "in the process's address space.",
         .refs = {"shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 2 * PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(a, seg.id(), nullptr, 0);
  IPCC_SHM_ATTACH(b, seg.id(), nullptr, 0);
  ASSERT_NE(a.get(), b.get()) << "the two attaches returned the same address";
  Store(a.get() + PageSize(), 0xCAFEF00Du);
  EXPECT_EQ(Load(b.get() + PageSize()), 0xCAFEF00Du)
      << "a store through the first attach is not seen through the second";
  Store(b.get(), 0x0BADBEEFu);
  EXPECT_EQ(Load(a.get()), 0x0BADBEEFu) << "a store through the second attach is not seen through the first";
}

IPC_CASE(sysv_shm, shmat, null_address_is_page_aligned,
         .title = "shmat with a NULL address attaches at a page-aligned address",
         .covers = {"null_address_page_aligned"},
         .statement = "If shmaddr is NULL, the system chooses a suitable (unused) page-aligned address to attach "
                      "the segment.",
         .refs = {"shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, 123, IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p.get()) % PageSize(), 0u)
      << "attach address " << p.raw() << " is not a multiple of the page size " << PageSize();
}

IPC_CASE(sysv_shm, shmat, rdonly_write_faults,
         .title = "a write through an SHM_RDONLY attach kills the writer with SIGSEGV", .covers = {"SHM_RDONLY"},
         .statement = "SHM_RDONLY Attach the segment for read-only access.",
         .refs = {"shmop(2) SHM_RDONLY", "POSIX.1-2017 shmat() SHM_RDONLY"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(ro, seg.id(), nullptr, SHM_RDONLY);
  const int status = StatusOfTouch([&] { ro.bytes()[0] = 'w'; });
  EXPECT_TRUE(KilledBy(status, SIGSEGV))
      << "expected the child's write through the SHM_RDONLY attach to kill it with SIGSEGV, but it "
      << DescribeWaitStatus(status)
      << (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? " (the write went through)" : "");
  EXPECT_EQ(ro[0], 0) << "the segment changed although the only write went through a read-only attach";
}

IPC_CASE(sysv_shm, shmat, rdonly_and_rw_attach_coexist,
         .title = "one process can attach a segment read-only and read-write; the read-only view sees writes",
         .covers = {"attach_more_than_once"},
         .statement = "The same segment may be attached as a read and as a read-write one, and more than once, "
                      "in the process's address space.",
         .refs = {"shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(ro, seg.id(), nullptr, SHM_RDONLY);
  IPCC_SHM_ATTACH(rw, seg.id(), nullptr, 0);
  Store(rw.get() + 8, 0x12345678u);
  EXPECT_EQ(Load(ro.get() + 8), 0x12345678u) << "the read-only attach does not see the read-write attach's store";
  EXPECT_EQ(Stat(seg.id()).shm_nattch, 2u) << "shm_nattch: expected 2 attaches (one read-only, one read-write)";
}

IPC_CASE(sysv_shm, shmat, rnd_rounds_down_to_shmlba,
         .title = "shmat with SHM_RND attaches at the address rounded down to a multiple of SHMLBA",
         .covers = {"SHM_RND", "SHMLBA"},
         .statement = "If shmaddr isn't NULL and SHM_RND is specified in shmflg, the attach occurs at the "
                      "address equal to shmaddr rounded down to the nearest multiple of SHMLBA.",
         .refs = {"shmop(2) shmat() SHM_RND", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  char* base = FreeAlignedRange(2 * ShmLba() + PageSize());
  char* target = base + ShmLba();
  Attachment att(shmat(seg.id(), target + 100, SHM_RND));
  ASSERT_THAT(att.raw(), SyscallSucceeds()) << "shmat(id, SHMLBA-multiple + 100, SHM_RND) on a free range";
  EXPECT_EQ(att.raw(), static_cast<void*>(target))
      << "expected the attach at " << static_cast<void*>(target) << " (" << static_cast<void*>(target + 100)
      << " rounded down to SHMLBA " << ShmLba() << "), got " << att.raw();
}

IPC_CASE(sysv_shm, shmat, misaligned_without_rnd_einval,
         .title = "shmat at an address that is not page-aligned, without SHM_RND, fails with EINVAL",
         .covers = {"EINVAL"},
         .statement = "Otherwise, shmaddr must be a page-aligned address at which the attach occurs. EINVAL "
                      "... unaligned (i.e., not page-aligned and SHM_RND was not specified) ... shmaddr value",
         .refs = {"shmop(2) shmat()", "shmop(2) EINVAL", "POSIX.1-2017 shmat() [EINVAL]"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  char* base = FreeAlignedRange(2 * ShmLba() + PageSize());
  ExpectAttachEinval(seg.id(), base + ShmLba() + 100, 0, "an address 100 bytes past a multiple of SHMLBA");
}

IPC_CASE(sysv_shm, shmat, remap_replaces_existing_mapping,
         .title = "SHM_REMAP attaches over an existing mapping, replacing it", .covers = {"SHM_REMAP"},
         .statement = "SHM_REMAP (Linux-specific) This flag specifies that the mapping of the segment should "
                      "replace any existing mapping in the range starting at shmaddr and continuing for the size "
                      "of the segment.",
         .refs = {"shmop(2) SHM_REMAP"}, .cls = Conformance::linux_specific) {
  const std::size_t size = 2 * PageSize();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, size, IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(other, seg.id(), nullptr, 0);
  std::memset(other.get(), 'S', size);
  Mapping m = MapAnonymous(size);  // unmapped after the detach below: a no-op on the hole
  std::memset(m.data(), 'A', size);
  Attachment att(shmat(seg.id(), m.get(), SHM_REMAP));
  ASSERT_THAT(att.raw(), SyscallSucceeds()) << "shmat(id, address of an anonymous mapping, SHM_REMAP)";
  EXPECT_EQ(att.raw(), m.get()) << "SHM_REMAP attached elsewhere than the given address";
  EXPECT_EQ(att[0], 'S') << "the first byte still shows the old anonymous mapping, not the segment";
  EXPECT_EQ(att[size - 1], 'S') << "the last byte still shows the old anonymous mapping, not the segment";
  att[10] = 'x';
  EXPECT_EQ(other[10], 'x') << "a write at the remapped address does not reach the segment";
}

IPC_CASE(sysv_shm, shmat, occupied_range_without_remap_einval,
         .title = "shmat at an address range already mapped, without SHM_REMAP, fails with EINVAL",
         .covers = {"EINVAL", "occupied_range_refused_without_remap"},
         .statement = "SHM_REMAP ... (Normally, an EINVAL error would result if a mapping already exists in this "
                      "address range.) EINVAL ... can't attach segment at shmaddr",
         .refs = {"shmop(2) SHM_REMAP", "shmop(2) EINVAL"}, .cls = Conformance::linux_specific) {
  const std::size_t size = 2 * PageSize();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, size, IPC_CREAT | 0600);
  Mapping m = MapAnonymous(size);
  std::memset(m.data(), 'A', size);
  // An attach made all the same stays until the mapping's last byte has been looked at.
  const Attachment wrongly = ExpectAttachEinval(seg.id(), m.get(), 0, "the address of an anonymous mapping");
  EXPECT_EQ(m.data()[size - 1], 'A') << "the existing mapping was replaced although SHM_REMAP was not given";
}

IPC_CASE(sysv_shm, shmat, remap_with_null_address_einval, .title = "SHM_REMAP with a NULL address fails with EINVAL",
         .covers = {"EINVAL"}, .statement = "EINVAL ... or SHM_REMAP was specified and shmaddr was NULL.",
         .refs = {"shmop(2) SHM_REMAP", "shmop(2) EINVAL"}, .cls = Conformance::linux_specific) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  ExpectAttachEinval(seg.id(), nullptr, SHM_REMAP, "SHM_REMAP with a NULL address");
}

IPC_CASE(sysv_shm, shmat, invalid_id_einval, .title = "shmat of an id that names no segment fails with EINVAL",
         .covers = {"EINVAL"}, .statement = "EINVAL Invalid shmid value ...",
         .refs = {"shmop(2) EINVAL", "POSIX.1-2017 shmat() [EINVAL]"}, .cls = Conformance::xsi) {
  int gone = -1;
  {
    IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
    gone = seg.id();
  }  // removed while never attached: the id is gone at once
  ExpectAttachEinval(gone, nullptr, 0, "the id of a removed segment");
  ExpectAttachEinval(-1, nullptr, 0, "id -1");
}

IPC_CASE(sysv_shm, shmat, fork_child_inherits_attachment,
         .title = "a forked child has the parent's attachment at the same address, sharing the memory",
         .covers = {"fork_child_inherits_attachments"},
         .statement = "After a fork(2), the child inherits the attached shared memory segments.",
         .refs = {"shmop(2) NOTES", "fork(2)", "POSIX.1-2017 fork() (shared memory segments)"},
         .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  Store(p.get(), 0xA1A2A3A4u);
  Child c = Fork([&] {
    // No shmat here: the attachment is the inherited one.
    EXPECT_EQ(Load(p.get()), 0xA1A2A3A4u) << "the child does not see the segment at the parent's attach address";
    Store(p.get() + 4, 0xB1B2B3B4u);
  });
  ExpectCleanExit(c.Wait(), "forked child");
  EXPECT_EQ(Load(p.get() + 4), 0xB1B2B3B4u)
      << "the child's store through the inherited attachment is not in the segment (a private copy?)";
}

IPC_CASE(sysv_shm, shmat, updates_atime_lpid_nattch,
         .title = "shmat sets shm_atime to now, shm_lpid to the attaching process, and adds 1 to shm_nattch",
         .covers = {"sets_atime", "sets_lpid", "increments_nattch"},
         .statement = "A successful shmat() call updates the members of the shmid_ds structure ... shm_atime is "
                      "set to the current time. shm_lpid is set to the process-ID of the calling process. "
                      "shm_nattch is incremented by one.",
         .refs = {"shmop(2) shmat()", "POSIX.1-2017 shmat()"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  const time_t t0 = time(nullptr);
  HeldChild c = AttachedChild(seg.id());
  if (!c.Held()) return;
  const time_t t1 = time(nullptr);
  shmid_ds ds = Stat(seg.id());
  EXPECT_EQ(ds.shm_lpid, c.pid()) << "shm_lpid: expected the attaching child " << c.pid();
  EXPECT_EQ(ds.shm_nattch, 1u) << "shm_nattch: expected 1 after one shmat";
  EXPECT_TRUE(ds.shm_atime >= t0 - 1 && ds.shm_atime <= t1 + 1)
      << "shm_atime: expected the attach time within [" << t0 << ", " << t1 << "], saw " << ds.shm_atime;
  c.Release("attaching child");
}

}  // namespace
