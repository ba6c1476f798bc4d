#include "reports/junit.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "harness/caselib/records.h"
#include "reports/expectations.h"
#include "reports/output.h"

namespace ipcc {
namespace {

using nlohmann::json;

enum class Kind { pass, failure, error, skipped };

Kind KindOf(const json& c) {
  const std::string o = OutcomeOf(c);
  const std::string v = VerdictOf(c);
  if (v == VerdictName(Verdict::expected_deviation)) return Kind::skipped;
  if (o == OutcomeName(Outcome::kPass)) return Kind::pass;
  if (o == OutcomeName(Outcome::kFail)) return Kind::failure;
  if (IsFailureOutcome(o)) return Kind::error;
  // UNSUPPORTED where something else was expected
  return v == VerdictName(Verdict::regression) ? Kind::failure : Kind::skipped;
}

// "runsc.fifo", or "runsc@1a2b3c4d.fifo" when the target ran on several machines.
std::string SuitePrefix(const Matrix& m, const Column& col) {
  const auto same = std::count_if(m.columns.begin(), m.columns.end(),
                                  [&](const Column& c) { return !c.cases.empty() && c.target == col.target; });
  return same > 1 ? col.key : col.target;
}

void Property(std::ostream& out, const char* name, const std::string& value) {
  if (!value.empty()) out << fmt::format("        <property name=\"{}\" value=\"{}\"/>\n", name, XmlEscape(value));
}

void WriteCase(std::ostream& out, const std::string& suite, const CaseRow& row, const json& c) {
  const std::string o = OutcomeOf(c);
  const std::string v = VerdictOf(c);
  const std::string message = MessageOf(c);
  const double seconds = NumberField(c, field::kDurationMs) / 1000.0;
  out << fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">\n", XmlEscape(suite),
                     XmlEscape(row.id), seconds);
  out << "      <properties>\n";
  Property(out, field::kId, row.id);
  Property(out, field::kOutcome, o);
  std::string refs;
  for (const auto& r : row.refs) refs += (refs.empty() ? "" : "; ") + r;
  Property(out, "citation", refs);
  Property(out, field::kVerdict, v);
  Property(out, "expectation", TextField(c, "expected", ""));
  if (c.contains("expectation") && c["expectation"].is_object()) {
    Property(out, "expectation.reason", ExpectationReasonOf(c));
    Property(out, "expectation.where", TextField(c["expectation"], "where", ""));
  }
  out << "      </properties>\n";
  const std::string summary = XmlEscape(message.substr(0, 200));
  switch (KindOf(c)) {
    case Kind::pass:
      break;
    case Kind::failure:
      out << fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                         o == OutcomeName(Outcome::kFail)
                             ? summary
                             : XmlEscape(fmt::format("{} (expected {})", o, TextField(c, "expected", "?"))),
                         XmlEscape(o), XmlEscape(message));
      break;
    case Kind::error:
      out << fmt::format("      <error type=\"{}\" message=\"{}\">{}</error>\n", XmlEscape(o), summary,
                         XmlEscape(message));
      break;
    case Kind::skipped:
      if (v == "expected deviation") {
        out << fmt::format("      <skipped message=\"{}\">{}</skipped>\n",
                           XmlEscape(fmt::format("expected deviation ({}): {}", o, ExpectationReasonOf(c))),
                           XmlEscape(message));
      } else {
        out << fmt::format("      <skipped message=\"{}: {}\"/>\n", XmlEscape(o), XmlEscape(message));
      }
      break;
  }
  if (c.contains("output") && c["output"].is_string()) {
    out << fmt::format("      <system-out>{}</system-out>\n", XmlEscape(c["output"].get<std::string>()));
  }
  out << "    </testcase>\n";
}

}  // namespace

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even when escaped.
        if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
          out += fmt::format("\\x{:02x}", ch);
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out;
}

void WriteJUnit(const Matrix& m, std::ostream& out) {
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ipcconform\">\n";
  for (const auto& col : m.columns) {
    for (const auto& mechanism : m.Mechanisms()) {
      std::vector<const CaseRow*> rows;
      int failures = 0;
      int errors = 0;
      int skipped = 0;
      double seconds = 0;
      for (const auto& row : m.rows) {
        const json* c = row.mechanism == mechanism ? m.Cell(row, col) : nullptr;
        if (c == nullptr) continue;
        rows.push_back(&row);
        const Kind k = KindOf(*c);
        failures += k == Kind::failure;
        errors += k == Kind::error;
        skipped += k == Kind::skipped;
        seconds += NumberField(*c, field::kDurationMs) / 1000.0;
      }
      if (rows.empty()) continue;
      const std::string suite = SuitePrefix(m, col) + "." + mechanism;
      out << fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
                         "time=\"{:.3f}\">\n",
                         XmlEscape(suite), rows.size(), failures, errors, skipped, seconds);
      out << "    <properties>\n";
      out << fmt::format("      <property name=\"target\" value=\"{}\"/>\n", XmlEscape(col.label));
      out << fmt::format("      <property name=\"machine\" value=\"{}\"/>\n", XmlEscape(col.machine));
      out << "    </properties>\n";
      for (const auto* row : rows) WriteCase(out, suite, *row, *m.Cell(*row, col));
      out << "  </testsuite>\n";
    }
  }
  out << "</testsuites>\n";
}

void WriteJUnit(const std::vector<RunResults>& runs, std::ostream& out) {
  WriteJUnit(BuildMatrix(runs), out);
}

void WriteJUnitFile(const std::vector<RunResults>& runs, const std::string& path) {
  std::ostringstream text;
  WriteJUnit(runs, text);
  WriteFileAtomically(path, text.str());
}

}  // namespace ipcc
