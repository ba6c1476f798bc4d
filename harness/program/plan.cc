#include "harness/program/plan.h"

#include <fnmatch.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "harness/caselib/fingerprint.h"
#include "harness/caselib/records.h"
#include "harness/program/targets.h"
#include "reports/results.h"

#ifndef IPCC_VERSION
#define IPCC_VERSION "0.0.0"
#endif
#ifndef IPCC_GIT_COMMIT
#define IPCC_GIT_COMMIT "unknown"
#endif

namespace ipcc {
namespace {

using nlohmann::json;

bool Matches(const std::string& glob, const CaseInfo& c) {
  if (c.meta.hidden && glob.rfind(c.mechanism + ".", 0) != 0) return false;
  return fnmatch(glob.c_str(), c.id.c_str(), 0) == 0;
}

// Refuses a mechanism no case has and a glob that matches no case.
void CheckSelection(const std::vector<std::string>& filters, const std::vector<std::string>& mechanisms) {
  const auto& all = Registry::All();
  std::set<std::string> known;
  for (const auto& c : all) {
    if (!c.meta.hidden) known.insert(c.mechanism);
  }
  for (const auto& m : mechanisms) {
    if (known.count(m) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw UsageError(fmt::format("unknown mechanism '{}' (known: {})", m, list));
    }
  }
  for (const auto& f : filters) {
    if (std::none_of(all.begin(), all.end(), [&](const CaseInfo& c) { return Matches(f, c); })) {
      throw UsageError(fmt::format("the filter '{}' matches no case (see `ipcconform list`)", f));
    }
  }
}

// Before --resume continues a run that was killed: the killed runner must really be gone, and what it
// could not clean up (processes of its cases, its temporary folder) is removed now and said.
void CleanUpAfterKilledRun(const std::string& results_path, bool quiet) {
  std::ifstream in(results_path);
  std::string line;
  while (std::getline(in, line)) {
    json rec = json::parse(line, nullptr, false);
    if (!rec.is_object()) continue;
    const std::string kind = rec.value(field::kRecord, "");
    if (kind != "header" && kind != "resume") continue;
    const std::string run_id = rec.value("run_id", "");
    const std::string temp_dir = rec.value("temp_dir", "");
    if (run_id.empty()) continue;
    const pid_t runner = static_cast<pid_t>(std::strtol(run_id.c_str(), nullptr, 10));
    if (runner > 0 && runner != getpid() && kill(runner, 0) == 0 &&
        ReadSmallFile("/proc/" + std::to_string(runner) + "/cmdline").find("ipcconform") != std::string::npos) {
      throw UsageError(
          fmt::format("--resume: the run that writes {} is still going (process {})", results_path, runner));
    }
    std::vector<std::string> left = FindRunLeaks(run_id, temp_dir);  // ends the processes it finds
    if (temp_dir.rfind("/tmp/ipcconform-run-", 0) == 0) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir, ec);
    }
    if (!quiet) {
      for (const auto& what : left) fmt::print("resume: cleaned up after the killed run: {}\n", what);
    }
  }
}

// --resume: the records already in the out folder stay; only the cases without one run. Returns those
// records and takes their cases out of `selected`.
std::vector<json> Resume(const RunOptions& options, std::vector<const CaseInfo*>& selected) {
  const std::string path = options.out + "/results.jsonl";
  if (access(path.c_str(), R_OK) != 0) throw UsageError("--resume: there is no " + path + " to continue");
  RunResults before = ReadResults(path);
  for (const auto& p : before.problems) {
    if (p.find("no end record") == std::string::npos) fmt::print(stderr, "ipcconform: --resume: {}\n", p);
  }
  CleanUpAfterKilledRun(path, options.quiet);
  std::set<std::string> done;
  std::vector<json> previous;
  for (const auto& rec : before.cases) {
    done.insert(rec[field::kId].get<std::string>());
    previous.push_back(rec);
  }
  std::erase_if(selected, [&](const CaseInfo* c) { return done.count(c->id) != 0; });
  if (!options.quiet) {
    fmt::print("resuming {}: {} case(s) already recorded, {} to run\n", path, done.size(), selected.size());
  }
  return previous;
}

// --jobs, or one per CPU; one at a time where cases could see each other.
int JobCount(const RunOptions& options, const IsolationSupport& isolation) {
  int jobs = options.jobs > 0 ? options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (isolation.namespaces && !isolation.private_mounts && jobs > 1) {
    // One case's fresh /proc could appear in another's view: run them one at a time.
    if (!options.quiet) fmt::print("note: mount propagation cannot be made private here; running one case at a time\n");
    jobs = 1;
  }
  if (!isolation.namespaces && jobs > 1) {
    // Without IPC namespaces, objects a case leaves behind are found by comparing snapshots, which
    // only attributes them correctly when one case runs at a time.
    if (!options.quiet) fmt::print("note: no namespaces ({}); running one case at a time\n", isolation.reason);
    jobs = 1;
  }
  return jobs;
}

}  // namespace

