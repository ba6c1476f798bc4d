// The one vocabulary of results.jsonl: the outcome of a case and the names of the record fields. The
// supervisor, the runner, the gate's record writer and the reports all use it; docs/verdicts.md is the
// policy that says which outcome a case gets.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace ipcc {

enum class Outcome {
  kPass,         // the system behaved as documented
  kFail,         // the system deviates (also: a mechanism only partly there, a feature older than
                 // the kernel version the target reports that is missing)
  kUnsupported,  // a mechanism or kernel feature absent as a whole, proven by the runner's probe
  kSkip,         // this environment cannot run the case (withheld capability, no second identity, ...)
  kError,        // the harness or a set-up step broke: no verdict
  kTimeout,      // the harness's own deadline was hit
  kCrash,        // a process of the case tree died unexpectedly
};

inline constexpr std::array<Outcome, 7> kAllOutcomes = {Outcome::kPass, Outcome::kFail,  Outcome::kUnsupported,
                                                        Outcome::kSkip, Outcome::kError, Outcome::kTimeout,
                                                        Outcome::kCrash};

constexpr std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kUnsupported:
      return "UNSUPPORTED";
    case Outcome::kSkip:
      return "SKIP";
    case Outcome::kError:
      return "ERROR";
    case Outcome::kTimeout:
      return "TIMEOUT";
    case Outcome::kCrash:
      return "CRASH";
  }
  return "ERROR";
}

// The outcome a record's text names, or nullopt for any other text (a record to refuse).
constexpr std::optional<Outcome> ParseOutcome(std::string_view text) {
  for (Outcome o : kAllOutcomes) {
    if (OutcomeName(o) == text) return o;
  }
  return std::nullopt;
}

// Outcomes that make a run fail when nothing is expected of the target.
constexpr bool IsBadOutcome(Outcome o) {
  return o == Outcome::kFail || o == Outcome::kError || o == Outcome::kTimeout || o == Outcome::kCrash;
}

// Field names of the records (results.jsonl). A header line, one line per case, an end line.
namespace field {
inline constexpr const char* kRecord = "record";  // "header", "resume", "case", "gate", "end"
inline constexpr const char* kId = "id";
inline constexpr const char* kOutcome = "outcome";
inline constexpr const char* kMessage = "message";
inline constexpr const char* kIsolation = "isolation";
inline constexpr const char* kDurationMs = "duration_ms";
inline constexpr const char* kNeeds = "needs";        // a case's requirements, as text
inline constexpr const char* kUnmet = "unmet";        // the requirement that made a case SKIP/UNSUPPORTED
inline constexpr const char* kFeatures = "features";  // header: the runner's feature probes and evidence
inline constexpr const char* kVerdict = "verdict";
}  // namespace field

}  // namespace ipcc
