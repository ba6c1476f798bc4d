// Signals as set-up and as evidence (namespace ipcc::signals; not ipcc::signal, which would make every
// unqualified signal() call ambiguous in a file with `using namespace ipcc`): signal sets, actions, the mask
// and the pending set, handlers that record what they saw, and the process skeletons the signal cases
// share. Every change of disposition or mask belongs in a forked child.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

#include "harness/caselib/child.h"
#include "harness/caselib/ipc/pipe.h"

namespace ipcc::signals {

// --- sets, mask, pending set, actions (a refusal of a set-up call is a harness error) ---

sigset_t SetOf(std::initializer_list<int> sigs);
inline bool Has(const sigset_t& s, int sig) {
  return sigismember(&s, sig) == 1;
}
// "{SIGUSR1, SIGRTMIN+2}" for messages.
std::string Describe(const sigset_t& s);
sigset_t CurrentMask();
sigset_t PendingSet();
// sigaction(sig, NULL, &old).
struct sigaction QueryAction(int sig);
// Installs a one-argument handler (or SIG_DFL / SIG_IGN).
void SetHandler(int sig, void (*handler)(int), int flags = 0, const sigset_t& mask = SetOf({}));
// Installs an SA_SIGINFO handler.
void SetInfoHandler(int sig, void (*handler)(int, siginfo_t*, void*), int flags = 0, const sigset_t& mask = SetOf({}));
// Adds sigs to the mask and returns them as a set (for sigtimedwait, signalfd).
sigset_t Block(std::initializer_list<int> sigs);
void Unblock(std::initializer_list<int> sigs);

// Accepts one of `set` (blocked by the caller) with sigtimedwait, bounded: the signal number, or -1 with
// errno EAGAIN when none arrived in time.
int AcceptSignal(const sigset_t& set, siginfo_t* info, std::chrono::milliseconds bound = kDefaultWait);
// Accepts `sig` (blocked by the caller) within the bound; when it does not come, a failure saying so (with
// `what`) and nullopt.
std::optional<siginfo_t> ExpectAccepted(int sig, const std::string& what);

// Names of si_code values: of a signal sent by a process or the kernel, and of SIGCHLD.
std::string SiCodeName(int code);
std::string CldCodeName(int code);

// --- handlers that record what they saw (written in the forked child that receives) ---

// CountingHandler: how often it ran, the last signal, the mask in force during its last run.
struct HandlerSeen {
  volatile sig_atomic_t calls = 0;
  volatile sig_atomic_t last_sig = 0;
  sigset_t mask{};
};
inline HandlerSeen g_handled;
void CountingHandler(int sig);

// RecordDelivery (sa_handler) and RecordInfoDelivery (SA_SIGINFO: also si_value.sival_int and si_code)
// append each delivery in order.
struct Deliveries {
  static constexpr int kMax = 16;
  volatile sig_atomic_t count = 0;
  volatile sig_atomic_t sig[kMax] = {};
  volatile int value[kMax] = {};
  volatile int code[kMax] = {};
  std::string Signals() const;  // "[SIGRTMIN, SIGRTMIN+1]"
};
inline Deliveries g_deliveries;
void RecordDelivery(int sig);
void RecordInfoDelivery(int sig, siginfo_t* info, void*);

// --- process skeletons ---

// The pid of a child that ran `body` (nothing by default), exited cleanly and was waited for: no process.
pid_t ReapedPid(const std::function<void()>& body = {});
// A forked child runs `before` (installs, blocks what it will receive), then waits while the case process
// runs `send(child pid)`, then runs `after` (unblocks, checks). Expects the child to exit cleanly. Uses
// checkpoints 0 and 1.
void SendToWaitingChild(const std::function<void()>& before, const std::function<void(pid_t)>& send,
                        const std::function<void()>& after, const std::string& what = "receiving child");
// SendToWaitingChild for handlers that record into g_deliveries: `install` runs, `sigs` are blocked,
// `send(pid)` runs in the case process, nothing may have been delivered yet, `sigs` are unblocked at once,
// and `check` runs in the child.
void DeliverAfterUnblock(std::initializer_list<int> sigs, const std::function<void()>& install,
                         const std::function<void(pid_t)>& send, const std::function<void()>& check);
// A child that runs `first`, then stays in read() on `hold` until every write end is closed, and expects
// end of file there (the case process closes its write end to let it go).
Child HeldChild(Pipe& hold, const std::function<void()>& first = {});
// Waits (bounded) for `c` to end and expects it killed by `sig`; its status when it ended.
std::optional<int> ExpectKilled(Child& c, int sig, const std::string& what);
// Waits (bounded) for `c` to end and expects a clean exit.
void ExpectEndsCleanly(Child& c, const std::string& what);
// Sends SIGSTOP to `c` and expects waitpid(WUNTRACED) to report it stopped by SIGSTOP within the bound;
// then sends SIGCONT, runs `release` (what lets the child end) and expects a clean exit.
void ExpectStopsAndContinues(Child& c, const std::function<void()>& release, const std::string& what);

// Which thread runs a SIGUSR1 handler. In a forked child: installs a handler that records its thread (the
// calling thread is 1, a second thread 2), starts the second thread, which runs `in_thread` and then waits
// in read(), and once it runs calls `send(its pthread_t)` in the calling thread (false: nothing was sent).
// Returns the thread whose handler ran within the bound, 0 when none did. Harness error when the second
// thread does not start.
int ThreadThatHandled(const std::function<void()>& in_thread, const std::function<bool(pthread_t)>& send);

}  // namespace ipcc::signals
