#include "reports/summary.h"

#include "harness/caselib/records.h"
#include "reports/expectations.h"
#include "reports/gate_view.h"

namespace ipcc {
namespace {

using nlohmann::json;

json CountsJson(const Counts& n) {
  return {{"total", n.total}, {"outcomes", n.outcomes}, {"verdicts", n.verdicts}};
}

json GateJson(const json& rec) {
  const GateFigures g = GateFiguresOf(rec);
  json ratios = json::object();
  for (const auto& r : g.ratios) {
    ratios[r.name] = {
        {"value", r.value}, {"threshold", r.threshold > 0 ? json(r.threshold) : json(nullptr)}, {"met", r.ok}};
  }
  json speeds = json::object();
  for (const auto& [name, v] : g.median_mib_s) speeds[name] = v;
  return {{field::kVerdict, g.verdict},
          {"reason", g.reason},
          {"attempts", g.attempts},
          {"median_mib_s", speeds},
          {"ratios", ratios}};
}

json ColumnJson(const Matrix& m, const Column& col) {
  json inputs = json::array();
  for (const auto* run : col.runs) inputs.push_back(run->path);
  json mechanisms = json::object();
  for (const auto& mech : m.Mechanisms()) {
    Counts n = CountColumn(m, col, mech);
    if (n.total == 0) continue;
    const Compatibility c = CompatibilityOf(m, col, mech);
    mechanisms[mech] = CountsJson(n);
    mechanisms[mech]["compatibility"] = {
        {"level", c.level}, {"pass", c.pass}, {"counted", c.counted}, {"skipped", c.skipped}};
  }
  json gates = json::array();
  for (const auto* g : col.gates) gates.push_back(GateJson(*g));
  const json& header = col.runs.front()->header;
  json out = {{"key", col.key},
              {"label", col.label},
              {"target", col.target},
              {"machine", col.machine},
              {"inputs", inputs},
              {"fingerprint", header.contains("fingerprint") ? header["fingerprint"] : json()},
              {"counts", CountsJson(CountColumn(m, col))},
              {"mechanisms", mechanisms},
              {"stale_expectations", col.stale},
              {"gates", gates}};
  return out;
}

}  // namespace

json Summary(const Matrix& m, const ToolInfo& tool) {
  json columns = json::array();
  json non_passes = json::array();
  json unexpected_passes = json::array();
  for (const auto& col : m.columns) {
    columns.push_back(ColumnJson(m, col));
    for (const auto& row : m.rows) {
      const json* c = m.Cell(row, col);
      if (c != nullptr && VerdictOf(*c) == VerdictName(Verdict::unexpected_pass)) {
        unexpected_passes.push_back({{"column", col.key},
                                     {field::kId, row.id},
                                     {"expected", TextField(*c, "expected", "")},
                                     {"expectation_reason", ExpectationReasonOf(*c)}});
      }
      if (c == nullptr || OutcomeOf(*c) == OutcomeName(Outcome::kPass)) continue;
      json item = {{"column", col.key},
                   {field::kId, row.id},
                   {"mechanism", row.mechanism},
                   {field::kOutcome, OutcomeOf(*c)},
                   {field::kVerdict, VerdictOf(*c)},
                   {field::kMessage, MessageOf(*c)}};
      if (c->contains("expected")) item["expected"] = (*c)["expected"];
      if (!ExpectationReasonOf(*c).empty()) item["expectation_reason"] = ExpectationReasonOf(*c);
      non_passes.push_back(item);
    }
  }
  return {{"tool", "ipcconform"},
          {"summary_format", kSummaryFormat},
          {"generated_by", {{"version", tool.version}, {"commit", tool.commit}}},
          {"columns", columns},
          {"cases", m.rows.size()},
          {"non_passes", non_passes},
          {"unexpected_passes", unexpected_passes},
          {"problems", m.problems},
          {"notes", m.notes}};
}

}  // namespace ipcc
