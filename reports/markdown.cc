#include "reports/markdown.h"

#include <fmt/format.h>

#include "harness/caselib/records.h"
#include "reports/expectations.h"
#include "reports/gate_view.h"
#include "reports/text.h"

namespace ipcc {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxItems = 50;

std::string Label(const Column& c) {
  return MarkdownEscape(c.label);
}

std::string CompatCell(const Compatibility& c) {
  if (c.level == "not run") return c.skipped > 0 ? fmt::format("not run ({} skipped)", c.skipped) : "not run";
  const char* icon = c.level == "full" ? "✅" : c.level == "none" ? "❌" : "⚠️";
  std::string text = fmt::format("{} {} ({}/{})", icon, c.level, c.pass, c.counted);
  if (c.skipped > 0) text += fmt::format(", {} skipped", c.skipped);
  return text;
}

void Problems(const Matrix& m, std::ostream& out) {
  if (m.problems.empty()) return;
  out << fmt::format("### ⚠️ Problems with the input ({})\n\n", m.problems.size());
  out << "The reports were built from every good line; these lines or files were left out:\n\n";
  for (const auto& p : m.problems) out << "- " << MarkdownEscape(p) << "\n";
  out << "\n";
}

void SummaryTable(const Matrix& m, std::ostream& out) {
  out << "### Summary\n\n| target | cases |";
  for (Outcome o : kAllOutcomes) out << " " << OutcomeName(o) << " |";
  out << " regressions | expected deviations | unexpected passes |\n|---|---:|";
  for (std::size_t i = 0; i < kAllOutcomes.size() + 3; ++i) out << "---:|";
  out << "\n";
  for (const auto& col : m.columns) {
    if (col.cases.empty()) continue;
    const Counts n = CountColumn(m, col);
    auto count = [](const std::map<std::string, int>& map, const std::string& key) {
      auto it = map.find(key);
      return it == map.end() ? 0 : it->second;
    };
    out << fmt::format("| {} | {} |", Label(col), n.total);
    for (Outcome o : kAllOutcomes) out << fmt::format(" {} |", count(n.outcomes, std::string(OutcomeName(o))));
    out << fmt::format(" {} | {} | {} |\n", count(n.verdicts, VerdictName(Verdict::regression)),
                       count(n.verdicts, VerdictName(Verdict::expected_deviation)),
                       count(n.verdicts, VerdictName(Verdict::unexpected_pass)));
  }
  out << "\n";
}

void CompatTable(const Matrix& m, std::ostream& out) {
  out << "### Compatibility per mechanism\n\n| mechanism |";
  std::string rule = "|---|";
  for (const auto& col : m.columns) {
    if (col.cases.empty()) continue;
    out << " " << Label(col) << " |";
    rule += "---|";
  }
  out << "\n" << rule << "\n";
  for (const auto& mech : m.Mechanisms()) {
    out << "| " << MarkdownEscape(mech) << " |";
    for (const auto& col : m.columns) {
      if (!col.cases.empty()) out << " " << CompatCell(CompatibilityOf(m, col, mech)) << " |";
    }
    out << "\n";
  }
  out << "\n*full*: every case that ran passed; *none*: no case passed; *partial*: otherwise. UNSUPPORTED "
         "and "
         "expected deviations count as not passing; SKIP (the case could not run here, e.g. it needs root) "
         "is "
         "left out of the count.\n\n";
}

template <typename Fn>
void List(std::ostream& out, const std::string& title, const std::vector<Finding>& items, Fn line) {
  if (items.empty()) return;
  out << fmt::format("#### {} ({})\n\n", title, items.size());
  for (std::size_t i = 0; i < items.size() && i < kMaxItems; ++i) {
    const Finding& f = items[i];
    out << fmt::format("- **{}** {} {}\n", Label(*f.column), CodeSpan(f.row->id), line(*f.rec));
  }
  if (items.size() > kMaxItems) out << fmt::format("- ... and {} more (see report.html)\n", items.size() - kMaxItems);
  out << "\n";
}

void DeviationLists(const Matrix& m, std::ostream& out) {
  const Findings f = CollectFindings(m);
  out << "### Deviations\n\n";
  if (f.regressions.empty() && f.expected.empty() && f.unexpected_passes.empty() && f.stale.empty()) {
    out << "None: every case that ran passed, or was not run here.\n\n";
  }
  List(out, "❌ Regressions", f.regressions, [](const json& c) {
    std::string expected =
        c.contains("expected") ? fmt::format(" (expected {})", MarkdownEscape(TextField(c, "expected", ""))) : "";
    return fmt::format("{}{}: {}", OutcomeOf(c), expected, MarkdownEscape(FirstLine(MessageOf(c))));
  });
  List(out, "Expected deviations", f.expected,
       [](const json& c) { return fmt::format("{}: {}", OutcomeOf(c), MarkdownEscape(ExpectationReasonOf(c))); });
  List(out, "Unexpected passes", f.unexpected_passes, [](const json& c) {
    return fmt::format("passes, expected {}: {}", MarkdownEscape(TextField(c, "expected", "?")),
                       MarkdownEscape(ExpectationReasonOf(c)));
  });
  if (!f.stale.empty()) {
    out << fmt::format("#### Stale expectations ({})\n\n", f.stale.size());
    for (const auto& [col, text] : f.stale) out << fmt::format("- **{}** {}\n", Label(*col), MarkdownEscape(text));
    out << "\n";
  }
}

void Gates(const Matrix& m, std::ostream& out) {
  bool any = false;
  for (const auto& col : m.columns) {
    for (const auto* rec : col.gates) {
      if (!any) out << "### Throughput gate\n\n";
      any = true;
      const GateFigures g = GateFiguresOf(*rec);
      out << fmt::format("**{}**: {}{}\n\n", Label(col), MarkdownEscape(g.verdict),
                         g.reason.empty() ? "" : " (" + MarkdownEscape(g.reason) + ")");
      if (g.ratios.empty()) continue;
      out << "| ratio | measured | threshold |\n|---|---:|---:|\n";
      for (const auto& r : g.ratios) {
        out << fmt::format("| {} | {:.3f} | {} |\n", MarkdownEscape(r.name), r.value,
                           r.threshold > 0 ? fmt::format("{} ≥ {:g}", r.ok ? "✅" : "❌", r.threshold) : "-");
      }
      out << "\n";
    }
  }
}

void Environments(const Matrix& m, std::ostream& out) {
  out << "<details><summary>Environments</summary>\n\n| target | kernel | C library | distribution | "
         "ipcconform | inputs |\n"
         "|---|---|---|---|---|---|\n";
  for (const auto& col : m.columns) {
    for (const auto* run : col.runs) {
      const json& h = run->header;
      const json fp = h.contains("fingerprint") && h["fingerprint"].is_object() ? h["fingerprint"] : json::object();
      const json kernel = fp.contains("kernel") && fp["kernel"].is_object() ? fp["kernel"] : json::object();
      out << fmt::format(
          "| {} | {} {} | {} | {} | {} ({}) | {} |\n", Label(col), MarkdownEscape(TextField(kernel, "release", "?")),
          MarkdownEscape(TextField(kernel, "machine", "")), MarkdownEscape(TextField(fp, "libc", "?")),
          MarkdownEscape(TextField(fp, "distribution", "?")), MarkdownEscape(TextField(h, "version", "?")),
          MarkdownEscape(TextField(h, "commit", "?")), MarkdownEscape(run->path));
    }
  }
  out << "\n</details>\n";
}

// The spec coverage of the tool's catalogue: per mechanism and page, entries covered, waived, missing.
void Coverage(const Matrix& m, std::ostream& out) {
  const auto rows = CoverageRows(m);
  if (rows.empty()) return;
  out << "### Spec coverage\n\nEntries of the spec inventory (conformance/spec/) by the page that documents "
         "them: covered by a case, waived (with a reason), out of scope, or missing. Covered % is of the "
         "entries in scope.\n\n";
  out << "| mechanism | page | entries | covered | waived | out of scope | missing | covered % | covered or waived % "
         "|\n";
  out << "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) {
    const std::string mech = r.level == CoverageRow::Level::all ? "**all**" : MarkdownEscape(r.mechanism);
    const std::string page = r.level == CoverageRow::Level::mechanism ? "**all**" : MarkdownEscape(r.page);
    out << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.1f} | {:.1f} |\n", mech, page, r.entries, r.covered,
                       r.waived, r.out_of_scope, r.missing, r.covered_percent, r.accounted_percent);
  }
  out << "\n";
}

}  // namespace

void WriteMarkdown(const Matrix& m, const ToolInfo& tool, std::ostream& out) {
  std::size_t targets = 0;
  for (const auto& col : m.columns) targets += col.cases.empty() ? 0 : 1;
  out << "## ipcconform conformance report\n\n";
  out << fmt::format("{} cases on {} target(s); report by ipcconform {} ({}).\n\n", m.rows.size(), targets,
                     MarkdownEscape(tool.version), MarkdownEscape(tool.commit));
  Problems(m, out);
  if (targets > 0) {
    SummaryTable(m, out);
    CompatTable(m, out);
    DeviationLists(m, out);
  }
  Coverage(m, out);
  Gates(m, out);
  Environments(m, out);
}

}  // namespace ipcc
