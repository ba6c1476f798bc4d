#include "reports/ktap.h"

#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "harness/caselib/records.h"
#include "reports/expectations.h"
#include "reports/text.h"

namespace ipcc {
namespace {

using nlohmann::json;

constexpr int kIndent = 2;  // spaces per nesting level (ktap.rst, "Nested tests")

// KTAP's directives (ktap.rst, "Test case result lines"): its own words, though two are spelled as
// outcomes are.
constexpr const char* kDirectiveSkip = "SKIP";
constexpr const char* kDirectiveXfail = "XFAIL";

bool IsOutcome(const std::string& text, Outcome o) {
  return text == OutcomeName(o);
}

// A test description: one line, no '#'.
std::string Name(const std::string& text) {
  std::string out;
  for (char ch : text) out += ch == '#' ? '_' : ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : ch;
  return out;
}

// Directive data: one line; a '#' there is harmless (only the first one separates).
std::string Data(const std::string& text) {
  return Name(FirstLine(text, 200));
}

struct Result {
  bool ok = true;
  bool skipped = false;
  std::string directive;  // "", SKIP, XFAIL, TIMEOUT, ERROR
  std::string data;
  std::vector<std::string> diagnostics;
};

// A node of the output tree: a result line, and for parents the subtest lines printed before it.
class Writer {
 public:
  explicit Writer(std::ostream& out) : out_(out) {}

  void Begin(int depth, const std::string& subtest, std::size_t plan) {
    Line(depth, "KTAP version 1");
    if (!subtest.empty()) Line(depth, "# Subtest: " + Name(subtest));
    Line(depth, fmt::format("1..{}", plan));
  }
  void Diagnostic(int depth, const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      Line(depth, line.empty() ? "#" : "# " + line);
    }
  }
  void Emit(int depth, std::size_t number, const std::string& name, const Result& r) {
    for (const auto& d : r.diagnostics) Diagnostic(depth, d);
    std::string line = fmt::format("{} {} {}", r.ok ? "ok" : "not ok", number, Name(name));
    if (!r.directive.empty() || !r.data.empty()) {
      line += " #";
      if (!r.directive.empty()) line += " " + r.directive;
      if (!r.data.empty()) line += " " + r.data;
    }
    Line(depth, line);
  }

 private:
  void Line(int depth, const std::string& text) {
    out_ << std::string(static_cast<std::size_t>(depth * kIndent), ' ') << text << '\n';
  }
  std::ostream& out_;
};

Result CaseResult(const json& c) {
  const std::string o = OutcomeOf(c);
  const std::string v = VerdictOf(c);
  const std::string message = MessageOf(c);
  Result r;
  if (v == VerdictName(Verdict::expected_deviation)) {
    r.directive = kDirectiveXfail;
    r.data = Data(fmt::format("{}: {}", o, ExpectationReasonOf(c)));
    if (!message.empty()) r.diagnostics.push_back(message);
  } else if (IsOutcome(o, Outcome::kPass)) {
    if (v == VerdictName(Verdict::unexpected_pass)) {
      r.diagnostics.push_back(
          fmt::format("unexpected pass: expected {} ({})", TextField(c, "expected", "?"), ExpectationReasonOf(c)));
    }
  } else if (IsOutcome(o, Outcome::kSkip) || IsOutcome(o, Outcome::kUnsupported)) {
    r.ok = v != VerdictName(Verdict::regression);
    r.skipped = true;
    r.directive = kDirectiveSkip;
    r.data = Data(IsOutcome(o, Outcome::kSkip) ? message : fmt::format("{}: {}", o, message));
    if (!r.ok) r.diagnostics.push_back(fmt::format("regression: {}, expected {}", o, TextField(c, "expected", "?")));
  } else {
    r.ok = false;
    if (IsOutcome(o, Outcome::kTimeout) || IsOutcome(o, Outcome::kError)) {
      r.directive = o;  // KTAP's TIMEOUT and ERROR directives
      r.data = Data(message);
    }
    // The whole message, unless the directive's one line already says it all.
    if (r.directive.empty() || message.find('\n') != std::string::npos)
      r.diagnostics.push_back(fmt::format("{}: {}", o, message));
  }
  return r;
}

Result ParentResult(const std::vector<Result>& children) {
  Result r;
  bool all_skipped = !children.empty();
  for (const auto& c : children) {
    r.ok = r.ok && c.ok;
    all_skipped = all_skipped && c.skipped;
  }
  if (all_skipped && r.ok) {
    r.skipped = true;
    r.directive = kDirectiveSkip;
    r.data = "every case was skipped";
  }
  return r;
}

Result WriteMechanism(Writer& w, int depth, const Matrix& m, const Column& col, const std::string& mechanism) {
  std::vector<const CaseRow*> rows;
  for (const auto& row : m.rows) {
    if (row.mechanism == mechanism && m.Cell(row, col) != nullptr) rows.push_back(&row);
  }
  w.Begin(depth, mechanism, rows.size());
  std::vector<Result> results;
  for (const auto* row : rows) {
    results.push_back(CaseResult(*m.Cell(*row, col)));
    w.Emit(depth, results.size(), row->id, results.back());
  }
  return ParentResult(results);
}

std::vector<std::string> MechanismsOf(const Matrix& m, const Column& col) {
  std::vector<std::string> out;
  for (const auto& mech : m.Mechanisms()) {
    if (CountColumn(m, col, mech).total > 0) out.push_back(mech);
  }
  return out;
}

Result WriteColumn(Writer& w, int depth, const Matrix& m, const Column& col) {
  const auto mechanisms = MechanismsOf(m, col);
  w.Begin(depth, col.label, mechanisms.size());
  std::vector<Result> results;
  for (const auto& mech : mechanisms) {
    results.push_back(WriteMechanism(w, depth + 1, m, col, mech));
    w.Emit(depth, results.size(), mech, results.back());
  }
  return ParentResult(results);
}

}  // namespace

void WriteKtap(const Matrix& m, const ToolInfo& tool, std::ostream& out) {
  std::vector<const Column*> columns;
  for (const auto& col : m.columns) {
    if (!col.cases.empty()) columns.push_back(&col);
  }
  Writer w(out);
  if (columns.size() == 1) {
    const Column& col = *columns.front();
    const auto mechanisms = MechanismsOf(m, col);
    w.Begin(0, "", mechanisms.size());
    w.Diagnostic(0, fmt::format("ipcconform {} ({}): {}", tool.version, tool.commit, col.label));
    for (const auto& p : m.problems) w.Diagnostic(0, "input problem: " + p);
    std::size_t n = 0;
    for (const auto& mech : mechanisms) w.Emit(0, ++n, mech, WriteMechanism(w, 1, m, col, mech));
    return;
  }
  w.Begin(0, "", columns.size());
  w.Diagnostic(0, fmt::format("ipcconform {} ({}): {} targets", tool.version, tool.commit, columns.size()));
  for (const auto& p : m.problems) w.Diagnostic(0, "input problem: " + p);
  std::size_t n = 0;
  for (const auto* col : columns) w.Emit(0, ++n, col->label, WriteColumn(w, 1, m, *col));
}

}  // namespace ipcc
