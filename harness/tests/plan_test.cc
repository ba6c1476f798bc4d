// The plan of a run as functions: the arguments a runner started by this one gets, how a run records,
// what a run inside a target is given, and the record of a case.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/records.h"
#include "harness/program/plan.h"
#include "harness/program/recorder.h"
#include "harness/program/targets.h"

namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::IsEmpty;

// A case as the catalogue holds it (this test binary carries no catalogue).
ipcc::CaseInfo SomeCase(std::chrono::milliseconds timeout) {
  ipcc::CaseInfo c;
  c.id = "pipe.write.some_behaviour";
  c.mechanism = "pipe";
  c.interface = "write";
  c.meta.title = "a title";
  c.meta.refs = {"pipe(7)"};
  c.meta.timeout = timeout;
  return c;
}

TEST(Plan, SelectionArgsGiveTheSelectionAndOptionsBackAsTheRunnerTakesThem) {
  ipcc::RunOptions o;
  EXPECT_THAT(ipcc::SelectionArgs(o), IsEmpty());
  o.filters = {"pipe.*", "fifo.open.*"};
  o.mechanisms = {"pipe"};
  o.jobs = 3;
  o.timeout = std::chrono::milliseconds(1500);
  o.isolation = ipcc::IsolationMode::process_group;
  EXPECT_THAT(ipcc::SelectionArgs(o), ElementsAre("-f", "pipe.*", "-f", "fifo.open.*", "-m", "pipe", "--jobs", "3",
                                                  "--timeout", "1.500", "--isolation", "process-group"));
  o = {};
  o.isolation = ipcc::IsolationMode::namespaces;
  EXPECT_THAT(ipcc::SelectionArgs(o), ElementsAre("--isolation", "namespaces"));
}

TEST(Plan, TheExpectationFileIsTheOneNamedNoneOrTheTargetsDefault) {
  ipcc::RunOptions o;
  o.out = "somewhere";
  o.strict = true;
  o.quiet = true;
  o.stream = true;
  ipcc::RecorderOptions r = ipcc::RecordingOf(o, "runsc");
  EXPECT_THAT(r.expect_file, EndsWith("/fixtures/expectations/runsc.txt"));
  EXPECT_EQ(r.out, "somewhere");
  EXPECT_TRUE(r.strict && r.quiet && r.stream);
  EXPECT_EQ(ipcc::RecordingOf(o, "no-such-target").expect_file, "");
  o.expect = "/elsewhere/mine.txt";
  EXPECT_EQ(ipcc::RecordingOf(o, "runsc").expect_file, "/elsewhere/mine.txt");
  o.no_expect = true;
  EXPECT_EQ(ipcc::RecordingOf(o, "runsc").expect_file, "");
}

TEST(Plan, ARunInsideATargetGetsItsArgumentsBudgetAndHeader) {
  ipcc::RunOptions o;
  o.target = "chroot:/srv/bullseye";
  o.filters = {"selftest.empty.*"};
  const ipcc::CaseInfo own = SomeCase(std::chrono::seconds(8));
  const ipcc::CaseInfo other = SomeCase(std::chrono::seconds(4));
  const ipcc::TargetRun run = ipcc::PlanTargetRun(o, ipcc::ParseTarget(o.target), {&own, &other});
  EXPECT_THAT(run.selection_args, ElementsAre("-f", "selftest.empty.*"));
  EXPECT_EQ(run.budget, std::chrono::milliseconds(120000 + 8000 / 4 + 4000 / 4)) << "a quarter of each timeout";
  EXPECT_EQ(run.cases, 2u);
  o.timeout = std::chrono::seconds(2);
  EXPECT_EQ(ipcc::PlanTargetRun(o, ipcc::ParseTarget(o.target), {&own, &other}).budget,
            std::chrono::milliseconds(120000 + 2 * 2000 / 4))
      << "--timeout stands for every case's own";
  EXPECT_THAT(run.recording.expect_file, EndsWith("/fixtures/expectations/chroot-bullseye.txt"));
  EXPECT_EQ(run.header[ipcc::field::kRecord], "header");
  EXPECT_EQ(run.header["target"], "chroot:/srv/bullseye");
  EXPECT_EQ(run.header["expectations"], run.recording.expect_file);
  EXPECT_EQ(run.header["selection"]["filters"], nlohmann::json({"selftest.empty.*"}));
}

TEST(Plan, ACaseRecordCarriesTheCatalogueAndThenTheRunsFields) {
  const nlohmann::json rec =
      ipcc::CaseRecord(SomeCase(std::chrono::seconds(1)),
                       {{ipcc::field::kOutcome, "PASS"}, {ipcc::field::kDurationMs, 1.5}, {"title", "from the run"}});
  EXPECT_EQ(rec[ipcc::field::kRecord], "case");
  EXPECT_EQ(rec[ipcc::field::kId], "pipe.write.some_behaviour");
  EXPECT_EQ(rec["mechanism"], "pipe");
  EXPECT_EQ(rec["interface"], "write");
  EXPECT_EQ(rec["refs"], nlohmann::json({"pipe(7)"}));
  EXPECT_FALSE(rec.contains(ipcc::field::kNeeds)) << "a case without needs has none in its record";
  EXPECT_EQ(rec[ipcc::field::kOutcome], "PASS");
  EXPECT_EQ(rec["title"], "from the run") << "the run's fields come last";
}

}  // namespace
