// The HTML, Markdown, JSON summary and JUnit writers over the shared sample runs.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/html.h"
#include "reports/junit.h"
#include "reports/ktap.h"
#include "reports/markdown.h"
#include "reports/summary.h"
#include "reports/tests/sample_runs.h"
#include "reports/text.h"

namespace {

using namespace ipcc;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class Writers : public ::testing::Test {
 protected:
  void SetUp() override {
    runs_.push_back(ReadResults(sample::WriteTempFile("native", sample::NativeRun())));
    runs_.push_back(ReadResults(sample::WriteTempFile("runsc", sample::SandboxRun())));
    m_ = BuildMatrix(runs_, {}, {{"fifo.open.a", "Opening a FIFO <blocks> until \"the other end\" opens."}});
  }
  std::string Html() {
    std::ostringstream out;
    WriteHtml(m_, tool_, out);
    return out.str();
  }
  std::string Markdown() {
    std::ostringstream out;
    WriteMarkdown(m_, tool_, out);
    return out.str();
  }
  std::vector<RunResults> runs_;
  Matrix m_;
  ToolInfo tool_{"0.1.0", "abc123"};
};

std::size_t Occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(Text, EscapingAndShortening) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(MarkdownEscape("a|b\n`c` <d> *e*"), "a\\|b \\`c\\` &lt;d&gt; \\*e\\*");
  EXPECT_EQ(FirstLine("  one\ntwo"), "one ...");
  EXPECT_EQ(FirstLine("one\n\n"), "one");
  EXPECT_EQ(Shorten("h\xC3\xA9llo", 2), "h ...");  // never cuts inside the two bytes of é
}

TEST_F(Writers, HtmlHasEveryCaseRowBothTargetsAndTheirFlags) {
  const std::string html = Html();
  for (const char* id : {"fifo.open.a", "fifo.open.b", "fifo.io.c", "pipe.read.d", "pipe.read.e"}) {
    EXPECT_THAT(html, HasSubstr(std::string("<details class=\"case\" id=\"case-") + id + "\"")) << id;
  }
  EXPECT_EQ(Occurrences(html, "<details class=\"case\""), 5u);
  EXPECT_THAT(html, HasSubstr(">native @ 6.1.0-18-amd64 / Debian 12<"));
  EXPECT_THAT(html, HasSubstr(">runsc @ 4.4.0 / Debian 12<"));
  EXPECT_THAT(html,
              HasSubstr("id=\"case-pipe.read.e\" data-id=\"pipe.read.e\" data-flags=\"deviation differs regression\""));
  EXPECT_THAT(html,
              HasSubstr("id=\"case-fifo.open.b\" data-id=\"fifo.open.b\" data-flags=\"deviation differs expected\""));
  EXPECT_THAT(html, HasSubstr("id=\"case-fifo.open.a\" data-id=\"fifo.open.a\" data-flags=\"everywhere\""));
  EXPECT_THAT(html, HasSubstr("<div class=\"cell o-FAIL v-regression\""));
  EXPECT_THAT(html, HasSubstr("<div class=\"cell o-FAIL v-expected-deviation\""));
  EXPECT_THAT(html, HasSubstr("<details class=\"group mech\" open data-mechanism=\"pipe\">"));
  EXPECT_THAT(html, HasSubstr("passes everywhere"));
  EXPECT_THAT(html, HasSubstr("<span class=\"reg\">1 regression</span>"));  // the pipe node, native column
  EXPECT_THAT(html, HasSubstr("<span class=\"ref\">POSIX.1-2017 read()</span>"));
  EXPECT_THAT(html, HasSubstr("gVisor: FIFO open does not block"));  // the expectation's reason
}

