#include <unistd.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/junit.h"
#include "reports/results.h"

namespace {

using namespace ipcc;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string WriteTemp(const std::string& text) {
  std::string path = ::testing::TempDir() + "results-test-" + std::to_string(getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl";
  std::ofstream(path) << text;
  return path;
}

const char* kHeader = R"({"record":"header","format":1,"target":"native","fingerprint":{}})";
const char* kCase1 = R"({"record":"case","id":"pipe.read.a","mechanism":"pipe","outcome":"PASS","message":""})";
const char* kCase2 =
    R"({"record":"case","id":"pipe.read.b","mechanism":"pipe","outcome":"FAIL","message":"saw <1> & \"2\""})";
const char* kEnd = R"({"record":"end","counts":{}})";

TEST(Results, ReadsAWholeRun) {
  auto path = WriteTemp(std::string(kHeader) + "\n" + kCase1 + "\n" + kCase2 + "\n" + kEnd + "\n");
  RunResults r = ReadResults(path);
  EXPECT_THAT(r.problems, ::testing::IsEmpty());
  EXPECT_THAT(r.cases, SizeIs(2));
  EXPECT_TRUE(r.end.has_value());
  EXPECT_EQ(r.header["target"], "native");
  unlink(path.c_str());
}

TEST(Results, ACorruptedLineIsNamedAndEveryGoodLineKept) {
  auto path = WriteTemp(std::string(kHeader) + "\n" + kCase1 + "\n{\"record\":\"case\",\"id\":\"pi\n" + kCase2 + "\n");
  RunResults r = ReadResults(path);
  EXPECT_THAT(r.cases, SizeIs(2));
  ASSERT_THAT(r.problems, SizeIs(2));
  EXPECT_THAT(r.problems[0], HasSubstr(path + ":3: not a valid JSON record"));
  EXPECT_THAT(r.problems[1], HasSubstr("no end record"));
  unlink(path.c_str());
}

TEST(Results, ANewerFormatIsNamed) {
  auto path = WriteTemp(R"({"record":"header","format":99})"
                        "\n");
  RunResults r = ReadResults(path);
  EXPECT_THAT(r.problems[0], HasSubstr(":1: results format 99 is newer"));
  unlink(path.c_str());
}

TEST(Results, AnUnknownOutcomeIsRefusedWithItsLine) {
  auto path = WriteTemp(std::string(kHeader) + "\n" + kCase1 + "\n" +
                        R"({"record":"case","id":"pipe.read.c","mechanism":"pipe","outcome":"MAYBE","message":""})" +
                        "\n" + kEnd + "\n");
  RunResults r = ReadResults(path);
  EXPECT_THAT(r.cases, SizeIs(1)) << "the record with the unknown outcome is not kept";
  ASSERT_THAT(r.problems, SizeIs(1));
  EXPECT_THAT(r.problems[0], HasSubstr(path + ":3: case pipe.read.c has the unknown outcome 'MAYBE'"));
  unlink(path.c_str());
}

TEST(Results, AMissingFileIsAnError) {
  EXPECT_THROW(ReadResults("/nonexistent/results.jsonl"), std::runtime_error);
}

TEST(JUnit, EscapesAndClassifies) {
  auto path = WriteTemp(std::string(kHeader) + "\n" + kCase1 + "\n" + kCase2 + "\n" + kEnd + "\n");
  std::ostringstream xml;
  WriteJUnit({ReadResults(path)}, xml);
  EXPECT_THAT(xml.str(), HasSubstr("<testsuite name=\"native.pipe\" tests=\"2\" failures=\"1\""));
  EXPECT_THAT(xml.str(), HasSubstr("saw &lt;1&gt; &amp; &quot;2&quot;"));
  EXPECT_EQ(XmlEscape(std::string("a\x01z")), "a\\x01z");
  unlink(path.c_str());
}

}  // namespace
