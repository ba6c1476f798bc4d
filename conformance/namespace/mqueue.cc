// ipc_namespaces(7), mq_overview(7): each IPC namespace has its own POSIX message queue filesystem.
#include <dirent.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "conformance/namespace/ns_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::ns;

constexpr const char* kOwnFilesystem =
    "Each IPC namespace has its own set of System V IPC identifiers and its own POSIX message queue "
    "filesystem. Objects created in an IPC namespace are visible to all other processes that are members of "
    "that namespace, but are not visible to processes in other IPC namespaces.";

// The names in a directory, without "." and "..".
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

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Mounts the calling process's IPC namespace's mqueue filesystem at `dir` (mq_overview(7)).
int MountMqueue(const std::string& dir) {
  return mount("mqueue", dir.c_str(), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
}

IPC_CASE(namespace, ipc, posix_mq_invisible_across_namespaces,
         .title = "a POSIX message queue is not found by name from another IPC namespace", .statement = kOwnFilesystem,
         .refs = {"ipc_namespaces(7)", "mq_overview(7) IPC namespaces", "mq_open(3) ENOENT", "mq_unlink(3) ENOENT"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("posix_mq")) {
  Queue q;
  CreateQueueOrThrow(q, kQueueName);
  ExpectCleanExit(RunInChild([&] {
                    mqd_t mq = mq_open(kQueueName, O_RDONLY);
                    EXPECT_THAT(mq, SyscallSucceeds()) << "a child in the same namespace opens the queue by name";
                    if (mq != static_cast<mqd_t>(-1)) mq_close(mq);
                  }),
                  "child in the same IPC namespace");
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    EXPECT_THAT(mq_open(kQueueName, O_RDONLY), SyscallFailsWithErrno(ENOENT))
                        << "mq_open without O_CREAT of the parent namespace's queue name";
                    EXPECT_THAT(mq_unlink(kQueueName), SyscallFailsWithErrno(ENOENT))
                        << "mq_unlink of the parent namespace's queue name";
                  }),
                  "child in a new IPC namespace");
  mqd_t again = mq_open(kQueueName, O_RDONLY);
  EXPECT_THAT(again, SyscallSucceeds()) << "the queue still exists in the case's namespace";
  if (again != static_cast<mqd_t>(-1)) mq_close(again);
}

IPC_CASE(namespace, ipc, same_mq_name_two_queues,
         .title = "the same POSIX message queue name names two distinct queues in two IPC namespaces",
         .statement = kOwnFilesystem,
         .refs = {"ipc_namespaces(7)", "mq_open(3) O_CREAT | O_EXCL", "mq_send(3)", "mq_receive(3)"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot | need::Feature("posix_mq")) {
  Queue q;
  CreateQueueOrThrow(q, kQueueName);
  ASSERT_THAT(mq_send(q.mq, "from-parent", 11, 0), SyscallSucceeds());
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    Queue mine;
                    const int err = CreateQueue(mine, kQueueName);
                    ASSERT_EQ(err, 0) << "mq_open(O_CREAT | O_EXCL) failed with " << ErrnoName(err)
                                      << ": the name is free in the new namespace, so an exclusive create must "
                                         "succeed";
                    mq_attr attr{};
                    ASSERT_THAT(mq_getattr(mine.mq, &attr), SyscallSucceeds());
                    EXPECT_EQ(attr.mq_curmsgs, 0) << "the new namespace's queue is new and empty, not the "
                                                     "parent's (which holds one message)";
                    ASSERT_THAT(mq_send(mine.mq, "from-child", 10, 0), SyscallSucceeds());
                    char buf[64] = {};
                    EXPECT_THAT(ReceiveWithin(mine.mq, buf, sizeof buf), SyscallSucceedsWithValue(10))
                        << "receiving the message just sent to the new namespace's queue (bounded)";
                    EXPECT_STREQ(buf, "from-child");
                  }),
                  "child creating the same name in a new IPC namespace");
  mq_attr attr{};
  ASSERT_THAT(mq_getattr(q.mq, &attr), SyscallSucceeds());
  EXPECT_EQ(attr.mq_curmsgs, 1) << "the parent's queue keeps exactly its own message";
  char buf[64] = {};
  EXPECT_THAT(ReceiveWithin(q.mq, buf, sizeof buf), SyscallSucceedsWithValue(11))
      << "receiving the parent's own message (bounded)";
  EXPECT_STREQ(buf, "from-parent");
}

IPC_CASE(namespace, ipc, mqueue_mount_lists_own_namespace_queues,
         .title = "an mqueue filesystem mounted in a new IPC namespace lists that namespace's queues only",
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
  const std::string parent_queue = "/ipcconform-ns-parent";
  const std::string child_queue = "/ipcconform-ns-child";
  Queue q;
  CreateQueueOrThrow(q, parent_queue);

  Child child = Fork([&] {
    // New IPC and (private) mount namespaces, so the child's mount stays its own.
    UnshareIpc(CLONE_NEWNS);
    Queue mine;
    CreateQueueOrThrow(mine, child_queue);
    EXPECT_THAT(MountMqueue(child_dir), SyscallSucceeds()) << "mounting the new IPC namespace's mqueue filesystem";
    const auto names = ListDir(child_dir);
    EXPECT_TRUE(Contains(names, child_queue.substr(1)))
        << "the new namespace's mqueue filesystem must list the queue created there: " << Join(names);
    EXPECT_FALSE(Contains(names, parent_queue.substr(1)))
        << "the new namespace's mqueue filesystem must not list the parent namespace's queue: " << Join(names);
    CheckpointPost(0);
    CheckpointWait(1);  // keep the namespace (and its queue) alive while the parent looks
  });
  CheckpointWait(0);
  // The case's own namespace is looked at from a child in the same IPC namespace with a private mount
  // namespace of its own: the mount never touches the case's (or the host's) mount table.
  ExpectCleanExit(RunInChild([&] {
                    IPCC_SETUP(unshare(CLONE_NEWNS));
                    MakeMountsPrivate();
                    EXPECT_THAT(MountMqueue(parent_dir), SyscallSucceeds())
                        << "mounting the case's own mqueue filesystem (mq_overview(7))";
                    const auto names = ListDir(parent_dir);
                    EXPECT_TRUE(Contains(names, parent_queue.substr(1)))
                        << "the case's own mqueue mount must list its queue: " << Join(names);
                    EXPECT_FALSE(Contains(names, child_queue.substr(1)))
                        << "the case's mqueue filesystem must not list a queue created in another namespace: "
                        << Join(names);
                  }),
                  "child looking at the case's mqueue filesystem");
  CheckpointPost(1);
  ExpectCleanExit(child.Wait(), "child in new IPC and mount namespaces");
}

}  // namespace
