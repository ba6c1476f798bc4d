#include "harness/caselib/ipc/ipc_namespace.h"

#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/ipc/posix_mq.h"
#include "harness/caselib/matchers.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"
#include "harness/caselib/sysctl.h"

namespace ipcc::ipc_namespace {

void MakeMountsPrivate() {
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 && errno != EINVAL) {
    ThrowHarnessError(std::string("set-up: making / private in the new mount namespace failed with ") +
                      ErrnoName(errno));
  }
}

void UnshareIpc(int extra) {
  if (unshare(CLONE_NEWIPC | extra) != 0) {
    ThrowHarnessError(std::string("set-up: unshare(CLONE_NEWIPC") + (extra != 0 ? " | ..." : "") + ") failed with " +
                      ErrnoName(errno));
  }
  if ((extra & CLONE_NEWNS) != 0) MakeMountsPrivate();
}

void InChild(const std::function<void()>& fn, const std::string& what) {
  ExpectCleanExit(RunInChild(fn), what);
}

void InNewIpcNamespace(const std::function<void()>& fn, const std::string& what) {
  InChild(
      [&] {
        UnshareIpc();
        fn();
      },
      what);
}

std::string IpcNsPath(pid_t pid) {
  return pid == 0 ? "/proc/self/ns/ipc" : "/proc/" + std::to_string(pid) + "/ns/ipc";
}

std::optional<std::string> IpcNsLink(pid_t pid) {
  const std::string path = IpcNsPath(pid);
  char buf[128] = {};
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) {
    ADD_FAILURE() << "readlink(" << path << ") failed with " << ErrnoName(errno)
                  << ": namespaces(7) documents this link since Linux 3.0";
    return std::nullopt;
  }
  return std::string(buf, static_cast<std::size_t>(n));
}

UniqueFd OpenIpcNs(pid_t pid) {
  const std::string path = IpcNsPath(pid);
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    ADD_FAILURE() << "open(" << path << ", O_RDONLY) failed with " << ErrnoName(errno)
                  << ": namespaces(7) documents this file, a handle for the namespace, since Linux 3.0";
  }
  return fd;
}

SysvObject::SysvObject(SysvKind kind, key_t key, int mode) : kind_(kind), key_(key), owner_(getpid()) {
  const int flags = IPC_CREAT | IPC_EXCL | mode;
  switch (kind) {
    case SysvKind::msg:
      id_ = IPCC_SETUP(msgget(key, flags));
      break;
    case SysvKind::sem:
      id_ = IPCC_SETUP(semget(key, 1, flags));
      break;
    case SysvKind::shm:
      id_ = IPCC_SETUP(shmget(key, 4096, flags));
      break;
  }
}

SysvObject::~SysvObject() {
  if (id_ < 0 || getpid() != owner_) return;
  switch (kind_) {
    case SysvKind::msg:
      msgctl(id_, IPC_RMID, nullptr);
      break;
    case SysvKind::sem:
      semctl(id_, 0, IPC_RMID);
      break;
    case SysvKind::shm:
      shmctl(id_, IPC_RMID, nullptr);
      break;
  }
}

void ExpectLimit(const char* path, long expected, const std::string& what) {
  const auto text = ReadSysctl(path);
  if (!text) {
    ADD_FAILURE() << path << " cannot be read (" << ErrnoName(errno) << "): " << what;
    return;
  }
  EXPECT_EQ(*text, std::to_string(expected)) << path << ": " << what;
}

void ExpectWrite(const char* path, long value) {
  const int err = TryWriteSysctl(path, std::to_string(value));
  EXPECT_EQ(err, 0) << "writing " << value << " to " << path << " in the new IPC namespace failed with "
                    << ErrnoName(err);
}

void ExpectLimitsIndependent(std::initializer_list<std::pair<const char*, long>> limits) {
  struct Limit {
    const char* path;
    long parent, child;
  };
  std::vector<Limit> all;
  for (const auto& [path, candidate] : limits) {
    const long parent = ReadSysctlNumber(path);
    all.push_back({path, parent, Different(parent, candidate)});
  }
  InNewIpcNamespace(
      [&] {
        for (const Limit& l : all) ExpectWrite(l.path, l.child);
        for (const Limit& l : all) ExpectLimit(l.path, l.child, "the new namespace reads back its own value");
      },
      "child setting limits in a new IPC namespace");
  for (const Limit& l : all) {
    EXPECT_EQ(ReadSysctlNumber(l.path), l.parent) << "the parent namespace's " << l.path
                                                  << " must be unchanged by the write in the child's namespace (the "
                                                     "child wrote "
                                                  << l.child << ")";
  }
}

PopulatedNamespace::PopulatedNamespace(Mount mount)
    : shm_key_(FreshKey(SysvKind::shm).key),
      msg_key_(FreshKey(SysvKind::msg).key),
      queue_(posix_mq::UniqueMqName("ns-survivor")) {
  if (mount == Mount::mqueue) {
    mount_dir_ = TempPath("mqueue");
    IPCC_SETUP(mkdir(mount_dir_.c_str(), 0700));
  }
  member_ = Fork([&] {
    Populate();
    CheckpointPost(0);
    CheckpointWait(1);
  });
  if (!AwaitCheckpoint(member_, 0)) {
    ThrowHarnessError("set-up: the namespace member ended before it was ready (see its messages)");
  }
}

