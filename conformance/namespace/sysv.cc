// ipc_namespaces(7), namespaces(7), unshare(2), clone(2): System V IPC objects belong to one IPC namespace.
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "conformance/namespace/ns_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::ns;

union semun {
  int val;
  semid_ds* buf;
  unsigned short* array;
  seminfo* info;
};

constexpr const char* kInvisible =
    "Each IPC namespace has its own set of System V IPC identifiers and its own POSIX message queue "
    "filesystem. Objects created in an IPC namespace are visible to all other processes that are members of "
    "that namespace, but are not visible to processes in other IPC namespaces.";

IPC_CASE(namespace, ipc, sysv_objects_invisible_across_namespaces,
         .title = "System V queue, semaphore set and segment keys are not found from another IPC namespace",
         .statement = kInvisible,
         .refs = {"ipc_namespaces(7)", "unshare(2) CLONE_NEWIPC", "msgget(2) ENOENT", "semget(2) ENOENT",
                  "shmget(2) ENOENT", "sysvipc(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::Feature("sysv_sem") | need::Feature("sysv_shm")) {
  SysvObjects objs;
  CreateSysvObjects(objs);
  // Contrast: a child that stays in the namespace finds all three by key.
  ExpectCleanExit(RunInChild([&] {
                    EXPECT_THAT(msgget(kMsgKey, 0600), SyscallSucceedsWithValue(objs.msq));
                    EXPECT_THAT(semget(kSemKey, 0, 0600), SyscallSucceedsWithValue(objs.sem));
                    EXPECT_THAT(shmget(kShmKey, 0, 0600), SyscallSucceedsWithValue(objs.shm));
                  }),
                  "child in the same IPC namespace");
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    EXPECT_THAT(msgget(kMsgKey, 0600), SyscallFailsWithErrno(ENOENT))
                        << "the message queue's key must not exist in a new IPC namespace";
                    EXPECT_THAT(semget(kSemKey, 0, 0600), SyscallFailsWithErrno(ENOENT))
                        << "the semaphore set's key must not exist in a new IPC namespace";
                    EXPECT_THAT(shmget(kShmKey, 0, 0600), SyscallFailsWithErrno(ENOENT))
                        << "the shared memory segment's key must not exist in a new IPC namespace";
                  }),
                  "child in a new IPC namespace");
  EXPECT_THAT(msgget(kMsgKey, 0600), SyscallSucceedsWithValue(objs.msq))
      << "the creator still finds its queue after the child left the namespace";
}

IPC_CASE(namespace, ipc, sysv_ids_invalid_across_namespaces,
         .title = "IPC_STAT on the identifiers of System V objects of another IPC namespace fails with EINVAL",
         .statement = kInvisible,
         .refs = {"ipc_namespaces(7)", "msgctl(2) EINVAL", "semctl(2) EINVAL", "shmctl(2) EINVAL"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::Feature("sysv_sem") | need::Feature("sysv_shm")) {
  SysvObjects objs;
  CreateSysvObjects(objs);
  auto stat_all = [&](bool expect_found) {
    msqid_ds mds{};
    semid_ds sds{};
    shmid_ds hds{};
    semun arg{};
    arg.buf = &sds;
    if (expect_found) {
      EXPECT_THAT(msgctl(objs.msq, IPC_STAT, &mds), SyscallSucceeds());
      EXPECT_THAT(semctl(objs.sem, 0, IPC_STAT, arg), SyscallSucceeds());
      EXPECT_THAT(shmctl(objs.shm, IPC_STAT, &hds), SyscallSucceeds());
    } else {
      EXPECT_THAT(msgctl(objs.msq, IPC_STAT, &mds), SyscallFailsWithErrno(EINVAL))
          << "message queue id " << objs.msq << " of the parent namespace";
      EXPECT_THAT(semctl(objs.sem, 0, IPC_STAT, arg), SyscallFailsWithErrno(EINVAL))
          << "semaphore set id " << objs.sem << " of the parent namespace";
      EXPECT_THAT(shmctl(objs.shm, IPC_STAT, &hds), SyscallFailsWithErrno(EINVAL))
          << "segment id " << objs.shm << " of the parent namespace";
    }
  };
  ExpectCleanExit(RunInChild([&] { stat_all(true); }), "child in the same IPC namespace");
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    stat_all(false);
                  }),
                  "child in a new IPC namespace");
}

