#include "harness/program/soak.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/caselib/records.h"
#include "harness/program/spawn.h"
#include "harness/program/targets.h"
#include "reports/output.h"
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
    const std::string id = c.value(field::kId, "");
    s.outcome[id] = c.value(field::kOutcome, "?");
    if (s.outcome[id] != OutcomeName(Outcome::kPass)) s.message[id] = c.value(field::kMessage, "");
  }
  if (r.end) {
    s.complete = !r.end->value("interrupted", false) && r.end->value("not_run", 0) == 0;
    s.counts = r.end->value("counts", json::object());
    for (const auto& l : r.end->value("leaks", json::array())) s.leaks.push_back(l.get<std::string>());
  }
  return s;
}

// stress-ng with the --load-args, or nothing without --load; throws UsageError when it is missing.
std::vector<std::string> LoadCommand(const SoakOptions& o) {
  if (!o.load) return {};
  const std::string stress = spawn::FindOnPath("stress-ng");
  if (stress.empty()) {
    throw UsageError("--load needs stress-ng, which is not installed (Debian package stress-ng; ci/deps.sh targets)");
  }
  std::vector<std::string> cmd = {stress, "--quiet"};
  for (auto& w : Words(o.load_args)) cmd.push_back(w);
  // A backstop: the load ends by itself even if nothing is left to end it.
  cmd.insert(cmd.end(), {"--timeout", fmt::format("{}s", 600 + o.runs * 600)});
  return cmd;
}

// A soak's child: a process group of its own that dies with this process.
spawn::Spec SoakChild(std::vector<std::string> argv, bool quiet) {
  spawn::Spec spec;
  spec.argv = std::move(argv);
  spec.die_with_parent = true;
  if (quiet) spec.out = spawn::Output::Discard();
  return spec;
}

std::optional<spawn::Process> StartLoad(const std::vector<std::string>& cmd) {
  std::optional<spawn::Process> load;
  if (cmd.empty()) return load;
  try {
    load.emplace(SoakChild(cmd, true));
  } catch (const spawn::SpawnError& e) {
    throw UsageError(fmt::format("soak: {}", e.what()));
  }
  usleep(300000);  // the workers are up before the first run starts
  return load;
}

// Run k of the soak, into DIR/run-KK; an interrupt asks the run to end (it ends itself cleanly).
RunSummary SoakRun(const SoakOptions& o, const std::string& self, int k) {
  const std::string dir = fmt::format("{}/run-{:02}", o.out, k);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::vector<std::string> argv = {self, "run", "--target", "native", "--no-expect", "-q", "--out", dir};
  const std::vector<std::string> selection = SelectionArgs(o.run);
  argv.insert(argv.end(), selection.begin(), selection.end());
  spawn::Spec spec = SoakChild(argv, false);
  spec.stop = [] { return g_soak_interrupted.load() != 0 ? SIGTERM : 0; };
  const auto t0 = Clock::now();
  int status = -1;
  try {
    status = spawn::Run(spec).exit.ShellStatus();
  } catch (const spawn::SpawnError& e) {
    fmt::print(stderr, "ipcconform: soak: {}\n", e.what());
    status = 127;
  }
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  RunSummary s = ReadRun(dir, status, wall);
  fmt::print("soak: run {:>2}/{}: exit status {}, {} cases, {:.1f} s{}{}\n", k, o.runs, status, s.outcome.size(), wall,
             s.leaks.empty() ? "" : fmt::format(", {} leaks", s.leaks.size()), s.complete ? "" : ", incomplete");
  std::fflush(stdout);
  return s;
}

// Every case whose outcome was not the same in all runs: its outcome in each run ("-" where the run has
// no record of it), the runs of each outcome, and its messages. `cases` gets how many cases were seen.
json Changes(const std::vector<RunSummary>& runs, std::size_t* cases) {
  std::map<std::string, std::vector<std::string>> by_case;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    for (const auto& [id, outcome] : runs[k].outcome) {
      auto& v = by_case[id];
      v.resize(runs.size(), "-");
      v[k] = outcome;
    }
  }
  *cases = by_case.size();
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
    changes.push_back({{field::kId, id}, {"outcomes", outcomes}, {"runs_by_outcome", where}, {"messages", messages}});
  }
  return changes;
}

