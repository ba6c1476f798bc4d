// ipc_namespaces(7), namespaces(7), setns(2): how long an IPC namespace and its objects live, and
// joining an existing one.
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "conformance/namespace/ns_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::ns;

constexpr const char* kSurvivorText = "kept alive by a namespace handle";

// A one-byte readiness channel from a child: the child writes when set up; end-of-file means it
// ended (having recorded why) before getting there.
struct Ready {
  UniqueFd r, w;
  Ready() {
    int fds[2];
    IPCC_SETUP(pipe2(fds, O_CLOEXEC));
    r.reset(fds[0]);
    w.reset(fds[1]);
  }
  void Signal() { IPCC_SETUP(write(w.get(), "R", 1)); }
  // In the parent, after the fork: returns when the child reported ready; a child that ended first
  // (its set-up broke, and it said why) or never got there is a harness ERROR.
  void Wait() {
    w.reset();
    pollfd pfd{r.get(), POLLIN, 0};
    int n;
    while ((n = poll(&pfd, 1, 5000)) < 0 && errno == EINTR) {
    }
    char c;
    if (n != 1 || read(r.get(), &c, 1) != 1) {
      ThrowHarnessError("set-up: the namespace member did not get ready (see its messages)");
    }
  }
};

// In a child (set-up: any failure is a harness ERROR): enters new IPC (and mount) namespaces and fills
// them with a segment holding kSurvivorText, a System V message queue and a POSIX queue holding one
// message. Nothing is removed: the objects are meant to outlive this process. With `mount_dir`, the
// namespace's mqueue filesystem is mounted there (in the child's own, private, mount namespace).
void PopulateNewNamespace(const std::string& mount_dir) {
  UnshareIpc(mount_dir.empty() ? 0 : CLONE_NEWNS);
  const int shm = IPCC_SETUP(shmget(kShmKey, 4096, IPC_CREAT | IPC_EXCL | 0600));
  char* p = static_cast<char*>(IPCC_SETUP(shmat(shm, nullptr, 0)));
  std::strcpy(p, kSurvivorText);
  shmdt(p);
  IPCC_SETUP(msgget(kMsgKey, IPC_CREAT | IPC_EXCL | 0600));
  mq_attr attr = SmallQueueAttr();
  const mqd_t mq = IPCC_SETUP(mq_open(kQueueName, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr));
  // mq_send is a documented call of a mechanism that exists here (mq_open worked): its failure is a
  // deviation (of POSIX message queues), so the case FAILs rather than blaming the harness.
  EXPECT_THAT(mq_send(mq, "survivor", 8, 0), SyscallSucceeds()) << "filling the new namespace's queue";
  mq_close(mq);
  if (!mount_dir.empty()) {
    IPCC_SETUP(mount("mqueue", mount_dir.c_str(), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr));
  }
}

// Expects the objects PopulateNewNamespace made to be there, in the calling process's namespace.
void ExpectPopulatedObjects() {
  const int shm = shmget(kShmKey, 0, 0600);
  EXPECT_THAT(shm, SyscallSucceeds()) << "the segment created in the namespace must still exist";
  if (shm >= 0) {
    char* p = static_cast<char*>(shmat(shm, nullptr, SHM_RDONLY));
    EXPECT_THAT(p, SyscallSucceeds());
    if (p != reinterpret_cast<char*>(-1)) {
      EXPECT_STREQ(p, kSurvivorText) << "the segment must keep its contents";
      shmdt(p);
    }
  }
  EXPECT_THAT(msgget(kMsgKey, 0600), SyscallSucceeds()) << "the message queue created in the namespace";
  mqd_t mq = mq_open(kQueueName, O_RDONLY | O_NONBLOCK);
  EXPECT_THAT(mq, SyscallSucceeds()) << "the POSIX queue created in the namespace";
  if (mq != static_cast<mqd_t>(-1)) {
    char buf[64] = {};
    EXPECT_THAT(mq_receive(mq, buf, sizeof buf, nullptr), SyscallSucceedsWithValue(8));
    EXPECT_STREQ(buf, "survivor") << "the POSIX queue must keep its message";
    mq_close(mq);
  }
}

