#include "reports/model.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

#include <fmt/format.h>

#include "harness/caselib/records.h"
#include "reports/expectations.h"

namespace ipcc {
namespace {

using nlohmann::json;

bool IsOutcome(const std::string& text, Outcome o) {
  return text == OutcomeName(o);
}

// FNV-1a, 64 bits: stable across machines and runs, which std::hash is not.
std::string ShortHash(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return fmt::format("{:08x}", static_cast<std::uint32_t>(h ^ (h >> 32)));
}

// "Debian GNU/Linux 12 (bookworm)" -> "Debian 12".
std::string ShortDistribution(std::string d) {
  if (auto p = d.find(" ("); p != std::string::npos) d.erase(p);
  if (auto p = d.find(" GNU/Linux"); p != std::string::npos) d.erase(p, 10);
  return d;
}

// What identifies a machine: its kernel, C library and distribution; never its host name (the
// fingerprint has none), user, CPU count or limits, which vary between runs on one machine.
json MachineOf(const json& header) {
  const json fp =
      header.contains("fingerprint") && header["fingerprint"].is_object() ? header["fingerprint"] : json::object();
  return {{"kernel", fp.contains("kernel") ? fp["kernel"] : json()},
          {"libc", fp.contains("libc") ? fp["libc"] : json()},
          {"distribution", fp.contains("distribution") ? fp["distribution"] : json()}};
}

Column NewColumn(const RunResults& run) {
  Column c;
  c.target = TextField(run.header, "target");
  const json machine = MachineOf(run.header);
  if (c.target.empty()) {
    // No header: nothing says where it ran, so it merges with nothing else.
    c.target = "unknown";
    c.machine = ShortHash(run.path);
    c.label = fmt::format("unknown ({})", run.path);
  } else {
    c.machine = ShortHash(machine.dump());
    const std::string release = machine["kernel"].is_object() ? TextField(machine["kernel"], "release") : "";
    c.label = fmt::format(
        "{} @ {} / {}", c.target, release.empty() ? "?" : release,
        ShortDistribution(machine["distribution"].is_string() ? machine["distribution"].get<std::string>() : "?"));
  }
  c.key = c.target + "@" + c.machine;
  return c;
}

CaseRow RowOf(const json& rec, const Statements& statements) {
  CaseRow r;
  r.id = rec[field::kId].get<std::string>();
  const auto dot1 = r.id.find('.');
  const auto dot2 = dot1 == std::string::npos ? dot1 : r.id.find('.', dot1 + 1);
  r.mechanism = TextField(rec, "mechanism");
  if (r.mechanism.empty()) r.mechanism = r.id.substr(0, dot1);
  r.interface = TextField(rec, "interface");
  if (r.interface.empty() && dot2 != std::string::npos) r.interface = r.id.substr(dot1 + 1, dot2 - dot1 - 1);
  if (r.interface.empty()) r.interface = "-";  // an id that names none: grouped on its own
  r.title = TextField(rec, "title");
  r.cls = TextField(rec, "class");
  r.statement = TextField(rec, "statement");
  if (r.statement.empty()) {
    if (auto it = statements.find(r.id); it != statements.end()) r.statement = it->second;
  }
  if (rec.contains("refs") && rec["refs"].is_array()) {
    for (const auto& ref : rec["refs"]) {
      if (ref.is_string()) r.refs.push_back(ref.get<std::string>());
    }
  }
  return r;
}

}  // namespace

std::string TextField(const json& obj, const char* key, const std::string& fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

double NumberField(const json& obj, const char* key) {
  if (!obj.is_object()) return 0.0;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string OutcomeOf(const json& rec) {
  return TextField(rec, field::kOutcome);
}
std::string MessageOf(const json& rec) {
  return TextField(rec, field::kMessage);
}

std::string VerdictOf(const json& rec) {
  std::string v = TextField(rec, field::kVerdict);
  if (!v.empty()) return v;
  const std::string o = OutcomeOf(rec);
  return VerdictName(IsOutcome(o, Outcome::kPass)          ? Verdict::pass
                     : IsOutcome(o, Outcome::kUnsupported) ? Verdict::unsupported
                     : IsOutcome(o, Outcome::kSkip)        ? Verdict::skipped
                                                           : Verdict::regression);
}

std::string ExpectationReasonOf(const json& rec) {
  return rec.contains("expectation") ? TextField(rec["expectation"], "reason") : std::string();
}

bool IsFailureOutcome(const std::string& o) {
  const auto outcome = ParseOutcome(o);
  return outcome && IsBadOutcome(*outcome);
}

const json* Matrix::Cell(const CaseRow& row, const Column& column) const {
  auto it = column.cases.find(row.id);
  return it == column.cases.end() ? nullptr : it->second;
}

std::vector<std::string> Matrix::Mechanisms() const {
  std::vector<std::string> out;
  for (const auto& r : rows) {
    if (out.empty() || out.back() != r.mechanism) out.push_back(r.mechanism);
  }
  return out;
}

Matrix BuildMatrix(const std::vector<RunResults>& runs, const std::vector<std::string>& load_problems,
                   const Statements& statements) {
  Matrix m;
  m.problems = load_problems;
  std::map<std::string, CaseRow> rows;
  std::map<std::string, std::map<std::string, std::string>> source;  // column key -> id -> file
  for (const auto& run : runs) {
    m.problems.insert(m.problems.end(), run.problems.begin(), run.problems.end());
    if (run.header.empty() && run.cases.empty() && run.gates.empty()) continue;
    Column fresh = NewColumn(run);
    auto it = std::find_if(m.columns.begin(), m.columns.end(), [&](const Column& c) { return c.key == fresh.key; });
    Column& col = it != m.columns.end() ? *it : m.columns.emplace_back(std::move(fresh));
    col.runs.push_back(&run);
    for (const auto& rec : run.cases) {
      const std::string id = rec[field::kId].get<std::string>();
      if (auto [prev, inserted] = source[col.key].emplace(id, run.path); !inserted) {
        m.notes.push_back(fmt::format("{}: case {} appears in {} and again in {}; the later record is shown", col.label,
                                      id, prev->second, run.path));
        prev->second = run.path;
      }
      col.cases[id] = &rec;
      rows.try_emplace(id, RowOf(rec, statements));
    }
    for (const auto& g : run.gates) col.gates.push_back(&g);
    if (run.end && run.end->contains("interrupted") && (*run.end)["interrupted"] == true) {
      m.notes.push_back(fmt::format("{}: the run was interrupted; {} case(s) did not run", run.path,
                                    run.end->contains("not_run") ? (*run.end)["not_run"].dump() : "some"));
    }
    if (run.end && run.end->contains("stale_expectations") && (*run.end)["stale_expectations"].is_array()) {
      for (const auto& s : (*run.end)["stale_expectations"]) {
        if (s.is_string()) col.stale.push_back(s.get<std::string>());
      }
    }
  }
  // Two columns of one target whose labels coincide (same kernel release, other build): add the hash.
  std::map<std::string, int> labels;
  for (const auto& c : m.columns) ++labels[c.label];
  for (auto& c : m.columns) {
    if (labels[c.label] > 1) c.label += " [" + c.machine + "]";
  }
  for (auto& [id, row] : rows) m.rows.push_back(std::move(row));
  std::stable_sort(m.rows.begin(), m.rows.end(), [](const CaseRow& a, const CaseRow& b) {
    return std::tie(a.mechanism, a.interface, a.id) < std::tie(b.mechanism, b.interface, b.id);
  });
  return m;
}

Compatibility CompatibilityOf(const Matrix& m, const Column& column, const std::string& mechanism) {
  Compatibility c;
  for (const auto& row : m.rows) {
    if (row.mechanism != mechanism) continue;
    const json* cell = m.Cell(row, column);
    if (cell == nullptr) continue;
    const std::string o = OutcomeOf(*cell);
    if (IsOutcome(o, Outcome::kSkip)) {
      ++c.skipped;
      continue;
    }
    ++c.counted;
    c.pass += IsOutcome(o, Outcome::kPass);
  }
  c.level = c.counted == 0 ? "not run" : c.pass == c.counted ? "full" : c.pass == 0 ? "none" : "partial";
  return c;
}

Counts CountColumn(const Matrix& m, const Column& column, const std::string& mechanism, const std::string& interface) {
  Counts n;
  for (const auto& row : m.rows) {
    if (!mechanism.empty() && row.mechanism != mechanism) continue;
    if (!interface.empty() && row.interface != interface) continue;
    const json* cell = m.Cell(row, column);
    if (cell == nullptr) continue;
    ++n.total;
    ++n.outcomes[OutcomeOf(*cell)];
    ++n.verdicts[VerdictOf(*cell)];
  }
  return n;
}

std::set<std::string> RowFlags(const Matrix& m, const CaseRow& row) {
  std::set<std::string> flags;
  std::set<std::string> outcomes;
  bool missing = false;
  for (const auto& col : m.columns) {
    if (col.cases.empty()) continue;  // a column with no cases at all (a gate-only file) is no target
    const json* cell = m.Cell(row, col);
    if (cell == nullptr) {
      missing = true;
      continue;
    }
    const std::string o = OutcomeOf(*cell);
    const std::string v = VerdictOf(*cell);
    outcomes.insert(o);
    if (!IsOutcome(o, Outcome::kPass)) flags.insert("deviation");
    if (v == VerdictName(Verdict::regression)) flags.insert("regression");
    if (v == VerdictName(Verdict::expected_deviation)) flags.insert("expected");
    if (v == VerdictName(Verdict::unexpected_pass)) flags.insert("unexpected");
  }
  if (outcomes.size() > 1 || (missing && !outcomes.empty())) flags.insert("differs");
  if (!missing && outcomes == std::set<std::string>{std::string(OutcomeName(Outcome::kPass))}) {
    flags.insert("everywhere");
  }
  return flags;
}

Findings CollectFindings(const Matrix& m) {
  Findings f;
  for (const auto& col : m.columns) {
    for (const auto& row : m.rows) {
      const json* c = m.Cell(row, col);
      if (c == nullptr) continue;
      const std::string v = VerdictOf(*c);
      if (v == VerdictName(Verdict::regression))
        f.regressions.push_back({&col, &row, c});
      else if (v == VerdictName(Verdict::expected_deviation))
        f.expected.push_back({&col, &row, c});
      else if (v == VerdictName(Verdict::unexpected_pass))
        f.unexpected_passes.push_back({&col, &row, c});
      else if (!IsOutcome(OutcomeOf(*c), Outcome::kPass))
        f.not_run.push_back({&col, &row, c});
    }
    for (const auto& s : col.stale) f.stale.emplace_back(&col, s);
  }
  return f;
}

std::vector<CoverageRow> CoverageRows(const Matrix& m) {
  std::vector<CoverageRow> rows;
  const json& doc = m.coverage;
  if (!doc.is_object() || !doc.contains("mechanisms") || !doc["mechanisms"].is_array()) return rows;
  auto add = [&](CoverageRow::Level level, const std::string& mechanism, const std::string& page, const json& part) {
    const json totals = part.is_object() ? part.value("totals", json()) : json();
    CoverageRow r;
    r.level = level;
    r.mechanism = mechanism;
    r.page = page;
    r.entries = NumberField(totals, "entries");
    r.covered = NumberField(totals, "covered");
    r.waived = NumberField(totals, "waived");
    r.out_of_scope = NumberField(totals, "out_of_scope");
    r.missing = NumberField(totals, "missing");
    r.covered_percent = NumberField(totals, "covered_percent");
    r.accounted_percent = NumberField(totals, "accounted_percent");
    rows.push_back(r);
  };
  for (const auto& mech : doc["mechanisms"]) {
    if (!mech.is_object()) continue;
    const std::string name = TextField(mech, "mechanism");
    if (mech.contains("pages") && mech["pages"].is_array()) {
      for (const auto& page : mech["pages"]) add(CoverageRow::Level::page, name, TextField(page, "page"), page);
    }
    add(CoverageRow::Level::mechanism, name, "", mech);
  }
  add(CoverageRow::Level::all, "", "", doc);
  return rows;
}

}  // namespace ipcc
