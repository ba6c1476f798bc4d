// The supervisor's answers when things go wrong (no record, namespaces refused) and the runner's
// end-of-run leak check finding what outlived a run.
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <initializer_list>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/fingerprint.h"
#include "harness/caselib/state.h"
#include "harness/caselib/supervisor.h"
#include "harness/program/recorder.h"
#include "harness/tests/tool_util.h"

namespace {

using namespace ipcc;
using ipcc::testutil::DropEffectiveCapabilities;
using nlohmann::json;
using std::chrono::milliseconds;

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResetState();
    temp_base_ = testutil::FreshDir("supervisor");
    std::filesystem::create_directories(temp_base_);
  }
  void TearDown() override {
    std::filesystem::remove_all(temp_base_);
    ResetState();
  }
  // Runs fn in a child; its failed expectations fail this test with their messages.
  void InChild(const std::function<void()>& fn) {
    const int status = RunInChild(fn, std::chrono::seconds(20));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << status << ": " << LogText();
  }
  std::string temp_base_;
};

TEST(ParseCaseRecord, ASupervisorWithoutARecordIsAnErrorSayingHowItEnded) {
  const json unstarted = ParseCaseRecord("", -1, 0);
  EXPECT_EQ(unstarted["outcome"], "ERROR");
  EXPECT_EQ(unstarted["message"], "could not start the case supervisor");
  EXPECT_EQ(unstarted["isolation"], "unknown");

  const json killed = ParseCaseRecord("{\"outcome\": \"PA", 1234, SIGKILL);
  EXPECT_EQ(killed["outcome"], "ERROR");
  EXPECT_EQ(killed["message"], "the case supervisor sent no record (killed by SIGKILL)");

  const json no_outcome = ParseCaseRecord("{\"message\": \"x\"}", 1234, 0);
  EXPECT_EQ(no_outcome["outcome"], "ERROR");
  EXPECT_EQ(no_outcome["message"], "the case supervisor sent no record (exited with status 0)");

  const json fine = ParseCaseRecord("{\"outcome\": \"PASS\", \"message\": \"\"}\n", 1234, 0);
  EXPECT_EQ(fine, json({{"outcome", "PASS"}, {"message", ""}}));
}

TEST_F(SupervisorTest, ProbeWithoutCapSysAdminReportsNoNamespacesAndWhy) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to take CAP_SYS_ADMIN away";
  EXPECT_EQ(ProbeIsolation(IsolationMode::process_group).reason, "process-group isolation requested");
  InChild([] {
    ASSERT_TRUE(DropEffectiveCapabilities({CAP_SYS_ADMIN}));
    const IsolationSupport automatic = ProbeIsolation(IsolationMode::automatic);
    EXPECT_FALSE(automatic.namespaces);
    EXPECT_EQ(automatic.reason, "the system refuses to create IPC/mount/PID namespaces");
    const IsolationSupport required = ProbeIsolation(IsolationMode::namespaces);
    EXPECT_FALSE(required.namespaces);
    EXPECT_EQ(required.reason, "the system refuses to create IPC/mount/PID namespaces (namespaces were required)");
  });
}

// A process started for the test with IPCCONFORM_RUN_ID in its environment, as a case's would be.
Child StartTagged(const std::string& run_id) {
  const std::string tag = "IPCCONFORM_RUN_ID=" + run_id;
  Child c = Fork([&] {
    char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("60"), nullptr};
    char* envp[] = {const_cast<char*>(tag.c_str()), nullptr};
    execve("/bin/sleep", argv, envp);
    _exit(127);
  });
  // Its environment is the new one only once it has exec'd.
  for (int i = 0; i < 500 && ReadSmallFile(fmt::format("/proc/{}/comm", c.pid())) != "sleep"; ++i) usleep(2000);
  return c;
}

TEST_F(SupervisorTest, TheLeakCheckFindsAndEndsProcessesOfTheRunAndSeesItsTempFolder) {
  const std::string run_id = fmt::format("supervisor-test-{}", getpid());
  Child ours = StartTagged(run_id);
  Child other_run = StartTagged(run_id + "0");  // a run whose id only starts like ours
  const std::vector<std::string> leaks = FindRunLeaks(run_id, temp_base_);
  EXPECT_THAT(leaks, ::testing::ElementsAre(fmt::format("process {} (sleep) outlived the run (killed)", ours.pid()),
                                            "the run's temporary folder " + temp_base_ + " was not removed"));
  const int status = ours.Wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the leaked process is ended";
  EXPECT_EQ(other_run.TryWait(milliseconds(0)), std::nullopt) << "another run's process is left alone";
}

TEST_F(SupervisorTest, TheLeakCheckSeesAMountBelowTheTempFolder) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount";
  const std::string temp_base = temp_base_;
  constexpr int kNoMountNamespace = 77;
  const int status = RunInChild([&] {
    // In a private mount namespace of this child only: the host's mounts are not touched.
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      _exit(kNoMountNamespace);
    }
    const std::string below = temp_base + "/mnt";
    std::filesystem::create_directories(below);
    ASSERT_EQ(mount("ipcconform-test", below.c_str(), "tmpfs", 0, nullptr), 0);
    const std::vector<std::string> leaks = FindRunLeaks("no-such-run", temp_base);
    EXPECT_THAT(leaks, ::testing::Contains("a mount below " + temp_base + " outlived the run"));
    umount(below.c_str());
  });
  if (WIFEXITED(status) && WEXITSTATUS(status) == kNoMountNamespace) {
    GTEST_SKIP() << "this system refuses a private mount namespace";
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << status << ": " << LogText();
}

}  // namespace
