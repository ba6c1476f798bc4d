// IPC namespaces as the cases use them (ipc_namespaces(7), namespaces(7)): entering new ones, the
// /proc/<pid>/ns/ipc handles, System V objects owned for a scope, the namespace's IPC limits, and a
// member process that fills a new namespace with objects meant to outlive it.
//
// What the cases need is declared in their .needs (docs/verdicts.md): every namespace.* case needs the
// ipc_namespace feature (added by the registry), those that create namespaces kNeedRoot, and those
// that use POSIX message queues or System V objects the feature of that mechanism.
#pragma once

#include <sys/ipc.h>
#include <sys/types.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "harness/caselib/child.h"
#include "harness/caselib/fd.h"
#include "harness/caselib/ipc/sysv.h"

namespace ipcc::ipc_namespace {

// In a child with a new mount namespace: makes every mount in it private, so that the child's mounts
// never propagate back to the case's (or, under process-group isolation, the host's) mount namespace.
// gVisor refuses propagation changes with EINVAL (the supervisor then runs cases one at a time, so a
// mount that shows through stays inside the sandbox); anything else is a broken set-up.
void MakeMountsPrivate();

// In a child: moves it into a new IPC namespace (plus `extra` CLONE_NEW* flags; a new mount namespace is
// made private at once), as set-up: the runner's probe found IPC namespaces usable by root, so a refusal
// here is a harness ERROR.
void UnshareIpc(int extra = 0);

// Runs fn in a forked child of the case's IPC namespace and expects the child to end cleanly; `what`
// names the child in that expectation.
void InChild(const std::function<void()>& fn, const std::string& what);
// The same in a child moved into a new IPC namespace first (UnshareIpc).
void InNewIpcNamespace(const std::function<void()>& fn, const std::string& what = "child in a new IPC namespace");

// namespaces(7) documents /proc/<pid>/ns/ipc since Linux 3.0. The cases whose statement is about the
// link (its identity, the handle it opens, setns through it) use these helpers: a link that is missing
// (gVisor has none) or unreadable is a deviation, recorded as a failure. Cases that merely need to tell
// namespaces apart look at the objects each one holds instead.
std::string IpcNsPath(pid_t pid);  // pid 0: the calling process
// The target of /proc/<pid>/ns/ipc ("ipc:[4026531839]"); nullopt, with a failure recorded, when it
// cannot be read.
std::optional<std::string> IpcNsLink(pid_t pid = 0);
// Opens /proc/<pid>/ns/ipc: a handle that keeps the namespace alive and can be passed to setns. An
// invalid descriptor, with a failure recorded, when it cannot be opened.
UniqueFd OpenIpcNs(pid_t pid);

// A System V object of the calling process's IPC namespace, made as set-up (IPC_CREAT | IPC_EXCL | mode:
// a message queue, a set of one semaphore, a segment of 4096 bytes) and removed with IPC_RMID when the
// owner goes, by the process that made it only (a child in another namespace removes nothing of its
// parent's).
class SysvObject {
 public:
  SysvObject(SysvKind kind, key_t key, int mode = 0600);
  // Under a fresh key (FreshKey).
  explicit SysvObject(SysvKind kind) : SysvObject(kind, FreshKey(kind).key) {}
  SysvObject(SysvObject&& other) noexcept
      : kind_(other.kind_), key_(other.key_), id_(std::exchange(other.id_, -1)), owner_(other.owner_) {}
  SysvObject(const SysvObject&) = delete;
  SysvObject& operator=(const SysvObject&) = delete;
  SysvObject& operator=(SysvObject&&) = delete;
  ~SysvObject();

  int id() const { return id_; }
  key_t key() const { return key_; }

 private:
  SysvKind kind_;
  key_t key_;
  int id_ = -1;
  pid_t owner_;
};

// One object of each System V kind, each under a fresh key.
struct SysvObjects {
  SysvObject msq{SysvKind::msg};
  SysvObject sem{SysvKind::sem};
  SysvObject shm{SysvKind::shm};
};

// A value for a limit that differs from `current` (and from the documented defaults).
inline long Different(long current, long candidate) {
  return current == candidate ? candidate + 1 : candidate;
}
// Expects the documented sysctl file `path` to hold `expected`; a file that cannot be read is a
// deviation too (proc(5), mq_overview(7) document them), reported with the errno.
void ExpectLimit(const char* path, long expected, const std::string& what);
// Writes `value` to `path` in a new namespace, the write being part of what the case checks: a refusal
// FAILs.
void ExpectWrite(const char* path, long value);
// Each (path, candidate) limit gets a value other than the case's own (Different) in a child's new IPC
// namespace, written and read back there; afterwards the case's namespace must still read its values.
void ExpectLimitsIndependent(std::initializer_list<std::pair<const char*, long>> limits);

// A member process alone in new IPC namespaces, filled with objects meant to outlive it: a System V
// segment holding kSurvivorText, a System V message queue, and a POSIX queue holding the message
// "survivor" (keys and name chosen in the case's namespace before the fork). With Mount::mqueue it also
// has a private mount namespace in which the new namespace's mqueue file system is mounted on a folder
// of the case's temporary directory. The member uses checkpoints 0 (ready) and 1 (may exit).
class PopulatedNamespace {
 public:
  static constexpr const char* kSurvivorText = "kept alive by a namespace handle";
  enum class Mount { none, mqueue };

  // Starts the member and returns once it is ready; a member that ends first (its set-up broke, and it
  // said why) is a harness ERROR.
  explicit PopulatedNamespace(Mount mount = Mount::none);
  pid_t pid() const { return member_.pid(); }
  const std::string& queue() const { return queue_; }
  key_t msg_key() const { return msg_key_; }

  // Lets the member exit and expects it to end cleanly: the namespace then has no member process.
  void EndMember();
  // Expects the member's objects, with their contents, in the calling process's IPC namespace.
  void ExpectObjects() const;
  // An inotify watch (nonblocking) on the POSIX queue's file in the member's mqueue mount (Mount::mqueue):
  // it reports IN_UNMOUNT / IN_IGNORED once that file system, and the queue in it, is torn down.
  UniqueFd WatchQueue() const;

 private:
  void Populate() const;  // in the member

  std::string mount_dir_;  // empty without Mount::mqueue
  key_t shm_key_;
  key_t msg_key_;
  std::string queue_;
  Child member_;
};

// With a watch from WatchQueue: expects nothing torn down yet; `why` says why it must not be.
void ExpectNotTornDown(int watch, const std::string& why);
// Expects the watch to report the queue's end within 5 s; `after` says what should have ended it.
void ExpectTornDown(int watch, const std::string& after);

}  // namespace ipcc::ipc_namespace