std::vector<const CaseInfo*> SelectCases(const std::vector<std::string>& filters,
                                         const std::vector<std::string>& mechanisms) {
  CheckSelection(filters, mechanisms);
  std::vector<const CaseInfo*> selected;
  for (const auto& c : Registry::All()) {
    bool by_filter = filters.empty() ? !c.meta.hidden
                                     : std::any_of(filters.begin(), filters.end(),
                                                   [&](const std::string& f) { return Matches(f, c); });
    bool by_mech =
        mechanisms.empty() || std::find(mechanisms.begin(), mechanisms.end(), c.mechanism) != mechanisms.end();
    if (by_filter && by_mech) selected.push_back(&c);
  }
  if (selected.empty()) throw UsageError("the selection is empty: no case matches both the filters and mechanisms");
  return selected;
}

RecorderOptions RecordingOf(const RunOptions& options, const std::string& expectation_name) {
  RecorderOptions r;
  r.out = options.out;
  r.expect_file = options.no_expect ? std::string() : options.expect;
  if (r.expect_file.empty() && !options.no_expect) r.expect_file = DefaultExpectationFile(expectation_name);
  r.strict = options.strict;
  r.quiet = options.quiet;
  r.stream = options.stream;
  return r;
}

json HeaderBase(const RunOptions& options, const std::string& expect_path) {
  return {{field::kRecord, "header"},
          {"format", kResultsFormat},
          {"tool", "ipcconform"},
          {"version", IPCC_VERSION},
          {"commit", IPCC_GIT_COMMIT},
          {"target", options.target},
          {"started", NowIso()},
          {"expectations", expect_path},
          {"selection", {{"filters", options.filters}, {"mechanisms", options.mechanisms}}}};
}

NativePlan PlanNativeRun(const RunOptions& options, std::vector<const CaseInfo*> selected) {
  NativePlan plan;
  if (options.resume) plan.previous = Resume(options, selected);
  plan.cases = std::move(selected);
  // The needs of every case are judged against one probe of this system, recorded in the header. It
  // comes before the isolation probe: where mount propagation cannot be made private (gVisor), that
  // probe's fresh /proc shows through in this process's own view, and /proc/self is gone.
  plan.env = ProbeEnvironment(IsolationSupport{});
  plan.fingerprint = Fingerprint();
  plan.isolation = ProbeIsolation(options.isolation);
  plan.env.isolation = plan.isolation;
  if (options.isolation == IsolationMode::namespaces && !plan.isolation.namespaces) {
    throw UsageError("--isolation namespaces: " + plan.isolation.reason);
  }
  plan.jobs = JobCount(options, plan.isolation);
  return plan;
}

json NativeHeader(const RunOptions& options, const NativePlan& plan, const std::string& expect_path,
                  const std::string& temp_dir, const std::string& run_id) {
  json header = HeaderBase(options, expect_path);
  header["fingerprint"] = plan.fingerprint;
  header[field::kIsolation] = {{"namespaces", plan.isolation.namespaces},
                               {"user_namespace", plan.isolation.user_namespace},
                               {"private_mounts", plan.isolation.private_mounts},
                               {"reason", plan.isolation.reason}};
  json probed = EnvironmentJson(plan.env);
  header[field::kFeatures] = probed[field::kFeatures];
  probed.erase(field::kFeatures);
  header["needs_environment"] = probed;
  header["jobs"] = plan.jobs;
  header["temp_dir"] = temp_dir;
  header["selection"]["cases"] = plan.cases.size();
  header["run_id"] = run_id;
  if (options.resume) header[field::kRecord] = "resume";  // the first header stays the run's header
  return header;
}

std::vector<std::string> SelectionArgs(const RunOptions& options) {
  std::vector<std::string> args;
  for (const auto& f : options.filters) args.insert(args.end(), {"-f", f});
  for (const auto& m : options.mechanisms) args.insert(args.end(), {"-m", m});
  if (options.jobs > 0) args.insert(args.end(), {"--jobs", std::to_string(options.jobs)});
  if (options.timeout) args.insert(args.end(), {"--timeout", fmt::format("{:.3f}", options.timeout->count() / 1000.0)});
  if (options.isolation == IsolationMode::process_group) args.insert(args.end(), {"--isolation", "process-group"});
  if (options.isolation == IsolationMode::namespaces) args.insert(args.end(), {"--isolation", "namespaces"});
  return args;
}

TargetRun PlanTargetRun(const RunOptions& options, const TargetSpec& target,
                        const std::vector<const CaseInfo*>& selected) {
  TargetRun run;
  run.selection_args = SelectionArgs(options);
  // A bound on the whole target run: every selected case's timeout run one after another, plus start-up.
  run.budget = std::chrono::milliseconds(120000);
  for (const CaseInfo* c : selected) run.budget += options.timeout.value_or(c->meta.timeout) / 4;
  run.cases = selected.size();
  run.recording = RecordingOf(options, ExpectationName(target));
  run.header = HeaderBase(options, run.recording.expect_file);
  return run;
}

}  // namespace ipcc
