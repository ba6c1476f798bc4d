// Processes of a case tree: Child's ownership (move, release), signals and stop/continue, what a
// child's exception becomes, and the fixture program found and started as an unrelated process.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/state.h"

namespace {

using namespace ipcc;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

void PauseForever() {
  for (;;) pause();
}

// Sets (or unsets, with nullptr) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

bool Gone(pid_t pid) {
  return kill(pid, 0) == -1 && errno == ESRCH;
}

class ChildTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetState(); }
  void TearDown() override { ResetState(); }
};

TEST_F(ChildTest, StopContinueAndTerminationAreSeenInOrder) {
  Child c = Fork(PauseForever);
  EXPECT_EQ(c.WaitFor(WUNTRACED, milliseconds(20)), std::nullopt) << "nothing happened yet";
  c.Signal(SIGSTOP);
  std::optional<int> stopped = c.WaitFor(WUNTRACED, kDefaultWait);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_TRUE(WIFSTOPPED(*stopped));
  EXPECT_FALSE(c.reaped()) << "a stopped child is still there";
  c.Signal(SIGCONT);
  std::optional<int> continued = c.WaitFor(WCONTINUED, kDefaultWait);
  ASSERT_TRUE(continued.has_value());
  EXPECT_TRUE(WIFCONTINUED(*continued));
  c.Signal(SIGTERM);
  const int status = c.Wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  EXPECT_TRUE(c.reaped());
  EXPECT_EQ(c.WaitFor(WUNTRACED, milliseconds(1)), status) << "a reaped child keeps its status";
  EXPECT_THROW(c.Signal(SIGTERM), HarnessError);
  EXPECT_THAT(LogText(), HasSubstr("cannot signal child " + std::to_string(c.pid()) + ": already gone"));
}

TEST_F(ChildTest, AssigningAnotherChildKillsTheOneOwnedBefore) {
  Child c = Fork(PauseForever);
  const pid_t first = c.pid();
  c = Fork([] {});
  EXPECT_TRUE(Gone(first)) << "the first child was neither killed nor reaped";
  EXPECT_NE(c.pid(), first);
  EXPECT_EQ(c.Wait(), 0);
}

TEST_F(ChildTest, AReleasedChildOutlivesItsOwnerUntilWaitedFor) {
  pid_t pid = -1;
  {
    Child c = Fork(PauseForever);
    pid = c.Release();
    EXPECT_EQ(c.pid(), -1);
  }
  EXPECT_EQ(kill(pid, 0), 0) << "a released child is not killed";
  EXPECT_FALSE(WaitGone(pid, milliseconds(30)));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  EXPECT_TRUE(WaitGone(pid, kDefaultWait));
}

TEST_F(ChildTest, AnExceptionInAChildIsAHarnessErrorWithItsMessage) {
  int status = RunInChild([] { throw std::runtime_error("boom"); });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kChildHarnessErrorExit) << status;
  EXPECT_THAT(LogText(), HasSubstr("] exception in child: boom"));
  status = RunInChild([] { throw 42; });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kChildHarnessErrorExit) << status;
  EXPECT_THAT(LogText(), HasSubstr("] unknown exception in child"));
  EXPECT_NE(State().marks.load() & kMarkError, 0u);
}

TEST_F(ChildTest, OnlyAnUnexplainedExitStatusIsReportedByExpectCleanExit) {
  const int harness_error = RunInChild([] { ThrowHarnessError("recorded by the child"); });
  const int plain_exit = RunInChild([] { _exit(3); });
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(&failures);
    ExpectCleanExit(harness_error, "worker");  // the child recorded its own error
    ExpectCleanExit(plain_exit, "worker");
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_THAT(failures.GetTestPartResult(0).message(),
              HasSubstr("worker: expected a clean exit (status 0), but it exited with status 3"));
}

TEST_F(ChildTest, WaitingWithoutAChildIsAHarnessError) {
  Child none;
  EXPECT_THROW(none.TryWait(milliseconds(10)), HarnessError);
  EXPECT_THAT(LogText(), HasSubstr("waiting for a child that does not exist"));

  // A pid that is no (longer a) child of this process.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  Child stale(pid);
  EXPECT_THROW(stale.TryWait(milliseconds(10)), HarnessError);
  EXPECT_THAT(LogText(), HasSubstr("waitpid(" + std::to_string(pid) + "): ECHILD"));
  stale.Release();  // the pid is not ours to kill
}

TEST_F(ChildTest, TheFixtureIsStartedFromItsPathAndReportsIntoTheCase) {
  const std::string fixture = std::filesystem::path(IPCC_BIN_DIR) / "ipcconform-fixture";
  ScopedEnv env("IPCCONFORM_FIXTURE", fixture.c_str());
  EXPECT_EQ(FixturePath(), fixture);
  Child f = SpawnFixture("fail", {"said by the fixture"});
  const int status = f.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kChildFailedExit) << status;
  EXPECT_THAT(LogText(), HasSubstr("[FAIL in pid " + std::to_string(f.pid()) + "] said by the fixture"));
  EXPECT_EQ(State().first_bad.load(), kMarkFailed);
}

TEST_F(ChildTest, AMissingFixtureIsAHarnessErrorThatSaysWhere) {
  {
    ScopedEnv env("IPCCONFORM_FIXTURE", nullptr);
    // This test binary's folder has no fixture program beside it.
    EXPECT_THROW(FixturePath(), HarnessError);
    EXPECT_THAT(LogText(), HasSubstr("fixture program ipcconform-fixture not found beside "));
  }
  ScopedEnv env("IPCCONFORM_FIXTURE", "/nonexistent/ipcconform-fixture");
  EXPECT_THROW(SpawnFixture("fail", {}), HarnessError);
  EXPECT_THAT(LogText(), HasSubstr("cannot start fixture fail: ENOENT"));
}

}  // namespace
