#include "harness/program/coverage.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "harness/program/usage_error.h"

namespace ipcc {
namespace {

using nlohmann::json;

double Percent(int part, int whole) {
  return whole <= 0 ? 100.0 : 100.0 * part / whole;
}

json CountsJson(const CoverageCounts& c) {
  return {{"entries", c.entries},
          {"covered", c.covered},
          {"waived", c.waived},
          {"out_of_scope", c.out_of_scope},
          {"missing", c.missing},
          {"covered_percent", c.CoveredPercent()},
          {"accounted_percent", c.AccountedPercent()}};
}

CoverageCounts CountsOf(const json& j) {
  CoverageCounts c;
  c.entries = j.at("entries");
  c.covered = j.at("covered");
  c.waived = j.at("waived");
  c.out_of_scope = j.at("out_of_scope");
  c.missing = j.at("missing");
  return c;
}

void Add(CoverageCounts& c, const std::string& state) {
  ++c.entries;
  if (state == "covered") ++c.covered;
  if (state == "waived") ++c.waived;
  if (state == "out-of-scope") ++c.out_of_scope;
  if (state == "missing") ++c.missing;
}

}  // namespace

// A mechanism with no entries has nothing modelled: 0 %, not 100 %.
double CoverageCounts::CoveredPercent() const {
  return entries == 0 ? 0.0 : Percent(covered, entries - out_of_scope);
}

double CoverageCounts::AccountedPercent() const {
  return entries == 0 ? 0.0 : Percent(covered + waived, entries - out_of_scope);
}

json CoverageJson(const spec::Inventory& inventory, const std::vector<CaseInfo>& cases,
                  const std::vector<std::string>& mechanisms) {
  std::map<std::string, std::vector<std::string>> cases_of;  // entry id -> case ids
  for (const auto& c : cases) {
    if (c.meta.hidden) continue;
    for (const auto& cover : c.meta.covers) {
      cases_of[spec::ResolveCover(c.mechanism, c.interface, cover)].push_back(c.id);
    }
  }
  auto wanted = [&](const std::string& mech) {
    return mechanisms.empty() || std::find(mechanisms.begin(), mechanisms.end(), mech) != mechanisms.end();
  };
  // mechanism -> page -> entries, pages in the order the inventory first cites them.
  std::vector<std::string> mech_order;
  std::map<std::string, std::vector<std::string>> page_order;
  std::map<std::pair<std::string, std::string>, json> page_entries;
  json stale = json::array();
  CoverageCounts all;
  std::map<std::string, CoverageCounts> by_mech;
  std::map<std::pair<std::string, std::string>, CoverageCounts> by_page;
  for (const auto& e : inventory.entries) {
    if (!wanted(e.mechanism)) continue;
    const std::string page = e.Page();
    if (by_mech.find(e.mechanism) == by_mech.end()) mech_order.push_back(e.mechanism);
    auto& pages = page_order[e.mechanism];
    if (std::find(pages.begin(), pages.end(), page) == pages.end()) pages.push_back(page);
    const auto found = cases_of.find(e.id);
    const std::vector<std::string> covering = found == cases_of.end() ? std::vector<std::string>{} : found->second;
    const spec::Waiver* w = inventory.FindWaiver(e.id);
    std::string state = !covering.empty() ? "covered"
                        : w == nullptr    ? "missing"
                        : w->out_of_scope ? "out-of-scope"
                                          : "waived";
    json entry = {
        {"id", e.id},       {"kind", e.kind},    {"class", e.cls},
        {"since", e.since}, {"refs", e.refs},    {"text", e.text},
        {"state", state},   {"cases", covering}, {"source", fmt::format("conformance/spec/{}:{}", e.file, e.line)}};
    if (w != nullptr) {
      entry["reason"] = w->reason;
      if (!covering.empty()) {
        stale.push_back(
            {{"id", e.id}, {"waiver", fmt::format("conformance/spec/{}:{}", w->file, w->line)}, {"cases", covering}});
      }
    }
    Add(all, state);
    Add(by_mech[e.mechanism], state);
    Add(by_page[{e.mechanism, page}], state);
    page_entries[{e.mechanism, page}].push_back(std::move(entry));
  }
  // A mechanism with cases and no inventory shows, with nothing covered.
  for (const auto& c : cases) {
    if (!c.meta.hidden && wanted(c.mechanism) && by_mech.find(c.mechanism) == by_mech.end()) {
      by_mech[c.mechanism] = {};
      mech_order.push_back(c.mechanism);
    }
  }
  json mechs = json::array();
  for (const auto& mech : mech_order) {
    json pages = json::array();
    for (const auto& page : page_order[mech]) {
      pages.push_back(
          {{"page", page}, {"totals", CountsJson(by_page[{mech, page}])}, {"entries", page_entries[{mech, page}]}});
    }
    mechs.push_back({{"mechanism", mech}, {"totals", CountsJson(by_mech[mech])}, {"pages", pages}});
  }
  // Covers that name no entry cannot happen in a sound catalogue (the registry refuses them); entries
  // of mechanisms that are not built are simply absent.
  return {
      {"totals", CountsJson(all)}, {"mechanisms", mechs}, {"stale_waivers", stale}, {"problems", inventory.problems}};
}

std::string CoverageTable(const json& coverage) {
  std::string out = fmt::format("{:<34} {:>7} {:>7} {:>6} {:>6} {:>7} {:>8} {:>9}\n", "mechanism / page", "entries",
                                "covered", "waived", "out", "missing", "covered%", "accounted");
  auto line = [&](const std::string& name, const json& t) {
    const CoverageCounts c = CountsOf(t);
    out += fmt::format("{:<34} {:>7} {:>7} {:>6} {:>6} {:>7} {:>7.1f}% {:>8.1f}%\n", name, c.entries, c.covered,
                       c.waived, c.out_of_scope, c.missing, c.CoveredPercent(), c.AccountedPercent());
  };
  for (const auto& m : coverage.at("mechanisms")) {
    for (const auto& p : m.at("pages")) line("  " + p.at("page").get<std::string>(), p.at("totals"));
    line(m.at("mechanism").get<std::string>(), m.at("totals"));
  }
  line("all", coverage.at("totals"));
  out += "(covered% = covered / (entries - out of scope); accounted = covered or waived, of the same)\n";
  return out;
}

std::vector<std::string> CoverageFailures(const json& coverage, const std::string& floors_text,
                                          const std::string& floors_name) {
  std::vector<std::string> failures;
  for (const auto& p : coverage.at("problems")) failures.push_back("inventory: " + p.get<std::string>());
  for (const auto& s : coverage.at("stale_waivers")) {
    failures.push_back(fmt::format("{}: the waiver of {} is stale: covered by {}", s.at("waiver").get<std::string>(),
                                   s.at("id").get<std::string>(), s.at("cases").dump()));
  }
  std::map<std::string, std::pair<double, double>> floors;  // mechanism -> covered%, accounted%
  std::istringstream in(floors_text);
  std::string raw;
  for (int n = 1; std::getline(in, raw); ++n) {
    const auto hash = raw.find('#');
    std::istringstream fields(raw.substr(0, hash));
    std::string mech, extra;
    double covered = 0, accounted = 0;
    if (!(fields >> mech)) continue;
    if (!(fields >> covered >> accounted) || (fields >> extra) || covered < 0 || covered > 100 || accounted < 0 ||
        accounted > 100) {
      throw UsageError(
          fmt::format("{}:{}: want '<mechanism> <covered%> <accounted%>' (0 to 100), got '{}'", floors_name, n, raw));
    }
    if (!floors.emplace(mech, std::make_pair(covered, accounted)).second) {
      throw UsageError(fmt::format("{}:{}: a second floor for {}", floors_name, n, mech));
    }
  }
  for (const auto& m : coverage.at("mechanisms")) {
    const std::string mech = m.at("mechanism");
    const CoverageCounts c = CountsOf(m.at("totals"));
    if (c.entries == 0) {
      failures.push_back(fmt::format("{}: has cases but no inventory entries (conformance/spec/{}.spec)", mech, mech));
      continue;
    }
    const auto it = floors.find(mech);
    const double want_covered = it == floors.end() ? 0 : it->second.first;
    const double want_accounted = it == floors.end() ? 100 : it->second.second;
    // Compared to one decimal place, as the table prints them.
    auto below = [](double got, double want) { return std::round(got * 10) < std::round(want * 10); };
    if (below(c.CoveredPercent(), want_covered)) {
      failures.push_back(fmt::format("{}: {:.1f}% of the entries covered, the floor is {:.1f}%", mech,
                                     c.CoveredPercent(), want_covered));
    }
    if (below(c.AccountedPercent(), want_accounted)) {
      failures.push_back(fmt::format("{}: {:.1f}% of the entries covered or waived ({} missing), the floor is {:.1f}%",
                                     mech, c.AccountedPercent(), c.missing, want_accounted));
    }
  }
  return failures;
}

int RunCoverage(const CoverageOptions& options, std::ostream& out, std::ostream& err) {
  const spec::Inventory& inventory = spec::Built();
  std::set<std::string> known;
  for (const auto& e : inventory.entries) known.insert(e.mechanism);
  for (const auto& c : Registry::All()) known.insert(c.mechanism);
  for (const auto& m : options.mechanisms) {
    if (known.count(m) == 0) {
      throw UsageError(fmt::format("-m {}: no such mechanism in this build", m));
    }
  }
  std::string floors_text;
  if (options.check && !options.floors.empty()) {
    std::ifstream f(options.floors);
    if (!f) throw UsageError(fmt::format("cannot read the floors file {}", options.floors));
    std::ostringstream s;
    s << f.rdbuf();
    floors_text = s.str();
  }
  const json coverage = CoverageJson(inventory, Registry::All(), options.mechanisms);
  if (options.json) {
    out << coverage.dump(2) << "\n";
  } else {
    out << CoverageTable(coverage);
  }
  if (!options.check) return 0;
  const auto failures = CoverageFailures(coverage, floors_text, options.floors);
  for (const auto& f : failures) err << "ipcconform: coverage: " << f << "\n";
  return failures.empty() ? 0 : 1;
}

}  // namespace ipcc
