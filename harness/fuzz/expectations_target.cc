// Fuzz target: the expectation-file parser (reports/expectations.h) and the verdicts built on it.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "harness/fuzz/fuzz_targets.h"
#include "reports/expectations.h"

namespace ipcc::fuzz {
namespace {

const std::vector<std::string> kAllOutcomes = {"PASS", "FAIL", "UNSUPPORTED", "SKIP", "TIMEOUT", "CRASH", "ERROR"};

bool HasOuterSpace(const std::string& s) {
  const std::string space = " \t\r";
  return !s.empty() && (space.find(s.front()) != std::string::npos || space.find(s.back()) != std::string::npos);
}

// Ids to judge: each pattern as an id, its prefix alone, longer and shorter ids, and some unrelated.
std::vector<std::string> ProbeIds(const std::vector<Expectation>& entries) {
  std::vector<std::string> ids = {"", "a", "pipe.read.eof", "posix_mq.mq_notify.x"};
  for (const auto& e : entries) {
    std::string stem = e.pattern;
    if (!stem.empty() && stem.back() == '*') stem.pop_back();
    ids.push_back(stem);
    ids.push_back(stem + "x");
    ids.push_back(stem + ".y");
    if (!stem.empty()) ids.push_back(stem.substr(0, stem.size() - 1));
  }
  return ids;
}

void CheckJudge(const std::vector<Expectation>& entries, const std::string& id, const std::string& outcome) {
  const CaseVerdict v = Judge(entries, id, outcome);
  const Expectation* best = nullptr;
  for (const auto& e : entries) {
    if (!e.Matches(id)) continue;
    if (best == nullptr || e.Specificity() > best->Specificity()) best = &e;
    if (best != &e) {
      Check(e.Specificity() != best->Specificity(),
            fmt::format("'{}' and '{}' both match '{}' equally", e.pattern, best->pattern, id));
    }
  }
  Check(v.entry == best, fmt::format("Judge('{}') chose '{}', the most specific match is '{}'", id,
                                     v.entry ? v.entry->pattern : "(none)", best ? best->pattern : "(none)"));
  for (const auto& e : entries) {
    if (e.pattern == id && e.pattern.back() != '*') Check(v.entry == &e, "an exact id lost to a prefix: " + id);
  }
  const bool expected = best != nullptr && best->outcomes.count(outcome) != 0;
  switch (v.verdict) {
    case Verdict::pass:
      Check(outcome == "PASS", "verdict pass for outcome " + outcome);
      break;
    case Verdict::expected_deviation:
      Check(expected && outcome != "PASS" && outcome != "ERROR", "expected deviation the entry does not list");
      break;
    case Verdict::unexpected_pass:
      Check(outcome == "PASS" && best != nullptr && !expected, "unexpected pass without an entry against PASS");
      break;
    case Verdict::regression:
      Check(outcome != "PASS" && outcome != "SKIP" && !expected, "regression for an outcome that is fine");
      break;
    case Verdict::unsupported:
      Check(outcome == "UNSUPPORTED" && best == nullptr, "verdict unsupported where an entry applies");
      break;
    case Verdict::skipped:
      Check(outcome == "SKIP", "verdict skipped for outcome " + outcome);
      break;
  }
  Check(!VerdictName(v.verdict).empty() && VerdictName(v.verdict) != "?", "verdict without a name");
  if (outcome == "ERROR") Check(VerdictFails(v.verdict, false), "an ERROR that does not fail the run");
}

}  // namespace

void ExpectationsTarget(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<Expectation> entries;
  try {
    entries = ParseExpectations(text, "fuzz.txt");
  } catch (const ExpectationError& e) {
    Check(std::string(e.what()).rfind("fuzz.txt:", 0) == 0, fmt::format("error without file:line: {}", e.what()));
    return;
  }

  std::set<std::string> patterns;
  int last_line = 0;
  for (const auto& e : entries) {
    Check(!e.pattern.empty(), "an entry with an empty pattern");
    Check(e.pattern.find('*') == std::string::npos || e.pattern.find('*') == e.pattern.size() - 1,
          "'*' inside a pattern: " + e.pattern);
    Check(!e.outcomes.empty(), "an entry without outcomes: " + e.pattern);
    Check(e.outcomes.count("ERROR") == 0, "ERROR accepted as an expected outcome");
    for (const auto& o : e.outcomes) {
      Check(o != "ERROR" && std::find(kAllOutcomes.begin(), kAllOutcomes.end(), o) != kAllOutcomes.end(),
            "unknown outcome accepted: " + o);
    }
    Check(!e.reason.empty() && !HasOuterSpace(e.reason), "reason empty or untrimmed: '" + e.reason + "'");
    Check(e.file == "fuzz.txt" && e.line > last_line, "entries out of line order");
    last_line = e.line;
    Check(patterns.insert(e.pattern).second, "a repeated pattern accepted: " + e.pattern);
  }

  // What was accepted, written out canonically, reads back the same.
  std::string again = "# written again\n";
  for (const auto& e : entries) again += fmt::format("{}  {}  # {}\n", e.pattern, fmt::join(e.outcomes, "|"), e.reason);
  std::vector<Expectation> back;
  try {
    back = ParseExpectations(again, "again.txt");
  } catch (const ExpectationError& e) {
    throw Violation(fmt::format("accepted entries do not read back: {}", e.what()));
  }
  Check(back.size() == entries.size(), "a different number of entries on reading back");
  for (std::size_t i = 0; i < back.size(); ++i) {
    Check(back[i].pattern == entries[i].pattern && back[i].outcomes == entries[i].outcomes &&
              back[i].reason == entries[i].reason && back[i].line == static_cast<int>(i) + 2,
          "entry reads back differently: " + entries[i].pattern);
  }

  // Verdicts, and the stale-entry check over records of the probe ids.
  std::vector<nlohmann::json> records;
  const auto ids = ProbeIds(entries);
  for (std::size_t i = 0; i < ids.size() && i < 64; ++i) {
    for (const auto& outcome : kAllOutcomes) CheckJudge(entries, ids[i], outcome);
    records.push_back({{"record", "case"}, {"id", ids[i]}, {"outcome", kAllOutcomes[i % kAllOutcomes.size()]}});
  }
  const auto stale = StaleExpectations(entries, records);
  Check(stale.size() <= entries.size(), "more stale entries than entries");
  for (const auto& s : stale) Check(s.rfind("fuzz.txt:", 0) == 0, "a stale entry without file:line: " + s);
}

}  // namespace ipcc::fuzz
