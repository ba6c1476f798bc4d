// unshare(2), setns(2), namespaces(7): creating and joining IPC namespaces needs CAP_SYS_ADMIN, and a
// new namespace is a different /proc/<pid>/ns/ipc object.
#include <fcntl.h>
#include <sched.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conformance/namespace/ns_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::ns;

IPC_CASE(namespace, ipc, unshare_changes_namespace_link,
         .title = "after unshare(CLONE_NEWIPC), /proc/self/ns/ipc names a different namespace (link and inode)",
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
  ExpectCleanExit(RunInChild([&] {
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
                  }),
                  "child unsharing its IPC namespace");
  const auto after = IpcNsLink();
  if (after) {
    EXPECT_EQ(*after, *parent_link) << "the parent's namespace must not change when a child unshares";
  }
}

// A System V message queue that every user may look up by key: which namespace a process is in is
// told by whether it finds the queue (the /proc/<pid>/ns/ipc link is not needed for that).
struct MarkerQueue {
  int id = IPCC_SETUP(msgget(kMsgKey, IPC_CREAT | IPC_EXCL | 0666));
  MarkerQueue() = default;
  MarkerQueue(const MarkerQueue&) = delete;
  MarkerQueue& operator=(const MarkerQueue&) = delete;
  ~MarkerQueue() { msgctl(id, IPC_RMID, nullptr); }
};

IPC_CASE(namespace, ipc, unshare_without_cap_sys_admin_fails_eperm,
         .title = "unshare(CLONE_NEWIPC) by an unprivileged process fails with EPERM",
         .statement = "CLONE_NEWIPC ... Use of CLONE_NEWIPC requires the CAP_SYS_ADMIN capability. ... EPERM The "
                      "calling process did not have the required privileges for this operation.",
         .refs = {"unshare(2) CLONE_NEWIPC", "unshare(2) EPERM", "namespaces(7)"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedSecondUid | need::Feature("sysv_msg")) {
  const Identity who = SecondIdentity();
  MarkerQueue marker;
  ExpectCleanExit(RunInChild([&] {
                    DropPrivileges(who);
                    EXPECT_THAT(unshare(CLONE_NEWIPC), SyscallFailsWithErrno(EPERM));
                    EXPECT_THAT(msgget(kMsgKey, 0), SyscallSucceedsWithValue(marker.id))
                        << "after the refused unshare the process must still be in the case's namespace, where "
                           "the marker queue exists";
                  }),
                  "unprivileged child");
}

IPC_CASE(namespace, ipc, setns_without_cap_sys_admin_fails_eperm,
         .title = "setns into another IPC namespace by an unprivileged process fails with EPERM",
         .statement = "In order to reassociate itself with a new network, IPC, time, or UTS namespace, the caller "
                      "must have the CAP_SYS_ADMIN capability both in its own user namespace and in the user "
                      "namespace that owns the target namespace. ... EPERM The calling thread did not have the "
                      "required capability for this operation.",
         .refs = {"setns(2) Network, IPC, time, and UTS namespaces", "setns(2) EPERM", "namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedSecondUid | need::MinKernel(3, 0) | need::Feature("sysv_msg")) {
  const Identity who = SecondIdentity();
  MarkerQueue marker;
  Child member = Fork([&] {
    UnshareIpc();
    CheckpointPost(0);
    CheckpointWait(1);
  });
  CheckpointWait(0);
  // setns through the link is what the statement is about: a missing /proc/<pid>/ns/ipc fails the case.
  UniqueFd handle = OpenIpcNs(member.pid());
  if (!handle.valid()) return;
  ExpectCleanExit(RunInChild([&] {
                    DropPrivileges(who);
                    EXPECT_THAT(setns(handle.get(), CLONE_NEWIPC), SyscallFailsWithErrno(EPERM));
                    EXPECT_THAT(msgget(kMsgKey, 0), SyscallSucceedsWithValue(marker.id))
                        << "after the refused setns the process must still be in the case's namespace, where "
                           "the marker queue exists (the member's new namespace has none)";
                  }),
                  "unprivileged child");
  CheckpointPost(1);
  ExpectCleanExit(member.Wait(), "namespace member");
}

}  // namespace
