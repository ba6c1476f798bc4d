// `ipcconform report RESULTS.jsonl... --out DIR [--format html,md,ktap,junit,json,bundle]`: rebuilds
// every report from one or more result files (of several targets and machines, merged into one
// matrix). A damaged line, a newer format or a missing file is reported on the error stream with its
// file and line, shown in the HTML and Markdown reports, and the reports are built from every good
// line; the exit status is then 2.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "reports/model.h"

namespace ipcc {

struct ReportOptions {
  std::vector<std::string> inputs;  // results.jsonl files, or folders holding one
  std::string out;
  std::string formats = "all";  // comma-separated names of kReportFormats, or "all"
  Statements statements;        // from the catalogue, for records without a statement
  nlohmann::json coverage;      // the catalogue's spec coverage (harness/program/coverage.h), or null
  // Expectation files the bundle may copy when a results header names them (`--bundle-expectations`),
  // besides the project's own (fixtures/expectations/): a results file alone never gets a file into it.
  std::vector<std::string> bundle_expectations;
  std::string own_expectations_dir;  // the project's fixtures/expectations, or ""
  ToolInfo tool;
};

inline const std::vector<std::string> kReportFormats = {"html", "md", "ktap", "junit", "json", "bundle"};

// The file each format is written to, in the out folder.
std::string ReportFileName(const std::string& format);

// Throws std::invalid_argument naming an unknown format.
std::set<std::string> ParseFormats(const std::string& formats);

// Returns the exit status: 0 when all went well, 2 when the input had problems (or the options were
// wrong), 1 when a report could not be written. Lists what it wrote on `out`, problems on `err`.
int RunReport(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ipcc
