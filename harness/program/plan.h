// `ipcconform run` before its first case starts: the run's options, which cases run, what a resumed run
// already has, how many cases run at once, and the run's header. The executor then runs the cases here;
// a run inside a target takes its plan as arguments for the runner inside (targets.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/caselib/case.h"
#include "harness/caselib/environment.h"
#include "harness/caselib/supervisor.h"
#include "harness/program/recorder.h"
#include "harness/program/usage_error.h"

namespace ipcc {

struct TargetSpec;
struct TargetRun;

struct RunOptions {
  std::vector<std::string> filters;                  // id globs; empty means every catalogue case
  std::vector<std::string> mechanisms;               // empty means all
  int jobs = 0;                                      // 0: number of CPUs
  std::optional<std::chrono::milliseconds> timeout;  // overrides each case's own timeout
  std::string out = "results";
  std::string target = "native";
  IsolationMode isolation = IsolationMode::automatic;
  bool quiet = false;
  std::string expect;      // expectation file; "" = fixtures/expectations/<target>.txt if present
  bool no_expect = false;  // judge against no expectations at all
  bool strict = false;     // unexpected passes and stale entries also fail the run
  bool stream = false;     // also write every record to stdout (runner inside a target)
  bool resume = false;     // continue the run in `out`: only cases without a record run
};

// The cases a selection names, in id order. Throws UsageError when a glob or mechanism matches nothing.
std::vector<const CaseInfo*> SelectCases(const std::vector<std::string>& filters,
                                         const std::vector<std::string>& mechanisms);

// How the run records: its out folder and flags, and the expectation file (--expect; none with
// --no-expect; otherwise DefaultExpectationFile(expectation_name)).
RecorderOptions RecordingOf(const RunOptions& options, const std::string& expectation_name);

// The header's first fields, the same for a run here and one inside a target.
nlohmann::json HeaderBase(const RunOptions& options, const std::string& expect_path);

// A run here, planned.
struct NativePlan {
  std::vector<const CaseInfo*> cases;    // to run: the selection less what the resumed run has
  std::vector<nlohmann::json> previous;  // --resume: the case records already there
  Environment env;                       // this system, as the needs of every case are judged
  IsolationSupport isolation;
  nlohmann::json fingerprint;
  int jobs = 1;
};

// --resume (after cleaning up what the killed run left), the probes of this system and the job count.
// Refuses (UsageError) before the out folder is touched: a run that cannot start keeps its results.
NativePlan PlanNativeRun(const RunOptions& options, std::vector<const CaseInfo*> selected);

// The temporary folder of a native run carries a marker naming its run id; --resume removes a killed
// run's folder only when it is exactly such a folder of ours (/tmp/ipcconform-run-XXXXXX, a real
// directory of this user, with the marker of that run), whatever a results header claims.
void MarkTempFolder(const std::string& dir, const std::string& run_id);
// True when `dir` was removed; false (with `why`) when it is left alone or was not there.
bool RemoveOurTempFolder(const std::string& dir, const std::string& run_id, std::string* why);

// The header of a run here: HeaderBase, what was probed, the job count and what identifies the run.
nlohmann::json NativeHeader(const RunOptions& options, const NativePlan& plan, const std::string& expect_path,
                            const std::string& temp_dir, const std::string& run_id);

// The selection and options as `ipcconform run` takes them again (-f, -m, --jobs, --timeout, --isolation),
// for a runner started by this one (inside a target, each soak run).
std::vector<std::string> SelectionArgs(const RunOptions& options);

// A run inside `target`: the selection and options as the runner inside takes them, the bound on the
// whole run, and how the runner here records it.
TargetRun PlanTargetRun(const RunOptions& options, const TargetSpec& target,
                        const std::vector<const CaseInfo*>& selected);

}  // namespace ipcc
