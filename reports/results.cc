#include "reports/results.h"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace ipcc {

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
    const std::string kind = rec.value("record", "");
    if (kind == "header") {
      int format = rec.value("format", 0);
      if (format > kResultsFormat) {
        run.problems.push_back(fmt::format("{}: results format {} is newer than this ipcconform reads ({})",
                                           where, format, kResultsFormat));
      }
      run.header = std::move(rec);
    } else if (kind == "case") {
      if (!rec.contains("id") || !rec["id"].is_string() || !rec.contains("outcome") || !rec["outcome"].is_string()) {
        run.problems.push_back(where + ": case record without an id or outcome");
        continue;
      }
      run.cases.push_back(std::move(rec));
    } else if (kind == "end") {
      run.end = std::move(rec);
    } else if (kind.empty()) {
      run.problems.push_back(where + ": record without a \"record\" kind");
    }
    // Other kinds (for example gate figures) are kept by the readers that know them.
  }
  if (run.header.empty()) run.problems.push_back(path + ": no header record (environment unknown)");
  if (!run.end) run.problems.push_back(path + ": no end record (the run did not finish)");
  return run;
}

}  // namespace ipcc
