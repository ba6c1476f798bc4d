#include "reports/results.h"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/caselib/records.h"

namespace ipcc {

namespace {

// "PASS, FAIL, ...": the outcomes a case record may name.
std::string KnownOutcomes() {
  std::string names;
  for (Outcome o : kAllOutcomes) names += fmt::format("{}{}", names.empty() ? "" : ", ", OutcomeName(o));
  return names;
}

void AddRecord(RunResults& run, nlohmann::json rec, const std::string& where) {
  const std::string kind = rec.value(field::kRecord, "");
  if (kind == "header") {
    const auto format = rec.contains("format") && rec["format"].is_number() ? rec["format"].get<double>() : 0.0;
    if (rec.contains("format") && !rec["format"].is_number()) {
      run.problems.push_back(where + ": the header's format is not a number");
    } else if (format > kResultsFormat) {
      run.problems.push_back(
          fmt::format("{}: results format {} is newer than this ipcconform reads ({})", where, format, kResultsFormat));
    }
    run.header = std::move(rec);
  } else if (kind == "case") {
    if (!rec.contains(field::kId) || !rec[field::kId].is_string() || !rec.contains(field::kOutcome) ||
        !rec[field::kOutcome].is_string()) {
      run.problems.push_back(where + ": case record without an id or outcome");
      return;
    }
    if (!ParseOutcome(rec[field::kOutcome].get<std::string>())) {
      run.problems.push_back(fmt::format("{}: case {} has the unknown outcome '{}' (known: {}); the record is refused",
                                         where, rec[field::kId].get<std::string>(),
                                         rec[field::kOutcome].get<std::string>(), KnownOutcomes()));
      return;
    }
    run.cases.push_back(std::move(rec));
  } else if (kind == "end") {
    run.end = std::move(rec);
  } else if (kind == "gate") {
    run.gates.push_back(std::move(rec));
  } else if (kind.empty()) {
    run.problems.push_back(fmt::format("{}: record without a \"{}\" kind", where, field::kRecord));
  }
  // Other kinds are left to the readers that know them.
}

}  // namespace

RunResults ReadResults(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open the results file", path));
  RunResults run;
  run.path = path;
  run.header = nlohmann::json::object();
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto where = fmt::format("{}:{}", path, number);
    nlohmann::json rec = nlohmann::json::parse(line, nullptr, false);
    if (rec.is_discarded() || !rec.is_object()) {
      run.problems.push_back(where + ": not a valid JSON record (truncated or corrupted line)");
      continue;
    }
    try {
      AddRecord(run, std::move(rec), where);
    } catch (const nlohmann::json::exception& e) {
      // Valid JSON with a field of the wrong type: the line is damaged, the others still count.
      run.problems.push_back(fmt::format("{}: malformed record ({})", where, e.what()));
    }
  }
  if (run.header.empty()) run.problems.push_back(path + ": no header record (environment unknown)");
  if (!run.end) run.problems.push_back(path + ": no end record (the run did not finish)");
  return run;
}

}  // namespace ipcc
