// What a run writes, and what the reports read: results.jsonl, streamed a line per record as it comes (the
// header, one line per case as it ends, records such as a gate's, the end line with the leak check), each
// case judged against the expectations, progress and the summary on the terminal, JUnit beside it. Runs
// here (executor) and runs inside a target (targets) both feed one RunRecorder.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/caselib/case.h"
#include "harness/program/usage_error.h"

namespace ipcc {

// Marks a record on the standard output of a runner that streams (`run --stream`, inside a target).
inline constexpr const char* kStreamMarker = "@ipcconform-record ";

// Where and how a run records.
struct RecorderOptions {
  std::string out = "results";  // folder for results.jsonl and the reports
  std::string expect_file;      // expectations the cases are judged against; "" for none
  bool strict = false;          // unexpected passes and stale entries also fail the run
  bool quiet = false;           // no progress or summary
  bool stream = false;          // every record also on standard output, after kStreamMarker
};

// The expectation file used when none is named: fixtures/expectations/<name>.txt, if it exists. The
// name is the target's kind, and chroot-<folder name> for chroot:DIR (chroot:/srv/bullseye reads
// chroot-bullseye.txt).
std::string DefaultExpectationFile(const std::string& name);
// The folder of the project's own expectation files (fixtures/expectations).
std::string OwnExpectationsDir();

// True for the outcomes that make a run fail when nothing is expected of the target (and for text that
// names no outcome).
bool IsBadOutcome(const std::string& outcome);

// What a finished run left behind on the host: processes of the run (they are killed), its temp folder,
// mounts below it. One line each, for the end record's leaks.
std::vector<std::string> FindRunLeaks(const std::string& run_id, const std::string& temp_dir);

// The time now, as records carry it: 2024-05-01T12:00:00Z.
std::string NowIso();

// A case's record: what the catalogue says of the case, then `fields` (outcome, message, ...) of its run.
nlohmann::json CaseRecord(const CaseInfo& info, const nlohmann::json& fields);

class RunRecorder {
 public:
  // Loads the expectations and opens the out folder; throws UsageError for either problem. With
  // `previous` (a resumed run) the file is appended to and those records count in the totals.
  RunRecorder(const RecorderOptions& options, std::size_t total, const std::vector<nlohmann::json>* previous = nullptr);
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  const std::string& expectation_file() const { return expect_path_; }
  const std::string& results_path() const { return jsonl_path_; }
  void WriteHeader(const nlohmann::json& header);
  // A case's record (id, outcome, message, ...): the verdict is added, then it is written. `running`
  // is how many cases are still running, for the progress line.
  void AddCase(nlohmann::json record, std::size_t running);
  void WriteOther(const nlohmann::json& record);  // e.g. a gate record coming out of a target
  std::size_t cases() const { return records_.size(); }
  // Why results.jsonl could not be written (a full disk), or "": once set, nothing more is written and
  // the run must stop; Finish then says it and returns 2.
  const std::string& write_error() const;
  // Writes the end record (with `extra` in it) and the derived reports, prints the summary; returns the
  // exit status.
  int Finish(bool interrupted, int signal, std::size_t not_run, double wall_s, const nlohmann::json& extra);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string expect_path_;
  std::string jsonl_path_;
  std::vector<nlohmann::json> records_;
};

}  // namespace ipcc
