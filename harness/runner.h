// `ipcconform run`: plans the selection, runs each case through the supervisor with --jobs in
// parallel, streams results.jsonl (header, one line per case as it ends, end line), derives the other
// reports from it and prints the summary.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness/case.h"
#include "harness/supervisor.h"

namespace ipcc {

struct RunOptions {
  std::vector<std::string> filters;     // id globs; empty means every catalogue case
  std::vector<std::string> mechanisms;  // empty means all
  int jobs = 0;                         // 0: number of CPUs
  std::optional<std::chrono::milliseconds> timeout;  // overrides each case's own timeout
  std::string out = "results";
  std::string target = "native";
  IsolationMode isolation = IsolationMode::automatic;
  bool quiet = false;
  std::string expect;                   // expectation file; "" = fixtures/expectations/<target>.txt if present
  bool no_expect = false;               // judge against no expectations at all
  bool strict = false;                  // unexpected passes and stale entries also fail the run
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

// True for the outcomes that make a run fail when nothing is expected of the target.
bool IsBadOutcome(const std::string& outcome);

// The expectation file used when none is named: fixtures/expectations/<target>.txt, if it exists.
std::string DefaultExpectationFile(const std::string& target);

}  // namespace ipcc
