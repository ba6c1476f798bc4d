#include "reports/expectations.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/caselib/records.h"

namespace ipcc {
namespace {

// The outcomes an entry may expect, in the vocabulary's order. ERROR is not among them: a broken
// harness is a bug to fix, never a known deviation of a target.
std::vector<std::string> ExpectableOutcomes() {
  std::vector<std::string> names;
  for (Outcome o : kAllOutcomes) {
    if (o != Outcome::kError) names.emplace_back(OutcomeName(o));
  }
  return names;
}

const std::vector<std::string> kOutcomes = ExpectableOutcomes();

bool IsOutcome(const std::string& text, Outcome o) {
  return text == OutcomeName(o);
}

std::string Trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// A case id, an id prefix ending in '*', or '*' alone: [a-z0-9_.]+\*?|\*. (Not std::regex, whose
// matcher recurses once per character and overflows the stack on a pattern of some 100,000.)
bool IsPattern(const std::string& p) {
  const std::size_t n = !p.empty() && p.back() == '*' ? p.size() - 1 : p.size();
  if (n == 0) return p == "*";
  for (std::size_t i = 0; i < n; ++i) {
    const char c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  }
  return true;
}

}  // namespace

bool Expectation::Matches(const std::string& id) const {
  if (!pattern.empty() && pattern.back() == '*')
    return id.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return id == pattern;
}

std::size_t Expectation::Specificity() const {
  return pattern.back() == '*' ? pattern.size() - 1 : pattern.size() + 1000;
}

std::vector<Expectation> ParseExpectations(const std::string& text, const std::string& file) {
  std::vector<Expectation> entries;
  std::map<std::string, int> seen;
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    const std::string where = fmt::format("{}:{}", file, number);
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    Expectation e;
    e.file = file;
    e.line = number;
    auto hash = line.find('#');
    if (hash == std::string::npos || Trim(line.substr(hash + 1)).empty()) {
      throw ExpectationError(where + ": the entry has no reason (add '# why the target differs, or a bug link')");
    }
    e.reason = Trim(line.substr(hash + 1));
    // Every matching record carries the reason: a huge one would be copied into each of them.
    if (e.reason.size() > kMaxExpectationReason) {
      throw ExpectationError(fmt::format("{}: the reason is {} characters long; at most {} are allowed (link to a "
                                         "longer explanation)",
                                         where, e.reason.size(), kMaxExpectationReason));
    }
    std::istringstream fields(Trim(line.substr(0, hash)));
    std::string outcomes;
    std::string extra;
    if (!(fields >> e.pattern >> outcomes) || (fields >> extra)) {
      throw ExpectationError(where + ": expected '<case-id or prefix*> <OUTCOME[|OUTCOME...]> # reason'");
    }
    if (!IsPattern(e.pattern)) {
      throw ExpectationError(fmt::format("{}: '{}' is not a case id or an id prefix ending in '*'", where, e.pattern));
    }
    std::size_t pos = 0;
    while (pos <= outcomes.size()) {
      auto bar = outcomes.find('|', pos);
      std::string o = outcomes.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos);
      if (IsOutcome(o, Outcome::kError)) {
        throw ExpectationError(fmt::format("{}: {} cannot be expected: it is a harness failure, a bug to fix", where,
                                           OutcomeName(Outcome::kError)));
      }
      if (std::find(kOutcomes.begin(), kOutcomes.end(), o) == kOutcomes.end()) {
        throw ExpectationError(
            fmt::format("{}: unknown outcome '{}' (one of {})", where, o, fmt::join(kOutcomes, ", ")));
      }
      e.outcomes.insert(o);
      if (bar == std::string::npos) break;
      pos = bar + 1;
    }
    if (auto [it, inserted] = seen.emplace(e.pattern, number); !inserted) {
      throw ExpectationError(fmt::format("{}: '{}' was already given on line {}", where, e.pattern, it->second));
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

std::vector<Expectation> LoadExpectations(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ExpectationError(path + ": cannot open the expectation file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseExpectations(ss.str(), path);
}

std::string VerdictName(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "pass";
    case Verdict::expected_deviation:
      return "expected deviation";
    case Verdict::regression:
      return "regression";
    case Verdict::unexpected_pass:
      return "unexpected pass";
    case Verdict::unsupported:
      return "unsupported";
    case Verdict::skipped:
      return "skipped";
  }
  return "?";
}

CaseVerdict Judge(const std::vector<Expectation>& expectations, const std::string& id, const std::string& outcome) {
  const Expectation* best = nullptr;
  for (const auto& e : expectations) {
    if (e.Matches(id) && (best == nullptr || e.Specificity() > best->Specificity())) best = &e;
  }
  CaseVerdict v;
  v.entry = best;
  if (best == nullptr) {
    if (IsOutcome(outcome, Outcome::kPass))
      v.verdict = Verdict::pass;
    else if (IsOutcome(outcome, Outcome::kUnsupported))
      v.verdict = Verdict::unsupported;
    else if (IsOutcome(outcome, Outcome::kSkip))
      v.verdict = Verdict::skipped;
    else
      v.verdict = Verdict::regression;
    return v;
  }
  if (best->outcomes.count(outcome) != 0) {
    v.verdict = IsOutcome(outcome, Outcome::kPass) ? Verdict::pass : Verdict::expected_deviation;
  } else if (IsOutcome(outcome, Outcome::kPass)) {
    v.verdict = Verdict::unexpected_pass;
  } else if (IsOutcome(outcome, Outcome::kSkip)) {
    v.verdict = Verdict::skipped;  // not run here: says nothing about the deviation
  } else {
    v.verdict = Verdict::regression;
  }
  return v;
}

std::vector<std::string> StaleExpectations(const std::vector<Expectation>& expectations,
                                           const std::vector<nlohmann::json>& case_records,
                                           const std::vector<std::string>& not_run_ids) {
  // Entries that apply to a case this run did not run: not stale, only not tried.
  std::set<const Expectation*> untried;
  for (const auto& id : not_run_ids) {
    const Expectation* entry = Judge(expectations, id, std::string(OutcomeName(Outcome::kFail))).entry;
    if (entry != nullptr) untried.insert(entry);
  }
  std::vector<std::string> stale;
  for (const auto& e : expectations) {
    int matched = 0;
    int held = 0;
    for (const auto& rec : case_records) {
      const std::string id = rec.value(field::kId, "");
      const std::string outcome = rec.value(field::kOutcome, "");
      // Only cases for which this entry is the one that applies.
      CaseVerdict v = Judge(expectations, id, outcome);
      if (v.entry != &e) continue;
      ++matched;
      if (e.outcomes.count(outcome) != 0 || IsOutcome(outcome, Outcome::kSkip)) ++held;
    }
    if (matched == 0) {
      if (untried.count(&e) != 0) continue;
      stale.push_back(fmt::format("{}:{}: '{}' matched no case in this run", e.file, e.line, e.pattern));
    } else if (held == 0) {
      stale.push_back(fmt::format("{}:{}: '{}' no longer holds: none of its {} case(s) came out {}", e.file, e.line,
                                  e.pattern, matched, fmt::join(e.outcomes, "|")));
    }
  }
  return stale;
}

bool VerdictFails(Verdict v, bool strict) {
  return v == Verdict::regression || (strict && v == Verdict::unexpected_pass);
}

}  // namespace ipcc
