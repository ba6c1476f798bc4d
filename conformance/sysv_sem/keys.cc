// semget(2) keys, ftok(3) and ipc_namespaces(7): IPC_PRIVATE, a set found by key, removal, namespaces.
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/ipc_namespace.h"
#include "harness/caselib/ipc/sysv_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;
using ipc_namespace::InNewIpcNamespace;  // the runner found IPC namespaces usable here (kNeedNamespaces)

IPC_CASE(sysv_sem, keys, ipc_private_always_creates_new_set,
         .title = "semget(IPC_PRIVATE, ...) creates a new, distinct set on every call",
         .covers = {"semget.IPC_PRIVATE"},
         .statement = "A new set of nsems semaphores is created if key has the value IPC_PRIVATE ... IPC_PRIVATE "
                      "isn't a flag field but a key_t type. If this special value is used for key, the system call "
                      "ignores all but the least significant 9 bits of semflg and creates a new semaphore set.",
         .refs = {"semget(2) DESCRIPTION, NOTES", "POSIX.1-2017 semget()"}, .cls = Conformance::xsi) {
  SemSet first = NewSet(IPC_PRIVATE, 1, IPC_CREAT | IPC_EXCL | 0600);
  SemSet second = NewSet(IPC_PRIVATE, 1, IPC_CREAT | IPC_EXCL | 0600);
  EXPECT_NE(first.id(), second.id()) << "two IPC_PRIVATE semget calls gave the same id";
  // Without IPC_CREAT as well: IPC_PRIVATE still creates.
  const int third = semget(IPC_PRIVATE, 1, 0600);
  SemSet third_guard(third);
  ASSERT_THAT(third, SyscallSucceeds()) << "semget(IPC_PRIVATE) without IPC_CREAT";
  EXPECT_NE(third, first.id());
  EXPECT_NE(third, second.id());
  // They are separate objects.
  SetVal(first.id(), 0, 11);
  EXPECT_EQ(GetVal(second.id(), 0), 0) << "SETVAL on the first private set showed up in the second";
  EXPECT_EQ(GetVal(third, 0), 0) << "SETVAL on the first private set showed up in the third";
}

IPC_CASE(sysv_sem, keys, ftok_key_finds_set_from_unrelated_process,
         .title = "an unrelated process finds the same set through ftok(path, proj) and semget",
         .covers = {"ftok.key_finds_set_across_processes"},
         .statement = "The ftok() function uses the identity of the file named by the given pathname ... and the "
                      "least significant 8 bits of proj_id ... to generate a key_t type System V IPC key, suitable "
                      "for use with msgget(2), semget(2), or shmget(2). The resulting value is the same for all "
                      "pathnames that name the same file, when the same value of proj_id is used.",
         .refs = {"ftok(3)", "semget(2) DESCRIPTION", "sysvipc(7)", "POSIX.1-2017 ftok()", "POSIX.1-2017 semget()"},
         .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 1, IPC_CREAT | IPC_EXCL | 0600);
  SetVal(set.id(), 0, 42);
  Child other = SpawnFixture("sysv-sem-ftok-lookup", {k.path, std::to_string(k.proj), std::to_string(set.id()), "42"});
  ExpectCleanExit(other.Wait(), "ipcconform-fixture sysv-sem-ftok-lookup");
  EXPECT_EQ(GetVal(set.id(), 0), 43) << "the unrelated process's +1 on the set it found by key";
  EXPECT_EQ(GetPid(set.id(), 0), other.pid()) << "sempid: the last operation was the unrelated process's";
}

IPC_CASE(sysv_sem, keys, ftok_same_file_same_key,
         .title = "ftok gives the same key for every path naming the same file (hard link, symlink)",
         .covers = {"ftok.same_file_same_key", "ftok.low_8_bits_of_proj_id"},
         .statement = "The resulting value is the same for all pathnames that name the same file, when the same "
                      "value of proj_id is used.",
         .refs = {"ftok(3)", "POSIX.1-2017 ftok()"}, .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::sem);
  const std::string hard = TempPath("hardlink");
  const std::string soft = TempPath("symlink");
  IPCC_SETUP(link(k.path.c_str(), hard.c_str()));
  IPCC_SETUP(symlink(k.path.c_str(), soft.c_str()));
  EXPECT_EQ(ftok(hard.c_str(), k.proj), k.key) << "key through a hard link";
  EXPECT_EQ(ftok(soft.c_str(), k.proj), k.key) << "key through a symbolic link";
  EXPECT_EQ(ftok(k.path.c_str(), k.proj + 256), k.key) << "only the low 8 bits of proj_id are used";
}

