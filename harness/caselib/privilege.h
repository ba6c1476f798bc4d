// Dropping to an unprivileged identity for permission cases.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

namespace ipcc {

struct Identity {
  uid_t uid;
  gid_t gid;
};

// True when the calling process has `cap` (CAP_SETUID, CAP_SYS_ADMIN, ...) in its effective set.
// Root inside a sandbox that dropped capabilities does not.
bool HasCapability(int cap);

// The unprivileged identity cases drop to (the "nobody" user, else 65534), or nullopt with a reason
// when this process cannot switch identity (not root, or a user namespace with a single mapping).
std::optional<Identity> UnprivilegedIdentity(std::string* why_not = nullptr);

// In the calling (child) process: drop supplementary groups, gid and uid to `who`, for good.
// A harness error when the kernel refuses.
void DropPrivileges(const Identity& who);

// In a case body: the identity to drop to. The case must declare kNeedSecondUid (the runner then
// starts it only where there is one); an undeclared use, or none found after all, is a harness ERROR.
Identity SecondIdentity();

// Runs fn in a forked child that has dropped to `who` for good, and expects the child to end cleanly;
// what fn expects fails the case from the child, `what` names the child in a failure.
void RunAs(const Identity& who, const std::string& what, const std::function<void()>& fn);

}  // namespace ipcc
