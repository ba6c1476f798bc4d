#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/case.h"

namespace {

using ipcc::CaseInfo;
using ipcc::Registry;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

CaseInfo Good(std::string id = "pipe.read.blocks") {
  CaseInfo c;
  c.id = id;
  c.mechanism = id.substr(0, id.find('.'));
  c.interface = id.substr(id.find('.') + 1, id.rfind('.') - id.find('.') - 1);
  c.meta.title = "title";
  c.meta.statement = "statement";
  c.meta.refs = {"pipe(7)"};
  c.file = "x.cc";
  c.line = 1;
  return c;
}

// The shipped catalogue itself is checked through `ipcconform list` (runner_test.cc), which refuses
// to start on any of these problems.

TEST(Registry, AGoodEntryPasses) {
  EXPECT_THAT(Registry::FindProblems({Good()}), IsEmpty());
}

TEST(Registry, MissingStatementIsRefused) {
  CaseInfo c = Good();
  c.meta.statement.clear();
  auto problems = Registry::FindProblems({c});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("has no statement"));
  EXPECT_THAT(problems[0], HasSubstr("x.cc:1"));
}

TEST(Registry, MissingOrEmptyReferenceIsRefused) {
  CaseInfo c = Good();
  c.meta.refs.clear();
  EXPECT_THAT(Registry::FindProblems({c}), SizeIs(1));
  c.meta.refs = {""};
  EXPECT_THAT(Registry::FindProblems({c}), SizeIs(1));
}

TEST(Registry, RepeatedIdIsRefused) {
  CaseInfo a = Good();
  CaseInfo b = Good();
  b.file = "y.cc";
  auto problems = Registry::FindProblems({a, b});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("repeats the id declared at x.cc:1"));
}

TEST(Registry, MalformedIdIsRefused) {
  CaseInfo c = Good();
  c.mechanism = "Pipe";
  c.id = "Pipe.read.blocks";
  EXPECT_THAT(Registry::FindProblems({c}), SizeIs(1));
  CaseInfo d = Good("pipe.read.Blocks-Now");
  EXPECT_THAT(Registry::FindProblems({d}), SizeIs(1));
}

TEST(Registry, NonPositiveTimeoutIsRefused) {
  CaseInfo c = Good();
  c.meta.timeout = std::chrono::milliseconds(0);
  EXPECT_THAT(Registry::FindProblems({c}), SizeIs(1));
}

}  // namespace

namespace {

// Built() holds no entries in the test binary: every cover names an unknown entry.
TEST(Registry, ACaseCoveringAnUnknownEntryIsRefusedWithItsId) {
  CaseInfo c = Good("pipe.write.full_blocks");
  c.meta.covers = {"EAGAIN"};
  auto problems = Registry::FindProblems({c});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("pipe.write.full_blocks"));
  EXPECT_THAT(problems[0], HasSubstr("covers 'EAGAIN' (pipe.write.EAGAIN)"));
}

TEST(Registry, ACaseWithCoversNeedsNoStatementOrRefsOfItsOwn) {
  CaseInfo c = Good();
  c.meta.statement.clear();
  c.meta.refs.clear();
  auto problems = Registry::FindProblems({c});
  EXPECT_THAT(problems, SizeIs(2));  // no covers: both are required
  c.meta.covers = {"EAGAIN"};
  problems = Registry::FindProblems({c});
  ASSERT_THAT(problems, SizeIs(1));  // only the unknown entry is left
  EXPECT_THAT(problems[0], HasSubstr("not an entry"));
}

}  // namespace
