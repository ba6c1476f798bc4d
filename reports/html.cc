#include "reports/html.h"

#include <fmt/format.h>

#include "harness/caselib/records.h"
#include "reports/gate_view.h"
#include "reports/html_assets.h"
#include "reports/text.h"

namespace ipcc {
namespace {

using nlohmann::json;

std::string E(const std::string& s) {
  return HtmlEscape(s);
}

std::vector<const Column*> CaseColumns(const Matrix& m) {
  std::vector<const Column*> out;
  for (const auto& c : m.columns) {
    if (!c.cases.empty()) out.push_back(&c);
  }
  return out;
}

std::string Problems(const Matrix& m) {
  if (m.problems.empty()) return {};
  std::string out =
      fmt::format("<section id=\"problems\" class=\"problems\"><h2>Problems with the input ({})</h2>\n"
                  "<p>The report was built from every good line; these lines or files were left out:</p><ul>\n",
                  m.problems.size());
  for (const auto& p : m.problems) out += "<li><code>" + E(p) + "</code></li>\n";
  return out + "</ul></section>\n";
}

std::string CompatibilitySection(const Matrix& m) {
  const auto cols = CaseColumns(m);
  if (cols.empty()) return {};
  std::string out = "<section id=\"compatibility\"><h2>Compatibility per mechanism</h2>\n<table "
                    "class=\"compat\"><tr><th>mechanism</th>";
  for (const auto* c : cols) out += "<th>" + E(c->label) + "</th>";
  out += "</tr>\n";
  for (const auto& mech : m.Mechanisms()) {
    out += "<tr><td>" + E(mech) + "</td>";
    for (const auto* c : cols) {
      const auto compat = CompatibilityOf(m, *c, mech);
      std::string detail = compat.counted > 0 ? fmt::format(" {}/{}", compat.pass, compat.counted) : "";
      if (compat.skipped > 0) detail += fmt::format(", {} skipped", compat.skipped);
      std::string cls = compat.level == "not run" ? "not-run" : compat.level;
      out += fmt::format("<td class=\"c-{}\">{}<span class=\"tiny\">{}</span></td>", cls, E(compat.level), E(detail));
    }
    out += "</tr>\n";
  }
  return out + "</table>\n<p class=\"tiny\"><b>full</b>: every case that ran passed; <b>none</b>: no case passed; "
               "<b>partial</b>: otherwise. UNSUPPORTED and expected deviations count as not passing; SKIP (the "
               "case "
               "could not run there, for example it needs root) is left out of the count; <b>not run</b>: no case "
               "of the mechanism ran.</p></section>\n";
}

std::string Filters(const Matrix& m) {
  std::map<std::string, int> counts;
  for (const auto& row : m.rows) {
    for (const auto& f : RowFlags(m, row)) ++counts[f];
  }
  const std::pair<const char*, const char*> filters[] = {{"all", "All"},
                                                         {"regression", "Regressions"},
                                                         {"deviation", "Deviations (not PASS)"},
                                                         {"expected", "Expected deviations"},
                                                         {"unexpected", "Unexpected passes"},
                                                         {"differs", "Differs between targets"}};
  std::string out = "<div class=\"filters\" role=\"group\" aria-label=\"filter rows\">";
  for (const auto& [name, label] : filters) {
    const int n = std::string(name) == "all" ? static_cast<int>(m.rows.size()) : counts[name];
    out += fmt::format("<button type=\"button\" data-filter=\"{}\">{} <b>{}</b></button>", name, label, n);
  }
  out += "<span class=\"sep\"></span><button type=\"button\" data-open=\"all\">expand all</button>"
         "<button type=\"button\" data-open=\"none\">collapse all</button></div>\n";
  return out + fmt::format("<p id=\"shown\">{} cases</p>\n", m.rows.size());
}

std::string FindingList(const char* title, const std::vector<Finding>& items, bool reason) {
  if (items.empty()) return {};
  std::string out = fmt::format("<h3>{} ({})</h3><ul>\n", title, items.size());
  for (const auto& f : items) {
    const std::string text = reason ? ExpectationReasonOf(*f.rec) : FirstLine(MessageOf(*f.rec), 300);
    out += fmt::format("<li><b>{}</b> <a href=\"#case-{}\"><code>{}</code></a> {}{}{}</li>\n", E(f.column->label),
                       E(f.row->id), E(f.row->id), E(OutcomeOf(*f.rec)),
                       f.rec->contains("expected") ? " (expected " + E(TextField(*f.rec, "expected", "")) + ")" : "",
                       text.empty() ? "" : ": " + E(text));
  }
  return out + "</ul>\n";
}

std::string Deviations(const Matrix& m) {
  const Findings f = CollectFindings(m);
  std::string out = "<section id=\"deviations\"><h2>Deviations</h2>\n";
  if (f.regressions.empty() && f.expected.empty() && f.unexpected_passes.empty() && f.stale.empty()) {
    out += "<p>None: every case that ran passed, or was not run here.</p>\n";
  }
  out += FindingList("Regressions", f.regressions, false);
  out += FindingList("Expected deviations", f.expected, true);
  out += FindingList("Unexpected passes", f.unexpected_passes, true);
  if (!f.stale.empty()) {
    out += fmt::format("<h3>Stale expectations ({})</h3><ul>\n", f.stale.size());
    for (const auto& [col, text] : f.stale) out += "<li><b>" + E(col->label) + "</b> " + E(text) + "</li>\n";
    out += "</ul>\n";
  }
  out += FindingList("Not run here (UNSUPPORTED, SKIP)", f.not_run, false);
  return out + "</section>\n";
}

std::string Gates(const Matrix& m) {
  std::string out;
  for (const auto& col : m.columns) {
    for (const auto* rec : col.gates) {
      const GateFigures g = GateFiguresOf(*rec);
      out += fmt::format("<h3>{} &mdash; gate {}</h3>\n", E(col.label), E(g.verdict));
      out += fmt::format("<p class=\"tiny\">{} attempt(s); the last: {} of {} rounds contended{}</p>\n", g.attempts,
                         g.contended_rounds, g.rounds, g.reason.empty() ? "" : "; " + E(g.reason));
      if (!g.median_mib_s.empty() || !g.ratios.empty()) out += GateChartSvg(g);
    }
  }
  return out.empty() ? out : "<section id=\"gate\"><h2>Throughput gate</h2>\n" + out + "</section>\n";
}

// Flattens the header of a run into "name -> value" rows.
void Flatten(const std::string& prefix, const json& v, std::map<std::string, std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, item] : v.items()) Flatten(prefix.empty() ? k : prefix + "." + k, item, out);
  } else if (v.is_array()) {
    std::string joined;
    for (const auto& item : v)
      joined += (joined.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
    out[prefix] = joined;
  } else {
    out[prefix] = v.is_string() ? v.get<std::string>() : v.dump();
  }
}