IPC_CASE(namespace, ipc, ns_handle_keeps_namespace_and_objects,
         .title = "an open /proc/<pid>/ns/ipc handle keeps an IPC namespace and its objects after its last member "
                  "exits",
         .statement = "Opening one of the files in this directory (or a file that is bind mounted to one of these "
                      "files) returns a file handle for the corresponding namespace of the process specified by "
                      "pid. As long as this file descriptor remains open, the namespace will remain alive, even if "
                      "all processes in the namespace terminate. The file descriptor can be passed to setns(2).",
         .refs = {"namespaces(7) The /proc/[pid]/ns/ directory", "namespaces(7) Namespace lifetime", "setns(2)",
                  "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::MinKernel(3, 0) | need::Feature("posix_mq") | need::Feature("sysv_shm") |
                  need::Feature("sysv_msg")) {
  Ready ready;
  Child member = Fork([&] {
    ready.r.reset();
    PopulateNewNamespace("");
    ready.Signal();
    CheckpointWait(0);
  });
  ready.Wait();
  // The handle is what the statement is about: a missing /proc/<pid>/ns/ipc fails the case.
  UniqueFd handle = OpenIpcNs(member.pid());
  if (!handle.valid()) return;
  CheckpointPost(0);
  ExpectCleanExit(member.Wait(), "the namespace's only member");
  // The namespace now has no member process; only the handle refers to it.
  ExpectCleanExit(RunInChild([&] {
                    ASSERT_THAT(setns(handle.get(), CLONE_NEWIPC), SyscallSucceeds())
                        << "joining the namespace through the kept handle";
                    ExpectPopulatedObjects();
                  }),
                  "child joining the memberless namespace");
}

// Watches the namespace's POSIX queue through its member's mount of the mqueue filesystem: the
// watch reports IN_UNMOUNT / IN_IGNORED once that filesystem, and the queue in it, is torn down.
// Returns the inotify descriptor (nonblocking). Set-up: a failure is a harness ERROR.
UniqueFd WatchQueue(pid_t member, const std::string& mount_dir) {
  UniqueFd in(IPCC_SETUP(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)));
  const std::string file = "/proc/" + std::to_string(member) + "/root" + mount_dir + kQueueName;
  if (inotify_add_watch(in.get(), file.c_str(), IN_DELETE_SELF | IN_UNMOUNT) < 0) {
    ThrowHarnessError("set-up: watching the queue's file " + file +
                      " in the member's mqueue mount: " + ErrnoName(errno));
  }
  return in;
}

