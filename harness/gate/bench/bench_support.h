// What the IPC benchmark programs share around the byte movers (harness/gate/movers.h): where their two
// processes run, the forked peer that serves one benchmark run, the signal handling that removes a System
// V object even when a run is interrupted, the wording of a failed or unavailable run, and the
// benchmark library's main loop.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <benchmark/benchmark.h>

namespace ipcc::bench {

// A peer's exit statuses: it could not set itself up, or an IPC call failed half-way.
constexpr int kPeerSetupExit = 120;
constexpr int kPeerIoExit = 121;

// Unpinned, a 2-vCPU VM gives bimodal figures: the scheduler sometimes keeps both processes on one
// CPU (a context switch per hand-over) and sometimes spreads them over two (a cross-CPU wake-up, dear
// on a VM whose other vCPU idles). So every run pins them, and says where: the benchmark process on
// the first CPU of its affinity mask, the peer on the same CPU or on the second one.
class Placement {
 public:
  explicit Placement(int cpus);
  Placement(const Placement&) = delete;
  Placement& operator=(const Placement&) = delete;
  ~Placement();

  bool ok() const { return pinned_; }
  const std::string& why_not() const { return why_not_; }
  int peer_cpu() const { return peer_; }
  std::string Describe() const;

 private:
  cpu_set_t saved_;
  int mine_ = -1;
  int peer_ = -1;
  bool pinned_ = false;
  std::string why_not_;
};

// A forked partner for one benchmark run, on the run's peer CPU (see RunPlaced). It dies with the
// benchmark process (PR_SET_PDEATHSIG) and is killed and reaped when the object goes, so no run leaves
// a process behind, even on error paths. `name` says what it is in messages ("echo peer", "receiver").
class Peer {
 public:
  Peer(const char* name, const std::function<int()>& body);
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  ~Peer() { Stop(); }

  bool started() const { return pid_ > 0; }
  // Why it did not start: fork's errno.
  int fork_error() const { return fork_error_; }
  pid_t pid() const { return pid_; }
  const char* name() const { return name_; }
  // How the peer ended ("exited with status 121"), or "" if it still runs after `grace` (a peer that
  // is closing its descriptors on the way out is not yet a zombie).
  std::string Ended(std::chrono::milliseconds grace = std::chrono::milliseconds(0));
  void Stop();

 private:
  const char* name_;
  pid_t pid_ = -1;
  int fork_error_ = 0;
  std::optional<int> status_;
};

// SIGINT/SIGTERM/SIGHUP/SIGQUIT remove the System V object in use (movers::SysvObject: an interrupted
// run, Ctrl-C, leaves nothing behind) and end the process; SIGPIPE is
// ignored (a dead peer shows as EPIPE). A peer that dies must not leave the benchmark blocked for ever
// (a System V call, a futex wait, a full queue): its SIGCHLD arms a 10 ms repeating SIGALRM, both
// without SA_RESTART, so every blocking call from then on fails with EINTR and the EINTR path finds
// the peer gone. Peer::Stop disarms it.
void InstallSignalHandlers();

// The mechanism exists but the run did not work: "broken:" is what the ctest smoke test looks for.
// The message says how the peer ended, if it did.
void Broken(benchmark::State& state, Peer& peer, const std::string& what);
// Whether the peer was forked; if not, the run is Broken with fork's error.
bool Started(benchmark::State& state, Peer& peer);

// The mechanism or this size cannot be used here (ENOSYS, a system limit): a skip that names the cause,
// in words or as the call that failed and its errno.
void Unavailable(benchmark::State& state, const std::string& why);
void Unavailable(benchmark::State& state, const char* call, int err);

// Runs one benchmark run with its two processes placed on `cpus` CPUs (1 or 2), labelled with where
// they ran. libbenchmark 1.7.1 crashes computing the aggregates of a benchmark whose first repetition
// failed and a later one did not (google/benchmark#1406, fixed after 1.8), so once the run named `key`
// has failed, its further repetitions fail too, saying why.
void RunPlaced(benchmark::State& state, const std::string& key, int cpus,
               const std::function<void(benchmark::State&)>& run);

// The rest of a benchmark program's main, once its benchmarks are registered: the library's flags,
// the runs, the exit status (1 for an argument it does not know).
int RunBenchmarks(int argc, char** argv);

}  // namespace ipcc::bench