TEST_F(Writers, HtmlEscapesEverythingAndFetchesNothing) {
  const std::string html = Html();
  EXPECT_THAT(html, HasSubstr("expected &lt;b&gt;1&lt;/b&gt; &amp; got &quot;2&quot; | `x` #3\nsecond line"));
  EXPECT_THAT(html, Not(HasSubstr("expected <b>1</b>")));
  EXPECT_THAT(html, HasSubstr("&ldquo;Opening a FIFO &lt;blocks&gt; until &quot;the other end&quot; opens.&rdquo;"));
  EXPECT_EQ(Occurrences(html, "<script"), 1u);
  EXPECT_THAT(html, Not(HasSubstr(" src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"http")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy"));

  auto hostile = sample::Header("<script>alert(1)</script>", "6.1").dump() + "\n" +
                 sample::Case("fifo.open.a", "FAIL", "regression", "</pre><img src=x onerror=alert(1)>").dump() + "\n";
  runs_.push_back(ReadResults(sample::WriteTempFile("hostile", hostile)));
  m_ = BuildMatrix(runs_);
  const std::string escaped = Html();
  EXPECT_EQ(Occurrences(escaped, "<script"), 1u);
  EXPECT_THAT(escaped, Not(HasSubstr("<img")));
  EXPECT_THAT(escaped, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; @ 6.1 / Debian 12"));
}

TEST_F(Writers, HtmlShowsCompatibilityGateChartAndEnvironment) {
  const std::string html = Html();
  EXPECT_THAT(html,
              HasSubstr("<td class=\"c-full\">full<span class=\"tiny\"> 3/3</span></td>"));  // native fifo
  EXPECT_THAT(html,
              HasSubstr("<td class=\"c-partial\">partial<span class=\"tiny\"> 1/2</span></td>"));        // native pipe
  EXPECT_THAT(html, HasSubstr("<td class=\"c-partial\">partial<span class=\"tiny\"> 1/3</span></td>"));  // runsc fifo
  EXPECT_THAT(html,
              HasSubstr("<td class=\"c-full\">full<span class=\"tiny\"> 1/1, 1 skipped</span></td>"));  // runsc pipe
  EXPECT_THAT(html, HasSubstr("<section id=\"gate\">"));
  EXPECT_THAT(html, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\""));
  EXPECT_THAT(html, HasSubstr(">shm_vs_pipe</text>"));
  EXPECT_THAT(html, HasSubstr("fill=\"#c62828\"><title>shm_vs_pipe: 3.500 x</title>"));  // 3.5 misses 5
  EXPECT_THAT(html, HasSubstr("fill=\"#2e7d32\"><title>shm_vs_memcpy: 0.450 x</title>"));
  EXPECT_THAT(html, HasSubstr("class=\"thr\""));
  EXPECT_THAT(html, HasSubstr("<th>fingerprint kernel.release</th><td class=\"diff\">6.1.0-18-amd64</td><td "
                              "class=\"diff\">4.4.0</td>"));
  EXPECT_THAT(html, Not(HasSubstr("Problems with the input")));
}

TEST_F(Writers, HtmlAndMarkdownShowProblemsWithTheInput) {
  runs_.push_back(ReadResults(sample::WriteTempFile("bad", sample::NativeRun("5.0") + "{\"record\":\"ca\n")));
  m_ = BuildMatrix(runs_, {"/gone/results.jsonl: cannot open the results file"});
  const std::string where = runs_.back().path + ":8: not a valid JSON record";
  EXPECT_THAT(Html(), HasSubstr("<h2>Problems with the input (2)</h2>"));
  EXPECT_THAT(Html(), HasSubstr(HtmlEscape(where)));
  EXPECT_THAT(Html(), HasSubstr("/gone/results.jsonl: cannot open"));
  EXPECT_THAT(Markdown(), HasSubstr("### ⚠️ Problems with the input (2)"));
  EXPECT_THAT(Markdown(), HasSubstr("- /gone/results.jsonl: cannot open the results file\n"));
}

TEST_F(Writers, MarkdownTablesAndDeviations) {
  const std::string md = Markdown();
  EXPECT_THAT(
      md, HasSubstr("| target | cases | PASS | FAIL | UNSUPPORTED | SKIP | ERROR | TIMEOUT | CRASH | regressions |"));
  EXPECT_THAT(md, HasSubstr("| native @ 6.1.0-18-amd64 / Debian 12 | 5 | 4 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 |"));
  EXPECT_THAT(md, HasSubstr("| runsc @ 4.4.0 / Debian 12 | 5 | 2 | 1 | 1 | 1 | 0 | 0 | 0 | 0 | 1 | 1 |"));
  EXPECT_THAT(md, HasSubstr("| mechanism | native @ 6.1.0-18-amd64 / Debian 12 | runsc @ 4.4.0 / Debian 12 "
                            "|\n|---|---|---|\n"));
  EXPECT_THAT(md, HasSubstr("| fifo | ✅ full (3/3) | ⚠️ partial (1/3) |"));
  EXPECT_THAT(md, HasSubstr("| pipe | ⚠️ partial (1/2) | ✅ full (1/1), 1 skipped |"));
  EXPECT_THAT(md, HasSubstr("#### ❌ Regressions (1)\n\n- **native @ 6.1.0-18-amd64 / Debian 12** `pipe.read.e` FAIL: "
                            "expected &lt;b&gt;1&lt;/b&gt; &amp; got \"2\" \\| \\`x\\` \\#3 ...\n"));
  EXPECT_THAT(md, HasSubstr("#### Expected deviations (1)\n\n- **runsc @ 4.4.0 / Debian 12** `fifo.open.b` "
                            "FAIL: gVisor: FIFO open does not block\n"));
  EXPECT_THAT(md, HasSubstr("#### Unexpected passes (1)\n\n- **runsc @ 4.4.0 / Debian 12** `pipe.read.d` "
                            "passes, expected FAIL: fixed upstream?\n"));
  EXPECT_THAT(md, HasSubstr("#### Stale expectations (1)\n\n- **runsc @ 4.4.0 / Debian 12** runsc.txt:9: "
                            "'sysv\\_shm.\\*' matched no case"));
  EXPECT_THAT(md, HasSubstr("| shm\\_vs\\_pipe | 3.500 | ❌ ≥ 5 |"));
  EXPECT_THAT(md, Not(HasSubstr("Problems with the input")));
}

TEST_F(Writers, SummaryCountsPerTargetMechanismAndVerdict) {
  const json s = Summary(m_, tool_);
  ASSERT_EQ(s["columns"].size(), 2u);
  const json& native = s["columns"][0];
  EXPECT_EQ(native["label"], "native @ 6.1.0-18-amd64 / Debian 12");
  EXPECT_EQ(native["counts"]["total"], 5);
  EXPECT_EQ(native["counts"]["outcomes"]["PASS"], 4);
  EXPECT_EQ(native["counts"]["verdicts"]["regression"], 1);
  EXPECT_EQ(native["mechanisms"]["pipe"]["outcomes"]["FAIL"], 1);
  EXPECT_EQ(native["mechanisms"]["pipe"]["compatibility"]["level"], "partial");
  const json& runsc = s["columns"][1];
  EXPECT_EQ(runsc["mechanisms"]["fifo"]["verdicts"]["expected deviation"], 1);
  EXPECT_EQ(runsc["mechanisms"]["fifo"]["verdicts"]["unsupported"], 1);
  EXPECT_EQ(runsc["mechanisms"]["pipe"]["compatibility"]["skipped"], 1);
  EXPECT_EQ(runsc["stale_expectations"].size(), 1u);
  EXPECT_EQ(runsc["gates"][0]["ratios"]["shm_vs_pipe"]["met"], false);
  ASSERT_EQ(s["non_passes"].size(), 4u);  // native FAIL; runsc FAIL, UNSUPPORTED, SKIP
  EXPECT_EQ(s["non_passes"][0]["id"], "pipe.read.e");
  EXPECT_EQ(s["non_passes"][0]["message"], "expected <b>1</b> & got \"2\" | `x` #3\nsecond line");
  EXPECT_EQ(s["non_passes"][2]["id"], "fifo.open.b");
  EXPECT_EQ(s["non_passes"][2]["expectation_reason"], "gVisor: FIFO open does not block");
  EXPECT_EQ(s["unexpected_passes"][0]["id"], "pipe.read.d");
  EXPECT_EQ(s["problems"].size(), 0u);
}

TEST_F(Writers, JUnitShowsExpectedDeviationsAsSkippedWithTheirReason) {
  std::ostringstream out;
  WriteJUnit(m_, out);
  const std::string xml = out.str();
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"native.pipe\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"runsc.fifo\" tests=\"3\" failures=\"0\" errors=\"0\" skipped=\"2\""));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"expected deviation (FAIL): gVisor: FIFO open does not "
                             "block\">open returned at once</skipped>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"citation\" value=\"pipe(7); POSIX.1-2017 read()\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"expectation.reason\" value=\"fixed upstream?\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"verdict\" value=\"unexpected pass\"/>"));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"UNSUPPORTED: ENOSYS\"/>"));
}

