// shmget(2): creating and finding System V shared memory segments.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_shm;

constexpr const char* kShmmax = "/proc/sys/kernel/shmmax";
constexpr const char* kShmmni = "/proc/sys/kernel/shmmni";

// shmget(key, size, flags), expected to fail with `err` (0: to succeed). A segment it makes is owned by the
// returned Segment, unless it is `existing` (the case's own segment for the key).
Segment ExpectShmget(key_t key, std::size_t size, int flags, int err, const std::string& what, int existing = -1) {
  const int r = shmget(key, size, flags);
  const std::string call = fmt::format("shmget({}, {}, {}{}{:#o}) {}", key == IPC_PRIVATE ? "IPC_PRIVATE" : "key", size,
                                       (flags & IPC_CREAT) != 0 ? "IPC_CREAT|" : "",
                                       (flags & IPC_EXCL) != 0 ? "IPC_EXCL|" : "", flags & 0777, what);
  if (err == 0) {
    EXPECT_THAT(r, SyscallSucceeds()) << call;
  } else {
    EXPECT_THAT(r, SyscallFailsWithErrno(err)) << call;
  }
  return Segment::Stray(r, existing);
}

IPC_CASE(sysv_shm, shmget, new_segment_reads_zero,
         .title = "a new segment reads as zeros, even where a removed segment had data",
         .covers = {"new_segment_zero_filled"},
         .statement = "When a new shared memory segment is created, its contents are initialized to zero "
                      "values.",
         .refs = {"shmget(2) DESCRIPTION", "POSIX.1-2017 shmget()"}, .cls = Conformance::xsi) {
  const std::size_t size = 3 * PageSize();
  {
    // A segment of the same size filled with a pattern and removed first, so that the new one could
    // only read non-zero if the kernel handed out dirty pages.
    IPCC_SHM_CREATE(old_seg, IPC_PRIVATE, size, IPC_CREAT | 0600);
    IPCC_SHM_ATTACH(old_p, old_seg.id(), nullptr, 0);
    std::memset(old_p.get(), 0xA5, size);
  }
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, size, IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  EXPECT_EQ(DescribeNonzero(p.bytes(), size), "") << "expected all " << size << " bytes of a new segment to be zero";
}

IPC_CASE(sysv_shm, shmget, mapping_rounds_up_to_page_size,
         .title = "a segment of PAGE_SIZE+1 bytes is mapped as two whole pages", .covers = {"size_rounded_up_to_pages"},
         .statement = "A new shared memory segment, with size equal to the value of size rounded up to a "
                      "multiple of PAGE_SIZE, is created ...",
         .refs = {"shmget(2) DESCRIPTION", "POSIX.1-2017 shmget()"}, .cls = Conformance::xsi) {
  const std::size_t ps = PageSize();
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, ps + 1, IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);

  // The kernel's view of the mapping: its length in /proc/self/maps.
  std::ifstream maps("/proc/self/maps");
  if (maps) {
    std::string line;
    bool found = false;
    while (std::getline(maps, line)) {
      char* dash = nullptr;
      const std::uintptr_t start = std::strtoull(line.c_str(), &dash, 16);
      if (*dash != '-' || start != reinterpret_cast<std::uintptr_t>(p.get())) continue;
      const std::uintptr_t end = std::strtoull(dash + 1, nullptr, 16);
      found = true;
      EXPECT_EQ(end - start, 2 * ps) << "expected the attach of a " << ps + 1 << "-byte segment to span " << 2 * ps
                                     << " bytes (rounded up to pages); /proc/self/maps says: " << line;
    }
    EXPECT_TRUE(found) << "no /proc/self/maps line starts at the attach address " << p.raw();
  }

  // The last byte of the rounded-up size is part of the segment: a child writes it and survives, and
  // the write reaches the segment (this process sees it through its own attach).
  volatile char* last = p.bytes() + 2 * ps - 1;
  const int status = StatusOfTouch([&] { *last = 'Z'; });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "expected a write to the last byte of the rounded-up segment (offset " << 2 * ps - 1
      << ") to succeed, but the writing child " << DescribeWaitStatus(status);
  EXPECT_EQ(*last, 'Z') << "the child's write in the rounded-up part of the segment is not visible in the segment";
}

