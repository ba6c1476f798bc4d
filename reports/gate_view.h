// The throughput gate's record ("record": "gate") as the reports show it: the figures of the last
// attempt (the one the verdict rests on) and an inline SVG bar chart of them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ipcc {

struct GateRatio {
  std::string name;  // "shm_vs_pipe"
  double value = 0;
  double threshold = 0;  // 0: no threshold (shown for information)
  bool ok = true;
};

struct GateFigures {
  std::string verdict;  // pass, fail, inconclusive
  std::string reason;
  int attempts = 0;
  int contended_rounds = 0;
  int rounds = 0;
  std::vector<std::pair<std::string, double>> median_mib_s;  // by mechanism, as recorded
  std::vector<GateRatio> ratios;
};

// Tolerates missing or mistyped fields (an attempt-less inconclusive record has only the verdict).
GateFigures GateFiguresOf(const nlohmann::json& record);

// Two horizontal bar charts on logarithmic axes, as one <svg> element: median MiB/s per mechanism,
// then each ratio with its threshold marked. Every text is escaped.
std::string GateChartSvg(const GateFigures& figures);

}  // namespace ipcc
