// ipc_namespaces(7), namespaces(7), unshare(2), setns(2), clone(2): what belongs to one IPC namespace
// (System V objects, POSIX message queues, the IPC limits), how long it lives, and who may make or join one.
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/ipc_namespace.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::ipc_namespace;
using ipcc::posix_mq::Attr;
using ipcc::posix_mq::Queue;

union semun {
  int val;
  semid_ds* buf;
  unsigned short* array;
  seminfo* info;
};

constexpr const char* kOwnObjects =
    "Each IPC namespace has its own set of System V IPC identifiers and its own POSIX message queue "
    "filesystem. Objects created in an IPC namespace are visible to all other processes that are members of "
    "that namespace, but are not visible to processes in other IPC namespaces.";

constexpr const char* kMsgmnb = "/proc/sys/kernel/msgmnb";
constexpr const char* kMsgmax = "/proc/sys/kernel/msgmax";

constexpr const char* kDistinct =
    "The following /proc interfaces are distinct in each IPC namespace: The POSIX message queue interfaces in "
    "/proc/sys/fs/mqueue. The System V IPC interfaces in /proc/sys/kernel, namely: msgmax, msgmnb, msgmni, sem, "
    "shmall, shmmax, shmmni, and shm_rmid_forced.";

// --- Creating and joining namespaces, and who may -------------------------------------------------

