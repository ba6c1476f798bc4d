#include "reports/gate_view.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/caselib/records.h"
#include "reports/model.h"
#include "reports/text.h"

namespace ipcc {
namespace {

using nlohmann::json;

double Number(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_number() ? obj[key].get<double>() : 0.0;
}

struct Bar {
  std::string label;
  double value = 0;      // <= 0: not measured
  double threshold = 0;  // 0: none
  const char* color = "#5c6bc0";
};

// 26065, 564.9, 15.62, 0.408: enough digits to compare, never an exponent.
std::string Figure(double v) {
  return v >= 1000  ? fmt::format("{:.0f}", v)
         : v >= 100 ? fmt::format("{:.1f}", v)
         : v >= 1   ? fmt::format("{:.2f}", v)
                    : fmt::format("{:.3f}", v);
}

constexpr int kWidth = 780;
constexpr int kLabelW = 180;
constexpr int kBarsW = 480;
constexpr int kRowH = 22;

// One chart with a logarithmic axis; `y` is where it starts, returns where it ends.
int Chart(std::string& svg, int y, const std::string& title, const std::vector<Bar>& bars, const char* unit) {
  double lo = 0;
  double hi = 0;
  for (const auto& b : bars) {
    for (double v : {b.value, b.threshold}) {
      if (v <= 0) continue;
      lo = lo == 0 ? v : std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  svg += fmt::format("<text x=\"0\" y=\"{}\" class=\"gt\">{}</text>\n", y + 14, HtmlEscape(title));
  y += 24;
  if (hi <= 0) {
    svg += fmt::format("<text x=\"0\" y=\"{}\">no figures</text>\n", y + 14);
    return y + 24;
  }
  const double a = std::floor(std::log10(lo));
  const double b = std::max(a + 1, std::ceil(std::log10(hi)));
  auto x = [&](double v) { return kLabelW + (std::log10(v) - a) / (b - a) * kBarsW; };
  const int top = y;
  const int bottom = y + static_cast<int>(bars.size()) * kRowH;
  for (double p = a; p <= b; p += 1) {
    const double gx = x(std::pow(10.0, p));
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" class=\"grid\"/>\n", gx, top, bottom);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>\n", gx, bottom + 14,
                       HtmlEscape(fmt::format("{:g}", std::pow(10.0, p))));
  }
  for (const auto& bar : bars) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLabelW - 8, y + 15,
                       HtmlEscape(bar.label));
    if (bar.value > 0) {
      const double w = std::max(1.0, x(bar.value) - kLabelW);
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>\n", kLabelW,
          y + 3, w, kRowH - 6, bar.color, HtmlEscape(fmt::format("{}: {:.3f} {}", bar.label, bar.value, unit)));
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"val\">{}</text>\n", kLabelW + w + 4, y + 15,
                         HtmlEscape(fmt::format("{}{}", Figure(bar.value),
                                                bar.threshold > 0 ? fmt::format("  (>= {:g})", bar.threshold) : "")));
    } else {
      svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"val\">n/a</text>\n", kLabelW + 4, y + 15);
    }
    if (bar.threshold > 0) {
      const double tx = x(bar.threshold);
      svg +=
          fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" class=\"thr\"/>\n", tx, y, y + kRowH);
    }
    y += kRowH;
  }
  return bottom + 26;
}

}  // namespace

GateFigures GateFiguresOf(const json& rec) {
  GateFigures g;
  g.verdict = TextField(rec, field::kVerdict, "");
  if (rec.contains("reason") && rec["reason"].is_string()) g.reason = rec["reason"].get<std::string>();
  if (!rec.contains("attempts") || !rec["attempts"].is_array() || rec["attempts"].empty()) return g;
  g.attempts = static_cast<int>(rec["attempts"].size());
  const json& last = rec["attempts"].back();
  const json thresholds = rec.contains("thresholds") ? rec["thresholds"] : json::object();
  g.contended_rounds = static_cast<int>(Number(last, "contended_rounds"));
  g.rounds = last.contains("rounds") && last["rounds"].is_array() ? static_cast<int>(last["rounds"].size()) : 0;
  if (last.contains("median_mib_s") && last["median_mib_s"].is_object()) {
    for (const auto& [name, v] : last["median_mib_s"].items())
      g.median_mib_s.emplace_back(name, v.is_number() ? v.get<double>() : 0.0);
  }
  if (last.contains("ratios") && last["ratios"].is_object()) {
    for (const auto& [name, v] : last["ratios"].items()) {
      GateRatio r{name, v.is_number() ? v.get<double>() : 0.0, Number(thresholds, name.c_str()), true};
      r.ok = r.threshold <= 0 || r.value >= r.threshold;
      g.ratios.push_back(r);
    }
  }
  return g;
}

std::string GateChartSvg(const GateFigures& g) {
  std::vector<Bar> speeds;
  for (const auto& [name, v] : g.median_mib_s) speeds.push_back({name, v, 0, name == "memcpy" ? "#90a4ae" : "#5c6bc0"});
  std::vector<Bar> ratios;
  for (const auto& r : g.ratios) {
    ratios.push_back({r.name, r.value, r.threshold, r.threshold <= 0 ? "#90a4ae" : r.ok ? "#2e7d32" : "#c62828"});
  }
  std::string body;
  int y = Chart(body, 0, "Median throughput per mechanism, MiB/s (log scale)", speeds, "MiB/s");
  y = Chart(body, y,
            "Median per-round ratio (log scale); black line: threshold; green: met, red: missed, grey: no "
            "threshold",
            ratios, "x");
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 "
      "{0} {1}\" "
      "role=\"img\" aria-label=\"throughput gate figures\">\n"
      "<style>text{{font:12px sans-serif;fill:#222}} .gt{{font-weight:bold}} "
      ".tick{{fill:#666;font-size:10px}} "
      ".val{{fill:#333}} .grid{{stroke:#ddd}} .thr{{stroke:#000;stroke-width:2}}</style>\n{2}</svg>\n",
      kWidth, y, body);
}

}  // namespace ipcc
