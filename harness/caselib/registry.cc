#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "harness/caselib/case.h"
#include "harness/caselib/environment.h"
#include "harness/caselib/spec.h"
#include "harness/caselib/state.h"

namespace ipcc {
namespace {

struct Store {
  std::vector<CaseInfo> cases;
  bool sorted = false;
};

Store& TheStore() {
  static Store store;
  return store;
}

// Covers become full entry ids; an empty statement or refs take the entries' text and refs (first the
// case's own refs, then each entry's, without repeats). Unknown covers stay as written, for Check().
void ResolveCovers(CaseInfo& c) {
  std::vector<std::string> refs = c.meta.refs;
  std::string statement;
  for (auto& cover : c.meta.covers) {
    const spec::Entry* e = spec::Built().Find(spec::ResolveCover(c.mechanism, c.interface, cover));
    if (e == nullptr) continue;
    cover = e->id;
    if (!statement.empty()) statement += "; ";
    statement += e->text;
    for (const auto& r : e->refs) {
      if (std::find(refs.begin(), refs.end(), r) == refs.end()) refs.push_back(r);
    }
  }
  if (c.meta.statement.empty()) c.meta.statement = statement;
  c.meta.refs = std::move(refs);
}

}  // namespace

const char* MechanismFeature(std::string_view mechanism) {
  static constexpr std::pair<std::string_view, const char*> kFamilies[] = {
      {"sysv_msg", "sysv_msg"},       {"sysv_sem", "sysv_sem"},   {"sysv_shm", "sysv_shm"},
      {"posix_mq", "posix_mq"},       {"posix_shm", "posix_shm"}, {"unix_socket", "unix_socket"},
      {"namespace", "ipc_namespace"}, {"posix_sem", "posix_sem"}, {"eventfd", "eventfd"},
      {"signalfd", "signalfd"},       {"pidfd", "pidfd"},         {"memfd", "memfd"},
      {"splice", "splice"},           {"futex", "futex"},
  };
  for (const auto& [family, feature] : kFamilies) {
    if (family == mechanism) return feature;
  }
  return nullptr;
}

std::vector<std::string> Registry::Check(const CaseInfo& info) {
  static const std::regex kPart("[a-z][a-z0-9_]*");
  std::vector<std::string> problems;
  auto where = fmt::format("{}:{}: case {}", info.file, info.line, info.id);
  if (!std::regex_match(info.mechanism, kPart) || !std::regex_match(info.interface, kPart) ||
      info.id.size() <= info.mechanism.size() + info.interface.size() + 2) {
    problems.push_back(where + ": id must be <mechanism>.<interface>.<behaviour> in lower snake case");
  } else if (!std::regex_match(info.id.substr(info.mechanism.size() + info.interface.size() + 2), kPart)) {
    problems.push_back(where + ": behaviour part of the id must be lower snake case");
  }
  if (info.meta.title.empty()) problems.push_back(where + ": has no title");
  for (const auto& cover : info.meta.covers) {
    const std::string id = spec::ResolveCover(info.mechanism, info.interface, cover);
    if (spec::Built().Find(id) == nullptr) {
      problems.push_back(fmt::format("{}: covers '{}' ({}), which is not an entry of conformance/spec/{}.spec", where,
                                     cover, id, info.mechanism));
    }
  }
  // A case that names its entries takes its statement and references from them.
  if (info.meta.statement.empty() && info.meta.covers.empty()) problems.push_back(where + ": has no statement");
  if ((info.meta.refs.empty() && info.meta.covers.empty()) ||
      std::any_of(info.meta.refs.begin(), info.meta.refs.end(), [](const auto& r) { return r.empty(); })) {
    problems.push_back(where + ": has no reference (man page section or POSIX clause)");
  }
  if (info.meta.timeout.count() <= 0) problems.push_back(where + ": timeout must be positive");
  for (const auto& p : NeedProblems(info.meta.needs)) problems.push_back(where + ": " + p);
  return problems;
}

bool Registry::Add(std::string_view mechanism, std::string_view interface, std::string_view behaviour, CaseMeta meta,
                   const char* file, int line) {
  Store& store = TheStore();
  CaseInfo info;
  info.id = fmt::format("{}.{}.{}", mechanism, interface, behaviour);
  info.mechanism = mechanism;
  info.interface = interface;
  info.gtest_name = fmt::format("{}_{}.{}", mechanism, interface, behaviour);
  info.meta = std::move(meta);
  // A whole family needs its mechanism: where the runner's probe finds it absent, every case of the
  // family is UNSUPPORTED with that evidence (docs/verdicts.md).
  if (const char* feature = MechanismFeature(mechanism);
      feature != nullptr && !info.meta.needs.Has(NeedKind::kFeature, feature)) {
    info.meta.needs = Needs(need::Feature(feature)) | info.meta.needs;
  }
  info.file = file;
  info.line = line;
  store.cases.push_back(std::move(info));
  store.sorted = false;
  return true;
}

const std::vector<CaseInfo>& Registry::All() {
  Store& store = TheStore();
  if (!store.sorted) {
    std::stable_sort(store.cases.begin(), store.cases.end(),
                     [](const CaseInfo& a, const CaseInfo& b) { return a.id < b.id; });
    for (auto& c : store.cases) ResolveCovers(c);
    store.sorted = true;
  }
  return store.cases;
}

const CaseInfo* Registry::Find(std::string_view id) {
  for (const auto& c : All()) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::vector<std::string> Registry::FindProblems(const std::vector<CaseInfo>& cases) {
  std::vector<std::string> problems;
  std::map<std::string, const CaseInfo*> seen;
  for (const auto& info : cases) {
    for (auto& p : Check(info)) problems.push_back(std::move(p));
    auto [it, inserted] = seen.emplace(info.id, &info);
    if (!inserted) {
      problems.push_back(fmt::format("{}:{}: case {} repeats the id declared at {}:{}", info.file, info.line, info.id,
                                     it->second->file, it->second->line));
    }
  }
  return problems;
}

std::vector<std::string> Registry::Validate() {
  return FindProblems(All());
}

std::string_view ConformanceName(Conformance cls) {
  switch (cls) {
    case Conformance::posix:
      return "posix";
    case Conformance::xsi:
      return "xsi";
    case Conformance::linux_specific:
      return "linux";
    case Conformance::implementation_defined:
      return "implementation-defined";
  }
  return "unknown";
}

const CaseInfo* Registry::FindByTestName(std::string_view gtest_name) {
  for (const auto& c : All()) {
    if (c.gtest_name == gtest_name) return &c;
  }
  return nullptr;
}

void CaseTest::SetUp() {
  // The state is reset by the listener at test start. What is left to do before the body: know which
  // case runs (so undeclared needs can be refused) and judge the needs only the case's own
  // namespaces can answer.
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  const CaseInfo* info =
      t == nullptr ? nullptr : Registry::FindByTestName(std::string(t->test_suite_name()) + "." + t->name());
  SetCurrentCase(info);
  if (info == nullptr) return;
  std::optional<Unmet> unmet;
  if (std::getenv("IPCCONFORM_IN_CASE") == nullptr) {
    // Run by hand (plain GoogleTest, no runner): the runner's checks are made here, once per process.
    static const Environment env = ProbeEnvironment(IsolationSupport{});
    unmet = CheckNeeds(info->meta.needs, env);
  }
  if (!unmet) unmet = CheckNeedsInCase(info->meta.needs);
  if (unmet && unmet->outcome == Outcome::kFail) {
    // A need whose absence is itself a deviation (a documented file missing): the body cannot run.
    GTEST_FAIL() << "[" << unmet->need << "] " << unmet->reason;
  }
  if (unmet) {
    Record(unmet->outcome == Outcome::kUnsupported ? kMarkUnsupported : kMarkSkipped,
           fmt::format("[{}] {}", unmet->need, unmet->reason));
    GTEST_SKIP() << unmet->reason;
  }
}

void CaseTest::TearDown() {
  SharedState& s = State();
  std::uint32_t marks = s.marks.load();
  if ((marks & (kMarkFailed | kMarkError | kMarkCrashed)) != 0 && !HasFailure()) {
    // Another process of the tree failed; make this test fail too, for runs under plain gtest.
    // The messages are already in the shared log, so this failure is not logged again.
    ::testing::Test::RecordProperty("ipcconform_tree_failure", "1");
    GTEST_FAIL_AT(__FILE__, __LINE__) << "another process of the case tree failed:\n" << LogText();
  }
}

}  // namespace ipcc
