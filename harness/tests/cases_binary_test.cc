// ipcconform-cases: the catalogue under plain GoogleTest, as a developer runs it by hand.
#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/process.hpp>

#include "harness/tests/tool_util.h"

namespace {

namespace bp = boost::process;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace ipcc::testutil;

struct CasesRun {
  int exit_code = -1;
  std::string output;  // standard output and error
};

CasesRun RunCases(const std::vector<std::string>& args) {
  const std::string binary = std::string(IPCC_BIN_DIR) + "/ipcconform-cases";
  if (access(binary.c_str(), X_OK) != 0) {
    ADD_FAILURE() << binary << " is not built (ninja ipcconform-cases)";
    return {};
  }
  bp::environment env = boost::this_process::environment();
  env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  // This test process's own case state and temp folder are not the run's.
  env.erase("IPCCONFORM_STATE_FD");
  env.erase("IPCCONFORM_TMPDIR");
  bp::ipstream out;
  bp::child c(binary, bp::args = args, (bp::std_out & bp::std_err) > out, env);
  CasesRun r;
  for (std::string line; std::getline(out, line);) r.output += line + "\n";
  c.wait();
  r.exit_code = c.exit_code();
  return r;
}

// The folders the cases binary makes for its cases' files (it removes its own when it ends).
std::set<std::string> ManualTempDirs() {
  std::set<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator("/tmp")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("ipcconform-manual-", 0) == 0) dirs.insert(e.path().string());
  }
  return dirs;
}

TEST(CasesBinary, ListsTheCatalogueWithoutTheSelfTests) {
  CasesRun r = RunCases({"--gtest_list_tests"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> suites;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != ' ') suites.push_back(line);
  }
  EXPECT_THAT(suites, ::testing::Contains("pipe_read."));
  EXPECT_THAT(suites, ::testing::Contains("fifo_io."));
  EXPECT_THAT(r.output, Not(HasSubstr("selftest_")));
}

TEST(CasesBinary, RunsRealCasesAndANamedSelfTestAndRemovesItsTempFolder) {
  const auto before_dirs = ManualTempDirs();
  // The FIFO case makes its node in the binary's temp folder.
  CasesRun r = RunCases({"--gtest_filter=pipe_read.*:fifo_io.fstat_reports_fifo:selftest_empty.passes"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("[       OK ] fifo_io.fstat_reports_fifo"));
  EXPECT_THAT(r.output, HasSubstr("[       OK ] selftest_empty.passes"));
  EXPECT_THAT(r.output, HasSubstr("[  PASSED  ] "));
  EXPECT_THAT(r.output, Not(HasSubstr("FAILED")));
  std::vector<std::string> left;
  for (const auto& d : ManualTempDirs()) {
    if (before_dirs.count(d) == 0) left.push_back(d);
  }
  EXPECT_THAT(left, ::testing::IsEmpty()) << "temp folders left behind";
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

// Failures in other processes of the tree (a forked child, an exec'd fixture) fail the test there too.
TEST(CasesBinary, AFailureInAChildOrFixtureFailsTheTestWithItsMessage) {
  CasesRun child = RunCases({"--gtest_filter=selftest_child.failure_propagates"});
  EXPECT_EQ(child.exit_code, 1) << child.output;
  EXPECT_THAT(child.output, HasSubstr("message from the child"));
  EXPECT_THAT(child.output, HasSubstr("[  FAILED  ] selftest_child.failure_propagates"));

  CasesRun fixture = RunCases({"--gtest_filter=selftest_fixture.failure_propagates"});
  EXPECT_EQ(fixture.exit_code, 1) << fixture.output;
  EXPECT_THAT(fixture.output, HasSubstr("message from the fixture"));
  EXPECT_THAT(fixture.output, Not(HasSubstr("not found beside"))) << "the fixture program is found beside the binary";
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

}  // namespace
