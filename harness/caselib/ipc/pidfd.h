// Process descriptors and waiting for children, for the pidfd cases (conformance/pidfd): pidfds as set-up,
// children held until the case lets them go, waiting (bounded, without consuming it) until a child's state
// change is there to be reported, forked parents whose waits are bounded, and siginfo_t by name.
//
// The functions under test come from the C library (<sys/pidfd.h>, glibc 2.36: pidfd_open, pidfd_send_signal,
// pidfd_getfd; <sys/wait.h>). Case files include this header rather than <sys/pidfd.h>: glibc 2.36's header
// declares the three functions without extern "C" (no __BEGIN_DECLS), so C++ would look for mangled names.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

extern "C" {
#include <sys/pidfd.h>
}

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "harness/caselib/child.h"
#include "harness/caselib/fd.h"
#include "harness/caselib/ipc/pipe.h"

namespace ipcc::pidfd {

// pidfd_open(pid, flags) as set-up: a harness error when it fails (the cases about pidfd_open itself call
// it and judge the result).
UniqueFd Open(pid_t pid, unsigned flags = 0);

// A one-way release between the processes of a case tree: a pipe whose read end children wait on. Open()
// writes one byte per waiter, so copies of the write end that other children inherited keep nobody held.
// A waiter is also let go when every write end is closed (the case tree went away).
class Gate {
 public:
  Gate() : p_(MakePipe(O_CLOEXEC)) {}
  // In a child: waits in read() until a byte comes (or end of file).
  void Pass() const;
  // Releases `waiters` children waiting in Pass() (set-up: a failed write is a harness error).
  void Open(int waiters = 1) const;

 private:
  Pipe p_;
};

// Forks a child that runs `first` (set-up of its own: a new process group, PTRACE_TRACEME, dropping
// privileges), then waits in gate.Pass(), then ends with _exit(exit_code).
Child ForkHeld(const Gate& gate, int exit_code = 0, const std::function<void()>& first = {});

// A child of the calling process held on a gate of its own until Release().
struct Held {
  explicit Held(int exit_code = 0, const std::function<void()>& first = {}) : child(ForkHeld(gate, exit_code, first)) {}
  pid_t pid() const { return child.pid(); }
  void Release() const { gate.Open(); }

  Gate gate;  // before child: constructed first
  Child child;
};

// A Held child in a process group of its own, whose id is the child's pid: parent and child both call
// setpgid, so the group is in place whichever of them runs first (set-up: a refusal is a harness error).
struct HeldInOwnGroup : Held {
  HeldInOwnGroup();
};

// Waits, bounded, until the caller's child `pid` has a state change of `state` (WEXITED, WSTOPPED or
// WCONTINUED) waiting to be reported, without consuming it (waitid with WNOWAIT|WNOHANG, woken by SIGCHLD,
// which is blocked meanwhile). Stores what waitid reported in *info when given. False when nothing came
// within the bound; a waitid that fails is a harness error.
bool AwaitWaitable(pid_t pid, int state, siginfo_t* info = nullptr, std::chrono::milliseconds bound = kDefaultWait);
// AwaitWaitable as set-up: a harness error naming `what` when the state change does not come.
void AwaitWaitableOrThrow(pid_t pid, int state, const std::string& what);

// Runs fn in a forked child (a parent of its own children, so its waits see only them) and expects it to
// end cleanly within `bound`: a wait that never returns FAILs the case naming `what` instead of hanging it.
void AsParent(const std::string& what, const std::function<void()>& fn, std::chrono::milliseconds bound = kDefaultWait);

// Sends SIGSTOP to the caller's child `pid` and waits (bounded, AwaitWaitable) until it has stopped, leaving
// the stop to be reported (set-up: a harness error when it does not stop).
void StopAndAwait(pid_t pid);

// Makes a "clone" child of the caller (clone(2) with no termination signal, so its parent gets no SIGCHLD)
// that ends at once with `exit_code` (set-up: a harness error when clone fails). Its parent reaps it.
pid_t CloneChild(int exit_code);

// Expects a wait status "exited with `code`"; `what` names the child.
void ExpectExitStatus(int status, int code, const std::string& what);
// Expects what waitid stored to report child `pid` with si_signo SIGCHLD, `code` and `status`.
void ExpectReport(const siginfo_t& info, pid_t pid, int code, int status, const std::string& what);

// In a forked child: lowers the RLIMIT_NOFILE soft limit to the lowest free descriptor number, so that
// every number below the limit is in use and no new descriptor can be had (set-up: harness error).
void UseUpDescriptors();

// "si_signo=SIGCHLD si_code=CLD_EXITED si_pid=7 si_uid=0 si_status=3", for messages.
std::string Describe(const siginfo_t& info);
// A siginfo_t filled with a byte pattern, so that fields the call leaves alone are seen.
siginfo_t Garbage();

}  // namespace ipcc::pidfd
