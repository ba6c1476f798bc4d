// `ipcconform report` as a whole: formats, exit status, problems on the error stream, the bundle.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/report.h"
#include "reports/tests/sample_runs.h"

namespace {

using namespace ipcc;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command (test-side only) and returns its standard output; fails the test on a non-zero status.
std::string Shell(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = p == nullptr ? -1 : pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << "\n" << out;
  return out;
}

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

Outcome Report(const std::vector<std::string>& inputs, const std::string& dir, const std::string& formats = "all",
               const std::vector<std::string>& bundle_expectations = {}) {
  ReportOptions o;
  o.inputs = inputs;
  o.out = dir;
  o.formats = formats;
  o.bundle_expectations = bundle_expectations;
  o.tool = {"0.1.0", "feedc0ffee00"};
  std::ostringstream out;
  std::ostringstream err;
  Outcome r;
  r.status = RunReport(o, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(Report, FormatsAreParsed) {
  EXPECT_EQ(ParseFormats("all").size(), 6u);
  EXPECT_EQ(ParseFormats("md,ktap"), (std::set<std::string>{"md", "ktap"}));
  EXPECT_THROW(ParseFormats("md,pdf"), std::invalid_argument);
  EXPECT_THROW(ParseFormats(""), std::invalid_argument);
}

TEST(Report, GoodInputWritesEveryFormatAndExitsZero) {
  const std::string dir = sample::TempFolder("out");
  const std::string native = sample::WriteTempFile("native", sample::NativeRun());
  const auto r =
      Report({fs::path(native).parent_path().string(), sample::WriteTempFile("runsc", sample::SandboxRun())}, dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* f :
       {"report.html", "report.md", "report.ktap", "junit.xml", "summary.json", "ipcconform-report.tar.gz"}) {
    EXPECT_TRUE(fs::is_regular_file(dir + "/" + f)) << f;
    EXPECT_THAT(r.out, HasSubstr(dir + "/" + f + "\n"));
  }
  EXPECT_FALSE(fs::exists(dir + "/report.html.tmp"));
}

TEST(Report, OnlyTheNamedFormatsAreWritten) {
  const std::string dir = sample::TempFolder("out");
  const auto r = Report({sample::WriteTempFile("native", sample::NativeRun())}, dir, "md,json");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(fs::exists(dir + "/report.md"));
  EXPECT_TRUE(fs::exists(dir + "/summary.json"));
  EXPECT_FALSE(fs::exists(dir + "/report.html"));
  EXPECT_FALSE(fs::exists(dir + "/ipcconform-report.tar.gz"));
  const auto bad = Report({}, dir, "html,pdf");
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.err, HasSubstr("unknown format 'pdf'"));
}

TEST(Report, BadInputIsNamedWithFileAndLineAndEveryGoodLineStillReported) {
  const std::string dir = sample::TempFolder("out");
  const std::string damaged =
      sample::WriteTempFile("damaged", sample::NativeRun() + "{\"record\":\"case\",\"id\":\"pipe.x.y\n");
  std::string newer = sample::SandboxRun();
  newer.replace(newer.find("\"format\":1"), 10, "\"format\":3");
  const std::string newer_path = sample::WriteTempFile("newer", newer);
  const auto r = Report({damaged, "/nonexistent/results.jsonl", newer_path}, dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("ipcconform report: " + damaged + ":8: not a valid JSON record"));
  EXPECT_THAT(r.err, HasSubstr("ipcconform report: /nonexistent/results.jsonl: cannot open the results file"));
  EXPECT_THAT(r.err, HasSubstr("ipcconform report: " + newer_path + ":1: results format 3 is newer"));
  const std::string html = Slurp(dir + "/report.html");
  EXPECT_THAT(html, HasSubstr("Problems with the input (3)"));
  EXPECT_THAT(html, HasSubstr("id=\"case-pipe.read.e\""));      // the good lines of the damaged file
  EXPECT_THAT(html, HasSubstr(">runsc @ 4.4.0 / Debian 12<"));  // the newer file, read as far as understood
  EXPECT_THAT(Slurp(dir + "/report.md"), HasSubstr("Problems with the input (3)"));
  EXPECT_EQ(nlohmann::json::parse(Slurp(dir + "/summary.json"))["problems"].size(), 3u);
  EXPECT_TRUE(fs::exists(dir + "/ipcconform-report.tar.gz"));
}

TEST(Report, TheBundleHoldsReportsInputsExpectationsAndAManifestThatChecks) {
  const std::string dir = sample::TempFolder("out");
  const std::string expectations = sample::TempFolder("fixtures") + "/native.txt";
  std::ofstream(expectations) << "pipe.read.e FAIL # a known bug\n";
  std::string native = sample::NativeRun();
  native.replace(native.find("\"expectations\":\"\""), 17, "\"expectations\":\"" + expectations + "\"");
  const std::string native_path = sample::WriteTempFile("native", native);
  const std::string sandbox_path = sample::WriteTempFile("runsc", sample::SandboxRun());
  ASSERT_EQ(Report({native_path, sandbox_path}, dir, "all", {expectations}).status, 0);

  const std::string bundle = dir + "/ipcconform-report.tar.gz";
  const std::string listing = Shell("tar -tzf '" + bundle + "' | sort");
  for (const char* f : {"ipcconform-report/MANIFEST", "ipcconform-report/SHA256SUMS",
                        "ipcconform-report/reports/report.html", "ipcconform-report/reports/report.md",
                        "ipcconform-report/reports/report.ktap", "ipcconform-report/reports/junit.xml",
                        "ipcconform-report/reports/summary.json", "ipcconform-report/expectations/1-native.txt"}) {
    EXPECT_THAT(listing, HasSubstr(std::string(f) + "\n")) << listing;
  }
  EXPECT_THAT(listing, HasSubstr("ipcconform-report/inputs/1-"));
  EXPECT_THAT(listing, HasSubstr("ipcconform-report/inputs/2-"));

  const std::string unpacked = sample::TempFolder("unpacked");
  Shell("tar -xzf '" + bundle + "' -C '" + unpacked + "'");
  Shell("cd '" + unpacked + "/ipcconform-report' && sha256sum --quiet -c SHA256SUMS");
  const std::string manifest = Slurp(unpacked + "/ipcconform-report/MANIFEST");
  EXPECT_THAT(manifest, HasSubstr("made by:  ipcconform 0.1.0 (commit feedc0ffee00)"));
  EXPECT_THAT(manifest, HasSubstr("produced by:  ipcconform 0.1.0 (commit abc123def456)"));
  EXPECT_THAT(manifest, HasSubstr("\"release\":\"4.4.0\""));
  EXPECT_THAT(manifest, HasSubstr("expectations: expectations/1-native.txt (from " + expectations + ")"));
  EXPECT_THAT(manifest, HasSubstr("expectations: MISSING (/nonexistent/fixtures/expectations/runsc.txt"));
  EXPECT_THAT(manifest, HasSubstr("runsc @ 4.4.0 / Debian 12"));
  // The inputs are the raw files, byte for byte.
  const std::string listed = Shell("ls '" + unpacked + "/ipcconform-report/inputs'");
  const std::string first = listed.substr(0, listed.find('\n'));
  EXPECT_EQ(Slurp(unpacked + "/ipcconform-report/inputs/" + first), native);
  EXPECT_THAT(Slurp(unpacked + "/ipcconform-report/reports/report.md"), Not(HasSubstr("Problems with the input")));
}

TEST(Report, ABundleCopiesNoFileOnlyAResultsHeaderNames) {
  // A crafted results file names a private file as its expectations: the bundle must not carry it.
  const std::string dir = sample::TempFolder("out-private");
  const std::string secret = sample::TempFolder("private") + "/secret.txt";
  std::ofstream(secret) << "not for the bundle\n";
  std::string native = sample::NativeRun();
  native.replace(native.find("\"expectations\":\"\""), 17, "\"expectations\":\"" + secret + "\"");
  const std::string native_path = sample::WriteTempFile("native-private", native);
  ASSERT_EQ(Report({native_path}, dir, "bundle").status, 0);
  const std::string bundle = dir + "/ipcconform-report.tar.gz";
  EXPECT_THAT(Shell("tar -tzf '" + bundle + "'"), Not(HasSubstr("expectations/")));
  const std::string unpacked = sample::TempFolder("unpacked-private");
  Shell("tar -xzf '" + bundle + "' -C '" + unpacked + "'");
  EXPECT_THAT(Slurp(unpacked + "/ipcconform-report/MANIFEST"), HasSubstr("expectations: NOT BUNDLED (" + secret));
  EXPECT_THAT(Shell("grep -r 'not for the bundle' '" + unpacked + "' || true"), Not(HasSubstr("not for the bundle")));
}

TEST(Report, InputsWithoutACaseRecordLeaveTheReportsThereAsTheyWere) {
  const std::string dir = sample::TempFolder("out-kept");
  ASSERT_EQ(Report({sample::WriteTempFile("good", sample::NativeRun())}, dir).status, 0);
  const std::string html = Slurp(dir + "/report.html");
  ASSERT_THAT(html, HasSubstr("id=\"case-"));
  const Outcome bad = Report({sample::WriteTempFile("garbage", "not json\n{\"record\":\"header\"\n")}, dir);
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.err, HasSubstr("no report written: the inputs hold no case record"));
  EXPECT_EQ(Slurp(dir + "/report.html"), html) << "the good report must stay";
}

TEST(Report, WritesNoReportThroughALinkPlantedAtItsTemporaryName) {
  const std::string dir = sample::TempFolder("out-link");
  const std::string victim = sample::TempFolder("victim") + "/victim.txt";
  std::ofstream(victim) << "untouched\n";
  // The names a writer of old used for its temporary files, and the report's own name.
  fs::create_symlink(victim, dir + "/report.md.tmp");
  fs::create_symlink(victim, dir + "/report.html");
  ASSERT_EQ(Report({sample::WriteTempFile("good-link", sample::NativeRun())}, dir, "md,html").status, 0);
  EXPECT_EQ(Slurp(victim), "untouched\n");
  EXPECT_FALSE(fs::is_symlink(dir + "/report.html")) << "the report replaces the link, not its target";
  EXPECT_THAT(Slurp(dir + "/report.html"), HasSubstr("<!DOCTYPE html>"));
}

TEST(Report, RefusesAnOutFolderOthersCanWriteTo) {
  const std::string dir = sample::TempFolder("out-open");
  fs::permissions(dir, fs::perms::all);  // 0777, as another user could have made it
  const Outcome r = Report({sample::WriteTempFile("good-open", sample::NativeRun())}, dir, "md");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("is writable by others"));
  EXPECT_FALSE(fs::exists(dir + "/report.md"));
}

}  // namespace
