// The merged view every report is written from: results of one or more runs, of several targets and
// machines, as a matrix of cases (rows) against columns. A column is one target on one machine: runs
// of the same target on the same machine merge into it, and the same target name from two machines
// stays apart because the key carries a short hash of the machine's fingerprint.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/results.h"

namespace ipcc {

// The ipcconform that writes the reports (not necessarily the one that made the results).
struct ToolInfo {
  std::string version = "?";
  std::string commit = "unknown";
};

// Case statements from the catalogue of this ipcconform, for records that do not carry their own.
using Statements = std::map<std::string, std::string>;

struct Column {
  std::string key;    // "runsc@1a2b3c4d": the target and a short hash of the machine
  std::string label;  // "runsc @ 6.18.44 / Debian 12"
  std::string target;
  std::string machine;                                 // the short hash alone
  std::vector<const RunResults*> runs;                 // input files merged here, in input order
  std::map<std::string, const nlohmann::json*> cases;  // by id; a later record of an id wins
  std::vector<const nlohmann::json*> gates;            // throughput gate records
  std::vector<std::string> stale;                      // stale expectations the runs' end records name
};

struct CaseRow {
  std::string id;
  std::string mechanism;
  std::string interface;
  std::string title;
  std::string statement;
  std::string cls;
  std::vector<std::string> refs;
};

struct Matrix {
  std::vector<Column> columns;        // in order of first appearance in the inputs
  std::vector<CaseRow> rows;          // sorted by mechanism, interface and id
  std::vector<std::string> problems;  // every input problem, "file:line: what"
  std::vector<std::string> notes;     // things worth knowing that are not problems (repeated cases)
  // The spec coverage of the catalogue of the ipcconform that made the report (`ipcconform coverage
  // --json`), or null: it is not in the results, it belongs to the tool.
  nlohmann::json coverage;

  // The record of a case in a column, or nullptr when the case did not run there.
  const nlohmann::json* Cell(const CaseRow& row, const Column& column) const;
  std::vector<std::string> Mechanisms() const;
};

// The runs must outlive the matrix: cells point into them. `load_problems` are problems found before
// reading (a missing file); they come first in the matrix's problem list.
Matrix BuildMatrix(const std::vector<RunResults>& runs, const std::vector<std::string>& load_problems = {},
                   const Statements& statements = {});

// A string or number field of a record; the fallback (0) when it is missing, has another type, or
// `obj` is no object. Records come from files that may be damaged: writers read them only so.
std::string TextField(const nlohmann::json& obj, const char* key, const std::string& fallback = "");
double NumberField(const nlohmann::json& obj, const char* key);

// Fields of a case record, tolerant of records that lack them.
std::string OutcomeOf(const nlohmann::json& rec);
std::string MessageOf(const nlohmann::json& rec);
// The record's verdict, or, for a record without one, the verdict no expectations give.
std::string VerdictOf(const nlohmann::json& rec);
// The reason of the expectation entry that applied, or "".
std::string ExpectationReasonOf(const nlohmann::json& rec);

// FAIL, ERROR, TIMEOUT, CRASH.
bool IsFailureOutcome(const std::string& outcome);

// Compatibility of a target with a mechanism, the way sandbox projects publish it:
//   full     every case that ran passed;
//   none     no case passed;
//   partial  otherwise;
//   not run  no case of the mechanism ran in that column, or every one was SKIP.
// UNSUPPORTED counts as not passing (the target lacks the behaviour), and so does an expected
// deviation. SKIP is left out: the case did not run here (for example it needs root), which says
// nothing about the target.
struct Compatibility {
  std::string level;
  int pass = 0;
  int counted = 0;  // cases that ran, excluding SKIP
  int skipped = 0;
};
Compatibility CompatibilityOf(const Matrix& m, const Column& column, const std::string& mechanism);

// Outcome and verdict counts over a column's cells, optionally of one mechanism or one interface.
struct Counts {
  int total = 0;
  std::map<std::string, int> outcomes;
  std::map<std::string, int> verdicts;
};
Counts CountColumn(const Matrix& m, const Column& column, const std::string& mechanism = "",
                   const std::string& interface = "");

// Tags of a row, used by the filters: "regression" (a regression in some column), "deviation" (not
// PASS in some column), "expected" (an expected deviation), "unexpected" (an unexpected pass),
// "differs" (the outcome differs between columns, or the case is missing from one), "everywhere"
// (PASS in every column).
std::set<std::string> RowFlags(const Matrix& m, const CaseRow& row);

// The cells a reader must look at, per kind, in column then id order.
struct Finding {
  const Column* column;
  const CaseRow* row;
  const nlohmann::json* rec;
};
struct Findings {
  std::vector<Finding> regressions;
  std::vector<Finding> expected;  // expected deviations
  std::vector<Finding> unexpected_passes;
  std::vector<Finding> not_run;  // UNSUPPORTED or SKIP that is no regression
  std::vector<std::pair<const Column*, std::string>> stale;
};
Findings CollectFindings(const Matrix& m);

// One line of the spec coverage table: a page of a mechanism, a mechanism as a whole, or all of them.
struct CoverageRow {
  enum class Level { page, mechanism, all };
  Level level = Level::page;
  std::string mechanism;  // "" for Level::all
  std::string page;       // "" unless Level::page
  double entries = 0, covered = 0, waived = 0, out_of_scope = 0, missing = 0;
  double covered_percent = 0, accounted_percent = 0;
};
// The rows of the matrix's coverage document, each mechanism's pages then the mechanism, and all at the
// end; none when there is no document. Totals of a damaged part read as zeros; what is no object is
// left out.
std::vector<CoverageRow> CoverageRows(const Matrix& m);

}  // namespace ipcc
