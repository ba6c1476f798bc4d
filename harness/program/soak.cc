#include "harness/program/soak.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <boost/process/search_path.hpp>
#include <nlohmann/json.hpp>

#include "harness/caselib/coverage.h"
#include "harness/caselib/names.h"
#include "harness/program/targets.h"
#include "reports/results.h"

namespace ipcc {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_soak_interrupted{0};
void OnSoakInterrupt(int sig) {
  g_soak_interrupted.store(sig);
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Starts argv in a process group of its own that dies with this process; returns its pid.
pid_t StartGroup(const std::vector<std::string>& argv, bool quiet) {
  fflush(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw UsageError(fmt::format("fork: {}", ErrnoName(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (quiet) {
      const int null_fd = open("/dev/null", O_WRONLY);
      if (null_fd >= 0) dup2(null_fd, STDOUT_FILENO);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    fmt::print(stderr, "ipcconform: soak: cannot run {}: {}\n", argv[0], ErrnoName(errno));
    FlushCoverage();
    _exit(127);
  }
  setpgid(pid, pid);
  return pid;
}

// The exit status of pid (waiting for it), 128+N for a signal.
int WaitStatus(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Ends stress-ng: SIGTERM lets it stop and reap its workers; whatever of its group is left after two
// seconds is killed.
void StopLoad(pid_t pid) {
  kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      kill(-pid, SIGKILL);
      return;
    }
    usleep(10000);
  }
  kill(-pid, SIGKILL);
  WaitStatus(pid);
}

struct RunSummary {
  int exit_status = 0;
  double wall_s = 0;
  bool complete = false;
  std::vector<std::string> leaks;
  std::vector<std::string> problems;
  std::map<std::string, std::string> outcome;  // id -> outcome
  std::map<std::string, std::string> message;  // id -> message when not PASS
  json counts = json::object();
};

RunSummary ReadRun(const std::string& dir, int exit_status, double wall_s) {
  RunSummary s;
  s.exit_status = exit_status;
  s.wall_s = wall_s;
  const std::string path = dir + "/results.jsonl";
  if (!std::filesystem::exists(path)) {
    s.problems.push_back("no results.jsonl");
    return s;
  }
  RunResults r = ReadResults(path);
  s.problems = r.problems;
  for (const auto& c : r.cases) {
    const std::string id = c.value("id", "");
    s.outcome[id] = c.value("outcome", "?");
    if (s.outcome[id] != "PASS") s.message[id] = c.value("message", "");
  }
  if (r.end) {
    s.complete = !r.end->value("interrupted", false) && r.end->value("not_run", 0) == 0;
    s.counts = r.end->value("counts", json::object());
    for (const auto& l : r.end->value("leaks", json::array())) s.leaks.push_back(l.get<std::string>());
  }
  return s;
}

}  // namespace

int Soak(const SoakOptions& o) {
  const auto selected = SelectCases(o.run.filters, o.run.mechanisms);  // a bad selection fails here, once
  const std::string self = SelfPath();
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec || access(o.out.c_str(), W_OK) != 0) throw UsageError(fmt::format("cannot write to {}", o.out));

  std::vector<std::string> load_cmd;
  if (o.load) {
    const std::string stress = boost::process::search_path("stress-ng").string();
    if (stress.empty()) {
      throw UsageError("--load needs stress-ng, which is not installed (Debian package stress-ng; ci/deps.sh targets)");
    }
    load_cmd = {stress, "--quiet"};
    for (auto& w : Words(o.load_args)) load_cmd.push_back(w);
    // A backstop: the load ends by itself even if nothing is left to end it.
    load_cmd.insert(load_cmd.end(), {"--timeout", fmt::format("{}s", 600 + o.runs * 600)});
  }

  struct sigaction sa {};
  sa.sa_handler = OnSoakInterrupt;
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  const auto started = Clock::now();
  pid_t load_pid = -1;
  if (o.load) {
    load_pid = StartGroup(load_cmd, true);
    usleep(300000);  // the workers are up before the first run starts
  }
  fmt::print("soak: {} runs of {} cases{}\n", o.runs, selected.size(),
             o.load ? fmt::format(", beside `stress-ng {}`", o.load_args) : "");
  std::vector<RunSummary> runs;
  for (int k = 1; k <= o.runs && g_soak_interrupted.load() == 0; ++k) {
    const std::string dir = fmt::format("{}/run-{:02}", o.out, k);
    std::filesystem::remove_all(dir, ec);
    std::vector<std::string> argv = {self, "run", "--target", "native", "--no-expect", "-q", "--out", dir};
    for (const auto& f : o.run.filters) argv.insert(argv.end(), {"-f", f});
    for (const auto& m : o.run.mechanisms) argv.insert(argv.end(), {"-m", m});
    if (o.run.jobs > 0) argv.insert(argv.end(), {"--jobs", std::to_string(o.run.jobs)});
    if (o.run.timeout) argv.insert(argv.end(), {"--timeout", fmt::format("{:.3f}", o.run.timeout->count() / 1000.0)});
    const auto t0 = Clock::now();
    const pid_t pid = StartGroup(argv, false);
    int status = -1;
    for (;;) {
      int st = 0;
      const pid_t r = waitpid(pid, &st, 0);
      if (r == pid) {
        status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        break;
      }
      if (errno == EINTR && g_soak_interrupted.load() != 0) kill(pid, SIGTERM);  // the run ends itself cleanly
      if (r < 0 && errno != EINTR) break;
    }
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    runs.push_back(ReadRun(dir, status, wall));
    const RunSummary& s = runs.back();
    fmt::print("soak: run {:>2}/{}: exit status {}, {} cases, {:.1f} s{}{}\n", k, o.runs, status, s.outcome.size(),
               wall, s.leaks.empty() ? "" : fmt::format(", {} leaks", s.leaks.size()),
               s.complete ? "" : ", incomplete");
    std::fflush(stdout);
    if (status == 2) break;  // the runner refused its options: every further run would too
  }
  if (load_pid > 0) StopLoad(load_pid);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);

  // Every case seen in any run: its outcome in each run ("-" where the run has no record of it).
  std::map<std::string, std::vector<std::string>> by_case;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    for (const auto& [id, outcome] : runs[k].outcome) {
      auto& v = by_case[id];
      v.resize(runs.size(), "-");
      v[k] = outcome;
    }
  }
  json changes = json::array();
  for (auto& [id, outcomes] : by_case) {
    outcomes.resize(runs.size(), "-");
    if (std::all_of(outcomes.begin(), outcomes.end(), [&](const std::string& x) { return x == outcomes[0]; })) continue;
    std::map<std::string, std::vector<int>> where;
    for (std::size_t k = 0; k < outcomes.size(); ++k) where[outcomes[k]].push_back(static_cast<int>(k + 1));
    json messages = json::object();
    for (std::size_t k = 0; k < runs.size(); ++k) {
      auto it = runs[k].message.find(id);
      if (it != runs[k].message.end() && !it->second.empty()) messages[std::to_string(k + 1)] = it->second;
    }
    changes.push_back({{"id", id}, {"outcomes", outcomes}, {"runs_by_outcome", where}, {"messages", messages}});
  }

  json run_list = json::array();
  int bad_runs = 0;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const RunSummary& s = runs[k];
    const bool bad =
        !s.complete || !s.leaks.empty() || !s.problems.empty() || (s.exit_status != 0 && s.exit_status != 1);
    bad_runs += bad ? 1 : 0;
    run_list.push_back({{"run", k + 1},
                        {"exit_status", s.exit_status},
                        {"wall_s", std::round(s.wall_s * 1000) / 1000},
                        {"cases", s.outcome.size()},
                        {"counts", s.counts},
                        {"complete", s.complete},
                        {"leaks", s.leaks},
                        {"problems", s.problems}});
  }
  const double total_s = std::chrono::duration<double>(Clock::now() - started).count();
  const bool interrupted = g_soak_interrupted.load() != 0 || static_cast<int>(runs.size()) < o.runs;
  json report = {{"record", "soak"},
                 {"runs_asked", o.runs},
                 {"runs_done", runs.size()},
                 {"cases", by_case.size()},
                 {"load", o.load ? json(load_cmd) : json(nullptr)},
                 {"wall_s", std::round(total_s * 10) / 10},
                 {"interrupted", interrupted},
                 {"changed", changes.size()},
                 {"changes", changes},
                 {"runs", run_list}};
  std::ofstream(o.out + "/soak.json") << report.dump(2) << "\n";

  for (const auto& c : changes) {
    std::string line;
    for (const auto& [outcome, ks] : c["runs_by_outcome"].items()) {
      line += fmt::format("{}{} in {} run(s)", line.empty() ? "" : ", ", outcome, ks.size());
    }
    fmt::print("soak: CHANGED {}: {}\n", c["id"].get<std::string>(), line);
    for (const auto& [k, m] : c["messages"].items()) fmt::print("        run {}: {}\n", k, m.get<std::string>());
  }
  for (std::size_t k = 0; k < runs.size(); ++k) {
    for (const auto& l : runs[k].leaks) fmt::print("soak: run {} leaked: {}\n", k + 1, l);
    for (const auto& p : runs[k].problems) fmt::print("soak: run {}: {}\n", k + 1, p);
  }
  fmt::print("soak: {} of {} runs, {} cases, {} outcome change(s), {} run(s) incomplete or leaking; {:.0f} s; {}\n",
             runs.size(), o.runs, by_case.size(), changes.size(), bad_runs, total_s, o.out + "/soak.json");
  return changes.empty() && bad_runs == 0 && !interrupted ? 0 : 1;
}

}  // namespace ipcc
