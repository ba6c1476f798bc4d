// Processes of a case tree. Work in another process is a function handed to Fork(); the returned
// Child owns the process (killed and reaped if still there when it goes out of scope). Expectations
// that fail inside the child are recorded in the shared case state and fail the case.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ipcc {

using std::chrono::milliseconds;
inline constexpr milliseconds kDefaultWait = std::chrono::seconds(5);

// Exit status a child uses when an expectation failed in it (the message is already recorded).
inline constexpr int kChildFailedExit = 101;
// Exit status a child uses when the harness broke in it.
inline constexpr int kChildHarnessErrorExit = 102;

// The processes whose parent is `parent`, read from /proc/*/stat: orphans adopted by a subreaper
// included, whichever of its threads adopted them, and zombies.
std::vector<pid_t> ChildrenOf(pid_t parent);

class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(Child&& other) noexcept : pid_(other.pid_), status_(other.status_) { other.pid_ = -1; }
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  bool reaped() const { return status_.has_value(); }

  // Waits (bounded) for the child to end and returns its wait status. A child still running at the
  // deadline is killed and the case FAILs there (what it waited for never happened); use TryWait to
  // decide otherwise.
  int Wait(milliseconds timeout = kDefaultWait);
  // Like Wait, but returns nullopt when the child is still running at the deadline.
  std::optional<int> TryWait(milliseconds timeout);
  // Waits for a state change reported by waitpid with the given options (WUNTRACED, WCONTINUED),
  // bounded; returns the status or nullopt on expiry. The child is not considered reaped unless it ended.
  std::optional<int> WaitFor(int options, milliseconds timeout);
  // Sends a signal (harness error if it cannot be sent).
  void Signal(int sig);
  // Kills and reaps the child if it is still there.
  void Kill();
  // Stops owning the process (it will not be killed or reaped by this object).
  pid_t Release();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs fn in a forked child. The child exits 0 when fn returns with no failure recorded by it,
// kChildFailedExit when an expectation failed, kChildHarnessErrorExit on a harness error; it never
// returns into the caller's code.
Child Fork(const std::function<void()>& fn);

// Forks, runs fn, and waits for the child; returns its wait status.
int RunInChild(const std::function<void()>& fn, milliseconds timeout = kDefaultWait);

// Runs fn in a forked child and expects it to end cleanly (bounded as Wait); `what` names it in a failure.
void InChild(const std::string& what, const std::function<void()>& fn);

// Expects that a child ended normally with status 0; otherwise records a failure naming what was seen
// (a death by an unexpected signal is recorded as a crash of the case tree).
void ExpectCleanExit(int status, const std::string& what);

// Whether a wait status says "killed by sig" (with or without a core dump).
bool KilledBy(int status, int sig);
// Expects a wait status "killed by sig"; otherwise records a failure naming what was seen.
void ExpectKilledBy(int status, int sig, const std::string& what);
// Waits up to `bound` for the child to end and returns its status; when it is still running then, records
// a failure (the statement said it ends), kills it and returns nullopt.
std::optional<int> ExpectEnds(Child& c, const std::string& what, milliseconds bound = kDefaultWait);
// Waits (bounded) until checkpoint `id` reaches `count` or child `c` ends first. Returns false when the
// child ended without posting it: the child recorded why or, if it did not, a failure naming its status
// is recorded here, so the case can stop at once with the child's message. Not reached in `timeout`
// while the child runs: a harness error.
bool AwaitCheckpoint(Child& c, int id, std::uint32_t count = 1, milliseconds timeout = std::chrono::seconds(5));

// How long a call that should return at once (or at a deadline a few milliseconds ahead, or once another
// process has acted) may take before a case calls it blocked for good: far above any scheduling delay,
// well inside the case's timeout.
inline constexpr milliseconds kReturnBound{2000};

// Runs `call` in a child and expects it to finish within `bound`: for a call that a deviating system could
// leave blocked for good (O_NONBLOCK or a deadline not applied, a wake-up that never comes). The case then
// FAILs saying so instead of hanging until its timeout. `call` makes its own expectations; what it does to
// shared objects the parent sees, its memory is its own.
void ExpectReturnsWithin(const std::string& what, const std::function<void()>& call, milliseconds bound = kReturnBound);

// After the event that should release a child blocked in a call (data written, a post, a wake): expects
// the child to end cleanly within kReturnBound. False, with a FAIL naming `what`, when it stays blocked
// (it is killed) or ends otherwise; the case should then stop, since what follows depends on the call.
bool ExpectReleased(Child& c, const std::string& what);

// Exec's one of the fixture programs (fixtures/) as an unrelated process: it is not a fork of the case
// process' image. `args` follow the fixture's sub-command name.
Child SpawnFixture(const std::string& subcommand, const std::vector<std::string>& args);
// Full path of the fixture program (next to the running binary, or IPCCONFORM_FIXTURE).
std::string FixturePath();
// Replaces the calling (forked) process with the fixture program running `subcommand args...`; the
// fixture reports into the same case tree. Never returns (a failed exec is a harness error).
[[noreturn]] void ExecFixture(const std::string& subcommand, const std::vector<std::string>& args);

// Waits for a pid that is not our child (for example one reparented away) to disappear, bounded.
bool WaitGone(pid_t pid, milliseconds timeout);

}  // namespace ipcc
