// Known deviations of a target, and the verdicts that compare outcomes with them.
//
// File format (diffable text, one entry per line):
//   # comment
//   posix_mq.mq_notify.*        UNSUPPORTED          # gVisor: mq_notify returns ENOSYS
//   sysv_shm.shmctl.shm_lock_sets_mode  FAIL|ERROR   # https://bugs.example/123
// The pattern is a case id, or a prefix ending in '*'. The outcome is one or more of PASS, FAIL,
// UNSUPPORTED, SKIP, TIMEOUT, CRASH joined by '|' (never ERROR: a harness failure is a bug to fix).
// The reason after '#' is required.
#pragma once

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ipcc {

// The longest reason an entry may give (it is copied into every record the entry matches).
inline constexpr std::size_t kMaxExpectationReason = 1000;

struct Expectation {
  std::string pattern;             // "posix_mq.mq_notify.*" or an exact id
  std::set<std::string> outcomes;  // expected outcomes
  std::string reason;
  std::string file;
  int line = 0;

  bool Matches(const std::string& id) const;
  // Longer (more specific) patterns win; an exact id beats any prefix.
  std::size_t Specificity() const;
};

struct ExpectationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses expectation text; throws ExpectationError naming the file and line of the first problem
// (unknown outcome, missing reason, malformed pattern, repeated pattern).
std::vector<Expectation> ParseExpectations(const std::string& text, const std::string& file);
std::vector<Expectation> LoadExpectations(const std::string& path);

enum class Verdict { pass, expected_deviation, regression, unexpected_pass, unsupported, skipped };
std::string VerdictName(Verdict v);

struct CaseVerdict {
  Verdict verdict = Verdict::pass;
  const Expectation* entry = nullptr;  // the entry that applied, if any
};

// The verdict for one outcome of one case.
CaseVerdict Judge(const std::vector<Expectation>& expectations, const std::string& id, const std::string& outcome);

// Entries that are stale after a run: they matched no case that ran, or every case they matched
// came out otherwise than they say. One line each, with file:line and why. `not_run_ids` are the
// cases known to the build that this run did not run (not selected, interrupted): an entry that
// applies to one of them is not stale for matching nothing that ran.
std::vector<std::string> StaleExpectations(const std::vector<Expectation>& expectations,
                                           const std::vector<nlohmann::json>& case_records,
                                           const std::vector<std::string>& not_run_ids = {});

// True when a verdict makes a run fail (regressions always; unexpected passes only when strict).
bool VerdictFails(Verdict v, bool strict);

}  // namespace ipcc