IPC_CASE(namespace, ipc, unshare_changes_namespace_link,
         .title = "after unshare(CLONE_NEWIPC), /proc/self/ns/ipc names a different namespace (link and inode)",
         .covers = {"unshare.CLONE_NEWIPC", "unshare.other_processes_keep_namespace",
                    "namespaces7.ns_link_identifies_namespace"},
         .statement = "If two processes are in the same namespace, then the device IDs and inode numbers of their "
                      "/proc/pid/ns/xxx symbolic links will be the same ... The content of this symbolic link is a "
                      "string containing the namespace type and inode number as in the following example: "
                      "uts:[4026531838]",
         .refs = {"namespaces(7) The /proc/[pid]/ns/ directory", "unshare(2) CLONE_NEWIPC"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::MinKernel(3, 0)) {
  // The link is what the statement is about: a missing /proc/self/ns/ipc fails the case.
  const auto parent_link = IpcNsLink();
  if (!parent_link) return;
  struct stat parent_st {};
  ASSERT_THAT(stat("/proc/self/ns/ipc", &parent_st), SyscallSucceeds());
  InChild(
      [&] {
        const auto before = IpcNsLink();
        if (!before) return;
        EXPECT_EQ(*before, *parent_link) << "before unshare the child shares its parent's namespace";
        ASSERT_THAT(unshare(CLONE_NEWIPC), SyscallSucceeds()) << "unshare(CLONE_NEWIPC) by root";
        const auto link = IpcNsLink();
        if (!link) return;
        EXPECT_NE(*link, *parent_link) << "after unshare(CLONE_NEWIPC) the link must change";
        EXPECT_EQ(link->rfind("ipc:[", 0), 0u) << "the link reads 'ipc:[inode]', got '" << *link << "'";
        struct stat st {};
        ASSERT_THAT(stat("/proc/self/ns/ipc", &st), SyscallSucceeds());
        EXPECT_FALSE(st.st_dev == parent_st.st_dev && st.st_ino == parent_st.st_ino)
            << "stat of /proc/self/ns/ipc must give another device/inode pair after unshare";
        EXPECT_EQ("ipc:[" + std::to_string(st.st_ino) + "]", *link)
            << "the inode number in the link is the namespace file's inode";
      },
      "child unsharing its IPC namespace");
  const auto after = IpcNsLink();
  if (after) {
    EXPECT_EQ(*after, *parent_link) << "the parent's namespace must not change when a child unshares";
  }
}

// In an unprivileged child: `call` (unshare or setns into another IPC namespace) fails with EPERM, and
// the child is still in the case's namespace, where it finds `marker` (a queue every user may look up).
void ExpectRefusedUnprivileged(const SysvObject& marker, const std::function<int()>& call, const std::string& what) {
  const Identity who = SecondIdentity();
  InChild(
      [&] {
        DropPrivileges(who);
        EXPECT_THAT(call(), SyscallFailsWithErrno(EPERM)) << what;
        EXPECT_THAT(msgget(marker.key(), 0), SyscallSucceedsWithValue(marker.id()))
            << "after the refused " << what << " the process must still be in the case's namespace, where the "
            << "marker queue exists (a new namespace has none)";
      },
      "unprivileged child");
}

IPC_CASE(namespace, ipc, unshare_without_cap_sys_admin_fails_eperm,
         .title = "unshare(CLONE_NEWIPC) by an unprivileged process fails with EPERM",
         .covers = {"unshare.EPERM", "unshare.refused_call_changes_nothing"},
         .statement = "CLONE_NEWIPC ... Use of CLONE_NEWIPC requires the CAP_SYS_ADMIN capability. ... EPERM The "
                      "calling process did not have the required privileges for this operation.",
         .refs = {"unshare(2) CLONE_NEWIPC", "unshare(2) EPERM", "namespaces(7)"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedSecondUid | need::Feature("sysv_msg")) {
  const SysvObject marker(SysvKind::msg, FreshKey(SysvKind::msg).key, 0666);
  ExpectRefusedUnprivileged(
      marker, [] { return unshare(CLONE_NEWIPC); }, "unshare(CLONE_NEWIPC)");
}

IPC_CASE(namespace, ipc, setns_without_cap_sys_admin_fails_eperm,
         .title = "setns into another IPC namespace by an unprivileged process fails with EPERM",
         .covers = {"setns.EPERM", "setns.refused_call_changes_nothing"},
         .statement = "In order to reassociate itself with a new network, IPC, time, or UTS namespace, the caller "
                      "must have the CAP_SYS_ADMIN capability both in its own user namespace and in the user "
                      "namespace that owns the target namespace. ... EPERM The calling thread did not have the "
                      "required capability for this operation.",
         .refs = {"setns(2) Network, IPC, time, and UTS namespaces", "setns(2) EPERM", "namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedSecondUid | need::MinKernel(3, 0) | need::Feature("sysv_msg")) {
  const SysvObject marker(SysvKind::msg, FreshKey(SysvKind::msg).key, 0666);
  Child member = Fork([&] {
    UnshareIpc();
    CheckpointPost(0);
    CheckpointWait(1);
  });
  if (!AwaitCheckpoint(member, 0)) return;
  // setns through the link is what the statement is about: a missing /proc/<pid>/ns/ipc fails the case.
  UniqueFd handle = OpenIpcNs(member.pid());
  if (!handle.valid()) return;
  ExpectRefusedUnprivileged(
      marker, [&] { return setns(handle.get(), CLONE_NEWIPC); }, "setns(CLONE_NEWIPC)");
  CheckpointPost(1);
  ExpectCleanExit(member.Wait(), "namespace member");
}

IPC_CASE(namespace, ipc, forked_child_shares_namespace,
         .title = "a child forked inside a new IPC namespace is a member of it and sees its objects",
         .covers = {"clone.child_stays_in_parent_namespace", "ipc_namespaces7.objects_visible_to_members",
                    "ipc_namespaces7.objects_invisible_outside_namespace"},
         .statement = "If this flag [CLONE_NEWIPC] is not set, then (as with fork(2)), the process is created in "
                      "the same IPC namespace as the calling process. ... Objects created in an IPC namespace "
                      "are visible to all other processes that are members of that namespace",
         .refs = {"clone(2) CLONE_NEWIPC", "fork(2)", "ipc_namespaces(7)", "namespaces(7) /proc/pid/ns"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("sysv_msg")) {
  // Membership is told by the objects a process sees: a queue only in the case's namespace, and one
  // only in the child's new namespace (no /proc/<pid>/ns/ipc link needed).
  const SysvObject outside(SysvKind::msg);
  const key_t inside_key = FreshKey(SysvKind::msg).key;  // picked while `outside` exists: another key
  InNewIpcNamespace([&] {
    const SysvObject inside(SysvKind::msg, inside_key);
    InChild(
        [&] {
          EXPECT_THAT(msgget(outside.key(), 0600), SyscallFailsWithErrno(ENOENT))
              << "the forked child must not see the case's namespace's queue: it is in its parent's new namespace";
          EXPECT_THAT(msgget(inside_key, 0600), SyscallSucceedsWithValue(inside.id()))
              << "the forked child must find the queue its parent created";
        },
        "grandchild forked in the new namespace");
  });
  EXPECT_THAT(msgget(inside_key, 0600), SyscallFailsWithErrno(ENOENT))
      << "the queue created in the child's namespace must not appear in the case's namespace";
}

// Runs fn in a process created by clone(CLONE_NEWIPC | SIGCHLD); reports like Fork's children.
int CloneEntry(void* arg) {
  auto* fn = static_cast<const std::function<void()>*>(arg);
  int code = 0;
  try {
    (*fn)();
    if (::testing::Test::HasFailure()) code = kChildFailedExit;
  } catch (const HarnessError&) {
    code = kChildHarnessErrorExit;
  } catch (...) {
    Record(kMarkError, "exception in the cloned child");
    code = kChildHarnessErrorExit;
  }
  fflush(nullptr);
  _exit(code);
}

IPC_CASE(namespace, ipc, clone_newipc_creates_child_in_new_namespace,
         .title = "clone(CLONE_NEWIPC) starts the child in a new IPC namespace without the parent's objects",
         .covers = {"clone.CLONE_NEWIPC"},
         .statement = "CLONE_NEWIPC (since Linux 2.6.19) If CLONE_NEWIPC is set, then create the process in a new "
                      "IPC namespace.",
         .refs = {"clone(2) CLONE_NEWIPC", "ipc_namespaces(7)", "namespaces(7) /proc/pid/ns"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("sysv_msg")) {
  // Which namespace the cloned child is in is told by the queue it cannot find (no /proc link needed).
  const SysvObject msq(SysvKind::msg);
  const std::function<void()> body = [&] {
    EXPECT_THAT(msgget(msq.key(), 0600), SyscallFailsWithErrno(ENOENT))
        << "the parent's queue must not be visible in the cloned child's new IPC namespace";
  };
  constexpr std::size_t kStack = std::size_t{256} * 1024;
  void* stack = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) ThrowHarnessError("set-up: mmap for the clone stack: " + ErrnoName(errno));
  ScopedCleanup unmap([&] { munmap(stack, kStack); });
  fflush(nullptr);
  const pid_t pid = clone(CloneEntry, static_cast<char*>(stack) + kStack, CLONE_NEWIPC | SIGCHLD,
                          const_cast<std::function<void()>*>(&body));
  ASSERT_THAT(pid, SyscallSucceeds()) << "clone(CLONE_NEWIPC | SIGCHLD) by root";
  Child child(pid);
  ExpectCleanExit(child.Wait(), "child cloned with CLONE_NEWIPC");
  EXPECT_THAT(msgget(msq.key(), 0600), SyscallSucceedsWithValue(msq.id())) << "the parent still sees its queue";
}

// --- System V objects belong to one namespace -----------------------------------------------------

IPC_CASE(namespace, ipc, sysv_objects_invisible_across_namespaces,
         .title = "System V queue, semaphore set and segment keys are not found from another IPC namespace",
         .covers = {"ipc_namespaces7.objects_invisible_outside_namespace",
                    "ipc_namespaces7.objects_visible_to_members"},
         .statement = kOwnObjects,
         .refs = {"ipc_namespaces(7)", "unshare(2) CLONE_NEWIPC", "msgget(2) ENOENT", "semget(2) ENOENT",
                  "shmget(2) ENOENT", "sysvipc(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::Feature("sysv_sem") | need::Feature("sysv_shm")) {
  const SysvObjects objs;
  // Contrast: a child that stays in the namespace finds all three by key.
  InChild(
      [&] {
        EXPECT_THAT(msgget(objs.msq.key(), 0600), SyscallSucceedsWithValue(objs.msq.id()));
        EXPECT_THAT(semget(objs.sem.key(), 0, 0600), SyscallSucceedsWithValue(objs.sem.id()));
        EXPECT_THAT(shmget(objs.shm.key(), 0, 0600), SyscallSucceedsWithValue(objs.shm.id()));
      },
      "child in the same IPC namespace");
  InNewIpcNamespace([&] {
    EXPECT_THAT(msgget(objs.msq.key(), 0600), SyscallFailsWithErrno(ENOENT))
        << "the message queue's key must not exist in a new IPC namespace";
    EXPECT_THAT(semget(objs.sem.key(), 0, 0600), SyscallFailsWithErrno(ENOENT))
        << "the semaphore set's key must not exist in a new IPC namespace";
    EXPECT_THAT(shmget(objs.shm.key(), 0, 0600), SyscallFailsWithErrno(ENOENT))
        << "the shared memory segment's key must not exist in a new IPC namespace";
  });
  EXPECT_THAT(msgget(objs.msq.key(), 0600), SyscallSucceedsWithValue(objs.msq.id()))
      << "the creator still finds its queue after the child left the namespace";
}

IPC_CASE(namespace, ipc, sysv_ids_invalid_across_namespaces,
         .title = "IPC_STAT on the identifiers of System V objects of another IPC namespace fails with EINVAL",
         .covers = {"ipc_namespaces7.own_sysv_identifiers"}, .statement = kOwnObjects,
         .refs = {"ipc_namespaces(7)", "msgctl(2) EINVAL", "semctl(2) EINVAL", "shmctl(2) EINVAL"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::Feature("sysv_sem") | need::Feature("sysv_shm")) {
  const SysvObjects objs;
  auto stat_all = [&](bool expect_found) {
    msqid_ds mds{};
    semid_ds sds{};
    shmid_ds hds{};
    semun arg{};
    arg.buf = &sds;
    if (expect_found) {
      EXPECT_THAT(msgctl(objs.msq.id(), IPC_STAT, &mds), SyscallSucceeds());
      EXPECT_THAT(semctl(objs.sem.id(), 0, IPC_STAT, arg), SyscallSucceeds());
      EXPECT_THAT(shmctl(objs.shm.id(), IPC_STAT, &hds), SyscallSucceeds());
    } else {
      EXPECT_THAT(msgctl(objs.msq.id(), IPC_STAT, &mds), SyscallFailsWithErrno(EINVAL))
          << "message queue id " << objs.msq.id() << " of the parent namespace";
      EXPECT_THAT(semctl(objs.sem.id(), 0, IPC_STAT, arg), SyscallFailsWithErrno(EINVAL))
          << "semaphore set id " << objs.sem.id() << " of the parent namespace";
      EXPECT_THAT(shmctl(objs.shm.id(), IPC_STAT, &hds), SyscallFailsWithErrno(EINVAL))
          << "segment id " << objs.shm.id() << " of the parent namespace";
    }
  };
  InChild([&] { stat_all(true); }, "child in the same IPC namespace");
  InNewIpcNamespace([&] { stat_all(false); });
}

IPC_CASE(namespace, ipc, proc_sysvipc_lists_reader_namespace,
         .title = "/proc/sysvipc/{msg,sem,shm} list the reader's IPC namespace only: a new one shows headers only",
         .covers = {"ipc_namespaces7.proc_sysvipc_per_namespace"},
         .statement = "The following /proc interfaces are distinct in each IPC namespace: ... The System V IPC "
                      "interfaces in /proc/sysvipc.",
         .refs = {"ipc_namespaces(7)", "proc(5) /proc/sysvipc", "sysvipc(7)"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedIpcNamespace | need::Feature("sysv_msg") | need::Feature("sysv_sem") |
                  need::Feature("sysv_shm")) {
  // The files are what the statement is about: one that cannot be read fails the case (proc(5)).
  const SysvObjects objs;
  const std::vector<std::pair<SysvKind, key_t>> files = {
      {SysvKind::msg, objs.msq.key()}, {SysvKind::sem, objs.sem.key()}, {SysvKind::shm, objs.shm.key()}};
  for (const auto& [kind, key] : files) {
    const auto table = ReadSysvipc(kind);
    ASSERT_TRUE(table.has_value()) << "/proc/sysvipc/" << SysvKindName(kind) << " cannot be read";
    const std::vector<long> keys = table->Keys();
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end())
        << "/proc/sysvipc/" << SysvKindName(kind) << " must list the creator's own object (key " << key << ")";
  }
  InNewIpcNamespace(
      [&] {
        for (const auto& [kind, key] : files) {
          const auto table = ReadSysvipc(kind);
          ASSERT_TRUE(table.has_value()) << "/proc/sysvipc/" << SysvKindName(kind);
          EXPECT_NE(table->header.find("key"), std::string::npos)
              << "/proc/sysvipc/" << SysvKindName(kind) << " keeps its header line: '" << table->header << "'";
          const std::vector<long> keys = table->Keys();
          EXPECT_TRUE(table->rows.empty())
              << "/proc/sysvipc/" << SysvKindName(kind) << " read from a new IPC namespace lists " << table->rows.size()
              << " object(s) (first key " << (keys.empty() ? 0 : keys[0]) << "); expected only the header";
        }
      },
      "reader in a new IPC namespace");
}

IPC_CASE(namespace, ipc, new_namespace_starts_without_sysv_objects,
         .title = "MSG_INFO, SEM_INFO and SHM_INFO in a new IPC namespace count no existing objects",
         .covers = {"ipc_namespaces7.new_namespace_has_no_objects"},
         .statement = "Each IPC namespace has its own set of System V IPC identifiers ... [MSG_INFO] the msgpool "
                      "field returns the number of message queues that currently exist on the system; "
                      "[SEM_INFO] the semusz field returns the number of semaphore sets that currently exist; "
                      "[SHM_INFO] used_ids: # of currently existing segments",
         .refs = {"ipc_namespaces(7)", "msgctl(2) MSG_INFO", "semctl(2) SEM_INFO", "shmctl(2) SHM_INFO"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::Feature("sysv_sem") | need::Feature("sysv_shm")) {
  const SysvObjects objs;
  struct Counts {
    int queues = -1, sem_sets = -1, segments = -1;
  };
  auto count = [] {
    Counts c;
    msginfo mi{};
    seminfo si{};
    shm_info hi{};
    semun arg{};
    arg.info = &si;
    EXPECT_THAT(msgctl(0, MSG_INFO, reinterpret_cast<msqid_ds*>(&mi)), SyscallSucceeds());
    EXPECT_THAT(semctl(0, 0, SEM_INFO, arg), SyscallSucceeds());
    EXPECT_THAT(shmctl(0, SHM_INFO, reinterpret_cast<shmid_ds*>(&hi)), SyscallSucceeds());
    c.queues = mi.msgpool;
    c.sem_sets = si.semusz;
    c.segments = hi.used_ids;
    return c;
  };
  const Counts here = count();
  EXPECT_GE(here.queues, 1) << "MSG_INFO in the creator's namespace must count its queue";
  EXPECT_GE(here.sem_sets, 1) << "SEM_INFO in the creator's namespace must count its semaphore set";
  EXPECT_GE(here.segments, 1) << "SHM_INFO in the creator's namespace must count its segment";
  InNewIpcNamespace([&] {
    const Counts fresh = count();
    EXPECT_EQ(fresh.queues, 0) << "MSG_INFO msgpool in a new IPC namespace";
    EXPECT_EQ(fresh.sem_sets, 0) << "SEM_INFO semusz in a new IPC namespace";
    EXPECT_EQ(fresh.segments, 0) << "SHM_INFO used_ids in a new IPC namespace";
  });
}

IPC_CASE(namespace, ipc, same_key_two_objects,
         .title = "the same key names two distinct segments in two IPC namespaces, each with its own contents",
         .covers = {"ipc_namespaces7.own_sysv_identifiers"}, .statement = kOwnObjects,
         .refs = {"ipc_namespaces(7)", "shmget(2) IPC_CREAT | IPC_EXCL", "shmat(2)"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("sysv_shm")) {
  const SysvObject shm(SysvKind::shm);
  char* mine = static_cast<char*>(IPCC_SETUP(shmat(shm.id(), nullptr, 0)));
  ScopedCleanup detach([&] { shmdt(mine); });
  std::strcpy(mine, "parent");
  InNewIpcNamespace(
      [&] {
        // IPC_EXCL: creation fails with EEXIST if the key already names a segment here.
        const int other = shmget(shm.key(), 4096, IPC_CREAT | IPC_EXCL | 0600);
        ASSERT_THAT(other, SyscallSucceeds())
            << "the key is free in the new namespace, so an exclusive create must succeed";
        char* theirs = static_cast<char*>(shmat(other, nullptr, 0));
        ASSERT_THAT(theirs, SyscallSucceeds());
        EXPECT_EQ(theirs[0], '\0') << "the new namespace's segment is a new, zero-filled segment, not the parent's "
                                      "(which holds \"parent\")";
        std::strcpy(theirs, "child");
        EXPECT_STREQ(theirs, "child");
        shmdt(theirs);
        shmctl(other, IPC_RMID, nullptr);
      },
      "child creating the same key in a new IPC namespace");
  EXPECT_STREQ(mine, "parent") << "the child's segment with the same key must not be the parent's";
  EXPECT_THAT(shmget(shm.key(), 0, 0600), SyscallSucceedsWithValue(shm.id()))
      << "the parent's key still names its segment";
}

// --- POSIX message queues belong to one namespace -------------------------------------------------

// The names in a directory, without "." and "..", sorted.
std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    ADD_FAILURE() << "opendir(" << dir << "): " << ErrnoName(errno);
    return names;
  }
  while (const dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// Mounts the calling process's mqueue file system at `dir` and expects it to list the queue named
// `present` but not `absent` (queue names, with their leading slash); `whose` says whose it is.
void ExpectMqueueListing(const std::string& dir, const std::string& present, const std::string& absent,
                         const std::string& whose) {
  ASSERT_THAT(posix_mq::MountMqueue(dir), SyscallSucceeds()) << "mounting " << whose << " (mq_overview(7))";
  const std::vector<std::string> names = ListDir(dir);
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
  EXPECT_TRUE(std::find(names.begin(), names.end(), present.substr(1)) != names.end())
      << whose << " must list the queue created there: [" << listed << "]";
  EXPECT_FALSE(std::find(names.begin(), names.end(), absent.substr(1)) != names.end())
      << whose << " must not list a queue created in another namespace: [" << listed << "]";
}

IPC_CASE(namespace, ipc, posix_mq_invisible_across_namespaces,
         .title = "a POSIX message queue is not found by name from another IPC namespace",
         .covers = {"ipc_namespaces7.objects_invisible_outside_namespace"}, .statement = kOwnObjects,
         .refs = {"ipc_namespaces(7)", "mq_overview(7) IPC namespaces", "mq_open(3) ENOENT", "mq_unlink(3) ENOENT"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("posix_mq")) {
  const Queue q("ns-queue", Attr(4, 64));
  InChild(
      [&] {
        const posix_mq::UniqueMqd mq(mq_open(q.name(), O_RDONLY));
        EXPECT_THAT(mq.get(), SyscallSucceeds()) << "a child in the same namespace opens the queue by name";
      },
      "child in the same IPC namespace");
  InNewIpcNamespace([&] {
    posix_mq::ExpectOpenFails(q.str(), O_RDONLY, nullptr, ENOENT,
                              "mq_open without O_CREAT of the parent namespace's queue name");
    EXPECT_THAT(mq_unlink(q.name()), SyscallFailsWithErrno(ENOENT)) << "mq_unlink of the parent namespace's queue name";
  });
  const posix_mq::UniqueMqd again(mq_open(q.name(), O_RDONLY));
  EXPECT_THAT(again.get(), SyscallSucceeds()) << "the queue still exists in the case's namespace";
}

IPC_CASE(namespace, ipc, same_mq_name_two_queues,
         .title = "the same POSIX message queue name names two distinct queues in two IPC namespaces",
         .covers = {"ipc_namespaces7.own_mqueue_filesystem"}, .statement = kOwnObjects,
         .refs = {"ipc_namespaces(7)", "mq_open(3) O_CREAT | O_EXCL", "mq_send(3)", "mq_receive(3)"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("posix_mq")) {
  const Queue q("ns-queue", Attr(4, 64));
  ASSERT_THAT(mq_send(q.get(), "from-parent", 11, 0), SyscallSucceeds());
  InNewIpcNamespace(
      [&] {
        Queue mine = Queue::Named(q.str());
        ASSERT_THAT(mine.TryCreate(Attr(4, 64)), SyscallSucceeds())
            << "mq_open(O_CREAT | O_EXCL): the name is free in the new namespace, so an exclusive create must "
               "succeed";
        mq_attr attr{};
        ASSERT_THAT(mq_getattr(mine.get(), &attr), SyscallSucceeds());
        EXPECT_EQ(attr.mq_curmsgs, 0) << "the new namespace's queue is new and empty, not the parent's (which "
                                         "holds one message)";
        ASSERT_THAT(mq_send(mine.get(), "from-child", 10, 0), SyscallSucceeds());
        char buf[64] = {};
        EXPECT_THAT(posix_mq::ReceiveWithin(mine.get(), buf, sizeof buf), SyscallSucceedsWithValue(10))
            << "receiving the message just sent to the new namespace's queue (bounded)";
        EXPECT_STREQ(buf, "from-child");
      },
      "child creating the same name in a new IPC namespace");
  mq_attr attr{};
  ASSERT_THAT(mq_getattr(q.get(), &attr), SyscallSucceeds());
  EXPECT_EQ(attr.mq_curmsgs, 1) << "the parent's queue keeps exactly its own message";
  char buf[64] = {};
  EXPECT_THAT(posix_mq::ReceiveWithin(q.get(), buf, sizeof buf), SyscallSucceedsWithValue(11))
      << "receiving the parent's own message (bounded)";
  EXPECT_STREQ(buf, "from-parent");
}

IPC_CASE(namespace, ipc, mqueue_mount_lists_own_namespace_queues,
         .title = "an mqueue filesystem mounted in a new IPC namespace lists that namespace's queues only",
         .covers = {"ipc_namespaces7.own_mqueue_filesystem"},
         .statement = "Each IPC namespace has its own set of System V IPC identifiers and its own POSIX message "
                      "queue filesystem. ... On Linux, message queues are created in a virtual filesystem. ... "
                      "the message queues on the system can be viewed and manipulated using the commands usually "
                      "used for files",
         .refs = {"ipc_namespaces(7)", "mq_overview(7) Mounting the message queue filesystem", "mount(2)",
                  "unshare(2) CLONE_NEWNS"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("posix_mq")) {
  const std::string parent_dir = TempPath("mqueue-parent");
  const std::string child_dir = TempPath("mqueue-child");
  IPCC_SETUP(mkdir(parent_dir.c_str(), 0700));
  IPCC_SETUP(mkdir(child_dir.c_str(), 0700));
  const Queue parent_queue("ns-parent", Attr(4, 64));
  const std::string child_queue = posix_mq::UniqueMqName("ns-child");
  Child child = Fork([&] {
    // New IPC and (private) mount namespaces, so the child's mount stays its own.
    UnshareIpc(CLONE_NEWNS);
    Queue mine = Queue::Named(child_queue);
    mine.Create(Attr(4, 64));
    ExpectMqueueListing(child_dir, child_queue, parent_queue.str(), "the new namespace's mqueue filesystem");
    CheckpointPost(0);
    CheckpointWait(1);  // keep the namespace (and its queue) alive while the parent looks
  });
  if (!AwaitCheckpoint(child, 0)) return;
  // The case's own namespace is looked at from a child in the same IPC namespace with a private mount
  // namespace of its own: the mount never touches the case's (or the host's) mount table.
  InChild(
      [&] {
        IPCC_SETUP(unshare(CLONE_NEWNS));
        MakeMountsPrivate();
        ExpectMqueueListing(parent_dir, parent_queue.str(), child_queue, "the case's own mqueue filesystem");
      },
      "child looking at the case's mqueue filesystem");
  CheckpointPost(1);
  ExpectCleanExit(child.Wait(), "child in new IPC and mount namespaces");
}

// --- The IPC limits belong to one namespace -------------------------------------------------------

IPC_CASE(namespace, ipc, limits_independent,
         .title = "writing /proc/sys/kernel/msgmnb in a new IPC namespace leaves the parent namespace's value alone",
         .covers = {"ipc_namespaces7.sysv_limits_per_namespace"}, .statement = kDistinct,
         .refs = {"ipc_namespaces(7)", "proc(5) /proc/sys/kernel/msgmnb"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::WritableSysctl(kMsgmnb)) {
  ExpectLimitsIndependent({{kMsgmnb, 12345}});
}

IPC_CASE(namespace, ipc, mq_limits_independent,
         .title = "writing /proc/sys/fs/mqueue/* in a new IPC namespace leaves the parent namespace's values alone",
         .covers = {"ipc_namespaces7.mqueue_limits_per_namespace"}, .statement = kDistinct,
         .refs = {"ipc_namespaces(7)", "mq_overview(7) /proc interfaces"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("posix_mq") | need::WritableSysctl(posix_mq::kProcMsgMax) |
                  need::WritableSysctl(posix_mq::kProcQueuesMax)) {
  ExpectLimitsIndependent({{posix_mq::kProcMsgMax, 7}, {posix_mq::kProcQueuesMax, 33}});
}

IPC_CASE(namespace, ipc, new_namespace_starts_with_default_limits,
         .title = "a new IPC namespace starts with the documented default limits, not its creator's values",
         .covers = {"ipc_namespaces7.new_namespace_starts_with_default_limits"},
         .statement = "MSGMAX Maximum size of a message text, in bytes (default value: 8192 bytes). ... MSGMNB "
                      "Maximum number of bytes that can be held in a message queue (default value: 16384 bytes). "
                      "[mq_overview(7):] The default value for msg_max is 10. ... The default value for msgsize_max "
                      "is 8192 bytes. ... The default value for queues_max is 256. [ipc_namespaces(7):] The "
                      "following /proc interfaces are distinct in each IPC namespace",
         .refs = {"ipc_namespaces(7)", "msgop(2) MSGMAX MSGMNB", "mq_overview(7) /proc interfaces"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedIpcNamespace | need::Feature("sysv_msg") | need::Feature("posix_mq") |
                  need::WritableSysctl(kMsgmnb) | need::WritableSysctl(kMsgmax) |
                  need::WritableSysctl(posix_mq::kProcMsgMax)) {
  // The case's own namespace gets non-default values first, so inheriting them would show.
  ScopedSysctl msgmnb(kMsgmnb, 20000);
  ScopedSysctl msgmax(kMsgmax, 4000);
  ScopedSysctl mq_msg_max(posix_mq::kProcMsgMax, 20);
  InNewIpcNamespace(
      [&] {
        ExpectLimit(kMsgmnb, 16384, "msgmnb of a new namespace (the creator's is 20000)");
        ExpectLimit(kMsgmax, 8192, "msgmax of a new namespace (the creator's is 4000)");
        ExpectLimit(posix_mq::kProcMsgMax, 10, "fs/mqueue/msg_max of a new namespace (the creator's is 20)");
        ExpectLimit(posix_mq::kProcMsgsizeMax, 8192, "fs/mqueue/msgsize_max of a new namespace");
        ExpectLimit(posix_mq::kProcQueuesMax, 256, "fs/mqueue/queues_max of a new namespace");
      },
      "child reading the limits of a new IPC namespace");
}

IPC_CASE(namespace, ipc, limits_apply_per_namespace,
         .title = "msgmnb set in a new IPC namespace sizes the queues created there, not the parent's queues",
         .covers = {"ipc_namespaces7.sysv_limits_per_namespace"},
         .statement = "/proc/sys/kernel/msgmnb This file defines a system-wide parameter used to initialize the "
                      "msg_qbytes setting for subsequently created message queues. [ipc_namespaces(7):] The "
                      "following /proc interfaces are distinct in each IPC namespace",
         .refs = {"ipc_namespaces(7)", "proc(5) /proc/sys/kernel/msgmnb", "msgget(2) msg_qbytes", "msgctl(2) IPC_STAT"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::WritableSysctl(kMsgmnb)) {
  const long parent_msgmnb = ReadSysctlNumber(kMsgmnb);
  const long child_msgmnb = Different(parent_msgmnb, 1234);
  InNewIpcNamespace(
      [&] {
        WriteSysctl(kMsgmnb, child_msgmnb);  // set-up here: the statement is about its effect
        const SysvObject msq(SysvKind::msg, IPC_PRIVATE);
        msqid_ds ds{};
        EXPECT_THAT(msgctl(msq.id(), IPC_STAT, &ds), SyscallSucceeds());
        EXPECT_EQ(static_cast<long>(ds.msg_qbytes), child_msgmnb)
            << "a queue created in the child's namespace takes that namespace's msgmnb";
      },
      "child creating a queue under its own msgmnb");
  const SysvObject msq(SysvKind::msg, IPC_PRIVATE);
  msqid_ds ds{};
  ASSERT_THAT(msgctl(msq.id(), IPC_STAT, &ds), SyscallSucceeds());
  EXPECT_EQ(static_cast<long>(ds.msg_qbytes), parent_msgmnb)
      << "a queue created in the parent namespace afterwards still takes the parent's msgmnb (the child set "
      << child_msgmnb << " in its own namespace)";
}

// --- How long a namespace and its objects live, and joining one -----------------------------------

IPC_CASE(namespace, ipc, ns_handle_keeps_namespace_and_objects,
         .title = "an open /proc/<pid>/ns/ipc handle keeps an IPC namespace and its objects after its last member "
                  "exits",
         .covers = {"namespaces7.open_ns_file_pins_namespace"},
         .statement = "Opening one of the files in this directory (or a file that is bind mounted to one of these "
                      "files) returns a file handle for the corresponding namespace of the process specified by "
                      "pid. As long as this file descriptor remains open, the namespace will remain alive, even if "
                      "all processes in the namespace terminate. The file descriptor can be passed to setns(2).",
         .refs = {"namespaces(7) The /proc/[pid]/ns/ directory", "namespaces(7) Namespace lifetime", "setns(2)",
                  "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::MinKernel(3, 0) | need::Feature("posix_mq") | need::Feature("sysv_shm") |
                  need::Feature("sysv_msg")) {
  PopulatedNamespace ns;
  // The handle is what the statement is about: a missing /proc/<pid>/ns/ipc fails the case.
  UniqueFd handle = OpenIpcNs(ns.pid());
  if (!handle.valid()) return;
  ns.EndMember();
  // The namespace now has no member process; only the handle refers to it.
  InChild(
      [&] {
        ASSERT_THAT(setns(handle.get(), CLONE_NEWIPC), SyscallSucceeds())
            << "joining the namespace through the kept handle";
        ns.ExpectObjects();
      },
      "child joining the memberless namespace");
}

IPC_CASE(namespace, ipc, objects_destroyed_when_last_member_exits,
         .title = "when the last member of an IPC namespace exits, the namespace's message queues are destroyed",
         .covers = {"ipc_namespaces7.objects_destroyed_with_namespace"},
         .statement = "When an IPC namespace is destroyed (i.e., when the last process that is a member of the "
                      "namespace terminates), all IPC objects in the namespace are automatically destroyed.",
         .refs = {"ipc_namespaces(7)", "namespaces(7) Namespace lifetime", "inotify(7) IN_UNMOUNT IN_IGNORED"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("posix_mq") | need::Feature("sysv_shm") | need::Feature("sysv_msg")) {
  PopulatedNamespace ns(PopulatedNamespace::Mount::mqueue);
  const UniqueFd watch = ns.WatchQueue();
  ExpectNotTornDown(watch.get(), "while its member lives, the namespace's queue must not be torn down");
  ns.EndMember();
  ExpectTornDown(watch.get(), "after the last member exited");
}

IPC_CASE(namespace, ipc, objects_destroyed_when_last_ns_handle_closed,
         .title = "a memberless IPC namespace held by a /proc/<pid>/ns/ipc handle is destroyed, with its queues, "
                  "when the handle closes",
         .covers = {"namespaces7.open_ns_file_pins_namespace", "ipc_namespaces7.objects_destroyed_with_namespace"},
         .statement = "As long as this file descriptor remains open, the namespace will remain alive, even if all "
                      "processes in the namespace terminate. ... When an IPC namespace is destroyed ..., all IPC "
                      "objects in the namespace are automatically destroyed.",
         .refs = {"namespaces(7) The /proc/[pid]/ns/ directory", "namespaces(7) Namespace lifetime",
                  "ipc_namespaces(7)", "inotify(7) IN_UNMOUNT IN_IGNORED"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::MinKernel(3, 0) | need::Feature("posix_mq") | need::Feature("sysv_shm") |
                  need::Feature("sysv_msg")) {
  PopulatedNamespace ns(PopulatedNamespace::Mount::mqueue);
  const UniqueFd watch = ns.WatchQueue();
  // The handle is what the statement is about: a missing /proc/<pid>/ns/ipc fails the case.
  UniqueFd handle = OpenIpcNs(ns.pid());
  if (!handle.valid()) return;
  ns.EndMember();
  // The handle pins the namespace: nothing may be torn down, and a joiner still finds the objects.
  ExpectNotTornDown(watch.get(), "while a handle on the namespace is open, its queue must not be torn down");
  InChild(
      [&] {
        ASSERT_THAT(setns(handle.get(), CLONE_NEWIPC), SyscallSucceeds());
        ns.ExpectObjects();
      },
      "child joining the held namespace");
  handle.reset();
  ExpectTornDown(watch.get(), "after the last handle closed");
}

IPC_CASE(namespace, ipc, setns_joins_namespace_and_sees_its_objects,
         .title = "setns through /proc/<pid>/ns/ipc joins that IPC namespace: its objects become visible",
         .covers = {"setns.CLONE_NEWIPC", "setns.joins_namespace_of_link",
                    "ipc_namespaces7.objects_visible_to_members"},
         .statement = "If fd refers to a /proc/pid/ns/ link, then setns() reassociates the calling thread with the "
                      "namespace associated with that link ... Objects created in an IPC namespace are visible to "
                      "all other processes that are members of that namespace",
         .refs = {"setns(2) CLONE_NEWIPC", "namespaces(7) /proc/pid/ns/ipc", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::MinKernel(3, 0) | need::Feature("posix_mq") | need::Feature("sysv_shm") |
                  need::Feature("sysv_msg")) {
  PopulatedNamespace ns;
  // setns through the link is what the statement is about: a missing /proc/<pid>/ns/ipc fails the case.
  UniqueFd handle = OpenIpcNs(ns.pid());
  if (!handle.valid()) return;
  const auto member_link = IpcNsLink(ns.pid());
  EXPECT_THAT(msgget(ns.msg_key(), 0600), SyscallFailsWithErrno(ENOENT))
      << "the member's queue is not visible from the case's own namespace";
  InChild(
      [&] {
        const auto before = IpcNsLink();
        ASSERT_THAT(setns(handle.get(), CLONE_NEWIPC), SyscallSucceeds());
        const auto after = IpcNsLink();
        if (member_link && before && after) {
          EXPECT_EQ(*after, *member_link)
              << "after setns, /proc/self/ns/ipc must name the joined namespace (was " << *before << ")";
        }
        ns.ExpectObjects();
      },
      "child joining the namespace with setns");
  ns.EndMember();
}

}  // namespace
