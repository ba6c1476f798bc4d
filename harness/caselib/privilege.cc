#include "harness/caselib/privilege.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include <fmt/format.h>

#include "harness/caselib/child.h"
#include "harness/caselib/environment.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc {
namespace {

// True when the uid 65534-style identity is mapped in this user namespace (always true in the
// initial namespace).
bool IdMapped(const char* file, unsigned id) {
  std::ifstream in(file);
  unsigned inside = 0;
  unsigned outside = 0;
  unsigned count = 0;
  while (in >> inside >> outside >> count) {
    if (id >= inside && id - inside < count) return true;
  }
  return false;
}

}  // namespace

bool HasCapability(int cap) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      const unsigned long long bits = std::stoull(line.substr(7), nullptr, 16);
      return ((bits >> cap) & 1ull) != 0;
    }
  }
  return geteuid() == 0;  // no /proc status: assume root has every capability
}

std::optional<Identity> UnprivilegedIdentity(std::string* why_not) {
  auto fail = [&](std::string why) -> std::optional<Identity> {
    if (why_not != nullptr) *why_not = std::move(why);
    return std::nullopt;
  };
  if (geteuid() != 0) {
    return fail(fmt::format("no second identity: running as uid {}, cannot switch to another user", geteuid()));
  }
  if (!HasCapability(CAP_SETUID) || !HasCapability(CAP_SETGID)) {
    return fail("no second identity: root here lacks CAP_SETUID/CAP_SETGID (capabilities were dropped)");
  }
  Identity who{65534, 65534};
  if (const passwd* pw = getpwnam("nobody"); pw != nullptr && pw->pw_uid != 0) {
    who = {pw->pw_uid, pw->pw_gid};
  }
  if (!IdMapped("/proc/self/uid_map", who.uid) || !IdMapped("/proc/self/gid_map", who.gid)) {
    return fail(
        fmt::format("no second identity: uid {} / gid {} is not mapped in this user namespace", who.uid, who.gid));
  }
  return who;
}

Identity SecondIdentity() {
  RequireDeclared(kNeedSecondUid, "drops to an unprivileged identity");
  std::string why;
  auto who = UnprivilegedIdentity(&why);
  if (!who) ThrowHarnessError("set-up: the declared second identity is not there after all: " + why);
  return *who;
}

void DropPrivileges(const Identity& who) {
  if (setgroups(0, nullptr) != 0) ThrowHarnessError(fmt::format("setgroups: {}", ErrnoName(errno)));
  if (setresgid(who.gid, who.gid, who.gid) != 0) {
    ThrowHarnessError(fmt::format("setresgid({}): {}", who.gid, ErrnoName(errno)));
  }
  if (setresuid(who.uid, who.uid, who.uid) != 0) {
    ThrowHarnessError(fmt::format("setresuid({}): {}", who.uid, ErrnoName(errno)));
  }
}

void RunAs(const Identity& who, const std::string& what, const std::function<void()>& fn) {
  ExpectCleanExit(RunInChild([&] {
                    DropPrivileges(who);
                    fn();
                  }),
                  what);
}

}  // namespace ipcc