// Set-up (a failure is a harness ERROR) but for mq_send, a documented call of a mechanism that exists
// here (mq_open worked): its failure is a deviation of POSIX message queues, so the case FAILs. Nothing
// is removed: the objects are meant to outlive this process.
void PopulatedNamespace::Populate() const {
  UnshareIpc(mount_dir_.empty() ? 0 : CLONE_NEWNS);
  const int shm = IPCC_SETUP(shmget(shm_key_, 4096, IPC_CREAT | IPC_EXCL | 0600));
  char* p = static_cast<char*>(IPCC_SETUP(shmat(shm, nullptr, 0)));
  std::strcpy(p, kSurvivorText);
  shmdt(p);
  IPCC_SETUP(msgget(msg_key_, IPC_CREAT | IPC_EXCL | 0600));
  mq_attr attr = posix_mq::Attr(4, 64);
  const mqd_t mq = IPCC_SETUP(mq_open(queue_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr));
  EXPECT_THAT(mq_send(mq, "survivor", 8, 0), SyscallSucceeds()) << "filling the new namespace's queue";
  mq_close(mq);
  if (!mount_dir_.empty()) IPCC_SETUP(posix_mq::MountMqueue(mount_dir_));
}

void PopulatedNamespace::EndMember() {
  CheckpointPost(1);
  ExpectCleanExit(member_.Wait(), "the namespace's only member");
}

void PopulatedNamespace::ExpectObjects() const {
  const int shm = shmget(shm_key_, 0, 0600);
  EXPECT_THAT(shm, SyscallSucceeds()) << "the segment created in the namespace must still exist";
  if (shm >= 0) {
    const void* p = shmat(shm, nullptr, SHM_RDONLY);
    EXPECT_THAT(p, SyscallSucceeds());
    if (!SyscallFailed(p)) {
      EXPECT_STREQ(static_cast<const char*>(p), kSurvivorText) << "the segment must keep its contents";
      shmdt(p);
    }
  }
  EXPECT_THAT(msgget(msg_key_, 0600), SyscallSucceeds()) << "the message queue created in the namespace";
  const posix_mq::UniqueMqd mq(mq_open(queue_.c_str(), O_RDONLY | O_NONBLOCK));
  EXPECT_THAT(mq.get(), SyscallSucceeds()) << "the POSIX queue created in the namespace";
  if (mq.valid()) {
    char buf[64] = {};
    EXPECT_THAT(mq_receive(mq.get(), buf, sizeof buf, nullptr), SyscallSucceedsWithValue(8));
    EXPECT_STREQ(buf, "survivor") << "the POSIX queue must keep its message";
  }
}

UniqueFd PopulatedNamespace::WatchQueue() const {
  UniqueFd in(IPCC_SETUP(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)));
  const std::string file = "/proc/" + std::to_string(pid()) + "/root" + mount_dir_ + queue_;
  if (inotify_add_watch(in.get(), file.c_str(), IN_DELETE_SELF | IN_UNMOUNT) < 0) {
    ThrowHarnessError("set-up: watching the queue's file " + file +
                      " in the member's mqueue mount: " + ErrnoName(errno));
  }
  return in;
}

void ExpectNotTornDown(int watch, const std::string& why) {
  char buf[256];
  EXPECT_THAT(read(watch, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN)) << why;
}

namespace {

constexpr int kTeardownWaitMs = 5000;

// True when the watch has reported the end of the queue's file (or its file system), waiting at most
// `timeout_ms` for the first event; the event masks seen are added to `seen`.
bool QueueFileGone(int inotify_fd, int timeout_ms, std::string* seen) {
  pollfd pfd{inotify_fd, POLLIN, 0};
  int r;
  while ((r = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  if (r <= 0) return false;
  alignas(inotify_event) char buf[4096];
  const ssize_t n = read(inotify_fd, buf, sizeof buf);
  bool gone = false;
  for (ssize_t off = 0; n > 0 && off < n;) {
    const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
    *seen += (seen->empty() ? "" : " ") + std::to_string(ev->mask);
    if ((ev->mask & (IN_UNMOUNT | IN_IGNORED | IN_DELETE_SELF)) != 0) gone = true;
    off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
  }
  return gone;
}

}  // namespace

void ExpectTornDown(int watch, const std::string& after) {
  std::string seen;
  EXPECT_TRUE(QueueFileGone(watch, kTeardownWaitMs, &seen))
      << after << ", the namespace's POSIX queue (and its mqueue filesystem) must be destroyed; the inotify watch "
      << "on it reported " << (seen.empty() ? "nothing within 5 s" : "only event masks " + seen);
}

}  // namespace ipcc::ipc_namespace
