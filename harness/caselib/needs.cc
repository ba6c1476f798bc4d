#include "harness/caselib/needs.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "harness/caselib/environment.h"

namespace ipcc {

std::string Need::Text() const {
  switch (kind) {
    case NeedKind::kRoot:
      return "root";
    case NeedKind::kCapability:
      return fmt::format("capability:{}", name);
    case NeedKind::kSecondIdentity:
      return "second-identity";
    case NeedKind::kOwnIpcNamespace:
      return "own-ipc-namespace";
    case NeedKind::kFeature:
      return fmt::format("feature:{}", name);
    case NeedKind::kWritableSysctl:
      return fmt::format("sysctl:{}", name);
    case NeedKind::kKernelConfig:
      return fmt::format("config:{}", name);
    case NeedKind::kMinKernel:
      return fmt::format("kernel>={}.{}", value / 1000, value % 1000);
    case NeedKind::kCpus:
      return fmt::format("cpus>={}", value);
  }
  return "unknown";
}

bool Need::operator==(const Need& other) const {
  return kind == other.kind && value == other.value && std::strcmp(name, other.name) == 0;
}

bool Needs::Has(NeedKind kind, std::string_view name) const {
  return std::any_of(list_.begin(), list_.end(),
                     [&](const Need& n) { return n.kind == kind && (name.empty() || name == n.name); });
}

std::vector<std::string> Needs::Texts() const {
  std::vector<std::string> out;
  out.reserve(list_.size());
  for (const Need& n : list_) out.push_back(n.Text());
  return out;
}

std::vector<std::string> NeedProblems(const Needs& needs) {
  std::vector<std::string> problems;
  const auto& known = KnownFeatures();
  for (const Need& n : needs.list()) {
    const std::string_view name = n.name == nullptr ? std::string_view() : std::string_view(n.name);
    switch (n.kind) {
      case NeedKind::kFeature:
        if (std::none_of(known.begin(), known.end(), [&](const FeatureInfo& f) { return f.name == name; })) {
          problems.push_back(fmt::format("needs an unknown feature '{}' (the runner probes: {})", name,
                                         fmt::join(FeatureNames(), ", ")));
        }
        break;
      case NeedKind::kWritableSysctl:
        if (name.rfind("/proc/sys/", 0) != 0 || name.find("..") != std::string_view::npos) {
          problems.push_back(fmt::format("needs a sysctl '{}' that is not a path below /proc/sys/", name));
        }
        break;
      case NeedKind::kKernelConfig:
        if (name.rfind("CONFIG_", 0) != 0)
          problems.push_back(fmt::format("needs a kernel option '{}' not named CONFIG_*", name));
        break;
      case NeedKind::kCapability:
        if (n.value < 0 || n.value > 63 || name.rfind("CAP_", 0) != 0) {
          problems.push_back(fmt::format("needs a capability '{}' ({}) that is not one", name, n.value));
        }
        break;
      case NeedKind::kMinKernel:
        if (n.value < 2000) problems.push_back(fmt::format("needs a kernel version {} that is not one", n.Text()));
        break;
      case NeedKind::kCpus:
        if (n.value < 1) problems.push_back(fmt::format("needs {} CPUs", n.value));
        break;
      case NeedKind::kRoot:
      case NeedKind::kSecondIdentity:
      case NeedKind::kOwnIpcNamespace:
        break;
    }
    if (std::count(needs.list().begin(), needs.list().end(), n) > 1) {
      problems.push_back(fmt::format("declares {} more than once", n.Text()));
    }
  }
  std::sort(problems.begin(), problems.end());
  problems.erase(std::unique(problems.begin(), problems.end()), problems.end());
  return problems;
}

}  // namespace ipcc