TEST_F(Writers, MistypedFieldsNeverStopAWriter) {
  json header = sample::Header("native", "6.1");
  header["fingerprint"]["kernel"] = "not an object";
  header["commit"] = 12;
  json c = sample::Case("fifo.open.a", "FAIL", "regression", "m");
  c["duration_ms"] = "slow";
  c["expected"] = 5;
  c["expectation"] = {{"where", 3}, {"reason", nullptr}};
  c["refs"] = "fifo(7)";
  c["message"] = json::array({1, 2});
  c["isolation"] = false;
  json gate = sample::GateRecord();
  gate["verdict"] = 1;
  gate["attempts"][0]["ratios"]["shm_vs_pipe"] = "fast";
  runs_.clear();
  runs_.push_back(
      ReadResults(sample::WriteTempFile("odd", header.dump() + "\n" + c.dump() + "\n" + gate.dump() + "\n")));
  m_ = BuildMatrix(runs_);
  std::ostringstream out;
  EXPECT_NO_THROW(WriteJUnit(m_, out));
  EXPECT_NO_THROW(Summary(m_, tool_));
  EXPECT_NO_THROW(WriteKtap(m_, tool_, out));
  EXPECT_THAT(Html(), HasSubstr("id=\"case-fifo.open.a\""));
  EXPECT_THAT(Markdown(), HasSubstr("`fifo.open.a` FAIL"));
}