std::string Environments(const Matrix& m) {
  std::vector<std::pair<const Column*, std::map<std::string, std::string>>> runs;
  std::vector<std::string> keys = {"file",
                                   "column",
                                   "target",
                                   "commit",
                                   "version",
                                   "started",
                                   "expectations",
                                   "jobs",
                                   "isolation.namespaces",
                                   "isolation.reason"};
  std::set<std::string> fingerprint_keys;
  for (const auto& col : m.columns) {
    for (const auto* run : col.runs) {
      std::map<std::string, std::string> values;
      for (const char* k : {"target", "commit", "version", "started", "expectations", "jobs", field::kIsolation}) {
        if (run->header.contains(k)) Flatten(k, run->header[k], values);
      }
      if (run->header.contains("fingerprint")) {
        std::map<std::string, std::string> fp;
        Flatten("", run->header["fingerprint"], fp);
        for (auto& [k, v] : fp) {
          fingerprint_keys.insert(k);
          values["fingerprint " + k] = v;
        }
      }
      values["file"] = run->path;
      values["column"] = col.label;
      runs.emplace_back(&col, std::move(values));
    }
  }
  for (const auto& k : fingerprint_keys) keys.push_back("fingerprint " + k);
  std::string out = "<section id=\"environment\"><h2>Environment of each run</h2>\n<table class=\"env\"><tr><th></th>";
  for (std::size_t i = 0; i < runs.size(); ++i) out += fmt::format("<th>run {}</th>", i + 1);
  out += "</tr>\n";
  for (const auto& k : keys) {
    std::set<std::string> distinct;
    for (const auto& r : runs) distinct.insert(r.second.count(k) ? r.second.at(k) : "");
    out += "<tr><th>" + E(k) + "</th>";
    for (const auto& r : runs) {
      auto it = r.second.find(k);
      const bool differs = distinct.size() > 1 && k != "file";
      out += fmt::format("<td{}>{}</td>", differs ? " class=\"diff\"" : "", it == r.second.end() ? "" : E(it->second));
    }
    out += "</tr>\n";
  }
  return out + "</table><p class=\"tiny\">Highlighted: values that differ between runs.</p></section>\n";
}