IPC_CASE(sysv_sem, keys, ftok_missing_file_fails_enoent,
         .title = "ftok of a path that does not exist fails with ENOENT, as stat(2) would", .covers = {"ftok.ENOENT"},
         .statement = "On failure -1 is returned, with errno indicating the error as for the stat(2) system call.",
         .refs = {"ftok(3) RETURN VALUE", "POSIX.1-2017 ftok() ERRORS"}, .cls = Conformance::xsi) {
  const std::string missing = TempPath("missing");
  EXPECT_THAT(ftok(missing.c_str(), 'S'), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(sysv_sem, keys, rmid_frees_key,
         .title = "after IPC_RMID the key names no set, and a new set can be created on it",
         .covers = {"semctl.rmid_frees_key", "semget.ENOENT"},
         .statement = "IPC_RMID Immediately remove the semaphore set ... ENOENT No semaphore set exists for key and "
                      "semflg did not specify IPC_CREAT.",
         .refs = {"semctl(2) IPC_RMID", "semget(2) ENOENT", "POSIX.1-2017 semctl() IPC_RMID"},
         .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 1, IPC_CREAT | IPC_EXCL | 0600);
  set.Reset();
  EXPECT_THAT(semget(k.key, 0, 0), SyscallFailsWithErrno(ENOENT)) << "looking up the key of the removed set";
  const SemSet fresh =
      ExpectSemget(k.key, 1, IPC_CREAT | IPC_EXCL | 0600, 0, "creating a set on the freed key with IPC_EXCL");
}

IPC_CASE(sysv_sem, keys, key_is_per_ipc_namespace,
         .title = "the same key in a new IPC namespace names a different set (or none)",
         .covers = {"ipc_namespaces7.keys_are_per_namespace", "semget.ENOENT"},
         .statement = "Each IPC namespace has its own set of System V IPC identifiers ... Objects created in an IPC "
                      "namespace are visible to all other processes that are members of that namespace, but are not "
                      "visible to processes in other IPC namespaces.",
         .refs = {"ipc_namespaces(7)", "unshare(2) CLONE_NEWIPC", "sysvipc(7) IPC namespaces"},
         .cls = Conformance::linux_specific, .needs = kNeedNamespaces) {
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 2, IPC_CREAT | IPC_EXCL | 0600);
  SetAll(set.id(), {7, 8});
  InNewIpcNamespace([&] {
    EXPECT_THAT(semget(k.key, 0, 0), SyscallFailsWithErrno(ENOENT))
        << "the key of a set made in the parent's IPC namespace, looked up in a new one";
    const int mine = semget(k.key, 1, IPC_CREAT | IPC_EXCL | 0600);
    EXPECT_THAT(mine, SyscallSucceeds()) << "creating a set with the same key in the new namespace (IPC_EXCL)";
    if (mine >= 0) {
      EXPECT_THAT(semctl(mine, 0, GETVAL), SyscallSucceedsWithValue(0)) << "the new namespace's set is a fresh object";
      semctl(mine, 0, IPC_RMID);
    }
  });
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{7, 8})) << "the original set is untouched";
  EXPECT_THAT(semget(k.key, 0, 0), SyscallSucceedsWithValue(set.id())) << "the key still finds the original here";
}

IPC_CASE(sysv_sem, keys, id_not_valid_in_other_ipc_namespace,
         .title = "a set's identifier does not reach the set from a new IPC namespace",
         .covers = {"ipc_namespaces7.ids_are_per_namespace"},
         .statement = "Each IPC namespace has its own set of System V IPC identifiers ... Objects created in an IPC "
                      "namespace ... are not visible to processes in other IPC namespaces.",
         .refs = {"ipc_namespaces(7)", "unshare(2) CLONE_NEWIPC"}, .cls = Conformance::linux_specific,
         .needs = kNeedNamespaces) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0666);
  SetVal(set.id(), 0, 5);
  InNewIpcNamespace([&] {
    EXPECT_THAT(semctl(set.id(), 0, GETVAL), SyscallFailsWithErrno(EINVAL))
        << "GETVAL on an id from the parent's namespace, in a new namespace with no sets";
    EXPECT_THAT(Semop(set.id(), {Op(0, -1, IPC_NOWAIT)}), SyscallFailsWithErrno(EINVAL))
        << "semop on an id from the parent's namespace";
  });
  EXPECT_EQ(GetVal(set.id(), 0), 5) << "the set in the original namespace is untouched";
}

}  // namespace
