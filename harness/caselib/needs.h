// What a case needs from the system, declared as data in its metadata (docs/verdicts.md):
//
//   IPC_CASE(posix_mq, limits, msg_max_caps_mq_maxmsg, ...,
//            .needs = need::Feature("posix_mq") | need::WritableSysctl("/proc/sys/fs/mqueue/msg_max")) {
//
// The runner checks each need before the case starts (the sysctl ones in the case's own namespaces,
// just before its body) and, when one is unmet, records the case as SKIP (this environment cannot
// run it) or UNSUPPORTED (the mechanism or kernel feature is absent as a whole, with the probe's
// evidence) without running it. A case that uses something it did not declare (an unprivileged
// identity, a sysctl write) is an ERROR, so the declarations stay complete.
#pragma once

#include <linux/capability.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ipcc {

enum class NeedKind {
  kRoot,             // root with its capabilities (CAP_SYS_ADMIN) in the initial user namespace
  kCapability,       // one capability, in the effective set (value = its number)
  kSecondIdentity,   // an unprivileged identity to drop to (permission cases)
  kOwnIpcNamespace,  // runs in IPC, mount and PID namespaces of its own (the supervisor's)
  kFeature,          // a mechanism or kernel feature the runner probes (name = the feature)
  kWritableSysctl,   // a /proc/sys file the case sets, in its own namespace (name = the path)
  kKernelConfig,     // a kernel configuration option (name = CONFIG_...), where the config is readable
  kMinKernel,        // a kernel version (value = major * 1000 + minor), from the page's "since Linux"
  kCpus,             // at least `value` CPUs this process may run on
};

// One requirement. Literal types only, so that the constants below are constant-initialised and can
// be used by the static registrations of any translation unit.
struct Need {
  NeedKind kind = NeedKind::kRoot;
  const char* name = "";
  int value = 0;

  // "root", "capability:CAP_SYS_RESOURCE", "second-identity", "own-ipc-namespace",
  // "feature:posix_mq", "sysctl:/proc/sys/kernel/msgmax", "config:CONFIG_CHECKPOINT_RESTORE",
  // "kernel>=4.17", "cpus>=2"
  std::string Text() const;
  bool operator==(const Need& other) const;
};

// The needs of one case.
class Needs {
 public:
  Needs() = default;
  Needs(const Need& need) : list_{need} {}  // NOLINT(google-explicit-constructor): `.needs = kNeedRoot`
  Needs(std::initializer_list<Need> needs) : list_(needs) {}

  const std::vector<Need>& list() const { return list_; }
  bool empty() const { return list_.empty(); }
  // True when a need of this kind (and, when given, this name) is declared.
  bool Has(NeedKind kind, std::string_view name = {}) const;
  std::vector<std::string> Texts() const;

  friend Needs operator|(Needs a, const Needs& b) {
    for (const Need& n : b.list_) a.list_.push_back(n);
    return a;
  }

 private:
  std::vector<Need> list_;
};

inline Needs operator|(const Need& a, const Need& b) {
  return Needs(a) | Needs(b);
}

inline constexpr Need kNeedRoot{NeedKind::kRoot, "", 0};
inline constexpr Need kNeedSecondUid{NeedKind::kSecondIdentity, "", 0};
inline constexpr Need kNeedIpcNamespace{NeedKind::kOwnIpcNamespace, "", 0};

namespace need {
// `cap_name` is the constant's name, for messages: use IPCC_NEED_CAPABILITY(CAP_SYS_RESOURCE).
constexpr Need Capability(int cap, const char* cap_name) {
  return {NeedKind::kCapability, cap_name, cap};
}
inline constexpr Need kSecondIdentity = kNeedSecondUid;
inline constexpr Need kOwnIpcNamespace = kNeedIpcNamespace;
constexpr Need Feature(const char* feature) {
  return {NeedKind::kFeature, feature, 0};
}
constexpr Need WritableSysctl(const char* path) {
  return {NeedKind::kWritableSysctl, path, 0};
}
constexpr Need KernelConfig(const char* option) {
  return {NeedKind::kKernelConfig, option, 0};
}
constexpr Need MinKernel(int major, int minor) {
  return {NeedKind::kMinKernel, "", major * 1000 + minor};
}
constexpr Need Cpus(int count) {
  return {NeedKind::kCpus, "", count};
}
}  // namespace need

// Problems with a declaration (an unknown feature, a sysctl outside /proc/sys, ...), for the registry.
std::vector<std::string> NeedProblems(const Needs& needs);

}  // namespace ipcc

#define IPCC_NEED_CAPABILITY(cap) ::ipcc::need::Capability((cap), #cap)