std::string Notes(const Matrix& m) {
  if (m.notes.empty()) return {};
  std::string out = "<section id=\"notes\"><h2>Notes</h2><ul>\n";
  for (const auto& n : m.notes) out += "<li>" + E(n) + "</li>\n";
  return out + "</ul></section>\n";
}

// The spec coverage of the tool's catalogue, as the Markdown report shows it.
std::string CoverageSection(const Matrix& m) {
  const auto rows = CoverageRows(m);
  if (rows.empty()) return "";
  std::string out =
      "<section id=\"coverage\"><h2>Spec coverage</h2>\n<p class=\"tiny\">Entries of the spec inventory "
      "(conformance/spec/) by the page that documents them: covered by a case, waived (with a reason), out of "
      "scope, or missing. Covered % is of the entries in scope.</p>\n<table class=\"coverage\"><thead><tr>"
      "<th>mechanism</th><th>page</th><th>entries</th><th>covered</th><th>waived</th><th>out of scope</th>"
      "<th>missing</th><th>covered %</th><th>covered or waived %</th></tr></thead><tbody>\n";
  for (const auto& r : rows) {
    const bool total = r.level != CoverageRow::Level::page;
    const std::string mech = r.level == CoverageRow::Level::all ? "all" : r.mechanism;
    const std::string page = r.level == CoverageRow::Level::mechanism ? "all" : r.page;
    out += fmt::format("<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{:.1f}</td><td>{:.1f}</td></tr>\n",
                       total ? " class=\"total\"" : "", E(mech), E(page), r.entries, r.covered, r.waived,
                       r.out_of_scope, r.missing, r.covered_percent, r.accounted_percent);
  }
  return out + "</tbody></table></section>\n";
}

}  // namespace

void WriteHtml(const Matrix& m, const ToolInfo& tool, std::ostream& out) {
  const auto cols = CaseColumns(m);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
         "'unsafe-inline'; "
         "script-src 'unsafe-inline'; img-src data:\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>ipcconform report</title>\n<style>"
      << html::kStyle << "</style></head>\n<body data-filter=\"all\">\n";
  out << "<header><h1>ipcconform conformance report</h1>\n";
  out << fmt::format("<p class=\"meta\">{} cases &middot; {} target(s) &middot; {} problem(s) with the input &middot; "
                     "made by ipcconform {} ({})</p>\n",
                     m.rows.size(), cols.size(), m.problems.size(), E(tool.version), E(tool.commit));
  out << "<nav><a href=\"#compatibility\">compatibility</a><a href=\"#matrix\">matrix</a><a "
         "href=\"#deviations\">deviations</a>"
         "<a href=\"#coverage\">coverage</a><a href=\"#gate\">gate</a><a "
         "href=\"#environment\">environment</a></nav></header>\n<main>\n";
  out << Problems(m) << CompatibilitySection(m);
  out << "<section id=\"matrix\"><h2>Results</h2>\n" << Filters(m);
  out << "<p class=\"legend tiny\">Each cell: outcome, and the verdict against the target's expectations "
         "when it is "
         "not a plain pass. <span class=\"o-PASS\">PASS</span><span class=\"o-FAIL "
         "v-regression\">regression</span>"
         "<span class=\"o-FAIL v-expected-deviation\">expected deviation</span><span class=\"o-PASS "
         "v-unexpected-pass\">"
         "unexpected pass</span><span class=\"o-UNSUPPORTED\">UNSUPPORTED</span><span "
         "class=\"o-SKIP\">SKIP</span> "
         "Click a row for the message, the citation and the statement.</p>\n";
  out << (cols.empty() ? "<p>No case results in the input.</p>\n" : html::Matrix(m)) << "</section>\n";
  out << Deviations(m) << CoverageSection(m) << Gates(m) << Environments(m) << Notes(m);
  out << "</main>\n<script>" << html::kScript << "</script>\n</body></html>\n";
}

}  // namespace ipcc