IPC_CASE(sysv_shm, shmget, segsz_is_requested_size,
         .title = "shm_segsz is the size asked of shmget, not the rounded-up size",
         .covers = {"new_segment_segsz_is_size"},
         .statement = "When a new shared memory segment is created, ... shm_segsz is set to the value of "
                      "size.",
         .refs = {"shmget(2) DESCRIPTION", "shmctl(2) shm_segsz", "POSIX.1-2017 shmget()"}, .cls = Conformance::xsi) {
  for (std::size_t size : {std::size_t{1}, std::size_t{100}, PageSize() + 1}) {
    IPCC_SHM_CREATE(seg, IPC_PRIVATE, size, IPC_CREAT | 0600);
    shmid_ds ds = Stat(seg.id());
    EXPECT_EQ(ds.shm_segsz, size) << "expected shm_segsz to be the requested size " << size << ", but IPC_STAT reports "
                                  << ds.shm_segsz;
  }
}

IPC_CASE(sysv_shm, shmget, new_segment_perm_initialised,
         .title = "a new segment's shm_perm holds the key, the creator's effective ids and the 9 mode bits",
         .covers = {"new_segment_owner_and_creator_are_caller", "new_segment_mode_is_shmflg_low_bits",
                    "shmctl.ipc_stat_reports_key"},
         .statement = "shm_perm.cuid and shm_perm.uid are set to the effective user ID of the calling process. "
                      "shm_perm.cgid and shm_perm.gid are set to the effective group ID of the calling process. "
                      "The least significant 9 bits of shm_perm.mode are set to the least significant 9 bit "
                      "of shmflg.",
         .refs = {"shmget(2) DESCRIPTION", "POSIX.1-2017 shmget()"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0640);
  shmid_ds ds = Stat(seg.id());
  EXPECT_EQ(ds.shm_perm.__key, k.key) << "shm_perm.__key: expected the key given to shmget";
  EXPECT_EQ(ds.shm_perm.uid, geteuid()) << "shm_perm.uid: expected the creator's effective uid";
  EXPECT_EQ(ds.shm_perm.cuid, geteuid()) << "shm_perm.cuid: expected the creator's effective uid";
  EXPECT_EQ(ds.shm_perm.gid, getegid()) << "shm_perm.gid: expected the creator's effective gid";
  EXPECT_EQ(ds.shm_perm.cgid, getegid()) << "shm_perm.cgid: expected the creator's effective gid";
  EXPECT_EQ(ds.shm_perm.mode & 0777, 0640u) << "shm_perm.mode: expected the permission bits 0640 from shmflg, "
                                            << "saw 0" << std::oct << (ds.shm_perm.mode & 0777);
}

