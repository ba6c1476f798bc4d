#include "harness/caselib/spec.h"

#include <algorithm>
#include <regex>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace ipcc::spec {
namespace {

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.push_back(Trim(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

struct Sources {
  std::vector<std::pair<std::string, std::string>> files;
};

Sources& TheSources() {
  static Sources sources;
  return sources;
}

void ParseEntry(const std::string& mech, const std::string& where, const std::vector<std::string>& f, Inventory& into,
                int line, const std::string& file) {
  static const std::regex kPart("[A-Za-z0-9_]+");
  static const std::regex kErrno("E[A-Z0-9]+");
  static const std::regex kConst("[A-Z][A-Z0-9_]*");
  static const std::regex kWords("[a-z0-9_]+");
  static const std::regex kSince("\\d+\\.\\d+(\\.\\d+)?");
  static const std::regex kRef("([\\w.]+\\(\\w+\\)|POSIX\\.1).*");
  static const std::set<std::string> kKinds = {"errno", "flag", "limit", "stmt"};
  static const std::set<std::string> kClasses = {"posix", "xsi", "linux", "impl"};
  Entry e;
  e.id = f[0];
  e.kind = f[1];
  e.cls = f[2];
  e.since = f[3];
  e.text = f[5];
  e.file = file;
  e.line = line;
  const auto parts = Split(e.id, '.');
  const size_t problems_before = into.problems.size();
  auto bad = [&](std::string what) { into.problems.push_back(fmt::format("{}: {}", where, what)); };
  if (parts.size() != 3 || parts[0] != mech ||
      !std::all_of(parts.begin(), parts.end(), [](const auto& p) { return std::regex_match(p, kPart); })) {
    bad(fmt::format("id '{}' is not {}.<interface>.<name>", e.id, mech));
  } else {
    e.mechanism = parts[0];
    e.interface = parts[1];
    const std::string& name = parts[2];
    if (e.kind == "errno" && !std::regex_match(name, kErrno))
      bad(fmt::format("errno entry '{}' does not end in an errno name", e.id));
    if ((e.kind == "flag" || e.kind == "limit") && !std::regex_match(name, kConst)) {
      bad(fmt::format("{} entry '{}' does not end in the constant's name", e.kind, e.id));
    }
    if (e.kind == "stmt" && !std::regex_match(name, kWords))
      bad(fmt::format("stmt entry '{}' must end in lower_case_words", e.id));
  }
  if (kKinds.count(e.kind) == 0) bad(fmt::format("kind '{}' is not errno, flag, limit or stmt", e.kind));
  if (kClasses.count(e.cls) == 0) bad(fmt::format("class '{}' is not posix, xsi, linux or impl", e.cls));
  if (e.since != "-" && !std::regex_match(e.since, kSince))
    bad(fmt::format("since '{}' is not '-' or a Linux version", e.since));
  for (auto& r : Split(f[4], ';')) {
    if (!r.empty()) e.refs.push_back(std::move(r));
  }
  if (e.refs.empty() ||
      std::any_of(e.refs.begin(), e.refs.end(), [](const auto& r) { return !std::regex_match(r, kRef); })) {
    bad(fmt::format("refs '{}' must be '<page> <section>' items separated by ';'", f[4]));
  }
  if (e.text.size() < 12) bad("the text says too little");
  if (const Entry* seen = into.Find(e.id)) bad(fmt::format("'{}' repeats {}:{}", e.id, seen->file, seen->line));
  if (into.problems.size() == problems_before) into.entries.push_back(std::move(e));
}

}  // namespace

std::string Entry::Page() const {
  if (refs.empty()) return {};
  return refs.front().substr(0, refs.front().find(' '));
}

const Entry* Inventory::Find(std::string_view id) const {
  for (const auto& e : entries) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

const Waiver* Inventory::FindWaiver(std::string_view id) const {
  for (const auto& w : waivers) {
    if (w.id == id) return &w;
  }
  return nullptr;
}

void Parse(std::string_view name, std::string_view text, Inventory& into) {
  const std::string file(name);
  const auto dot = file.rfind('.');
  const std::string mech = file.substr(0, dot);
  const std::string ext = dot == std::string::npos ? "" : file.substr(dot + 1);
  if (ext != "spec" && ext != "waivers") {
    into.problems.push_back(fmt::format("{}: not a .spec or .waivers file", file));
    return;
  }
  int n = 0;
  for (const auto& raw : Split(text, '\n')) {
    ++n;
    if (raw.empty() || raw.front() == '#') continue;
    const std::string where = fmt::format("{}:{}", file, n);
    const auto f = Split(raw, '|');
    if (ext == "spec") {
      if (f.size() != 6) {
        into.problems.push_back(
            fmt::format("{}: {} fields, want 6 (id | kind | class | since | refs | text)", where, f.size()));
        continue;
      }
      ParseEntry(mech, where, f, into, n, file);
      continue;
    }
    if (f.size() != 3 || (f[1] != "waived" && f[1] != "out-of-scope") || f[2].size() < 12) {
      into.problems.push_back(fmt::format("{}: want '<entry> | waived or out-of-scope | reason'", where));
      continue;
    }
    if (into.Find(f[0]) == nullptr) {
      into.problems.push_back(fmt::format("{}: '{}' is not an inventory entry", where, f[0]));
      continue;
    }
    if (const Waiver* seen = into.FindWaiver(f[0])) {
      into.problems.push_back(fmt::format("{}: '{}' is waived already at {}:{}", where, f[0], seen->file, seen->line));
      continue;
    }
    into.waivers.push_back({f[0], f[1] == "out-of-scope", f[2], file, n});
  }
}

std::string ResolveCover(std::string_view mechanism, std::string_view interface, std::string_view cover) {
  switch (std::count(cover.begin(), cover.end(), '.')) {
    case 0:
      return fmt::format("{}.{}.{}", mechanism, interface, cover);
    case 1:
      return fmt::format("{}.{}", mechanism, cover);
    default:
      return std::string(cover);
  }
}

bool AddSource(const char* name, const char* text) {
  TheSources().files.emplace_back(name, text);
  return true;
}

const Inventory& Built() {
  static const Inventory inventory = [] {
    Inventory inv;
    auto files = TheSources().files;
    // Entries before waivers, and in name order, whatever order static initialisation ran in.
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
      const bool wa = a.first.ends_with(".waivers"), wb = b.first.ends_with(".waivers");
      return wa != wb ? wb : a.first < b.first;
    });
    for (const auto& [name, text] : files) Parse(name, text, inv);
    return inv;
  }();
  return inventory;
}

}  // namespace ipcc::spec
