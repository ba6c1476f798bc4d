// The KTAP writer, checked by a strict parser of KTAP version 1 as Documentation/dev-tools/ktap.rst
// describes it: a version line, a plan, result lines numbered from 1 without gaps, diagnostic lines,
// subtests indented by two spaces per level that start with their own version line and plan and end
// before the parent's result line, and the SKIP, TODO, XFAIL, TIMEOUT and ERROR directives. Being a
// validator, it refuses what the spec merely tolerates (unknown lines, a missing plan).
#include <sstream>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/ktap.h"
#include "reports/tests/sample_runs.h"

namespace {

using namespace ipcc;
using ::testing::HasSubstr;

struct KtapTest {
  std::string name;
  bool ok = true;
  std::string directive;  // "" or one of SKIP, TODO, XFAIL, TIMEOUT, ERROR
  std::string data;
  std::vector<std::string> diagnostics;  // diagnostic lines just before the result
  std::vector<KtapTest> subtests;
};

class KtapParser {
 public:
  explicit KtapParser(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines_.push_back(line);
  }

  // The top-level tests. Throws std::runtime_error("line N: ...") on the first violation.
  std::vector<KtapTest> Parse() {
    std::vector<KtapTest> top = Block(0);
    if (pos_ != lines_.size()) Fail("text after the last top-level result");
    return top;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error("line " + std::to_string(pos_ + 1) + ": " + what);
  }

  // The line's content at `depth`, or nullopt-like empty when it is not indented exactly so.
  bool At(int depth, std::string& content) const {
    if (pos_ >= lines_.size()) return false;
    const std::string& l = lines_[pos_];
    const std::size_t n = static_cast<std::size_t>(depth) * 2;
    if (l.size() < n || l.compare(0, n, std::string(n, ' ')) != 0) return false;
    content = l.substr(n);
    return !content.empty() && content[0] != ' ';
  }

  static bool IsVersion(const std::string& c) { return c == "KTAP version 1"; }

  // Version line, plan, then results (with diagnostics and subtests) up to the plan's count.
  std::vector<KtapTest> Block(int depth) {
    std::string c;
    if (!At(depth, c) || !IsVersion(c)) Fail("expected \"KTAP version 1\" at indentation " + std::to_string(depth * 2));
    ++pos_;
    while (At(depth, c) && c[0] == '#') ++pos_;  // "# Subtest: name" and other diagnostics
    if (!At(depth, c) || c.rfind("1..", 0) != 0 || c.size() == 3 ||
        c.find_first_not_of("0123456789", 3) != std::string::npos) {
      Fail("expected a plan \"1..N\"");
    }
    const std::size_t plan = std::stoul(c.substr(3));
    ++pos_;
    std::vector<KtapTest> tests;
    std::vector<std::string> diagnostics;
    std::vector<KtapTest> pending_subtests;
    bool have_subtests = false;
    while (tests.size() < plan) {
      if (pos_ >= lines_.size()) Fail("the input ends before the plan's " + std::to_string(plan) + " results");
      if (At(depth + 1, c) && IsVersion(c)) {
        if (have_subtests) Fail("two subtest blocks before one result line");
        pending_subtests = Block(depth + 1);
        have_subtests = true;
        continue;
      }
      if (!At(depth, c)) Fail("unknown line or wrong indentation: \"" + lines_[pos_] + "\"");
      if (c[0] == '#') {
        if (c.size() > 1 && c[1] != ' ') Fail("a diagnostic line is \"# text\"");
        diagnostics.push_back(c.size() > 2 ? c.substr(2) : "");
        ++pos_;
        continue;
      }
      KtapTest t = Result(c, tests.size() + 1);
      t.diagnostics = std::move(diagnostics);
      diagnostics.clear();
      t.subtests = std::move(pending_subtests);
      pending_subtests.clear();
      have_subtests = false;
      for (const auto& s : t.subtests) {
        if (!s.ok && t.ok) Fail("\"" + t.name + "\" is ok although its subtest \"" + s.name + "\" is not ok");
      }
      tests.push_back(std::move(t));
      ++pos_;
    }
    if (have_subtests) Fail("a subtest block without its result line");
    // Diagnostics after the last result of a block belong to no test; KTAP allows them anywhere.
    while (At(depth, c) && c[0] == '#') ++pos_;
    return tests;
  }

