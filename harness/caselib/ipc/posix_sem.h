// POSIX semaphores as the cases use them (sem_overview(7)): fresh names and the file glibc keeps a named
// semaphore in, the one owner of a named semaphore, a process-shared unnamed semaphore in shared memory,
// the value as read-back, the system calls a waiting sem_wait sleeps in, forked waiters, and a private
// /dev/shm for the cases that fill it or count its files.
//
// A system without POSIX semaphores is UNSUPPORTED by the runner's posix_sem probe before any case starts,
// so nothing here looks at ENOSYS: from a documented call it FAILs the case like any other deviation.
#pragma once

#include <fcntl.h>
#include <semaphore.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

// The system calls glibc's sem_wait and sem_timedwait sleep in when the value is zero (futex
// FUTEX_WAIT_BITSET), for IPCC_ASSERT_BLOCKED; 32-bit targets with a 64-bit time_t use futex_time64.
#ifdef SYS_futex_time64
#define IPCC_SEM_WAIT_SYSCALLS SYS_futex, SYS_futex_time64
#else
#define IPCC_SEM_WAIT_SYSCALLS SYS_futex
#endif

namespace ipcc::posix_sem {

// Bounded calls and deadlines, shared with the message queue cases (harness/caselib/ipc/posix_mq.h).
using posix_mq::kLongPast;
using posix_mq::NotBefore;
using posix_mq::RealtimeIn;
using posix_mq::RunUnprivileged;
using posix_mq::ScopedUmask;

// A name no other case or earlier run uses: "/ipcc-<stem>-<pid>-<n>-<ns>".
std::string UniqueSemName(std::string_view stem);
// A fresh name with exactly `chars` characters after its leading slash (padded); a harness error when
// the unique part alone is longer.
std::string NameOfLength(std::string_view stem, std::size_t chars);
// Where Linux keeps the named semaphore `name`: /dev/shm/sem.<name without its leading slashes>
// (sem_overview(7) "Accessing named semaphores via the filesystem").
std::string SemFilePath(std::string_view name);

// A named semaphore a case works with: its name and the address this process opened it at. The process
// that made the object closes the address and unlinks the name when it goes (forked children never run
// the destructors of their parent's objects).
class NamedSem {
 public:
  // Only a fresh name from `stem`: the case makes (or fails to make) the semaphore itself.
  explicit NamedSem(std::string_view stem);
  // Creates the semaphore under a fresh name as set-up (Create below).
  NamedSem(std::string_view stem, unsigned value, mode_t mode = 0600);
  // Exactly `name`, not made yet (the same name once more, a name of a given length).
  static NamedSem Exactly(std::string name) { return NamedSem(std::move(name), Exact{}); }
  NamedSem(const NamedSem&) = delete;
  NamedSem& operator=(const NamedSem&) = delete;
  ~NamedSem();

  // sem_open(name, O_CREAT|O_EXCL, mode, value), for the cases whose statement is about the creation: the
  // call's result, errno intact (a semaphore made is this object's).
  sem_t* TryCreate(unsigned value, mode_t mode = 0600);
  // The same as set-up: a refusal is a harness ERROR naming the call and the errno, never a verdict.
  void Create(unsigned value, mode_t mode = 0600);

  sem_t* get() const { return sem_; }
  const char* name() const { return name_.c_str(); }
  const std::string& str() const { return name_; }
  // The address of a semaphore the case created under name() itself.
  void set(sem_t* sem) {
    sem_ = sem;
    created_ = true;
  }
  // A semaphore of this name made by another process of the case: unlinked at the end.
  void Adopt() { created_ = true; }
  // The case closed the address itself.
  void ForgetHandle() { sem_ = SEM_FAILED; }
  // The case unlinked the name itself.
  void ForgetName() { created_ = false; }

 private:
  struct Exact {};
  NamedSem(std::string name, Exact);

  std::string name_;
  pid_t owner_;
  sem_t* sem_ = SEM_FAILED;
  bool created_ = false;
};

// One more address of a named semaphore (sem_open of an existing name), closed when the owner goes (in the
// process that made it). Holds nothing for SEM_FAILED; raw() keeps what sem_open returned, for matchers.
class OpenSem {
 public:
  explicit OpenSem(sem_t* sem) : sem_(sem), owner_(getpid()) {}
  OpenSem(const OpenSem&) = delete;
  OpenSem& operator=(const OpenSem&) = delete;
  ~OpenSem() {
    if (sem_ != SEM_FAILED && getpid() == owner_) sem_close(sem_);
  }
  sem_t* get() const { return sem_; }
  bool valid() const { return sem_ != SEM_FAILED; }

 private:
  sem_t* sem_;
  pid_t owner_;
};

// sem_open(name, oflag[, 0600, value]) is expected to fail with `err` (`what` says how the call was made).
// A semaphore wrongly opened is closed again and, when O_CREAT was given, unlinked.
void ExpectOpenFails(const std::string& name, int oflag, unsigned value, int err, const std::string& what);

// A process-shared unnamed semaphore (sem_init with pshared 1) at the start of an anonymous MAP_SHARED
// page, so forked children use the same semaphore: set-up, a refusal is a harness ERROR. The process that
// made it destroys it and unmaps the page.
class SharedSem {
 public:
  explicit SharedSem(unsigned value);
  SharedSem(const SharedSem&) = delete;
  SharedSem& operator=(const SharedSem&) = delete;
  ~SharedSem();
  sem_t* get() const { return sem_; }
  // The case destroyed the semaphore itself (the page is still unmapped at the end).
  void ForgetSemaphore() { destroyed_ = true; }

 private:
  sem_t* sem_ = nullptr;
  pid_t owner_;
  bool destroyed_ = false;
};

// The value as sem_getvalue reports it, as read-back: a harness error when the call fails (the cases about
// sem_getvalue call it themselves).
int ValueOf(sem_t* sem);

// Forks a process that calls sem_wait(sem) and expects it to succeed; `before` runs first in the child (a
// scheduling policy, say). For a semaphore at zero the case proves it blocked (IPCC_ASSERT_BLOCKED with
// IPCC_SEM_WAIT_SYSCALLS), releases it with a post, and waits for it.
Child ForkSemWait(sem_t* sem, const std::function<void()>& before = {});
// The same, and once its sem_wait returned the child writes `tag` to `done_fd` (the write end of a pipe):
// the case reads there which of several waiters went through.
Child ForkTaggedSemWait(sem_t* sem, int done_fd, char tag, const std::function<void()>& before = {});
// The next tag a ForkTaggedSemWait child wrote to the pipe behind `done_r`, waiting at most kReturnBound;
// nullopt when none came in time.
std::optional<char> NextReleased(int done_r);

// In a forked child that is about to count or fill /dev/shm: a mount namespace of its own (unshare), the
// mounts made private, and a fresh tmpfs mounted with `options` on /dev/shm. Set-up: a harness error when
// any step is refused (the case declares kNeedRoot). The tmpfs goes with the child's namespace.
void MountPrivateDevShm(const std::string& options);
// The inodes in use on the file system at /dev/shm (statfs: f_files - f_ffree), as read-back: one per
// existing named semaphore, unlinked ones still open included, plus the root directory.
long DevShmInodesInUse();

// Whether /proc/self/maps shows a mapping of the file of the named semaphore `name` (by device and
// inode); nullopt when the semaphore's file or /proc/self/maps cannot be read.
std::optional<bool> MapsSemaphoreFile(std::string_view name);

// A signal handler that does nothing: its running is what interrupts a wait.
void NoteSignal(int sig);

}  // namespace ipcc::posix_sem
