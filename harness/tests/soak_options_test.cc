// `ipcconform soak` beyond a full soak: the load tool missing, and a soak interrupted between runs.
#include <signal.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/process.hpp>

#include "harness/tests/tool_util.h"

namespace {

namespace bp = boost::process;
using ::testing::HasSubstr;
using namespace ipcc::testutil;

TEST(SoakOptions, LoadWithoutStressNgIsRefusedBeforeAnyRun) {
  const std::string dir = FreshDir("soak-no-stress");
  bp::environment env = boost::this_process::environment();
  env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  env["PATH"] = "/nonexistent";  // a copy: this process keeps its own
  bp::ipstream out;
  bp::ipstream err;
  bp::child c(std::string(IPCC_BIN_DIR) + "/ipcconform",
              bp::args = {"soak", "-n", "2", "--load", "-f", "selftest.empty.*", "--out", dir}, bp::std_out > out,
              bp::std_err > err, env);
  std::string text;
  for (std::string line; std::getline(out, line);) text += line + "\n";
  std::string errors;
  for (std::string line; std::getline(err, line);) errors += line + "\n";
  c.wait();
  EXPECT_EQ(c.exit_code(), 2) << text << errors;
  EXPECT_EQ(errors, "ipcconform: --load needs stress-ng, which is not installed (Debian package stress-ng; ci/deps.sh "
                    "targets)\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/run-01")) << "no run started";
  std::filesystem::remove_all(dir);
}

// SIGINT after the first run: the run in progress ends cleanly, no further run starts, and soak.json
// says the soak was interrupted; the exit status is a failure.
TEST(SoakOptions, InterruptedSoakStopsAndSaysSo) {
  const std::string dir = FreshDir("soak-interrupt");
  bp::environment env = boost::this_process::environment();
  env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  bp::ipstream out;
  bp::child c(std::string(IPCC_BIN_DIR) + "/ipcconform",
              bp::args = {"soak", "-n", "200", "-f", "selftest.empty.*", "--out", dir}, bp::std_out > out, env);
  std::string text;
  std::string line;
  while (std::getline(out, line)) {
    text += line + "\n";
    if (line.rfind("soak: run  1/200", 0) == 0) break;
  }
  kill(c.id(), SIGINT);
  while (std::getline(out, line)) text += line + "\n";
  c.wait();
  EXPECT_EQ(c.exit_code(), 1) << text;
  std::ifstream in(dir + "/soak.json");
  const json soak = json::parse(in, nullptr, false);
  ASSERT_TRUE(soak.is_object()) << text;
  EXPECT_EQ(soak["interrupted"], true);
  EXPECT_EQ(soak["runs_asked"], 200);
  EXPECT_GE(soak["runs_done"].get<int>(), 1);
  EXPECT_LT(soak["runs_done"].get<int>(), 200);
  EXPECT_THAT(text, HasSubstr(" of 200 runs, 1 cases, "));
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
