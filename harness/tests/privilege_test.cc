// The second identity permission cases drop to: who it is, when there is none (and why), and that
// dropping to it is for good. Each situation is made in a forked child (capabilities dropped, a user
// namespace), so this process keeps its own identity.
#include <fcntl.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <initializer_list>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/privilege.h"
#include "harness/caselib/state.h"
#include "harness/tests/tool_util.h"

namespace {

using namespace ipcc;
using ipcc::testutil::DropEffectiveCapabilities;
using ::testing::HasSubstr;

Identity Nobody() {
  const passwd* pw = getpwnam("nobody");
  return pw != nullptr && pw->pw_uid != 0 ? Identity{pw->pw_uid, pw->pw_gid} : Identity{65534, 65534};
}

// What a case body gets from SecondIdentity(): the identity, or a harness error with the reason.
void RequireSecondIdentity(Identity* got) {
  try {
    *got = SecondIdentity();
  } catch (const HarnessError&) {
  }
}

class PrivilegeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || !HasCapability(CAP_SETUID) || !HasCapability(CAP_SETGID)) {
      GTEST_SKIP() << "needs root with CAP_SETUID and CAP_SETGID to make the situations without them";
    }
    ResetState();
  }
  void TearDown() override { ResetState(); }

  // Runs fn in a child; its failed expectations fail this test with their messages.
  void InChild(const std::function<void()>& fn) {
    const int status = RunInChild(fn);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << status << ": " << LogText();
  }
};

TEST_F(PrivilegeTest, RootDropsToNobody) {
  std::string why = "unchanged";
  const auto who = UnprivilegedIdentity(&why);
  ASSERT_TRUE(who.has_value()) << why;
  EXPECT_EQ(who->uid, Nobody().uid);
  EXPECT_EQ(who->gid, Nobody().gid);
  EXPECT_EQ(why, "unchanged") << "no reason is given when there is an identity";
  Identity got{0, 0};
  RequireSecondIdentity(&got);
  EXPECT_EQ(got.uid, Nobody().uid);
  EXPECT_FALSE(::testing::Test::IsSkipped());
}

TEST_F(PrivilegeTest, DroppedPrivilegesCannotBeTakenBack) {
  InChild([] {
    const Identity who = Nobody();
    DropPrivileges(who);
    EXPECT_EQ(getuid(), who.uid);
    EXPECT_EQ(geteuid(), who.uid);
    EXPECT_EQ(getgid(), who.gid);
    EXPECT_EQ(getegid(), who.gid);
    EXPECT_EQ(getgroups(0, nullptr), 0) << "supplementary groups are dropped too";
    EXPECT_FALSE(HasCapability(CAP_SETUID));
    std::string why;
    EXPECT_FALSE(UnprivilegedIdentity(&why).has_value());
    EXPECT_EQ(why, fmt::format("no second identity: running as uid {}, cannot switch to another user", who.uid));
    EXPECT_THROW(DropPrivileges({0, 0}), HarnessError);
    EXPECT_THAT(LogText(), HasSubstr("setgroups: EPERM"));
    EXPECT_EQ(geteuid(), who.uid);
  });
}

TEST_F(PrivilegeTest, RootWithoutSetuidHasNoSecondIdentity) {
  InChild([] {
    ASSERT_TRUE(DropEffectiveCapabilities({CAP_SETUID}));
    EXPECT_FALSE(HasCapability(CAP_SETUID));
    EXPECT_TRUE(HasCapability(CAP_SETGID));
    std::string why;
    EXPECT_FALSE(UnprivilegedIdentity(&why).has_value());
    EXPECT_EQ(why, "no second identity: root here lacks CAP_SETUID/CAP_SETGID (capabilities were dropped)");
    // Group changes still work there; the user change is refused and said so.
    EXPECT_THROW(DropPrivileges(Nobody()), HarnessError);
    EXPECT_THAT(LogText(), HasSubstr(fmt::format("setresuid({}): EPERM", Nobody().uid)));
    EXPECT_EQ(geteuid(), 0u);
  });
}

TEST_F(PrivilegeTest, ADeclaredIdentityThatIsNotThereIsAHarnessErrorWithTheReason) {
  InChild([] {
    ResetState();  // this child is the case process
    ASSERT_TRUE(DropEffectiveCapabilities({CAP_SETUID, CAP_SETGID}));
    bool threw = false;
    try {
      (void)SecondIdentity();
    } catch (const HarnessError&) {
      threw = true;
    }
    EXPECT_TRUE(threw) << "the body does not go on";
    EXPECT_NE(State().marks.load() & kMarkError, 0u);
    EXPECT_EQ(LogText(),
              "[ERROR] set-up: the declared second identity is not there after all: no second identity: root "
              "here lacks CAP_SETUID/CAP_SETGID (capabilities were dropped)");
  });
}

TEST_F(PrivilegeTest, AUserNamespaceMappingOnlyRootHasNoSecondIdentity) {
  constexpr int kNoUserNamespace = 77;
  const int status = RunInChild([] {
    const uid_t uid = geteuid();
    const gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER) != 0) _exit(kNoUserNamespace);
    for (const auto& [file, text] : {std::pair<const char*, std::string>{"/proc/self/setgroups", "deny"},
                                     {"/proc/self/uid_map", fmt::format("0 {} 1", uid)},
                                     {"/proc/self/gid_map", fmt::format("0 {} 1", gid)}}) {
      const int fd = open(file, O_WRONLY);
      ASSERT_GE(fd, 0) << file;
      EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size())) << file;
      close(fd);
    }
    EXPECT_EQ(geteuid(), 0u);
    EXPECT_TRUE(HasCapability(CAP_SETUID)) << "root of its own user namespace";
    std::string why;
    EXPECT_FALSE(UnprivilegedIdentity(&why).has_value());
    EXPECT_EQ(why, fmt::format("no second identity: uid {} / gid {} is not mapped in this user namespace", Nobody().uid,
                               Nobody().gid));
  });
  if (WIFEXITED(status) && WEXITSTATUS(status) == kNoUserNamespace) {
    GTEST_SKIP() << "this system refuses to create a user namespace";
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << status << ": " << LogText();
}

}  // namespace