// One entry per run for soak.json; *bad_runs counts those incomplete, leaking or failing as a run.
json RunList(const std::vector<RunSummary>& runs, int* bad_runs) {
  json list = json::array();
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const RunSummary& s = runs[k];
    const bool bad =
        !s.complete || !s.leaks.empty() || !s.problems.empty() || (s.exit_status != 0 && s.exit_status != 1);
    *bad_runs += bad ? 1 : 0;
    list.push_back({{"run", k + 1},
                    {"exit_status", s.exit_status},
                    {"wall_s", std::round(s.wall_s * 1000) / 1000},
                    {"cases", s.outcome.size()},
                    {"counts", s.counts},
                    {"complete", s.complete},
                    {"leaks", s.leaks},
                    {"problems", s.problems}});
  }
  return list;
}

void PrintFindings(const json& changes, const std::vector<RunSummary>& runs) {
  for (const auto& c : changes) {
    std::string line;
    for (const auto& [outcome, ks] : c["runs_by_outcome"].items()) {
      line += fmt::format("{}{} in {} run(s)", line.empty() ? "" : ", ", outcome, ks.size());
    }
    fmt::print("soak: CHANGED {}: {}\n", c[field::kId].get<std::string>(), line);
    for (const auto& [k, m] : c["messages"].items()) fmt::print("        run {}: {}\n", k, m.get<std::string>());
  }
  for (std::size_t k = 0; k < runs.size(); ++k) {
    for (const auto& l : runs[k].leaks) fmt::print("soak: run {} leaked: {}\n", k + 1, l);
    for (const auto& p : runs[k].problems) fmt::print("soak: run {}: {}\n", k + 1, p);
  }
}

// The runs, with the load beside them; an interrupt ends the run going on and starts no other.
std::vector<RunSummary> SoakRuns(const SoakOptions& o, const std::string& self,
                                 const std::vector<std::string>& load_cmd, std::size_t cases) {
  struct sigaction sa {};
  sa.sa_handler = OnSoakInterrupt;
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  std::vector<RunSummary> runs;
  {
    std::optional<spawn::Process> load = StartLoad(load_cmd);
    fmt::print("soak: {} runs of {} cases{}\n", o.runs, cases,
               o.load ? fmt::format(", beside `stress-ng {}`", o.load_args) : "");
    for (int k = 1; k <= o.runs && g_soak_interrupted.load() == 0; ++k) {
      runs.push_back(SoakRun(o, self, k));
      if (runs.back().exit_status == 2) break;  // the runner refused its options: every further run would too
    }
    // stress-ng stops and reaps its workers on SIGTERM; what is left of its group after 2 s is killed.
    if (load) load->End(SIGTERM, std::chrono::seconds(2));
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return runs;
}

}  // namespace

int Soak(const SoakOptions& o) {
  const auto selected = SelectCases(o.run.filters, o.run.mechanisms);  // a bad selection fails here, once
  const std::string self = SelfPath();
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec || access(o.out.c_str(), W_OK) != 0) throw UsageError(fmt::format("cannot write to {}", o.out));
  const std::vector<std::string> load_cmd = LoadCommand(o);

  const auto started = Clock::now();
  const std::vector<RunSummary> runs = SoakRuns(o, self, load_cmd, selected.size());
  std::size_t cases = 0;
  const json changes = Changes(runs, &cases);
  int bad_runs = 0;
  const json run_list = RunList(runs, &bad_runs);
  const double total_s = std::chrono::duration<double>(Clock::now() - started).count();
  const bool interrupted = g_soak_interrupted.load() != 0 || static_cast<int>(runs.size()) < o.runs;
  json report = {{field::kRecord, "soak"},
                 {"runs_asked", o.runs},
                 {"runs_done", runs.size()},
                 {"cases", cases},
                 {"load", o.load ? json(load_cmd) : json(nullptr)},
                 {"wall_s", std::round(total_s * 10) / 10},
                 {"interrupted", interrupted},
                 {"changed", changes.size()},
                 {"changes", changes},
                 {"runs", run_list}};
  try {
    WriteFileAtomically(o.out + "/soak.json", report.dump(2) + "\n");
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "ipcconform soak: {}\n", e.what());
    return 2;
  }

  PrintFindings(changes, runs);
  fmt::print("soak: {} of {} runs, {} cases, {} outcome change(s), {} run(s) incomplete or leaking; {:.0f} s; {}\n",
             runs.size(), o.runs, cases, changes.size(), bad_runs, total_s, o.out + "/soak.json");
  return changes.empty() && bad_runs == 0 && !interrupted ? 0 : 1;
}

}  // namespace ipcc
