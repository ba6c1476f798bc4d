// What this system offers the cases, probed once per run by the runner and recorded in the results
// header with its evidence; and the one place that turns a case's unmet needs into SKIP or
// UNSUPPORTED (docs/verdicts.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/caselib/needs.h"
#include "harness/caselib/privilege.h"
#include "harness/caselib/records.h"
#include "harness/caselib/supervisor.h"

namespace ipcc {

struct CaseInfo;

// A mechanism or kernel feature the runner probes.
struct FeatureInfo {
  std::string_view name;  // "posix_mq"
  std::string_view what;  // "POSIX message queues"
};
const std::vector<FeatureInfo>& KnownFeatures();
std::vector<std::string> FeatureNames();

enum class FeatureState {
  kPresent,  // the probe's call worked (or failed in a way that is for the cases to judge)
  kAbsent,   // absent as a whole (ENOSYS, a kernel built without the option): UNSUPPORTED
  kRefused,  // present, but this environment does not let us use it (EPERM): SKIP
};
std::string_view FeatureStateName(FeatureState s);

struct FeatureResult {
  FeatureState state = FeatureState::kPresent;
  std::string evidence;  // the call made and what it returned
};

struct Environment {
  IsolationSupport isolation;
  std::map<std::string, FeatureResult> features;
  std::string kernel_release;                        // as the (possibly emulated) kernel reports it
  int kernel_version = 0;                            // major * 1000 + minor, 0 when unparsable
  std::map<std::string, std::string> kernel_config;  // CONFIG_X -> y/m/value; empty when unknown
  std::string kernel_config_source;                  // where it was read, "" when unreadable
  int cpus = 1;
  uid_t euid = 0;
  bool sys_admin = false;
  std::optional<Identity> second_identity;
  std::string second_identity_why;  // why there is none
};

// Probes everything the needs refer to (the features in a throw-away child, in a private IPC
// namespace where one can be had). Call from a single-threaded process.
Environment ProbeEnvironment(const IsolationSupport& isolation);
// The header's "features" field: every feature with its state and evidence, plus the facts the
// other needs are judged by.
nlohmann::json EnvironmentJson(const Environment& env);

// "6.1.0-18-amd64" -> 6001; 0 when it does not start with two numbers.
int ParseKernelVersion(std::string_view release);

struct Unmet {
  Outcome outcome = Outcome::kSkip;  // kSkip or kUnsupported; kFail in the case for a documented
                                     // file that is missing (CheckNeedsInCase)
  std::string need;                  // Need::Text()
  std::string reason;                // says what was missing, in words
};

// The first unmet need of a case before it starts, or nullopt when the runner may start it. Features,
// kernel version and configuration are judged first (UNSUPPORTED), then the environment (SKIP).
std::optional<Unmet> CheckNeeds(const Needs& needs, const Environment& env);

// In the case process, in the case's own namespaces, just before the body: the needs that only
// there can be judged (its own IPC namespace; each declared sysctl can be written). A declared sysctl
// that does not exist although the pages document it for this kernel version is a FAIL.
std::optional<Unmet> CheckNeedsInCase(const Needs& needs);

// The case whose body runs in this process (set by CaseTest::SetUp), or nullptr outside a case.
const CaseInfo* CurrentCase();
void SetCurrentCase(const CaseInfo* info);
// A harness ERROR when the current case did not declare `need` but is about to use it (`what`).
void RequireDeclared(const Need& need, std::string_view what);

}  // namespace ipcc