TEST_F(Writers, JUnitKeepsOneTargetOnTwoMachinesApart) {
  runs_.push_back(ReadResults(sample::WriteTempFile("runsc2", sample::SandboxRun("5.15.0"))));
  m_ = BuildMatrix(runs_);
  std::ostringstream out;
  WriteJUnit(m_, out);
  EXPECT_THAT(out.str(), HasSubstr("<testsuite name=\"" + m_.columns[1].key + ".fifo\""));
  EXPECT_THAT(out.str(), HasSubstr("<testsuite name=\"" + m_.columns[2].key + ".fifo\""));
  EXPECT_THAT(out.str(), HasSubstr("<testsuite name=\"native.fifo\""));
}

}  // namespace

namespace {

json SampleCoverage() {
  json totals = {{"entries", 4},
                 {"covered", 2},
                 {"waived", 1},
                 {"out_of_scope", 0},
                 {"missing", 1},
                 {"covered_percent", 50.0},
                 {"accounted_percent", 75.0}};
  return {{"totals", totals},
          {"mechanisms", json::array({{{"mechanism", "sysv_msg"},
                                       {"totals", totals},
                                       {"pages", json::array({{{"page", "msgop(2)"}, {"totals", totals}}})}}})}};
}

TEST_F(Writers, CoverageSectionShowsEachPageAndTheTotalsWhenTheToolGaveThem) {
  EXPECT_THAT(Markdown(), Not(HasSubstr("Spec coverage")));
  EXPECT_THAT(Html(), Not(HasSubstr("id=\"coverage\"")));
  m_.coverage = SampleCoverage();
  EXPECT_THAT(Markdown(), HasSubstr("| sysv\\_msg | msgop(2) | 4 | 2 | 1 | 0 | 1 | 50.0 | 75.0 |"));
  EXPECT_THAT(Html(), HasSubstr("<td>sysv_msg</td><td>msgop(2)</td><td>4</td><td>2</td><td>1</td><td>0</td><td>1</td>"
                                "<td>50.0</td><td>75.0</td>"));
  m_.coverage = json{{"mechanisms", "not a list"}};  // damaged: no crash, no rows
  EXPECT_NO_THROW(Markdown());
  EXPECT_NO_THROW(Html());
}

TEST(CoverageRows, ListEachMechanismsPagesThenTheMechanismThenAllAndReadDamagedTotalsAsZeros) {
  Matrix m;
  EXPECT_TRUE(CoverageRows(m).empty());
  m.coverage = SampleCoverage();
  m.coverage["mechanisms"].push_back("not an object");
  m.coverage["mechanisms"].push_back({{"mechanism", "fifo"}, {"totals", "damaged"}});
  const auto rows = CoverageRows(m);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].level, CoverageRow::Level::page);
  EXPECT_EQ(rows[0].mechanism, "sysv_msg");
  EXPECT_EQ(rows[0].page, "msgop(2)");
  EXPECT_EQ(rows[0].waived, 1);
  EXPECT_EQ(rows[0].accounted_percent, 75.0);
  EXPECT_EQ(rows[1].level, CoverageRow::Level::mechanism);
  EXPECT_EQ(rows[1].mechanism, "sysv_msg");
  EXPECT_EQ(rows[1].page, "");
  EXPECT_EQ(rows[2].level, CoverageRow::Level::mechanism);
  EXPECT_EQ(rows[2].mechanism, "fifo");
  EXPECT_EQ(rows[2].entries, 0);
  EXPECT_EQ(rows[3].level, CoverageRow::Level::all);
  EXPECT_EQ(rows[3].covered, 2);
}

}  // namespace
