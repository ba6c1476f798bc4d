// `ipcconform soak` driven as a program: stable selections report no change, an alternating case is
// reported with the runs of each outcome, and the stress-ng load is gone when the soak ends.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/tests/tool_util.h"

namespace {

using ::testing::HasSubstr;
using namespace ipcc::testutil;

json LoadSoak(const std::string& dir) {
  std::ifstream in(dir + "/soak.json");
  return json::parse(in, nullptr, false);
}

TEST(Soak, StableSelectionReportsNoChange) {
  const std::string dir = FreshDir("soak-stable");
  ToolResult r = RunTool({"soak", "-n", "3", "-f", "selftest.empty.*", "-f", "selftest.soak.*", "--out", dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 of 3 runs, 2 cases, 0 outcome change(s)"));
  json soak = LoadSoak(dir);
  ASSERT_TRUE(soak.is_object());
  EXPECT_EQ(soak["runs_done"], 3);
  EXPECT_EQ(soak["changed"], 0);
  EXPECT_TRUE(soak["load"].is_null());
  for (const auto& run : soak["runs"]) {
    EXPECT_TRUE(run["complete"].get<bool>()) << run.dump();
    EXPECT_EQ(run["counts"]["PASS"], 2) << run.dump();
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/run-03/results.jsonl"));
  std::filesystem::remove_all(dir);
}

TEST(Soak, AlternatingOutcomeIsReportedAsAChange) {
  const std::string dir = FreshDir("soak-flip");
  std::filesystem::create_directories(dir);
  ToolResult r = RunTool({"soak", "-n", "3", "-f", "selftest.soak.*", "-f", "selftest.empty.*", "--out", dir},
                         {{"IPCCONFORM_SELFTEST_FLIP_FILE", dir + "/counter"}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("CHANGED selftest.soak.alternates_with_counter_file: FAIL in 1 run(s), PASS in 2 run(s)"));
  EXPECT_THAT(r.out, HasSubstr("run 2: "));
  json soak = LoadSoak(dir);
  ASSERT_TRUE(soak.is_object());
  ASSERT_EQ(soak["changed"], 1);
  const json& change = soak["changes"][0];
  EXPECT_EQ(change["id"], "selftest.soak.alternates_with_counter_file");
  EXPECT_EQ(change["outcomes"], json({"PASS", "FAIL", "PASS"}));
  EXPECT_EQ(change["runs_by_outcome"]["FAIL"], json({2}));
  std::filesystem::remove_all(dir);
}

TEST(Soak, LoadRunsBesideTheRunsAndEndsWithThem) {
  const std::string dir = FreshDir("soak-load");
  ToolResult r =
      RunTool({"soak", "-n", "2", "--load", "--load-args", "--cpu 2", "-f", "selftest.empty.*", "--out", dir});
  ASSERT_NE(r.exit_code, 2) << "stress-ng is needed (Debian package stress-ng, ci/deps.sh installs it): " << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("beside `stress-ng --cpu 2`"));
  json soak = LoadSoak(dir);
  ASSERT_TRUE(soak.is_object());
  ASSERT_TRUE(soak["load"].is_array());
  EXPECT_THAT(soak["load"][0].get<std::string>(), HasSubstr("stress-ng"));
  // stress-ng and its workers carry the test's tag too: none may be left.
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
