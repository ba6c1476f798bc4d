// The case matrix of the HTML report: nested <details> rows laid out as one CSS grid per row.
#include <fmt/format.h>

#include "harness/caselib/records.h"
#include "reports/expectations.h"
#include "reports/html.h"
#include "reports/text.h"

namespace ipcc::html {
namespace {

using nlohmann::json;

std::vector<const Column*> CaseColumns(const ipcc::Matrix& m) {
  std::vector<const Column*> out;
  for (const auto& c : m.columns) {
    if (!c.cases.empty()) out.push_back(&c);
  }
  return out;
}

std::string Slug(std::string text) {
  for (char& ch : text) {
    if (ch == ' ') ch = '-';
  }
  return text;
}

std::string Cell(const json* c) {
  if (c == nullptr) return "<div class=\"cell o-none\" title=\"not run in this target\">&mdash;</div>";
  const std::string o = OutcomeOf(*c);
  const std::string v = VerdictOf(*c);
  std::string tip = v;
  if (!MessageOf(*c).empty()) tip += ": " + FirstLine(MessageOf(*c), 300);
  return fmt::format("<div class=\"cell o-{0} v-{1}\" title=\"{2}\">{3}{4}</div>", HtmlEscape(Slug(o)),
                     HtmlEscape(Slug(v)), HtmlEscape(tip), HtmlEscape(o),
                     v == "pass" ? std::string() : "<small>" + HtmlEscape(v) + "</small>");
}

std::string Aggregate(const ipcc::Matrix& m, const Column& col, const std::string& mech, const std::string& iface) {
  const Counts n = CountColumn(m, col, mech, iface);
  if (n.total == 0) return "<div class=\"agg\">&mdash;</div>";
  auto count = [&](Verdict verdict) {
    auto it = n.verdicts.find(VerdictName(verdict));
    return it == n.verdicts.end() ? 0 : it->second;
  };
  auto pass = n.outcomes.find(std::string(OutcomeName(Outcome::kPass)));
  std::string text = fmt::format("{}/{} pass", pass == n.outcomes.end() ? 0 : pass->second, n.total);
  if (int r = count(Verdict::regression))
    text += fmt::format(" &middot; <span class=\"reg\">{} regression{}</span>", r, r > 1 ? "s" : "");
  if (int e = count(Verdict::expected_deviation)) text += fmt::format(" &middot; {} expected", e);
  return "<div class=\"agg\">" + text + "</div>";
}

std::string Details(const ipcc::Matrix& m, const CaseRow& row, const std::vector<const Column*>& cols) {
  std::string out = "<div class=\"more\">";
  out += fmt::format("<p><code>{}</code> &middot; {} &middot; <b>{}</b></p>", HtmlEscape(row.id),
                     HtmlEscape(row.cls.empty() ? "class unknown" : row.cls), HtmlEscape(row.title));
  if (!row.statement.empty()) out += "<p class=\"statement\">&ldquo;" + HtmlEscape(row.statement) + "&rdquo;</p>";
  if (!row.refs.empty()) {
    out += "<p>Citation: ";
    for (const auto& r : row.refs) out += "<span class=\"ref\">" + HtmlEscape(r) + "</span>";
    out += "</p>";
  }
  out += "<div class=\"per\">";
  for (const auto* col : cols) {
    const json* c = m.Cell(row, *col);
    if (c == nullptr) {
      out += fmt::format("<h4>{} &mdash; not run</h4>", HtmlEscape(col->label));
      continue;
    }
    out += fmt::format("<h4><span class=\"cell o-{}\">&nbsp;{}&nbsp;</span> {} &mdash; {}</h4>",
                       HtmlEscape(Slug(OutcomeOf(*c))), HtmlEscape(OutcomeOf(*c)), HtmlEscape(col->label),
                       HtmlEscape(VerdictOf(*c)));
    if (c->contains("expectation") && (*c)["expectation"].is_object()) {
      out += fmt::format("<p class=\"tiny\">expected {}: {} ({})</p>", HtmlEscape(TextField(*c, "expected", "?")),
                         HtmlEscape(ExpectationReasonOf(*c)), HtmlEscape(TextField((*c)["expectation"], "where", "")));
    }
    if (!MessageOf(*c).empty()) out += "<pre>" + HtmlEscape(MessageOf(*c)) + "</pre>";
    out += fmt::format("<p class=\"tiny\">isolation {} &middot; {:.1f} ms</p>",
                       HtmlEscape(TextField(*c, field::kIsolation, "?")), NumberField(*c, field::kDurationMs));
  }
  return out + "</div></div>";
}

std::string CaseRowHtml(const ipcc::Matrix& m, const CaseRow& row, const std::vector<const Column*>& cols) {
  const auto flags = RowFlags(m, row);
  std::string tags;
  for (const auto& f : flags) tags += (tags.empty() ? "" : " ") + f;
  const std::string prefix = row.mechanism + "." + row.interface + ".";
  const std::string behaviour = row.id.rfind(prefix, 0) == 0 ? row.id.substr(prefix.size()) : row.id;
  std::string out =
      fmt::format("<details class=\"case\" id=\"case-{0}\" data-id=\"{0}\" data-flags=\"{1}\"><summary class=\"row\">"
                  "<div class=\"name\" title=\"{0}\">{2}<small>{3}</small></div>",
                  HtmlEscape(row.id), HtmlEscape(tags), HtmlEscape(behaviour), HtmlEscape(row.title));
  for (const auto* col : cols) out += Cell(m.Cell(row, *col));
  const bool everywhere = flags.count("everywhere") != 0;
  out += fmt::format("<div class=\"ev {}\">{}</div></summary>", everywhere ? "yes" : "no",
                     everywhere ? "&#10003; yes" : "no");
  return out + Details(m, row, cols) + "</details>\n";
}

// The summary row of a mechanism (iface empty) or of one of its interfaces.
std::string GroupSummary(const ipcc::Matrix& m, const std::string& mech, const std::string& iface,
                         const std::vector<const Column*>& cols) {
  int cases = 0;
  int everywhere = 0;
  for (const auto& row : m.rows) {
    if (row.mechanism != mech || (!iface.empty() && row.interface != iface)) continue;
    ++cases;
    everywhere += RowFlags(m, row).count("everywhere") != 0;
  }
  std::string out =
      fmt::format("<summary class=\"row\"><div class=\"name\">{} <span class=\"tiny\">({} case{})</span></div>",
                  HtmlEscape(iface.empty() ? mech : iface), cases, cases == 1 ? "" : "s");
  for (const auto* col : cols) out += Aggregate(m, *col, mech, iface);
  return out + fmt::format("<div class=\"ev\">{}/{}</div></summary>\n", everywhere, cases);
}

}  // namespace

std::string Matrix(const ipcc::Matrix& m) {
  const auto cols = CaseColumns(m);
  std::string out = fmt::format("<div class=\"matrix\" id=\"matrix-grid\" style=\"--cols:{}\">\n<div class=\"row "
                                "head\"><div>case</div>",
                                cols.size());
  for (const auto* col : cols) {
    out += fmt::format("<div title=\"{}\">{}<small>{}</small></div>", HtmlEscape(col->key), HtmlEscape(col->label),
                       HtmlEscape(col->key));
  }
  out += "<div>passes everywhere</div></div>\n";
  std::size_t i = 0;
  while (i < m.rows.size()) {
    const std::string mech = m.rows[i].mechanism;
    out += fmt::format("<details class=\"group mech\" open data-mechanism=\"{}\">", HtmlEscape(mech));
    out += GroupSummary(m, mech, "", cols);
    while (i < m.rows.size() && m.rows[i].mechanism == mech) {
      const std::string iface = m.rows[i].interface;
      out += "<details class=\"group iface\">" + GroupSummary(m, mech, iface, cols);
      while (i < m.rows.size() && m.rows[i].mechanism == mech && m.rows[i].interface == iface) {
        out += CaseRowHtml(m, m.rows[i], cols);
        ++i;
      }
      out += "</details>\n";
    }
    out += "</details>\n";
  }
  return out + "<div id=\"none-shown\" hidden>No case matches this filter.</div></div>\n";
}

}  // namespace ipcc::html