// True when the watch has reported the end of the queue's file (or its filesystem), waiting at most
// `timeout_ms` for the first event.
bool QueueFileGone(int inotify_fd, int timeout_ms, std::string* seen) {
  pollfd pfd{inotify_fd, POLLIN, 0};
  int r;
  while ((r = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  if (r <= 0) return false;
  alignas(inotify_event) char buf[4096];
  ssize_t n = read(inotify_fd, buf, sizeof buf);
  bool gone = false;
  for (ssize_t off = 0; n > 0 && off < n;) {
    const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
    *seen += (seen->empty() ? "" : " ") + std::to_string(ev->mask);
    if (ev->mask & (IN_UNMOUNT | IN_IGNORED | IN_DELETE_SELF)) gone = true;
    off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
  }
  return gone;
}

constexpr int kTeardownWaitMs = 5000;

IPC_CASE(namespace, ipc, objects_destroyed_when_last_member_exits,
         .title = "when the last member of an IPC namespace exits, the namespace's message queues are destroyed",
         .statement = "When an IPC namespace is destroyed (i.e., when the last process that is a member of the "
                      "namespace terminates), all IPC objects in the namespace are automatically destroyed.",
         .refs = {"ipc_namespaces(7)", "namespaces(7) Namespace lifetime", "inotify(7) IN_UNMOUNT IN_IGNORED"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("posix_mq") | need::Feature("sysv_shm") | need::Feature("sysv_msg")) {
  const std::string dir = TempPath("mqueue");
  IPCC_SETUP(mkdir(dir.c_str(), 0700));
  Ready ready;
  Child member = Fork([&] {
    ready.r.reset();
    PopulateNewNamespace(dir);
    ready.Signal();
    CheckpointWait(0);
  });
  ready.Wait();
  UniqueFd watch = WatchQueue(member.pid(), dir);
  char buf[256];
  EXPECT_THAT(read(watch.get(), buf, sizeof buf), SyscallFailsWithErrno(EAGAIN))
      << "while its member lives, the namespace's queue must not be torn down";
  CheckpointPost(0);
  ExpectCleanExit(member.Wait(), "the namespace's only member");
  std::string seen;
  EXPECT_TRUE(QueueFileGone(watch.get(), kTeardownWaitMs, &seen))
      << "after the last member exited, the namespace's POSIX queue (and its mqueue filesystem) must be "
         "destroyed; the inotify watch on it reported "
      << (seen.empty() ? "nothing within 5 s" : "only event masks " + seen);
}

IPC_CASE(namespace, ipc, objects_destroyed_when_last_ns_handle_closed,
         .title = "a memberless IPC namespace held by a /proc/<pid>/ns/ipc handle is destroyed, with its queues, "
                  "when the handle closes",
         .statement = "As long as this file descriptor remains open, the namespace will remain alive, even if all "
                      "processes in the namespace terminate. ... When an IPC namespace is destroyed ..., all IPC "
                      "objects in the namespace are automatically destroyed.",
         .refs = {"namespaces(7) The /proc/[pid]/ns/ directory", "namespaces(7) Namespace lifetime",
                  "ipc_namespaces(7)", "inotify(7) IN_UNMOUNT IN_IGNORED"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::MinKernel(3, 0) | need::Feature("posix_mq") | need::Feature("sysv_shm") |
                  need::Feature("sysv_msg")) {
  const std::string dir = TempPath("mqueue");
  IPCC_SETUP(mkdir(dir.c_str(), 0700));
  Ready ready;
  Child member = Fork([&] {
    ready.r.reset();
    PopulateNewNamespace(dir);
    ready.Signal();
    CheckpointWait(0);
  });
  ready.Wait();
  UniqueFd watch = WatchQueue(member.pid(), dir);
  // The handle is what the statement is about: a missing /proc/<pid>/ns/ipc fails the case.
  UniqueFd handle = OpenIpcNs(member.pid());
  if (!handle.valid()) return;
  CheckpointPost(0);
  ExpectCleanExit(member.Wait(), "the namespace's only member");
  // The handle pins the namespace: nothing may be torn down, and a joiner still finds the objects.
  char buf[256];
  EXPECT_THAT(read(watch.get(), buf, sizeof buf), SyscallFailsWithErrno(EAGAIN))
      << "while a handle on the namespace is open, its queue must not be torn down";
  ExpectCleanExit(RunInChild([&] {
                    ASSERT_THAT(setns(handle.get(), CLONE_NEWIPC), SyscallSucceeds());
                    ExpectPopulatedObjects();
                  }),
                  "child joining the held namespace");
  handle.reset();
  std::string seen;
  EXPECT_TRUE(QueueFileGone(watch.get(), kTeardownWaitMs, &seen))
      << "after the last handle closed, the namespace's POSIX queue (and its mqueue filesystem) must be "
         "destroyed; the inotify watch on it reported "
      << (seen.empty() ? "nothing within 5 s" : "only event masks " + seen);
}

IPC_CASE(namespace, ipc, setns_joins_namespace_and_sees_its_objects,
         .title = "setns through /proc/<pid>/ns/ipc joins that IPC namespace: its objects become visible",
         .statement = "If fd refers to a /proc/pid/ns/ link, then setns() reassociates the calling thread with the "
                      "namespace associated with that link ... Objects created in an IPC namespace are visible to "
                      "all other processes that are members of that namespace",
         .refs = {"setns(2) CLONE_NEWIPC", "namespaces(7) /proc/pid/ns/ipc", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::MinKernel(3, 0) | need::Feature("posix_mq") | need::Feature("sysv_shm") |
                  need::Feature("sysv_msg")) {
  Ready ready;
  Child member = Fork([&] {
    ready.r.reset();
    PopulateNewNamespace("");
    ready.Signal();
    CheckpointWait(0);
  });
  ready.Wait();
  // setns through the link is what the statement is about: a missing /proc/<pid>/ns/ipc fails the case.
  UniqueFd handle = OpenIpcNs(member.pid());
  if (!handle.valid()) return;
  const auto member_link = IpcNsLink(member.pid());
  EXPECT_THAT(msgget(kMsgKey, 0600), SyscallFailsWithErrno(ENOENT))
      << "the member's queue is not visible from the case's own namespace";
  ExpectCleanExit(RunInChild([&] {
                    const auto before = IpcNsLink();
                    ASSERT_THAT(setns(handle.get(), CLONE_NEWIPC), SyscallSucceeds());
                    const auto after = IpcNsLink();
                    if (member_link && before && after) {
                      EXPECT_EQ(*after, *member_link)
                          << "after setns, /proc/self/ns/ipc must name the joined namespace (was " << *before << ")";
                    }
                    ExpectPopulatedObjects();
                  }),
                  "child joining the namespace with setns");
  CheckpointPost(0);
  ExpectCleanExit(member.Wait(), "namespace member");
}

}  // namespace
