// Wall time of the conformance suite as a user runs it: one `ipcconform run --out <tmp> -q` child per
// iteration, for the whole catalogue and for each mechanism on its own (`-m <mechanism>`). The
// ipcconform binary is the one beside this program. A run that does not exit 0 fails the benchmark.
// Run: ipcconform-bench-suite --benchmark_repetitions=5   (docs/benchmarks.md)
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/caselib/fd.h"
#include "harness/caselib/names.h"
#include "harness/program/spawn.h"

namespace {

namespace fs = std::filesystem;

// The mechanisms of the catalogue (`ipcconform list --json`, field "mechanism").
constexpr const char* kMechanisms[] = {"pipe",   "fifo",      "sysv_msg", "sysv_sem",    "sysv_shm",
                                       "signal", "posix_shm", "posix_mq", "unix_socket", "namespace"};

fs::path IpcconformPath() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self.parent_path() / "ipcconform";
}

// The signals that would end this program are held (blocked) for the length of a suite run and taken
// while it runs: on SIGINT and the like the run is stopped and its folder removed before this program
// ends by the same signal, which is raised again and arrives when the hold ends.
class HeldSignals {
 public:
  HeldSignals() {
    sigemptyset(&set_);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set_, sig);
    sigprocmask(SIG_BLOCK, &set_, &old_);
  }
  HeldSignals(const HeldSignals&) = delete;
  HeldSignals& operator=(const HeldSignals&) = delete;
  ~HeldSignals() { sigprocmask(SIG_SETMASK, &old_, nullptr); }
  // One that arrived, taken; 0 when none did.
  int Take() const {
    const timespec now{0, 0};
    const int sig = sigtimedwait(&set_, nullptr, &now);
    return sig > 0 ? sig : 0;
  }

 private:
  sigset_t set_;
  sigset_t old_;
};

struct RunResult {
  int status = -1;       // wait status of ipcconform, -1 when it could not be started
  std::string error;     // why it could not be started
  int fatal_signal = 0;  // a signal that ends this program arrived during the run
};

// Runs ipcconform with `args` (and --out <dir> -q). The child dies with this program; its standard output
// (empty with -q) is discarded, its standard error is kept. A held signal is passed on, so the suite stops
// in its own way (and removes what it made); it is killed 10 s later if it has not.
RunResult RunIpcconform(const fs::path& program, const std::string& out_dir, const std::vector<std::string>& args,
                        const HeldSignals& held) {
  ipcc::spawn::Spec spec;
  spec.argv = {program.string(), "run", "--out", out_dir, "-q"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.out = ipcc::spawn::Output::Discard();
  spec.die_with_parent = true;
  RunResult result;
  spec.stop = [&] { return result.fatal_signal = held.Take(); };
  spec.kill_after = std::chrono::seconds(10);
  try {
    result.status = ipcc::spawn::Run(spec).exit.status;
  } catch (const ipcc::spawn::SpawnError& e) {
    result.error = e.what();
  }
  return result;
}

void RunSuite(benchmark::State& state, const std::vector<std::string>& args) {
  const fs::path program = IpcconformPath();
  if (program.empty() || access(program.c_str(), X_OK) != 0) {
    state.SkipWithError(("ipcconform not found beside this program: " + program.string()).c_str());
    return;
  }
  for (auto _ : state) {
    state.PauseTiming();
    const HeldSignals held;
    char dir[] = "/tmp/ipcconform-bench-suite-XXXXXX";
    if (mkdtemp(dir) == nullptr) {
      state.SkipWithError(("mkdtemp: " + ipcc::ErrnoName(errno)).c_str());
      break;
    }
    ipcc::ScopedCleanup remove_dir([&dir] {
      std::error_code ec;
      fs::remove_all(dir, ec);
    });
    state.ResumeTiming();
    const RunResult run = RunIpcconform(program, dir, args, held);
    state.PauseTiming();
    remove_dir.Run();
    state.ResumeTiming();
    if (run.fatal_signal != 0) {
      signal(run.fatal_signal, SIG_DFL);
      raise(run.fatal_signal);  // held: it ends the program when `held` goes, the folder already gone
      state.SkipWithError(("interrupted by " + ipcc::SignalName(run.fatal_signal)).c_str());
      break;
    }
    if (!run.error.empty()) {
      state.SkipWithError(run.error.c_str());
      break;
    }
    if (run.status < 0) {
      state.SkipWithError("ipcconform ended in a way that could not be told");
      break;
    }
    if (!WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0) {
      state.SkipWithError(("ipcconform run " + ipcc::DescribeWaitStatus(run.status)).c_str());
      break;
    }
  }
}

// libbenchmark 1.7.1 crashes computing the aggregates of a benchmark whose first repetition failed
// and a later one did not (google/benchmark#1406, fixed after 1.8). So once a benchmark has failed,
// its further repetitions fail too, saying why.
void RunGuarded(benchmark::State& state, const std::string& key, const std::vector<std::string>& args) {
  static std::set<std::string> failed;
  if (failed.count(key) != 0) {
    state.SkipWithError("an earlier repetition of this benchmark failed (see above)");
    return;
  }
  RunSuite(state, args);
  if (state.error_occurred()) failed.insert(key);
}

void RegisterAll() {
  benchmark::RegisterBenchmark("suite/all", [](benchmark::State& s) { RunGuarded(s, "all", {}); })
      ->Iterations(1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  for (const char* mechanism : kMechanisms) {
    const std::string name = std::string("suite/") + mechanism;
    auto run = [mechanism](benchmark::State& s) { RunGuarded(s, mechanism, {"-m", mechanism}); };
    benchmark::RegisterBenchmark(name.c_str(), run)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
