// The spec inventory's parser and the coverage built on it (harness/caselib/spec.h,
// harness/program/coverage.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/spec.h"
#include "harness/program/coverage.h"
#include "harness/program/usage_error.h"

namespace {

using ipcc::CaseInfo;
using ipcc::spec::Inventory;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr const char* kSpec =
    "# msgop(2)\n"
    "sysv_msg.msgrcv.E2BIG | errno | xsi | - | msgop(2) ERRORS; msgrcv(3posix) ERRORS | the message is longer "
    "than msgsz\n"
    "\n"
    "sysv_msg.msgrcv.MSG_COPY | flag | linux | 3.8 | msgop(2) DESCRIPTION | copies the message at a position\n"
    "sysv_msg.msgctl.MSG_STAT_ANY | flag | linux | 4.17 | msgctl(2) DESCRIPTION | reads any queue's state\n";

Inventory Sample(const std::string& waivers = "") {
  Inventory inv;
  ipcc::spec::Parse("sysv_msg.spec", kSpec, inv);
  if (!waivers.empty()) ipcc::spec::Parse("sysv_msg.waivers", waivers, inv);
  return inv;
}

TEST(Spec, ParsesEntriesWithTheirPageAndLine) {
  Inventory inv = Sample();
  ASSERT_THAT(inv.problems, IsEmpty());
  ASSERT_THAT(inv.entries, SizeIs(3));
  const auto& e = inv.entries[0];
  EXPECT_EQ(e.interface, "msgrcv");
  EXPECT_EQ(e.kind, "errno");
  EXPECT_THAT(e.refs, ElementsAre("msgop(2) ERRORS", "msgrcv(3posix) ERRORS"));
  EXPECT_EQ(e.Page(), "msgop(2)");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(inv.entries[1].since, "3.8");
  EXPECT_EQ(inv.Find("sysv_msg.msgctl.MSG_STAT_ANY"), &inv.entries[2]);
  EXPECT_EQ(inv.Find("sysv_msg.msgctl.EINVAL"), nullptr);
}

TEST(Spec, MalformedLinesAreProblemsNamingFileAndLine) {
  Inventory inv;
  ipcc::spec::Parse("pipe.spec",
                    "pipe.write.EAGAIN | errno | posix | - | write(2) ERRORS\n"  // 5 fields
                    "pipe.write.eagain | errno | posix | - | write(2) ERRORS | full pipe, nonblocking\n"
                    "fifo.open.ENXIO | errno | posix | - | open(2) ERRORS | no reader, nonblocking\n"
                    "pipe.write.EPIPE | errno | sometimes | 2.x | write(2) ERRORS | no reader is left\n"
                    "pipe.write.EINTR | errno | posix | - | nowhere | a signal came first\n"
                    "pipe.pipe7.PIPE_BUF | limit | posix | - | pipe(7) Pipe capacity | atomic writes up to this\n"
                    "pipe.pipe7.PIPE_BUF | limit | posix | - | pipe(7) Pipe capacity | atomic writes up to this\n",
                    inv);
  EXPECT_THAT(inv.problems,
              ElementsAre(HasSubstr("pipe.spec:1: 5 fields"), HasSubstr("pipe.spec:2: errno entry"),
                          HasSubstr("pipe.spec:3: id 'fifo.open.ENXIO'"), HasSubstr("pipe.spec:4: class 'sometimes'"),
                          HasSubstr("pipe.spec:4: since '2.x'"), HasSubstr("pipe.spec:5: refs 'nowhere'"),
                          HasSubstr("pipe.spec:7: 'pipe.pipe7.PIPE_BUF' repeats pipe.spec:6")));
  EXPECT_THAT(inv.entries, SizeIs(1));
}

TEST(Spec, WaiversMustNameAnEntryOnceWithAKindAndAReason) {
  Inventory inv = Sample("sysv_msg.msgrcv.MSG_COPY | waived | needs a kernel built with CONFIG_CHECKPOINT_RESTORE\n"
                         "sysv_msg.msgrcv.MSG_COPY | waived | needs a kernel built with CONFIG_CHECKPOINT_RESTORE\n"
                         "sysv_msg.msgrcv.EFOO | waived | there is no such entry at all\n"
                         "sysv_msg.msgctl.MSG_STAT_ANY | maybe | a kind that does not exist\n"
                         "sysv_msg.msgctl.MSG_STAT_ANY | out-of-scope | short\n");
  EXPECT_THAT(inv.waivers, SizeIs(1));
  EXPECT_THAT(inv.problems, ElementsAre(HasSubstr("sysv_msg.waivers:2: 'sysv_msg.msgrcv.MSG_COPY' is waived already"),
                                        HasSubstr("sysv_msg.waivers:3: 'sysv_msg.msgrcv.EFOO' is not an inventory"),
                                        HasSubstr("sysv_msg.waivers:4: want"), HasSubstr("sysv_msg.waivers:5: want")));
}

TEST(Spec, CoversResolveAgainstTheCasesOwnMechanismAndInterface) {
  EXPECT_EQ(ipcc::spec::ResolveCover("pipe", "write", "EAGAIN"), "pipe.write.EAGAIN");
  EXPECT_EQ(ipcc::spec::ResolveCover("pipe", "write", "pipe7.PIPE_BUF"), "pipe.pipe7.PIPE_BUF");
  EXPECT_EQ(ipcc::spec::ResolveCover("pipe", "write", "fifo.open.ENXIO"), "fifo.open.ENXIO");
}

CaseInfo Case(const std::string& id, std::vector<std::string> covers, bool hidden = false) {
  CaseInfo c;
  c.id = id;
  c.mechanism = "sysv_msg";
  c.interface = "msgrcv";
  c.meta.covers = std::move(covers);
  c.meta.hidden = hidden;
  return c;
}

TEST(Coverage, EveryEntryIsCoveredWaivedOutOfScopeOrMissing) {
  Inventory inv = Sample("sysv_msg.msgrcv.MSG_COPY | waived | needs a kernel built with CONFIG_CHECKPOINT_RESTORE\n");
  auto cov = ipcc::CoverageJson(inv, {Case("sysv_msg.msgrcv.too_long_fails_e2big", {"E2BIG"}),
                                      Case("sysv_msg.msgrcv.selftest", {"msgctl.MSG_STAT_ANY"}, true)});
  EXPECT_EQ(cov["totals"]["entries"], 3);
  EXPECT_EQ(cov["totals"]["covered"], 1);
  EXPECT_EQ(cov["totals"]["waived"], 1);
  EXPECT_EQ(cov["totals"]["missing"], 1);  // a hidden case covers nothing
  ASSERT_THAT(cov["mechanisms"], SizeIs(1));
  const auto& pages = cov["mechanisms"][0]["pages"];
  ASSERT_THAT(pages, SizeIs(2));
  EXPECT_EQ(pages[0]["page"], "msgop(2)");
  EXPECT_EQ(pages[0]["entries"][0]["state"], "covered");
  EXPECT_EQ(pages[0]["entries"][0]["cases"][0], "sysv_msg.msgrcv.too_long_fails_e2big");
  EXPECT_EQ(pages[0]["entries"][1]["state"], "waived");
  EXPECT_EQ(pages[1]["entries"][0]["state"], "missing");
  EXPECT_THAT(cov["stale_waivers"], IsEmpty());
  EXPECT_NEAR(cov["totals"]["covered_percent"].get<double>(), 100.0 / 3, 1e-9);
  EXPECT_NEAR(cov["totals"]["accounted_percent"].get<double>(), 200.0 / 3, 1e-9);
  EXPECT_THAT(ipcc::CoverageTable(cov), HasSubstr("  msgop(2)"));
}

TEST(Coverage, AWaiverOfACoveredEntryIsStaleAndFailsTheCheck) {
  Inventory inv = Sample("sysv_msg.msgrcv.E2BIG | waived | thought impossible without a huge message\n");
  auto cov = ipcc::CoverageJson(inv, {Case("sysv_msg.msgrcv.too_long_fails_e2big", {"E2BIG"})});
  ASSERT_THAT(cov["stale_waivers"], SizeIs(1));
  auto failures = ipcc::CoverageFailures(cov, "sysv_msg 0 0\n", "floors.txt");
  EXPECT_THAT(failures, ElementsAre(HasSubstr("sysv_msg.waivers:1: the waiver of sysv_msg.msgrcv.E2BIG is stale")));
}

TEST(Coverage, FloorsRatchetEachMechanismAndDefaultToEveryEntryAccountedFor) {
  Inventory inv = Sample();
  auto cov = ipcc::CoverageJson(inv, {Case("sysv_msg.msgrcv.too_long_fails_e2big", {"E2BIG"})});
  EXPECT_THAT(ipcc::CoverageFailures(cov, "", ""), ElementsAre(HasSubstr("sysv_msg: 33.3% of the entries covered or "
                                                                         "waived (2 missing), the floor is 100.0%")));
  EXPECT_THAT(ipcc::CoverageFailures(cov, "# ratchet\nsysv_msg 33.3 33.3  # today\n", "f"), IsEmpty());
  EXPECT_THAT(ipcc::CoverageFailures(cov, "sysv_msg 50 0\n", "f"),
              ElementsAre(HasSubstr("sysv_msg: 33.3% of the entries covered, the floor is 50.0%")));
}

TEST(Coverage, AMalformedFloorsFileNamesTheLine) {
  auto cov = ipcc::CoverageJson(Sample(), {});
  EXPECT_THROW(
      {
        try {
          ipcc::CoverageFailures(cov, "pipe 10 10\nsysv_msg ten 10\n", "floors.txt");
        } catch (const ipcc::UsageError& e) {
          EXPECT_THAT(e.what(), HasSubstr("floors.txt:2:"));
          throw;
        }
      },
      ipcc::UsageError);
  EXPECT_THROW(ipcc::CoverageFailures(cov, "pipe 10 10\npipe 20 20\n", "f"), ipcc::UsageError);
  EXPECT_THROW(ipcc::CoverageFailures(cov, "pipe 10 101\n", "f"), ipcc::UsageError);
}

}  // namespace
