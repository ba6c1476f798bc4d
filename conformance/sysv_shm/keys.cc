// System V IPC keys for shared memory: IPC_PRIVATE, ftok(3), and IPC namespaces (ipc_namespaces(7)).
#include <sched.h>

#include <cstring>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_shm;

// Runs `fn` in a forked child that has moved into a new IPC namespace (set-up: the runner's probe found
// IPC namespaces usable by root) and expects the child to end cleanly.
void InNewIpcNamespace(const std::function<void()>& fn) {
  Child c = Fork([&] {
    IPCC_SETUP(unshare(CLONE_NEWIPC));
    fn();
  });
  ExpectCleanExit(c.Wait(), "child in a new IPC namespace");
}

// The row of segment `id` in `rows`, or nullptr.
const ShmRow* RowOf(const std::vector<ShmRow>& rows, int id) {
  for (const auto& r : rows) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

IPC_CASE(sysv_shm, keys, ipc_private_always_new, .title = "each shmget(IPC_PRIVATE) creates a new, separate segment",
         .covers = {"shmget.IPC_PRIVATE"},
         .statement = "A new shared memory segment ... is created if key has the value IPC_PRIVATE ... IPC_PRIVATE "
                      "isn't a flag field but a key_t type. If this special value is used for key, the system call "
                      "ignores all but the least significant 9 bits of shmflg and creates a new shared memory "
                      "segment.",
         .refs = {"shmget(2) DESCRIPTION", "shmget(2) NOTES", "POSIX.1-2017 shmget() IPC_PRIVATE"},
         .cls = Conformance::xsi) {
  // No IPC_CREAT: IPC_PRIVATE creates regardless. These creations are what the case checks, so a
  // failure is a FAIL, not a set-up error.
  int ra = -1, rb = -1;
  ASSERT_THAT(ra = shmget(IPC_PRIVATE, PageSize(), 0600), SyscallSucceeds()) << "shmget(IPC_PRIVATE) without IPC_CREAT";
  Segment a(ra);
  ASSERT_THAT(rb = shmget(IPC_PRIVATE, PageSize(), 0600), SyscallSucceeds()) << "a second shmget(IPC_PRIVATE)";
  Segment b(rb);
  EXPECT_NE(a.id(), b.id()) << "two shmget(IPC_PRIVATE) calls returned the same id";
  IPCC_SHM_ATTACH(pa, a.id(), nullptr, 0);
  IPCC_SHM_ATTACH(pb, b.id(), nullptr, 0);
  pa[0] = 'a';
  EXPECT_EQ(pb[0], 0) << "a write to the first IPC_PRIVATE segment shows in the second";
}

IPC_CASE(sysv_shm, keys, ipc_private_ignores_creat_excl,
         .title = "shmget(IPC_PRIVATE) with IPC_CREAT|IPC_EXCL never fails with EEXIST",
         .covers = {"shmget.IPC_PRIVATE"},
         .statement = "If this special value is used for key, the system call ignores all but the least "
                      "significant 9 bits of shmflg and creates a new shared memory segment.",
         .refs = {"shmget(2) NOTES", "POSIX.1-2017 shmget() IPC_PRIVATE"}, .cls = Conformance::xsi) {
  IPCC_SHM_CREATE(a, IPC_PRIVATE, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  int r = -1;
  EXPECT_THAT(r = shmget(IPC_PRIVATE, PageSize(), IPC_CREAT | IPC_EXCL | 0600), SyscallSucceeds())
      << "a second IPC_PRIVATE creation with IPC_EXCL";
  Segment b(r);
  if (r >= 0) {
    EXPECT_NE(r, a.id()) << "the second IPC_PRIVATE segment has the first one's id";
  }
}

IPC_CASE(sysv_shm, keys, ftok_key_finds_segment_from_unrelated_process,
         .title = "an unrelated (exec'd) process finds the segment through the same ftok key and shares its data",
         .covers = {"ftok.key_finds_segment_across_processes"},
         .statement = "The ftok() function uses the identity of the file named by the given pathname ... and the "
                      "least significant 8 bits of proj_id ... to generate a key_t type System V IPC key, suitable "
                      "for use with ... shmget(2). The resulting value is the same for all pathnames that name the "
                      "same file, when the same value of proj_id is used.",
         .refs = {"ftok(3)", "shmget(2) DESCRIPTION", "POSIX.1-2017 ftok()", "POSIX.1-2017 shmget()"},
         .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  std::strcpy(p.get(), "written by the case");
  Child fx = SpawnFixture("sysv-shm-ftok-rendezvous", {k.path, std::to_string(k.proj), std::to_string(seg.id()),
                                                       "written by the case", "answer from an unrelated process"});
  ExpectCleanExit(fx.Wait(), "fixture sysv-shm-ftok-rendezvous");
  EXPECT_STREQ(p.get(), "answer from an unrelated process")
      << "the unrelated process's write through the key-found segment is not visible here";
}

IPC_CASE(sysv_shm, keys, key_unique_per_ipc_namespace,
         .title = "in a new IPC namespace the same key finds nothing (ENOENT) and creates a different segment",
         .covers = {"ipc_namespaces7.keys_are_per_namespace", "ipc_namespaces7.ids_are_per_namespace", "shmget.ENOENT"},
         .statement = "Each IPC namespace has its own set of System V IPC identifiers ... Objects created in an IPC "
                      "namespace are visible to all other processes that are members of that namespace, but are not "
                      "visible to processes in other IPC namespaces.",
         .refs = {"ipc_namespaces(7)", "unshare(2) CLONE_NEWIPC", "shmget(2) ENOENT"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("ipc_namespace")) {
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  std::strcpy(p.get(), "parent namespace");
  const int parent_id = seg.id();
  InNewIpcNamespace([&] {
    EXPECT_THAT(shmget(k.key, 0, 0), SyscallFailsWithErrno(ENOENT))
        << "the parent namespace's key, looked up in a new IPC namespace";
    shmid_ds ds{};
    EXPECT_THAT(shmctl(parent_id, IPC_STAT, &ds), SyscallFailsWithErrno(EINVAL))
        << "the parent namespace's segment id, in a new IPC namespace";
    int id = -1;
    EXPECT_THAT(id = shmget(k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600), SyscallSucceeds())
        << "creating a segment with the parent namespace's key in the new namespace";
    Segment mine(id);
    if (id < 0) return;
    IPCC_SHM_ATTACH(q, id, nullptr, 0);
    EXPECT_EQ(q[0], 0) << "the new namespace's segment for the key shows the parent namespace's data";
    std::strcpy(q.get(), "child namespace");
  });
  EXPECT_STREQ(p.get(), "parent namespace") << "the other namespace's write reached this namespace's segment";
  shmid_ds ds = Stat(seg.id());
  EXPECT_EQ(ds.shm_nattch, 1u) << "shm_nattch: the child's segment in its own namespace must not count here";
}

IPC_CASE(sysv_shm, keys, proc_sysvipc_shm_per_namespace,
         .title = "/proc/sysvipc/shm in a new IPC namespace lists only that namespace's segments",
         .covers = {"ipc_namespaces7.proc_sysvipc_per_namespace"},
         .statement = "The following /proc interfaces are distinct in each IPC namespace: ... The System V IPC "
                      "interfaces in /proc/sysvipc.",
         .refs = {"ipc_namespaces(7)", "proc(5) /proc/sysvipc"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedIpcNamespace | need::Feature("ipc_namespace")) {
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, PageSize(), IPC_CREAT | IPC_EXCL | 0600);
  // The file is what the statement is about: a missing one is a deviation (proc(5)).
  auto here = ReadShmRows();
  ASSERT_TRUE(here.has_value()) << "/proc/sysvipc/shm (documented in proc(5)) cannot be read";
  const ShmRow* listed = RowOf(*here, seg.id());
  ASSERT_TRUE(listed != nullptr && listed->key == k.key)
      << "this namespace's /proc/sysvipc/shm does not list the segment " << seg.id() << " with its key";
  InNewIpcNamespace([&] {
    auto fresh = ReadShmRows();
    ASSERT_TRUE(fresh.has_value()) << "/proc/sysvipc/shm unreadable in the new IPC namespace";
    for (const auto& e : *fresh) {
      EXPECT_NE(e.key, static_cast<long>(k.key)) << "the new namespace lists the parent's segment (id " << e.id << ")";
    }
    EXPECT_EQ(fresh->size(), 0u) << "a new IPC namespace must start with no segments";
    int id = -1;
    EXPECT_THAT(id = shmget(IPC_PRIVATE, 3 * PageSize(), IPC_CREAT | 0600), SyscallSucceeds());
    Segment mine(id);
    auto after = ReadShmRows();
    ASSERT_TRUE(after.has_value());
    ASSERT_EQ(after->size(), 1u) << "expected exactly the new namespace's own segment";
    EXPECT_EQ((*after)[0].id, id);
    EXPECT_EQ((*after)[0].size, 3 * PageSize());
  });
}

IPC_CASE(sysv_shm, keys, proc_sysvipc_shm_lists_segment,
         .title = "/proc/sysvipc/shm lists a segment with its key, id, mode, size, creator and attach count",
         .covers = {"proc5.sysvipc_shm_lists_segments"},
         .statement = "/proc/sysvipc: Subdirectory containing the pseudo-files msg, sem and shm. These files list "
                      "the System V Interprocess Communication (IPC) objects ... that currently exist on the "
                      "system, providing similar information to that available via ipcs(1).",
         .refs = {"proc(5) /proc/sysvipc", "sysvipc(7)"}, .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {
  const SysvKey k = FreshKey(SysvKind::shm);
  IPCC_SHM_CREATE(seg, k.key, 5000, IPC_CREAT | IPC_EXCL | 0640);
  IPCC_SHM_ATTACH(p, seg.id(), nullptr, 0);
  // The file is what the statement is about: a missing one is a deviation (proc(5)).
  auto rows = ReadShmRows();
  ASSERT_TRUE(rows.has_value()) << "/proc/sysvipc/shm (documented in proc(5)) cannot be read";
  const ShmRow* mine = RowOf(*rows, seg.id());
  ASSERT_NE(mine, nullptr) << "/proc/sysvipc/shm has no line for segment id " << seg.id();
  EXPECT_EQ(mine->key, static_cast<long>(k.key)) << "key column";
  EXPECT_EQ(mine->mode & 0777, 0640u) << "perms column (octal)";
  EXPECT_EQ(mine->size, 5000u) << "size column (the requested size)";
  EXPECT_EQ(mine->cpid, getpid()) << "cpid column";
  EXPECT_EQ(mine->nattch, 1u) << "nattch column";
  EXPECT_EQ(mine->uid, geteuid()) << "uid column";
}

}  // namespace