  KtapTest Result(const std::string& c, std::size_t expected_number) {
    KtapTest t;
    std::string rest;
    if (c.rfind("ok ", 0) == 0) {
      rest = c.substr(3);
    } else if (c.rfind("not ok ", 0) == 0) {
      t.ok = false;
      rest = c.substr(7);
    } else {
      Fail("expected a result line \"ok N name\" or \"not ok N name\": \"" + c + "\"");
    }
    const std::size_t digits = rest.find_first_not_of("0123456789");
    if (digits == 0) Fail("a result line without a number");
    const std::size_t number = std::stoul(rest.substr(0, digits));
    if (number != expected_number) {
      Fail("result number " + std::to_string(number) + " where " + std::to_string(expected_number) + " is due");
    }
    rest = digits == std::string::npos ? "" : rest.substr(digits);
    if (!rest.empty() && rest[0] != ' ') Fail("the number must be followed by a space");
    const std::size_t hash = rest.find('#');
    t.name = rest.substr(0, hash);
    while (!t.name.empty() && t.name.front() == ' ') t.name.erase(0, 1);
    while (!t.name.empty() && t.name.back() == ' ') t.name.pop_back();
    if (t.name.empty()) Fail("a result without a description (recommended, and always written here)");
    if (hash != std::string::npos) {
      if (hash == 0 || rest[hash - 1] != ' ') Fail("the directive separator must be \" #\"");
      std::string after = rest.substr(hash + 1);
      if (!after.empty() && after[0] != ' ') Fail("\"#\" must be followed by a space");
      after = after.empty() ? after : after.substr(1);
      const std::string word = after.substr(0, after.find(' '));
      for (const char* d : {"SKIP", "TODO", "XFAIL", "TIMEOUT", "ERROR"}) {
        if (word == d) t.directive = d;
      }
      t.data = t.directive.empty() ? after : after.substr(std::min(after.size(), word.size() + 1));
      if ((t.directive == "TIMEOUT" || t.directive == "ERROR") && t.ok) Fail(t.directive + " on an \"ok\" line");
    }
    return t;
  }

