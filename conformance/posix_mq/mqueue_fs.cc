// mq_overview(7) "Mounting the message queue filesystem": queues as files of an mqueue file system.
//
// The case mounts its own mqueue file system instance (it shows the queues of the mounting process's IPC
// namespace) on a folder in its private temporary directory: under `ipcconform run` directly in its private
// mount namespace, otherwise in a child that first makes a private mount namespace of its own, so the
// host's mount table is never touched.
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

// The text of a queue's file in the mqueue file system mounted at `dir`, or nullopt when it does not exist.
std::optional<std::string> QueueFile(const std::string& dir, const Queue& q) {
  std::ifstream in(dir + q.str());  // the name's leading slash separates it from the folder
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The QSIZE field of a queue file's line ("QSIZE:8 NOTIFY:0 ..."), or -1 when the line does not start so.
long Qsize(const std::string& text) {
  constexpr std::string_view kField = "QSIZE:";
  if (text.rfind(kField, 0) != 0) return -1;
  const char* digits = text.c_str() + kField.size();
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(digits, &end, 10);
  if (end == digits || errno != 0) return -1;
  return v;
}

// Mounts an mqueue file system at a new folder and runs `check` with it, in this process when it has a
// private mount namespace, else in a child with one. The cases declare kNeedRoot (mounting needs
// CAP_SYS_ADMIN); the mount is what the page documents, so a refusal then is a FAIL, while a private
// mount namespace that cannot be had is a set-up failure.
void WithMqueueMount(const std::function<void(const std::string&)>& check) {
  const std::string dir = TempPath("mqueue");
  IPCC_SETUP(mkdir(dir.c_str(), 0700));
  auto mount_and_check = [&] {
    ASSERT_THAT(MountMqueue(dir), SyscallSucceeds()) << "mounting an mqueue file system on " << dir;
    ScopedCleanup unmount([&] { umount2(dir.c_str(), MNT_DETACH); });
    check(dir);
  };
  if (InOwnNamespaces()) {
    mount_and_check();
    return;
  }
  Child c = Fork([&] {
    IPCC_SETUP(unshare(CLONE_NEWNS));
    IPCC_SETUP(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr));
    mount_and_check();
  });
  ExpectCleanExit(c.Wait(), "child with a private mount namespace");
}

IPC_CASE(posix_mq, mqueue_fs, queue_file_shows_qsize,
         .title = "a queue appears in a mounted mqueue file system, its QSIZE field counting the bytes of data queued",
         .covers = {"mq_overview7.mqueue_fs_lists_queues", "mq_overview7.queue_file_qsize"},
         .statement = "After the filesystem has been mounted, the message queues on the system can be viewed and "
                      "manipulated using the commands usually used for files ... The contents of each file in the "
                      "directory consist of a single line containing information about the queue ... QSIZE Number "
                      "of bytes of data in all messages in the queue.",
         .refs = {"mq_overview(7) Mounting the message queue filesystem"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot) {
  Queue q("fs", Attr(4, 32));
  ASSERT_THAT(mq_send(q.get(), "hello", 5, 1), SyscallSucceeds());
  ASSERT_THAT(mq_send(q.get(), "abc", 3, 2), SyscallSucceeds());
  WithMqueueMount([&](const std::string& dir) {
    auto text = QueueFile(dir, q);
    ASSERT_TRUE(text.has_value()) << dir << q.str() << " should exist for the queue " << q.str();
    EXPECT_EQ(Qsize(*text), 8) << "QSIZE with messages of 5 and 3 bytes queued; the file reads: " << *text;
    char buf[32];
    ASSERT_THAT(mq_receive(q.get(), buf, sizeof buf, nullptr), SyscallSucceedsWithValue(3));
    text = QueueFile(dir, q);
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(Qsize(*text), 5) << "QSIZE after the 3-byte message was received; the file reads: " << *text;
  });
}

IPC_CASE(posix_mq, mqueue_fs, unlink_removes_queue_file,
         .title = "after mq_unlink the queue's file is gone from the mounted mqueue file system",
         .covers = {"mq_overview7.mqueue_fs_lists_queues", "mq_unlink.name_removed_at_once"},
         .statement = "After the filesystem has been mounted, the message queues on the system can be viewed and "
                      "manipulated using the commands usually used for files (e.g., ls(1) and rm(1)). (mq_unlink(3): "
                      "The message queue name is removed immediately.)",
         .refs = {"mq_overview(7) Mounting the message queue filesystem", "mq_unlink(3)"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot) {
  Queue q("fs-unlink", Attr(4, 32));
  WithMqueueMount([&](const std::string& dir) {
    ASSERT_TRUE(QueueFile(dir, q).has_value()) << dir << q.str() << " should exist before mq_unlink";
    ASSERT_THAT(mq_unlink(q.name()), SyscallSucceeds());
    q.ForgetName();
    EXPECT_FALSE(QueueFile(dir, q).has_value()) << dir << q.str() << " should be gone after mq_unlink";
  });
}

}  // namespace
