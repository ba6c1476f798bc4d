// Reading the canonical record stream (results.jsonl): a header line, one line per case, an end
// line. Reading is tolerant: a bad line is reported with its file and line number and every good line
// is kept, so no finished result is lost to a damaged file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ipcc {

inline constexpr int kResultsFormat = 1;

struct RunResults {
  std::string path;
  nlohmann::json header;              // empty object when the file had none
  std::vector<nlohmann::json> cases;  // "record": "case" lines, in file order
  std::optional<nlohmann::json> end;  // absent for a run that was killed
  std::vector<nlohmann::json> gates;  // "record": "gate" lines (throughput gate figures)
  std::vector<std::string> problems;  // "results.jsonl:17: not valid JSON (...)"
};

// Throws std::runtime_error only when the file cannot be opened at all.
RunResults ReadResults(const std::string& path);

}  // namespace ipcc