IPC_CASE(sysv_shm, shmget, new_segment_times_and_pids_initialised,
         .title = "a new segment has shm_lpid, shm_nattch, shm_atime, shm_dtime 0, shm_cpid the creator, "
                  "shm_ctime now",
         .covers = {"new_segment_counters_are_zero", "new_segment_ctime_is_now", "shmctl.cpid_is_creator"},
         .statement = "shm_lpid, shm_nattch, shm_atime, and shm_dtime are set to 0. shm_ctime is set to the "
                      "current time. (shm_cpid: ID of the process that created the shared memory segment.)",
         .refs = {"shmget(2) DESCRIPTION", "shmctl(2) shm_cpid", "POSIX.1-2017 shmget()"}, .cls = Conformance::xsi) {
  const time_t t0 = time(nullptr);
  IPCC_SHM_CREATE(seg, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  const time_t t1 = time(nullptr);
  shmid_ds ds = Stat(seg.id());
  EXPECT_EQ(ds.shm_lpid, 0) << "shm_lpid of a never-attached segment: expected 0";
  EXPECT_EQ(ds.shm_nattch, 0u) << "shm_nattch of a never-attached segment: expected 0";
  EXPECT_EQ(ds.shm_atime, 0) << "shm_atime of a never-attached segment: expected 0";
  EXPECT_EQ(ds.shm_dtime, 0) << "shm_dtime of a never-attached segment: expected 0";
  EXPECT_EQ(ds.shm_cpid, getpid()) << "shm_cpid: expected the creating process " << getpid();
  // One second of slack either side: the kernel's and the C library's clocks are read at different moments.
  EXPECT_TRUE(ds.shm_ctime >= t0 - 1 && ds.shm_ctime <= t1 + 1)
      << "shm_ctime: expected the creation time, within [" << t0 << ", " << t1 << "], saw " << ds.shm_ctime;
}

IPC_CASE(sysv_shm, shmget, size_zero_einval, .title = "creating a segment of size 0 (below SHMMIN) fails with EINVAL",
         .covers = {"EINVAL", "SHMMIN"},
         .statement = "EINVAL A new segment was to be created and size is less than SHMMIN or greater than "
                      "SHMMAX. (SHMMIN: currently 1 byte)",
         .refs = {"shmget(2) EINVAL", "shmget(2) Shared memory limits", "POSIX.1-2017 shmget() [EINVAL]"},
         .cls = Conformance::xsi) {
  ExpectShmget(IPC_PRIVATE, 0, IPC_CREAT | 0600, EINVAL, "");
  const SysvKey k = FreshKey(SysvKind::shm);
  ExpectShmget(k.key, 0, IPC_CREAT | IPC_EXCL | 0600, EINVAL, "(a fresh key)");
}

IPC_CASE(sysv_shm, shmget, size_above_shmmax_einval,
         .title = "creating a segment larger than SHMMAX (kernel.shmmax) fails with EINVAL",
         .covers = {"EINVAL", "SHMMAX"},
         .statement = "EINVAL A new segment was to be created and size is less than SHMMIN or greater than "
                      "SHMMAX. SHMMAX: Maximum size in bytes for a shared memory segment. On Linux, this limit "
                      "can be read and modified via /proc/sys/kernel/shmmax.",
         .refs = {"shmget(2) EINVAL", "shmget(2) Shared memory limits", "POSIX.1-2017 shmget() [EINVAL]"},
         .cls = Conformance::xsi, .needs = need::WritableSysctl(kShmmax)) {
  const std::size_t limit = 4 * PageSize();
  ScopedSysctl lowered(kShmmax, static_cast<long>(limit));
  ExpectShmget(IPC_PRIVATE, limit + 1, IPC_CREAT | 0600, EINVAL, "of size SHMMAX+1");
  // At the limit, creation works: the EINVAL above came from the size.
  ExpectShmget(IPC_PRIVATE, limit, IPC_CREAT | 0600, 0, "of size SHMMAX");
}

IPC_CASE(sysv_shm, shmget, shmmni_exhausted_enospc,
         .title = "creating a segment when SHMMNI segments exist fails with ENOSPC", .covers = {"ENOSPC", "SHMMNI"},
         .statement = "ENOSPC All possible shared memory IDs have been taken (SHMMNI) ... SHMMNI: System-wide "
                      "limit on the number of shared memory segments. On Linux, this limit can be read and "
                      "modified via /proc/sys/kernel/shmmni.",
         .refs = {"shmget(2) ENOSPC", "shmget(2) Shared memory limits", "POSIX.1-2017 shmget() [ENOSPC]"},
         .cls = Conformance::xsi, .needs = need::WritableSysctl(kShmmni)) {
  // SHM_INFO's used_ids is the count SHMMNI limits (the namespace's existing segments); it needs no
  // /proc file.
  struct shm_info info {};
  IPCC_SETUP(ShmInfo(&info));
  const std::size_t existing = static_cast<std::size_t>(info.used_ids);
  ScopedSysctl lowered(kShmmni, static_cast<long>(existing + 1));
  const std::string limit = "SHMMNI = " + std::to_string(existing + 1);
  const Segment first = ExpectShmget(IPC_PRIVATE, PageSize(), IPC_CREAT | 0600, 0, "the segment that reaches " + limit);
  ExpectShmget(IPC_PRIVATE, PageSize(), IPC_CREAT | 0600, ENOSPC, "one segment more than " + limit);
}

IPC_CASE(sysv_shm, shmget, existing_key_bigger_size_einval,
         .title = "asking an existing key for more than the segment's size fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL A segment for the given key exists, but size is greater than the size of that "
                      "segment.",
         .refs = {"shmget(2) EINVAL", "POSIX.1-2017 shmget() [EINVAL]"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::shm);
  const std::size_t size = 2 * PageSize();
  IPCC_SHM_CREATE(seg, k.key, size, IPC_CREAT | IPC_EXCL | 0600);
  ExpectShmget(k.key, size + 1, 0600, EINVAL, "without IPC_CREAT", seg.id());
  ExpectShmget(k.key, size + 1, IPC_CREAT | 0600, EINVAL, "with IPC_CREAT", seg.id());
}

IPC_CASE(sysv_shm, shmget, existing_key_returns_same_id,
         .title = "shmget without IPC_CREAT finds an existing key's segment with size 0, smaller or equal",
         .covers = {"existing_key_returns_its_segment", "size_up_to_existing_accepted"},
         .statement = "shmget() returns the identifier of the System V shared memory segment associated with "
                      "the value of the argument key. It may be used either to obtain the identifier of a "
                      "previously created shared memory segment (when shmflg is zero and key does not have the "
                      "value IPC_PRIVATE), or to create a new set.",
         .refs = {"shmget(2) DESCRIPTION", "POSIX.1-2017 shmget()"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::shm);
  const std::size_t size = 2 * PageSize();
  IPCC_SHM_CREATE(seg, k.key, size, IPC_CREAT | IPC_EXCL | 0600);
  EXPECT_THAT(shmget(k.key, 0, 0), SyscallSucceedsWithValue(seg.id())) << "size 0, shmflg 0";
  EXPECT_THAT(shmget(k.key, PageSize(), 0), SyscallSucceedsWithValue(seg.id())) << "a smaller size";
  EXPECT_THAT(shmget(k.key, size, 0600), SyscallSucceedsWithValue(seg.id())) << "the same size, mode 0600";
}

IPC_CASE(sysv_shm, shmget, creat_on_existing_key_returns_same_id,
         .title = "IPC_CREAT without IPC_EXCL on an existing key returns the existing segment",
         .covers = {"IPC_CREAT", "existing_key_returns_its_segment"},
         .statement = "A new shared memory segment ... is created if key has the value IPC_PRIVATE or key "
                      "isn't IPC_PRIVATE, no shared memory segment corresponding to key exists, and IPC_CREAT "
                      "is specified in shmflg.",
         .refs = {"shmget(2) DESCRIPTION", "POSIX.1-2017 shmget()"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  std::strcpy(p.get(), "first");
  int r = -1;
  EXPECT_THAT(r = shmget(k.key, PageSize(), IPC_CREAT | 0600), SyscallSucceedsWithValue(seg.id()));
  Segment::Stray(r, seg.id());
  // The creation did not reset the existing segment.
  EXPECT_STREQ(p.get(), "first") << "IPC_CREAT on an existing key changed the segment's content";
}

IPC_CASE(sysv_shm, shmget, creat_excl_existing_eexist,
         .title = "IPC_CREAT|IPC_EXCL on an existing key fails with EEXIST", .covers = {"EEXIST", "IPC_EXCL"},
         .statement = "If shmflg specifies both IPC_CREAT and IPC_EXCL and a shared memory segment already "
                      "exists for key, then shmget() fails with errno set to EEXIST.",
         .refs = {"shmget(2) DESCRIPTION", "shmget(2) EEXIST", "POSIX.1-2017 shmget() [EEXIST]"},
         .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  ExpectShmget(k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600, EEXIST, "", seg.id());
}

IPC_CASE(sysv_shm, shmget, missing_key_without_creat_enoent,
         .title = "shmget of a key with no segment, without IPC_CREAT, fails with ENOENT", .covers = {"ENOENT"},
         .statement = "ENOENT No segment exists for the given key, and IPC_CREAT was not specified.",
         .refs = {"shmget(2) ENOENT", "POSIX.1-2017 shmget() [ENOENT]"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::shm);
  ExpectShmget(k.key, PageSize(), 0600, ENOENT, "");
  ExpectShmget(k.key, 0, 0, ENOENT, "");
  ExpectShmget(k.key, PageSize(), IPC_EXCL | 0600, ENOENT, "(IPC_EXCL alone does not create either)");
}

}  // namespace