IPC_CASE(namespace, ipc, proc_sysvipc_lists_reader_namespace,
         .title = "/proc/sysvipc/{msg,sem,shm} list the reader's IPC namespace only: a new one shows headers only",
         .statement = "The following /proc interfaces are distinct in each IPC namespace: ... The System V IPC "
                      "interfaces in /proc/sysvipc.",
         .refs = {"ipc_namespaces(7)", "proc(5) /proc/sysvipc", "sysvipc(7)"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedIpcNamespace | need::Feature("sysv_msg") | need::Feature("sysv_sem") |
                  need::Feature("sysv_shm")) {
  // The files are what the statement is about: one that cannot be read fails the case (proc(5)).
  SysvObjects objs;
  CreateSysvObjects(objs);
  const std::vector<std::pair<std::string, key_t>> files = {{"msg", kMsgKey}, {"sem", kSemKey}, {"shm", kShmKey}};
  for (const auto& [kind, key] : files) {
    std::vector<long> keys;
    ASSERT_TRUE(SysvipcKeys(kind, &keys)) << "/proc/sysvipc/" << kind << " cannot be read";
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end())
        << "/proc/sysvipc/" << kind << " must list the creator's own object (key " << key << ")";
  }
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    for (const auto& [kind, key] : files) {
                      std::vector<long> keys;
                      std::string header;
                      ASSERT_TRUE(SysvipcKeys(kind, &keys, &header)) << "/proc/sysvipc/" << kind;
                      EXPECT_NE(header.find("key"), std::string::npos)
                          << "/proc/sysvipc/" << kind << " keeps its header line: '" << header << "'";
                      EXPECT_TRUE(keys.empty())
                          << "/proc/sysvipc/" << kind << " read from a new IPC namespace lists " << keys.size()
                          << " object(s) (first key " << (keys.empty() ? 0 : keys[0]) << "); expected only the header";
                    }
                  }),
                  "reader in a new IPC namespace");
}

IPC_CASE(namespace, ipc, new_namespace_starts_without_sysv_objects,
         .title = "MSG_INFO, SEM_INFO and SHM_INFO in a new IPC namespace count no existing objects",
         .statement = "Each IPC namespace has its own set of System V IPC identifiers ... [MSG_INFO] the msgpool "
                      "field returns the number of message queues that currently exist on the system; "
                      "[SEM_INFO] the semusz field returns the number of semaphore sets that currently exist; "
                      "[SHM_INFO] used_ids: # of currently existing segments",
         .refs = {"ipc_namespaces(7)", "msgctl(2) MSG_INFO", "semctl(2) SEM_INFO", "shmctl(2) SHM_INFO"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::Feature("sysv_sem") | need::Feature("sysv_shm")) {
  SysvObjects objs;
  CreateSysvObjects(objs);
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
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    const Counts fresh = count();
                    EXPECT_EQ(fresh.queues, 0) << "MSG_INFO msgpool in a new IPC namespace";
                    EXPECT_EQ(fresh.sem_sets, 0) << "SEM_INFO semusz in a new IPC namespace";
                    EXPECT_EQ(fresh.segments, 0) << "SHM_INFO used_ids in a new IPC namespace";
                  }),
                  "child in a new IPC namespace");
}

IPC_CASE(namespace, ipc, same_key_two_objects,
         .title = "the same key names two distinct segments in two IPC namespaces, each with its own contents",
         .statement = kInvisible, .refs = {"ipc_namespaces(7)", "shmget(2) IPC_CREAT | IPC_EXCL", "shmat(2)"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("sysv_shm")) {
  const int shm = IPCC_SETUP(shmget(kShmKey, 4096, IPC_CREAT | IPC_EXCL | 0600));
  ScopedCleanup rm([&] { shmctl(shm, IPC_RMID, nullptr); });
  char* mine = static_cast<char*>(IPCC_SETUP(shmat(shm, nullptr, 0)));
  ScopedCleanup detach([&] { shmdt(mine); });
  std::strcpy(mine, "parent");
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    // IPC_EXCL: creation fails with EEXIST if the key already names a segment here.
                    const int other = shmget(kShmKey, 4096, IPC_CREAT | IPC_EXCL | 0600);
                    ASSERT_THAT(other, SyscallSucceeds())
                        << "the key is free in the new namespace, so an exclusive create must succeed";
                    char* theirs = static_cast<char*>(shmat(other, nullptr, 0));
                    ASSERT_THAT(theirs, SyscallSucceeds());
                    EXPECT_EQ(theirs[0], '\0') << "the new namespace's segment is a new, zero-filled segment, "
                                                  "not the parent's (which holds \"parent\")";
                    std::strcpy(theirs, "child");
                    EXPECT_STREQ(theirs, "child");
                    shmdt(theirs);
                    shmctl(other, IPC_RMID, nullptr);
                  }),
                  "child creating the same key in a new IPC namespace");
  EXPECT_STREQ(mine, "parent") << "the child's segment with the same key must not be the parent's";
  EXPECT_THAT(shmget(kShmKey, 0, 0600), SyscallSucceedsWithValue(shm)) << "the parent's key still names its segment";
}

