// Merging runs into one matrix, and reading damaged input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/model.h"
#include "reports/tests/sample_runs.h"

namespace {

using namespace ipcc;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

RunResults Read(const std::string& name, const std::string& text) {
  return ReadResults(sample::WriteTempFile(name, text));
}

std::string Lines(const std::vector<json>& records) {
  std::string text;
  for (const auto& r : records) text += r.dump() + "\n";
  return text;
}

TEST(Merge, OneTargetOnTwoMachinesStaysApart) {
  std::vector<RunResults> runs;
  runs.push_back(Read("a", sample::SandboxRun("4.4.0")));
  runs.push_back(Read("b", sample::SandboxRun("5.15.0")));
  Matrix m = BuildMatrix(runs);
  ASSERT_THAT(m.columns, SizeIs(2));
  EXPECT_NE(m.columns[0].key, m.columns[1].key);
  EXPECT_EQ(m.columns[0].target, "runsc");
  EXPECT_EQ(m.columns[0].key, "runsc@" + m.columns[0].machine);
  EXPECT_EQ(m.columns[0].label, "runsc @ 4.4.0 / Debian 12");
  EXPECT_EQ(m.columns[1].label, "runsc @ 5.15.0 / Debian 12");
  EXPECT_THAT(m.rows, SizeIs(5));  // the same five cases, one row each
  EXPECT_THAT(m.notes, ::testing::IsEmpty());
}

TEST(Merge, RunsOfOneTargetOnOneMachineShareAColumn) {
  std::vector<RunResults> runs;
  const std::string header = sample::Header("native", "6.1").dump() + "\n";
  runs.push_back(Read("fifo", header + sample::Case("fifo.open.a", "PASS", "pass").dump() + "\n"));
  runs.push_back(Read("pipe", header + sample::Case("pipe.read.a", "FAIL", "regression").dump() + "\n"));
  runs.push_back(Read("again", header + sample::Case("pipe.read.a", "PASS", "pass").dump() + "\n"));
  Matrix m = BuildMatrix(runs);
  ASSERT_THAT(m.columns, SizeIs(1));
  EXPECT_THAT(m.columns[0].runs, SizeIs(3));
  ASSERT_THAT(m.rows, SizeIs(2));
  EXPECT_EQ(OutcomeOf(*m.Cell(m.rows[1], m.columns[0])), "PASS");  // the later record of a case wins
  ASSERT_THAT(m.notes, SizeIs(1));
  EXPECT_THAT(m.notes[0], HasSubstr("case pipe.read.a appears in " + runs[1].path + " and again in " + runs[2].path));
}

TEST(Merge, TheMachineIgnoresUserCpusAndLimitsButNotTheCLibrary) {
  json a = sample::Header("native", "6.1");
  json b = a;
  b["fingerprint"]["uid"] = 1000;
  b["fingerprint"]["cpus"] = 64;
  json c = a;
  c["fingerprint"]["libc"] = "glibc 2.41";
  std::vector<RunResults> runs;
  for (const auto& [name, h] : std::vector<std::pair<std::string, json>>{{"a", a}, {"b", b}, {"c", c}}) {
    runs.push_back(Read(name, h.dump() + "\n" + sample::Case("fifo.open." + name, "PASS", "pass").dump() + "\n"));
  }
  Matrix m = BuildMatrix(runs);
  ASSERT_THAT(m.columns, SizeIs(2));
  EXPECT_THAT(m.columns[0].runs, SizeIs(2));
  // Same target, kernel and distribution: the labels would coincide, so each carries its hash.
  EXPECT_EQ(m.columns[0].label, "native @ 6.1 / Debian 12 [" + m.columns[0].machine + "]");
  EXPECT_EQ(m.columns[1].label, "native @ 6.1 / Debian 12 [" + m.columns[1].machine + "]");
}

TEST(Merge, ColumnsFollowTheInputsAndRowsTheCaseTree) {
  std::vector<RunResults> runs;
  runs.push_back(Read("n", sample::NativeRun()));
  runs.push_back(Read("s", sample::SandboxRun()));
  Matrix m = BuildMatrix(runs, {}, {{"fifo.io.c", "the statement"}});
  EXPECT_EQ(m.columns[0].target, "native");
  std::vector<std::string> ids;
  for (const auto& r : m.rows) ids.push_back(r.id);
  EXPECT_THAT(ids, ElementsAre("fifo.io.c", "fifo.open.a", "fifo.open.b", "pipe.read.d", "pipe.read.e"));
  EXPECT_EQ(m.rows[0].statement, "the statement");
  EXPECT_THAT(m.rows[0].refs, ElementsAre("pipe(7)", "POSIX.1-2017 read()"));
  EXPECT_THAT(m.Mechanisms(), ElementsAre("fifo", "pipe"));
  EXPECT_THAT(m.columns[1].gates, SizeIs(1));
  EXPECT_THAT(RowFlags(m, m.rows[1]), ElementsAre("everywhere"));
  EXPECT_THAT(RowFlags(m, m.rows[3]), ElementsAre("everywhere", "unexpected"));  // PASS in both, unexpected in one
  const Compatibility c = CompatibilityOf(m, m.columns[1], "pipe");
  EXPECT_EQ(c.level, "full");
  EXPECT_EQ(c.skipped, 1);
}

TEST(DamagedInput, EveryGoodLineIsKeptAndEachBadOneNamed) {
  const std::string text = Lines({sample::Header("native", "6.1"), sample::Case("fifo.open.a", "PASS", "pass")}) +
                           "{\"record\":\"case\",\"id\":\"fifo.open.b\",\"outc\n" +  // truncated
                           "\x01\x02 garbage\n" +
                           R"({"record":"case","id":7,"outcome":"PASS"})"
                           "\n" +
                           R"({"record":["not","a","string"]})"
                           "\n" +
                           Lines({sample::Case("fifo.open.c", "FAIL", "regression")});
  std::vector<RunResults> runs;
  runs.push_back(Read("damaged", text));
  Matrix m = BuildMatrix(runs, {"/gone.jsonl: cannot open the results file"});
  const std::string& path = runs[0].path;
  EXPECT_THAT(m.rows, SizeIs(2));
  EXPECT_THAT(m.problems,
              ElementsAre("/gone.jsonl: cannot open the results file",
                          path + ":3: not a valid JSON record (truncated or corrupted line)",
                          path + ":4: not a valid JSON record (truncated or corrupted line)",
                          path + ":5: case record without an id or outcome", HasSubstr(path + ":6: malformed record"),
                          path + ": no end record (the run did not finish)"));
}

TEST(DamagedInput, ANewerFormatIsNamedAndStillRead) {
  json header = sample::Header("native", "6.1");
  header["format"] = 2;
  std::vector<RunResults> runs;
  runs.push_back(Read("newer", Lines({header, sample::Case("fifo.open.a", "PASS", "pass"), {{"record", "end"}}})));
  Matrix m = BuildMatrix(runs);
  ASSERT_THAT(m.problems, SizeIs(1));
  EXPECT_EQ(m.problems[0], runs[0].path + ":1: results format 2 is newer than this ipcconform reads (1)");
  EXPECT_THAT(m.rows, SizeIs(1));
}

TEST(DamagedInput, AFileWithoutHeaderIsAColumnOfItsOwn) {
  std::vector<RunResults> runs;
  runs.push_back(Read("headerless", Lines({sample::Case("fifo.open.a", "PASS", "")})));
  runs.push_back(Read("native", sample::NativeRun()));
  Matrix m = BuildMatrix(runs);
  ASSERT_THAT(m.columns, SizeIs(2));
  EXPECT_EQ(m.columns[0].label, "unknown (" + runs[0].path + ")");
  EXPECT_EQ(VerdictOf(*m.Cell(m.rows[1], m.columns[0])), "pass");  // judged as with no expectations
  EXPECT_THAT(m.problems[0], HasSubstr(": no header record"));
}

}  // namespace
