#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/state.h"

namespace {

using namespace ipcc;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

class StateTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetState(); }
  void TearDown() override { ResetState(); }
};

TEST_F(StateTest, CheckpointsOrderTwoProcesses) {
  Child child = Fork([] {
    CheckpointWait(1);
    CheckpointPost(2);
  });
  EXPECT_EQ(CheckpointValue(2), 0u);
  CheckpointPost(1);
  CheckpointWait(2);
  EXPECT_EQ(child.Wait(), 0);
}

TEST_F(StateTest, CheckpointCountsSeveralPosts) {
  std::vector<Child> children;
  for (int i = 0; i < 4; ++i) children.push_back(Fork([] { CheckpointPost(5); }));
  CheckpointWait(5, 4);
  EXPECT_EQ(CheckpointValue(5), 4u);
}

TEST_F(StateTest, AnExpiredCheckpointIsAHarnessError) {
  EXPECT_THROW(CheckpointWait(7, 1, milliseconds(20)), HarnessError);
  EXPECT_NE(State().marks.load() & kMarkError, 0u);
  EXPECT_THAT(LogText(), HasSubstr("checkpoint 7 not reached"));
}

TEST_F(StateTest, AFailureInAChildIsRecordedWithItsPid) {
  pid_t pid = -1;
  {
    Child child = Fork([] { Record(kMarkFailed, "seen 2, expected 1"); });
    pid = child.pid();
    child.Wait();
  }
  EXPECT_NE(State().marks.load() & kMarkFailed, 0u);
  EXPECT_THAT(LogText(), HasSubstr("[FAIL in pid " + std::to_string(pid) + "] seen 2, expected 1"));
}

TEST_F(StateTest, AChildHarnessErrorExitsWithTheErrorStatus) {
  int status = RunInChild([] { ThrowHarnessError("set-up broke"); });
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kChildHarnessErrorExit);
  EXPECT_NE(State().marks.load() & kMarkError, 0u);
}

TEST_F(StateTest, AChildKilledBySignalIsACrash) {
  int status = RunInChild([] { raise(SIGSEGV); });
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(&failures);
    ExpectCleanExit(status, "worker");
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_THAT(failures.GetTestPartResult(0).message(), HasSubstr("killed by SIGSEGV"));
  EXPECT_NE(State().marks.load() & kMarkCrashed, 0u);
}

TEST_F(StateTest, ChildOutOfScopeIsKilledAndReaped) {
  pid_t pid;
  {
    Child sleeper = Fork([] {
      for (;;) pause();
    });
    pid = sleeper.pid();
  }
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(StateTest, AChildThatNeverEndsFailsTheCase) {
  Child sleeper = Fork([] {
    for (;;) pause();
  });
  EXPECT_THROW(sleeper.Wait(milliseconds(30)), HarnessError);  // the case stops here
  EXPECT_TRUE(sleeper.reaped());
  EXPECT_EQ(State().first_bad.load(), kMarkFailed);
  EXPECT_THAT(LogText(), HasSubstr("was still running"));
}

TEST_F(StateTest, TempPathsAreFreshAndInsideTheTempDir) {
  std::string a = TempPath("x");
  std::string b = TempPath("x");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind(TempDir(), 0), 0u);
}

}  // namespace
