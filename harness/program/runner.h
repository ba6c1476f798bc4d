// `ipcconform run`: plans the selection, runs each case through the supervisor with --jobs in
// parallel, streams results.jsonl (header, one line per case as it ends, end line), derives the other
// reports from it and prints the summary.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness/caselib/case.h"
#include "harness/caselib/supervisor.h"

namespace ipcc {

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

// A problem with the options themselves (exit status 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The cases a selection names, in id order. Throws UsageError when a glob or mechanism matches nothing.
std::vector<const CaseInfo*> SelectCases(const std::vector<std::string>& filters,
                                         const std::vector<std::string>& mechanisms);

// Runs the selection; returns the process exit status: 0 exactly when no case is a regression
// against the expectations (with none, any FAIL, ERROR, TIMEOUT or CRASH is one) and, with --strict,
// there is no unexpected pass or stale entry. Throws UsageError for bad options.
int Run(const RunOptions& options);

// What a finished run left behind on the host: processes of the run, its temp folder, mounts
// below it, and (without namespaces) IPC objects that appeared during it. One line each.
std::vector<std::string> FindRunLeaks(const std::string& run_id, const std::string& temp_dir);

// True for the outcomes that make a run fail when nothing is expected of the target.
bool IsBadOutcome(const std::string& outcome);

// The expectation file used when none is named: fixtures/expectations/<name>.txt, if it exists. The
// name is the target's kind, and chroot-<folder name> for chroot:DIR (chroot:/srv/bullseye reads
// chroot-bullseye.txt).
std::string DefaultExpectationFile(const std::string& name);

// Everything a run writes: results.jsonl (streamed, a line per record as it comes), verdicts against
// the expectations, progress, the end record, JUnit and the summary. Native runs and target runs
// both feed it.
class RunRecorder {
 public:
  // Loads the expectations and opens the out folder; throws UsageError for either problem. With
  // `previous` (a resumed run) the file is appended to and those records count in the totals.
  // `expectation_name` picks the default expectation file: fixtures/expectations/<name>.txt.
  RunRecorder(const RunOptions& options, const std::string& expectation_name, std::size_t total,
              const std::vector<nlohmann::json>* previous = nullptr);
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  const std::string& expectation_file() const { return expect_path_; }
  const std::string& results_path() const { return jsonl_path_; }
  void WriteHeader(nlohmann::json header);
  // A case's record (id, outcome, message, ...): the verdict is added, then it is written.
  void AddCase(nlohmann::json record, std::size_t running);
  void WriteOther(const nlohmann::json& record);  // e.g. a gate record coming out of a target
  std::size_t cases() const { return records_.size(); }
  // Writes the end record and the derived reports, prints the summary; returns the exit status.
  int Finish(bool interrupted, int signal, std::size_t not_run, double wall_s, const nlohmann::json& extra);

 private:
  struct Impl;
  Impl* impl_;
  std::string expect_path_;
  std::string jsonl_path_;
  std::vector<nlohmann::json> records_;
};

std::string NowIso();
nlohmann::json HeaderBase(const RunOptions& options, const std::string& expect_path);

}  // namespace ipcc
