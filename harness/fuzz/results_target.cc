// Fuzz targets: the results.jsonl reader (reports/results.h), alone and as the first step of
// `ipcconform report`, which builds the merged matrix and every report from it.
#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/fuzz/fuzz_targets.h"
#include "reports/html.h"
#include "reports/junit.h"
#include "reports/ktap.h"
#include "reports/markdown.h"
#include "reports/model.h"
#include "reports/results.h"
#include "reports/summary.h"

namespace ipcc::fuzz {
namespace {

using nlohmann::json;

RunResults Read(const std::string& content) {
  return ReadResults(InputFile(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()));
}

// "FILE:LINE: what" or "FILE: what" -> "what".
std::string WithoutPlace(const std::string& problem, const std::string& path) {
  std::string rest = problem.rfind(path + ":", 0) == 0 ? problem.substr(path.size() + 1) : problem;
  const auto digits = rest.find_first_not_of("0123456789");
  if (digits != std::string::npos && digits > 0 && rest[digits] == ':') rest = rest.substr(digits + 1);
  return rest;
}

void CheckKind(const json& rec, const std::string& kind) {
  Check(rec.is_object() && rec.contains("record") && rec["record"].is_string() && rec["record"] == kind,
        fmt::format("kept as a {} record: {}", kind, rec.dump(-1, ' ', false, json::error_handler_t::replace)));
}

}  // namespace

void ResultsTarget(const std::uint8_t* data, std::size_t size) {
  const std::string path = InputFile(data, size);
  const RunResults run = ReadResults(path);
  Check(run.path == path, "the run does not name its file");
  Check(run.header.is_object(), "a header that is not an object");
  if (!run.header.empty()) CheckKind(run.header, "header");
  for (const auto& c : run.cases) {
    CheckKind(c, "case");
    Check(c["id"].is_string() && c["outcome"].is_string(), "a case kept without a string id and outcome");
  }
  for (const auto& g : run.gates) CheckKind(g, "gate");
  if (run.end) CheckKind(*run.end, "end");
  for (const auto& p : run.problems) Check(p.rfind(path + ":", 0) == 0, "a problem that names no file: " + p);
  const bool no_header_reported = std::find(run.problems.begin(), run.problems.end(),
                                            path + ": no header record (environment unknown)") != run.problems.end();
  Check(run.header.empty() == no_header_reported, "a missing header not reported, or one reported that is there");

  // What was kept, written out again, reads back the same and without problems of its own.
  std::string again;
  if (!run.header.empty()) again += run.header.dump() + "\n";
  for (const auto& c : run.cases) again += c.dump() + "\n";
  for (const auto& g : run.gates) again += g.dump() + "\n";
  if (run.end) again += run.end->dump() + "\n";
  const RunResults back = Read(again);
  Check(back.header == run.header, "the header reads back differently");
  Check(back.cases == run.cases, "the cases read back differently");
  Check(back.gates == run.gates, "the gate records read back differently");
  Check(back.end == run.end, "the end record reads back differently");
  // Reading back finds no problem the first reading did not (lines differ, so compare without them).
  std::set<std::string> first;
  for (const auto& p : run.problems) first.insert(WithoutPlace(p, path));
  const std::string again_path = back.path;
  for (const auto& p : back.problems) {
    Check(first.count(WithoutPlace(p, again_path)) != 0, "a kept record is a new problem on reading back: " + p);
  }
}

void ReportTarget(const std::uint8_t* data, std::size_t size) {
  // A NUL byte (never part of a JSON line) splits the input into two result files, for merging.
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<RunResults> runs;
  std::size_t start = 0;
  while (start <= input.size() && runs.size() < 3) {
    std::size_t nul = input.find('\0', start);
    runs.push_back(Read(input.substr(start, nul == std::string::npos ? std::string::npos : nul - start)));
    if (nul == std::string::npos) break;
    start = nul + 1;
  }
  const Statements statements = {{"pipe.read.eof", "read returns 0 at end of file"}, {"a", "b"}};
  const Matrix m = BuildMatrix(runs, {"missing.jsonl: cannot open the results file"}, statements);
  std::size_t problems = 1;
  for (const auto& r : runs) problems += r.problems.size();
  Check(m.problems.size() >= problems, "input problems missing from the matrix");
  for (const auto& column : m.columns) {
    for (const auto& row : m.rows) {
      if (const json* cell = m.Cell(row, column)) Check(cell->is_object(), "a cell that is not a record");
    }
  }
  const ToolInfo tool{"0.0-fuzz", "fuzz"};
  std::ostringstream out;
  WriteHtml(m, tool, out);
  WriteMarkdown(m, tool, out);
  WriteKtap(m, tool, out);
  WriteJUnit(m, out);
  WriteJUnit(runs, out);
  out << Summary(m, tool).dump(2, ' ', false, json::error_handler_t::replace);
  Check(out.tellp() > 0, "no report text at all");
}

}  // namespace ipcc::fuzz