IPC_CASE(namespace, ipc, forked_child_shares_namespace,
         .title = "a child forked inside a new IPC namespace is a member of it and sees its objects",
         .statement = "If this flag [CLONE_NEWIPC] is not set, then (as with fork(2)), the process is created in "
                      "the same IPC namespace as the calling process. ... Objects created in an IPC namespace "
                      "are visible to all other processes that are members of that namespace",
         .refs = {"clone(2) CLONE_NEWIPC", "fork(2)", "ipc_namespaces(7)", "namespaces(7) /proc/pid/ns"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("sysv_msg")) {
  // Membership is told by the objects a process sees: a queue only in the case's namespace, and one
  // only in the child's new namespace (no /proc/<pid>/ns/ipc link needed).
  constexpr key_t kOutsideKey = 0x4e530004;
  const int outside = IPCC_SETUP(msgget(kOutsideKey, IPC_CREAT | IPC_EXCL | 0600));
  ScopedCleanup rm_outside([&] { msgctl(outside, IPC_RMID, nullptr); });
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    const int msq = IPCC_SETUP(msgget(kMsgKey, IPC_CREAT | IPC_EXCL | 0600));
                    ExpectCleanExit(RunInChild([&] {
                                      EXPECT_THAT(msgget(kOutsideKey, 0600), SyscallFailsWithErrno(ENOENT))
                                          << "the forked child must not see the case's namespace's queue: it is "
                                             "in its parent's new namespace";
                                      EXPECT_THAT(msgget(kMsgKey, 0600), SyscallSucceedsWithValue(msq))
                                          << "the forked child must find the queue its parent created";
                                    }),
                                    "grandchild forked in the new namespace");
                    msgctl(msq, IPC_RMID, nullptr);
                  }),
                  "child in a new IPC namespace");
  EXPECT_THAT(msgget(kMsgKey, 0600), SyscallFailsWithErrno(ENOENT))
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
         .statement = "CLONE_NEWIPC (since Linux 2.6.19) If CLONE_NEWIPC is set, then create the process in a new "
                      "IPC namespace.",
         .refs = {"clone(2) CLONE_NEWIPC", "ipc_namespaces(7)", "namespaces(7) /proc/pid/ns"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("sysv_msg")) {
  // Which namespace the cloned child is in is told by the queue it cannot find (no /proc link needed).
  const int msq = IPCC_SETUP(msgget(kMsgKey, IPC_CREAT | IPC_EXCL | 0600));
  ScopedCleanup rm([&] { msgctl(msq, IPC_RMID, nullptr); });
  const std::function<void()> body = [&] {
    EXPECT_THAT(msgget(kMsgKey, 0600), SyscallFailsWithErrno(ENOENT))
        << "the parent's queue must not be visible in the cloned child's new IPC namespace";
  };
  constexpr std::size_t kStack = 256 * 1024;
  void* stack = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) ThrowHarnessError("set-up: mmap for the clone stack: " + ErrnoName(errno));
  ScopedCleanup unmap([&] { munmap(stack, kStack); });
  fflush(nullptr);
  const pid_t pid = clone(CloneEntry, static_cast<char*>(stack) + kStack, CLONE_NEWIPC | SIGCHLD,
                          const_cast<std::function<void()>*>(&body));
  ASSERT_THAT(pid, SyscallSucceeds()) << "clone(CLONE_NEWIPC | SIGCHLD) by root";
  Child child(pid);
  ExpectCleanExit(child.Wait(), "child cloned with CLONE_NEWIPC");
  EXPECT_THAT(msgget(kMsgKey, 0600), SyscallSucceedsWithValue(msq)) << "the parent still sees its queue";
}

}  // namespace
