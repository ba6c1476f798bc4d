// `ipcconform coverage`: the spec inventory (harness/caselib/spec.h) against the cases that name its
// entries. Every entry is covered (a case names it), waived, out of scope, or missing; a waiver of an
// entry some case covers is stale. Totals per page (an entry's first ref) and per mechanism.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/caselib/case.h"
#include "harness/caselib/spec.h"

namespace ipcc {

struct CoverageCounts {
  int entries = 0;
  int covered = 0;
  int waived = 0;
  int out_of_scope = 0;
  int missing = 0;
  // covered / (entries - out of scope), and (covered + waived) / the same, in percent (0 without entries).
  double CoveredPercent() const;
  double AccountedPercent() const;
};

struct CoverageOptions {
  std::vector<std::string> mechanisms;  // empty: every mechanism of the inventory
  bool json = false;
  bool check = false;
  std::string floors;  // with check: a floors file (mechanism covered% accounted%), empty: 100 % accounted
};

// The whole picture as JSON: {"totals", "mechanisms": [{"mechanism", "totals", "pages": [{"page",
// "totals", "entries": [{"id", "kind", "class", "since", "refs", "text", "state", "cases", "reason"}]}]}],
// "stale_waivers": [...], "problems": [...]}. Hidden cases do not count.
nlohmann::json CoverageJson(const spec::Inventory& inventory, const std::vector<CaseInfo>& cases,
                            const std::vector<std::string>& mechanisms = {});

// The table a terminal shows: one line per page and per mechanism, then the totals.
std::string CoverageTable(const nlohmann::json& coverage);

// Problems that fail `coverage --check`: inventory problems, stale waivers, and each mechanism below its
// floor (file "mechanism covered% accounted%" lines; without a file every entry must be accounted for).
// A malformed floors file throws UsageError naming the line.
std::vector<std::string> CoverageFailures(const nlohmann::json& coverage, const std::string& floors_text,
                                          const std::string& floors_name);

// The command: prints the table or the JSON, and with --check the failures; 0, 1 (check failed) or 2.
int RunCoverage(const CoverageOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ipcc
