#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/expectations.h"

namespace {

using namespace ipcc;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string ErrorOf(const std::string& text) {
  try {
    ParseExpectations(text, "runsc.txt");
  } catch (const ExpectationError& e) {
    return e.what();
  }
  return "";
}

TEST(Expectations, ParsesEntriesCommentsAndAlternatives) {
  auto e = ParseExpectations("# gVisor\n"
                             "\n"
                             "posix_mq.mq_notify.*   UNSUPPORTED        # mq_notify returns ENOSYS\n"
                             "sysv_shm.shmctl.shm_lock_sets_mode  FAIL|TIMEOUT  # https://bugs.example/1\n",
                             "runsc.txt");
  ASSERT_THAT(e, SizeIs(2));
  EXPECT_EQ(e[0].pattern, "posix_mq.mq_notify.*");
  EXPECT_THAT(e[0].outcomes, ElementsAre("UNSUPPORTED"));
  EXPECT_EQ(e[0].reason, "mq_notify returns ENOSYS");
  EXPECT_EQ(e[0].line, 3);
  EXPECT_THAT(e[1].outcomes, ElementsAre("FAIL", "TIMEOUT"));
}

TEST(Expectations, AnEntryWithoutReasonIsRefusedWithItsLine) {
  EXPECT_THAT(ErrorOf("# c\nfifo.open.x FAIL\n"), HasSubstr("runsc.txt:2: the entry has no reason"));
  EXPECT_THAT(ErrorOf("fifo.open.x FAIL #   \n"), HasSubstr("runsc.txt:1: the entry has no reason"));
}

TEST(Expectations, BadOutcomesPatternsAndRepeatsAreRefused) {
  EXPECT_THAT(ErrorOf("fifo.open.x BROKEN # r\n"), HasSubstr("runsc.txt:1: unknown outcome 'BROKEN'"));
  EXPECT_THAT(ErrorOf("fifo.open.x ERROR # r\n"), HasSubstr("ERROR cannot be expected"));
  EXPECT_THAT(ErrorOf("Fifo.Open FAIL # r\n"), HasSubstr("is not a case id"));
  EXPECT_THAT(ErrorOf("fifo.open.x FAIL extra # r\n"), HasSubstr("runsc.txt:1: expected"));
  EXPECT_THAT(ErrorOf("fifo.* FAIL # a\nfifo.* FAIL # b\n"),
              HasSubstr("runsc.txt:2: 'fifo.*' was already given on line 1"));
}

TEST(Expectations, VerdictsCompareOutcomeWithTheMostSpecificEntry) {
  auto e = ParseExpectations("posix_mq.* UNSUPPORTED # no mqueue\n"
                             "posix_mq.mq_send.exact FAIL # known bug\n",
                             "t.txt");
  EXPECT_EQ(Judge(e, "posix_mq.mq_open.x", "UNSUPPORTED").verdict, Verdict::expected_deviation);
  EXPECT_EQ(Judge(e, "posix_mq.mq_open.x", "PASS").verdict, Verdict::unexpected_pass);
  EXPECT_EQ(Judge(e, "posix_mq.mq_open.x", "FAIL").verdict, Verdict::regression);
  EXPECT_EQ(Judge(e, "posix_mq.mq_send.exact", "FAIL").verdict, Verdict::expected_deviation);
  EXPECT_EQ(Judge(e, "posix_mq.mq_send.exact", "FAIL").entry->reason, "known bug");
  EXPECT_EQ(Judge(e, "pipe.read.x", "PASS").verdict, Verdict::pass);
  EXPECT_EQ(Judge(e, "pipe.read.x", "CRASH").verdict, Verdict::regression);
  EXPECT_EQ(Judge(e, "pipe.read.x", "ERROR").verdict, Verdict::regression);
  EXPECT_EQ(Judge(e, "pipe.read.x", "UNSUPPORTED").verdict, Verdict::unsupported);
  EXPECT_EQ(Judge({}, "pipe.read.x", "SKIP").verdict, Verdict::skipped);
}

TEST(Expectations, OnlyRegressionsFailUnlessStrict) {
  EXPECT_TRUE(VerdictFails(Verdict::regression, false));
  EXPECT_FALSE(VerdictFails(Verdict::unexpected_pass, false));
  EXPECT_TRUE(VerdictFails(Verdict::unexpected_pass, true));
  EXPECT_FALSE(VerdictFails(Verdict::expected_deviation, true));
}

TEST(Expectations, StaleEntriesAreNamed) {
  auto e = ParseExpectations("pipe.* FAIL # a\n"
                             "fifo.open.gone FAIL # b\n"
                             "signal.kill.x FAIL # c\n",
                             "t.txt");
  std::vector<nlohmann::json> records = {
      {{"id", "pipe.read.a"}, {"outcome", "PASS"}},
      {{"id", "pipe.read.b"}, {"outcome", "PASS"}},
      {{"id", "signal.kill.x"}, {"outcome", "FAIL"}},
  };
  auto stale = StaleExpectations(e, records);
  ASSERT_THAT(stale, SizeIs(2));
  EXPECT_THAT(stale[0], HasSubstr("t.txt:1: 'pipe.*' no longer holds"));
  EXPECT_THAT(stale[1], HasSubstr("t.txt:2: 'fifo.open.gone' matched no case"));
  EXPECT_THAT(StaleExpectations({}, records), IsEmpty());
}

TEST(Expectations, AnEntryForCasesThatDidNotRunIsNotStale) {
  auto e = ParseExpectations("posix_mq.* FAIL # a\n"
                             "posix_mq.mq_send.x FAIL # b\n"
                             "fifo.open.gone FAIL # c\n",
                             "t.txt");
  std::vector<nlohmann::json> records = {{{"id", "pipe.read.a"}, {"outcome", "PASS"}}};
  // posix_mq.mq_send.x was not run: the more specific entry b applies to it, and entry a to nothing.
  auto stale = StaleExpectations(e, records, {"posix_mq.mq_send.x", "pipe.read.b"});
  ASSERT_THAT(stale, SizeIs(2));
  EXPECT_THAT(stale[0], HasSubstr("t.txt:1: 'posix_mq.*' matched no case"));
  EXPECT_THAT(stale[1], HasSubstr("t.txt:3: 'fifo.open.gone' matched no case"));
  EXPECT_THAT(StaleExpectations(e, records, {"posix_mq.mq_send.x", "posix_mq.mq_open.y", "fifo.open.gone"}), IsEmpty());
}

}  // namespace