  std::vector<std::string> lines_;
  std::size_t pos_ = 0;
};

struct Tally {
  int ok = 0, not_ok = 0, skip = 0, xfail = 0, timeout = 0, error = 0;
};

void Count(const std::vector<KtapTest>& tests, Tally& n) {
  for (const auto& t : tests) {
    if (!t.subtests.empty()) {
      Count(t.subtests, n);
      continue;
    }
    (t.ok ? n.ok : n.not_ok)++;
    n.skip += t.directive == "SKIP";
    n.xfail += t.directive == "XFAIL";
    n.timeout += t.directive == "TIMEOUT";
    n.error += t.directive == "ERROR";
  }
}

std::string ErrorOf(const std::string& text) {
  try {
    KtapParser(text).Parse();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

std::string Ktap(const std::vector<std::string>& jsonl_texts) {
  std::vector<RunResults> runs;
  int i = 0;
  for (const auto& t : jsonl_texts) runs.push_back(ReadResults(sample::WriteTempFile("run" + std::to_string(++i), t)));
  std::ostringstream out;
  WriteKtap(BuildMatrix(runs), ToolInfo{"0.1.0", "abc"}, out);
  return out.str();
}

TEST(KtapValidator, AcceptsTheSpecificationsExample) {
  const char* example = "KTAP version 1\n1..1\n"
                        "  KTAP version 1\n  1..3\n"
                        "    KTAP version 1\n    1..1\n    # test_1: initializing test_1\n    ok 1 test_1\n"
                        "  ok 1 example_test_1\n"
                        "    KTAP version 1\n    1..2\n    ok 1 test_1 # SKIP test_1 skipped\n    ok 2 test_2\n"
                        "  ok 2 example_test_2\n"
                        "    KTAP version 1\n    1..3\n    ok 1 test_1\n    # test_2: FAIL\n    not ok 2 test_2\n"
                        "    ok 3 test_3 # SKIP test_3 skipped\n"
                        "  not ok 3 example_test_3\n"
                        "not ok 1 main_test\n";
  auto top = KtapParser(example).Parse();
  ASSERT_EQ(top.size(), 1u);
  ASSERT_EQ(top[0].subtests.size(), 3u);
  EXPECT_EQ(top[0].subtests[1].subtests[0].directive, "SKIP");
  EXPECT_EQ(top[0].subtests[1].subtests[0].data, "test_1 skipped");
  EXPECT_EQ(top[0].subtests[2].subtests[1].diagnostics, std::vector<std::string>{"test_2: FAIL"});
}

TEST(KtapValidator, RefusesWhatTheSpecificationForbids) {
  EXPECT_THAT(ErrorOf("1..1\nok 1 a\n"), HasSubstr("line 1: expected \"KTAP version 1\""));
  EXPECT_THAT(ErrorOf("KTAP version 1\nok 1 a\n"), HasSubstr("line 2: expected a plan"));
  EXPECT_THAT(ErrorOf("KTAP version 1\n1..2\nok 1 a\nok 3 b\n"), HasSubstr("line 4: result number 3 where 2"));
  EXPECT_THAT(ErrorOf("KTAP version 1\n1..2\nok 1 a\n"), HasSubstr("ends before the plan"));
  EXPECT_THAT(ErrorOf("KTAP version 1\n1..1\nok 1 a\nok 2 b\n"), HasSubstr("line 4: text after"));
  EXPECT_THAT(ErrorOf("KTAP version 1\n1..1\nok 1 a # TIMEOUT 30 s\n"), HasSubstr("TIMEOUT on an \"ok\" line"));
  EXPECT_THAT(ErrorOf("KTAP version 1\n1..1\n   KTAP version 1\n"),
              HasSubstr("line 3: unknown line or wrong indentation"));
  EXPECT_THAT(ErrorOf("KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  not ok 1 a\nok 1 p\n"),
              HasSubstr("line 6: \"p\" is ok although its subtest \"a\" is not ok"));
  EXPECT_THAT(ErrorOf("KTAP version 1\n1..1\nhello\n"), HasSubstr("line 3: expected a result line"));
  EXPECT_THAT(ErrorOf("KTAP version 1\n1..1\nok 1\n"), HasSubstr("without a description"));
}

TEST(Ktap, OneTargetHasOneSubtestPerMechanism) {
  const std::string text = Ktap({sample::NativeRun()});
  auto top = KtapParser(text).Parse();
  ASSERT_EQ(top.size(), 2u) << text;
  EXPECT_EQ(top[0].name, "fifo");
  EXPECT_TRUE(top[0].ok);
  EXPECT_EQ(top[0].subtests.size(), 3u);
  EXPECT_EQ(top[1].name, "pipe");
  EXPECT_FALSE(top[1].ok);  // pipe.read.e is a regression
  EXPECT_EQ(top[1].subtests[1].name, "pipe.read.e");
  // The whole message, metacharacters and second line included, as diagnostics before the result.
  EXPECT_THAT(top[1].subtests[1].diagnostics,
              ::testing::ElementsAre("FAIL: expected <b>1</b> & got \"2\" | `x` #3", "second line"));
  EXPECT_THAT(text, HasSubstr("\n  # Subtest: pipe\n  1..2\n"));
}

TEST(Ktap, SeveralTargetsNestTargetThenMechanismAndCountsMatch) {
  const std::string text = Ktap({sample::NativeRun(), sample::SandboxRun()});
  std::vector<KtapTest> top;
  ASSERT_NO_THROW(top = KtapParser(text).Parse()) << text;
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].name, "native @ 6.1.0-18-amd64 / Debian 12");
  EXPECT_EQ(top[1].name, "runsc @ 4.4.0 / Debian 12");
  EXPECT_TRUE(top[1].ok);  // an expected deviation, an unsupported case, a skip and an unexpected pass
  Tally n;
  Count(top, n);
  EXPECT_EQ(n.ok + n.not_ok, 10);
  EXPECT_EQ(n.not_ok, 1);
  EXPECT_EQ(n.xfail, 1);
  EXPECT_EQ(n.skip, 2);
  const auto& sandbox_fifo = top[1].subtests[0].subtests;
  EXPECT_EQ(sandbox_fifo[2].name, "fifo.open.b");
  EXPECT_EQ(sandbox_fifo[2].directive, "XFAIL");
  EXPECT_EQ(sandbox_fifo[2].data, "FAIL: gVisor: FIFO open does not block");
  EXPECT_EQ(sandbox_fifo[2].diagnostics, std::vector<std::string>{"open returned at once"});
  EXPECT_EQ(sandbox_fifo[0].directive, "SKIP");
  EXPECT_EQ(sandbox_fifo[0].data, "UNSUPPORTED: ENOSYS");
  const auto& sandbox_pipe = top[1].subtests[1].subtests;
  EXPECT_THAT(sandbox_pipe[0].diagnostics[0], HasSubstr("unexpected pass: expected FAIL"));
  EXPECT_EQ(sandbox_pipe[1].data, "needs root");
}

TEST(Ktap, TimeoutsErrorsAndUnsupportedRegressionsAreNotOk) {
  auto header = sample::Header("native", "6.1").dump() + "\n";
  nlohmann::json unsupported = sample::Case("pipe.read.u", "UNSUPPORTED", "regression", "ENOSYS");
  unsupported["expected"] = "FAIL";
  const std::string text =
      Ktap({header + sample::Case("pipe.read.t", "TIMEOUT", "regression", "after 10 s").dump() + "\n" +
            sample::Case("pipe.read.r", "ERROR", "", "fork failed\nEAGAIN").dump() + "\n" + unsupported.dump() + "\n"});
  auto top = KtapParser(text).Parse();
  ASSERT_EQ(top.size(), 1u);
  const auto& cases = top[0].subtests;
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].directive,
            "ERROR");  // pipe.read.r: a record without a verdict is judged as no expectations do
  EXPECT_EQ(cases[0].data, "fork failed ...");
  EXPECT_EQ(cases[1].directive, "TIMEOUT");
  EXPECT_FALSE(cases[1].ok);
  EXPECT_FALSE(cases[2].ok);
  EXPECT_EQ(cases[2].directive, "SKIP");
  EXPECT_FALSE(top[0].ok);
}

TEST(Ktap, NamesNeverCarryAHashAndInputProblemsAreDiagnostics) {
  const std::string text = Ktap(
      {sample::Header("a#b", "1#2").dump() + "\n" + sample::Case("fifo.open.a", "PASS", "pass").dump() + "\n{broken\n",
       sample::NativeRun()});
  auto top = KtapParser(text).Parse();
  EXPECT_EQ(top[0].name, "a_b @ 1_2 / Debian 12");
  EXPECT_THAT(text, HasSubstr("# input problem: "));
  EXPECT_THAT(text, HasSubstr(":3: not a valid JSON record"));
}

TEST(Ktap, NoResultsIsAnEmptyPlan) {
  EXPECT_EQ(Ktap({}), "KTAP version 1\n1..0\n# ipcconform 0.1.0 (abc): 0 targets\n");
  EXPECT_EQ(ErrorOf(Ktap({})), "");
}

}  // namespace
