#include "harness/gate/bench/bench_support.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <set>
#include <thread>
#include <vector>

#include "harness/caselib/names.h"
#include "harness/gate/movers.h"

namespace ipcc::bench {
namespace {

// The CPU the current run's peer goes to (set by RunPlaced for the length of a run).
int g_peer_cpu = -1;

extern "C" void RemoveSysvAndDie(int sig) {
  movers::RemoveSysvInUse();
  signal(sig, SIG_DFL);
  raise(sig);
}

// SIGCHLD (a peer died) arms a 10 ms repeating SIGALRM: see InstallSignalHandlers.
extern "C" void OnSigchld(int) {
  const int saved_errno = errno;
  const itimerval every_10ms{{0, 10000}, {0, 10000}};
  setitimer(ITIMER_REAL, &every_10ms, nullptr);
  errno = saved_errno;
}
extern "C" void OnSigalrm(int) {}

}  // namespace

Placement::Placement(int cpus) {
  CPU_ZERO(&saved_);
  if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) {
    why_not_ = "sched_getaffinity: " + ErrnoName(errno);
    return;
  }
  std::vector<int> usable = movers::AffinityCpus();
  if (usable.size() > 2) usable.resize(2);
  if (static_cast<int>(usable.size()) < cpus) {
    why_not_ =
        "needs " + std::to_string(cpus) + " CPUs in the affinity mask, which has " + std::to_string(usable.size());
    return;
  }
  mine_ = usable[0];
  peer_ = usable[static_cast<size_t>(cpus - 1)];
  if (!movers::PinTo(mine_)) {
    why_not_ = "sched_setaffinity: " + ErrnoName(errno);
    return;
  }
  pinned_ = true;
}

Placement::~Placement() {
  if (pinned_) sched_setaffinity(0, sizeof saved_, &saved_);
}

std::string Placement::Describe() const {
  return mine_ == peer_ ? "both on CPU " + std::to_string(mine_)
                        : "CPUs " + std::to_string(mine_) + " and " + std::to_string(peer_);
}

// A raw fork, not the case library's Fork(): the peer is half of what is measured and runs nothing but
// its loop (no case state, no harness bookkeeping); how it ends is reported by Ended(), not judged.
Peer::Peer(const char* name, const std::function<int()>& body) : name_(name) {
  std::fflush(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  fork_error_ = errno;
  if (pid_ == 0) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(kPeerSetupExit);
    if (g_peer_cpu >= 0 && !movers::PinTo(g_peer_cpu)) _exit(kPeerSetupExit);
    _exit(body());
  }
}

std::string Peer::Ended(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    int status = 0;
    if (pid_ > 0 && !status_ && waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    if (status_ || pid_ <= 0 || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return status_ ? DescribeWaitStatus(*status_) : "";
}

void Peer::Stop() {
  if (pid_ <= 0) return;
  if (!status_) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = status;
  }
  const itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);  // armed by OnSigchld; the next run starts quiet
}

void InstallSignalHandlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = OnSigchld;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, nullptr);
  sa.sa_handler = OnSigalrm;
  sa.sa_flags = 0;
  sigaction(SIGALRM, &sa, nullptr);
  sa.sa_handler = RemoveSysvAndDie;
  sa.sa_flags = 0;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void Broken(benchmark::State& state, Peer& peer, const std::string& what) {
  const std::string ended = peer.Ended(std::chrono::milliseconds(100));
  const std::string message =
      "broken: " + what + (ended.empty() ? "" : " (the " + std::string(peer.name()) + " " + ended + ")");
  state.SkipWithError(message.c_str());
}

bool Started(benchmark::State& state, Peer& peer) {
  if (peer.started()) return true;
  Broken(state, peer, movers::Failed("fork", -1, peer.fork_error()));
  return false;
}

void Unavailable(benchmark::State& state, const std::string& why) {
  state.SkipWithError(why.c_str());
}

void Unavailable(benchmark::State& state, const char* call, int err) {
  Unavailable(state, movers::Failed(call, -1, err));
}

void RunPlaced(benchmark::State& state, const std::string& key, int cpus,
               const std::function<void(benchmark::State&)>& run) {
  static std::set<std::string> failed;
  if (failed.count(key) != 0) {
    state.SkipWithError("an earlier repetition of this benchmark failed (see above)");
    return;
  }
  Placement where(cpus);
  if (!where.ok()) {
    state.SkipWithError(where.why_not().c_str());
    return;
  }
  g_peer_cpu = where.peer_cpu();
  run(state);
  g_peer_cpu = -1;
  if (state.error_occurred()) {
    failed.insert(key);
  } else {
    state.SetLabel(where.Describe());
  }
}

int RunBenchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace ipcc::bench
