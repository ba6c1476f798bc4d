// `ipcconform run` options beyond the plain run: expectation files (verdicts, --strict, stale
// entries), --resume, a report that cannot be written, selections, cases whose needs are not met, a
// root without CAP_SYS_ADMIN, and progress on a terminal.
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/process.hpp>

#include "harness/tests/tool_util.h"
#include "reports/results.h"

namespace {

namespace bp = boost::process;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace ipcc::testutil;

std::string Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

TEST(RunExpectations, VerdictsUnexpectedPassesAndStaleEntries) {
  const std::string dir = FreshDir("expect");
  std::filesystem::create_directories(dir);
  const std::string file =
      Write(dir + "/target.txt", "# deviations of a pretend target\n"
                                 "selftest.child.failure_propagates FAIL  # the child's failure is known here\n"
                                 "selftest.empty.passes FAIL              # pretends the empty case fails here\n"
                                 "selftest.crash.*      CRASH             # not in this selection\n"
                                 "selftest.gone.*       FAIL              # no such case\n");
  const std::vector<std::string> args = {"run", "-f",    "selftest.empty.*", "-f", "selftest.child.*", "--expect",
                                         file,  "--out", dir + "/out"};
  ToolResult r = RunTool(args);
  EXPECT_EQ(r.exit_code, 0) << "an expected FAIL and an unexpected pass do not fail a run: " << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Verdicts against " + file + ": 1 expected deviation, 1 unexpected pass\n"));
  EXPECT_THAT(r.out, HasSubstr("  unexpected pass: selftest.empty.passes (expected FAIL)\n"));
  EXPECT_THAT(r.out, HasSubstr("  stale expectation: " + file +
                               ":3: 'selftest.empty.passes' no longer holds: none of its 1 case(s) came out FAIL\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("'selftest.crash.*'"))) << "an entry for cases not selected is not stale";
  EXPECT_THAT(r.out, HasSubstr("  stale expectation: " + file + ":5: 'selftest.gone.*' matched no case in this run\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("Problems"))) << "an expected deviation is no problem";

  Results res = Load(dir + "/out");
  EXPECT_EQ(res.header["expectations"], file);
  const json& child = res.cases["selftest.child.failure_propagates"];
  EXPECT_EQ(child["outcome"], "FAIL");
  EXPECT_EQ(child["verdict"], "expected deviation");
  EXPECT_EQ(child["expected"], "FAIL");
  EXPECT_EQ(child["expectation"], json({{"pattern", "selftest.child.failure_propagates"},
                                        {"reason", "the child's failure is known here"},
                                        {"where", file + ":2"}}));
  EXPECT_EQ(res.cases["selftest.empty.passes"]["verdict"], "unexpected pass");
  EXPECT_EQ(res.end["verdicts"], json({{"expected deviation", 1}, {"unexpected pass", 1}}));
  EXPECT_EQ(res.end["stale_expectations"].size(), 2u);

  std::vector<std::string> strict = args;
  strict.push_back("--strict");
  ToolResult s = RunTool(strict);
  EXPECT_EQ(s.exit_code, 1) << "with --strict an unexpected pass fails the run: " << s.out << s.err;

  // Only a stale entry: a failure only with --strict.
  const std::string only_stale = Write(dir + "/stale.txt", "selftest.gone.* CRASH # no such case\n");
  ToolResult lenient = RunTool({"run", "-f", "selftest.empty.*", "--expect", only_stale, "--out", dir + "/out", "-q"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.out << lenient.err;
  ToolResult stale =
      RunTool({"run", "-f", "selftest.empty.*", "--expect", only_stale, "--strict", "--out", dir + "/out", "-q"});
  EXPECT_EQ(stale.exit_code, 1) << stale.out << stale.err;
  EXPECT_EQ(Load(dir + "/out").end["stale_expectations"].size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(RunExpectations, ABadExpectationFileIsRefusedWithItsLine) {
  const std::string dir = FreshDir("bad-expect");
  std::filesystem::create_directories(dir);
  const std::string file = Write(dir + "/target.txt", "selftest.empty.passes ERROR  # a harness failure\n");
  ToolResult r = RunTool({"run", "-f", "selftest.empty.*", "--expect", file, "--out", dir + "/out"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("ipcconform: " + file + ":1: "));
  EXPECT_THAT(r.err, HasSubstr("ERROR cannot be expected"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/out/results.jsonl")) << "no run started";
  std::filesystem::remove_all(dir);
}

TEST(RunResume, NothingToResumeOrATargetIsRefused) {
  const std::string dir = FreshDir("resume-none");
  ToolResult none = RunTool({"run", "--resume", "-f", "selftest.empty.*", "--out", dir});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err, "ipcconform: --resume: there is no " + dir + "/results.jsonl to continue\n");
  ToolResult target = RunTool({"run", "--resume", "--target", "wrap:env", "-f", "selftest.empty.*", "--out", dir});
  EXPECT_EQ(target.exit_code, 2);
  EXPECT_EQ(target.err, "ipcconform: --resume works with --target native only\n");
  std::filesystem::remove_all(dir);
}

// A damaged line in the file being resumed is reported, the good records count, and only the
// cases without a record run.
TEST(RunResume, ADamagedLineIsReportedAndTheRecordsKept) {
  const std::string dir = FreshDir("resume-damaged");
  ToolResult first = RunTool({"run", "-f", "selftest.empty.*", "--out", dir, "-q"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::ofstream(dir + "/results.jsonl", std::ios::app) << "{\"record\": \"case\", \"id\": \"selftest.unsu\n";
  ToolResult r = RunTool({"run", "--resume", "-f", "selftest.empty.*", "-f", "selftest.unsupported.*", "--out", dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("resuming " + dir + "/results.jsonl: 1 case(s) already recorded, 1 to run\n"));
  EXPECT_EQ(r.err, "ipcconform: --resume: " + dir +
                       "/results.jsonl:4: not a valid JSON record (truncated or corrupted line)\n");
  ipcc::RunResults after = ipcc::ReadResults(dir + "/results.jsonl");
  std::vector<std::string> ids;
  for (const auto& c : after.cases) ids.push_back(c["id"]);
  EXPECT_THAT(ids, ElementsAre("selftest.empty.passes", "selftest.unsupported.is_not_pass"))
      << "the finished case is not run again";
  ASSERT_TRUE(after.end.has_value());
  EXPECT_EQ((*after.end)["counts"], json({{"PASS", 1}, {"UNSUPPORTED", 1}})) << "the earlier record counts";
  std::filesystem::remove_all(dir);
}

TEST(RunReports, AReportThatCannotBeWrittenFailsTheRunAndSaysWhy) {
  const std::string dir = FreshDir("unwritable-report");
  std::filesystem::create_directories(dir + "/junit.xml/in-the-way");
  ToolResult r = RunTool({"run", "-f", "selftest.empty.*", "--out", dir, "-q"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("ipcconform: writing reports: " + dir + "/junit.xml: cannot rename into place: "));
  EXPECT_FALSE(std::filesystem::exists(dir + "/junit.xml.tmp"));
  Results res = Load(dir);
  EXPECT_EQ(res.cases["selftest.empty.passes"]["outcome"], "PASS");
  EXPECT_FALSE(res.end.is_null()) << "the canonical log is complete all the same";
  std::filesystem::remove_all(dir);
}

TEST(RunSelection, FiltersAndMechanismsThatShareNoCaseAreRefused) {
  const std::string dir = FreshDir("disjoint");
  ToolResult r = RunTool({"run", "-f", "selftest.empty.*", "-m", "pipe", "--out", dir});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "ipcconform: the selection is empty: no case matches both the filters and mechanisms\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/results.jsonl"));
}

// Without namespaces (asked for here), a case that needs its own IPC namespace is not run, and the
// cases run one at a time.
TEST(RunNeeds, ACaseNeedingAnIpcNamespaceIsSkippedWithoutNamespaces) {
  const std::string dir = FreshDir("needs-ns");
  ToolResult r = RunTool({"run", "-j", "2", "--isolation", "process-group", "-f",
                          "selftest.needs.own_ipc_namespace_met_runs", "-f", "selftest.empty.*", "--out", dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("note: no namespaces (process-group isolation requested); running one case at a time\n"));
  Results res = Load(dir);
  EXPECT_EQ(res.header["jobs"], 1);
  const json& c = res.cases["selftest.needs.own_ipc_namespace_met_runs"];
  EXPECT_EQ(c["outcome"], "SKIP");
  EXPECT_EQ(c["unmet"], "own-ipc-namespace");
  EXPECT_EQ(c["message"],
            "needs its own IPC namespace, which this environment refuses (process-group isolation requested)");
  EXPECT_EQ(c["isolation"], "none") << "it never started";
  EXPECT_EQ(res.cases["selftest.empty.passes"]["isolation"], "process-group");
  std::filesystem::remove_all(dir);
}

// Root in a container that withholds CAP_SYS_ADMIN (made here with setpriv): no namespaces, the
// reason in the header, cases that need root's capabilities or their own namespaces SKIP, the others run.
TEST(RunNeeds, RootWithoutCapSysAdminRunsWithoutNamespacesAndSaysWhy) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to start a run as root without CAP_SYS_ADMIN";
  const std::string setpriv = bp::search_path("setpriv").string();
  if (setpriv.empty()) GTEST_SKIP() << "setpriv (util-linux) is not installed";
  const std::string dir = FreshDir("no-sys-admin");
  auto run = [&](std::vector<std::string> args, std::string* out, std::string* err) {
    std::vector<std::string> argv = {"--bounding-set=-sys_admin", "--inh-caps=-sys_admin", "--",
                                     std::string(IPCC_BIN_DIR) + "/ipcconform"};
    argv.insert(argv.end(), args.begin(), args.end());
    bp::environment env = boost::this_process::environment();
    env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
    bp::ipstream o;
    bp::ipstream e;
    bp::child c(setpriv, bp::args = argv, bp::std_out > o, bp::std_err > e, env);
    for (std::string line; std::getline(o, line);) *out += line + "\n";
    for (std::string line; std::getline(e, line);) *err += line + "\n";
    c.wait();
    return c.exit_code();
  };
  std::string out;
  std::string err;
  const int rc = run({"run", "-j", "2", "-f", "selftest.empty.*", "-f", "selftest.isolation.*", "-f",
                      "selftest.needs.root_met_runs", "--out", dir},
                     &out, &err);
  EXPECT_EQ(rc, 0) << out << err;
  const std::string reason = "the system refuses to create IPC/mount/PID namespaces";
  EXPECT_THAT(out, HasSubstr("note: no namespaces (" + reason + "); running one case at a time\n"));
  Results res = Load(dir);
  EXPECT_EQ(res.header["fingerprint"]["uid"], 0);
  EXPECT_EQ(res.header["isolation"]["namespaces"], false);
  EXPECT_EQ(res.header["isolation"]["reason"], reason);
  EXPECT_EQ(res.cases["selftest.empty.passes"]["outcome"], "PASS");
  EXPECT_EQ(res.cases["selftest.isolation.reports_namespaces"]["outcome"], "SKIP");
  const json& root_case = res.cases["selftest.needs.root_met_runs"];
  EXPECT_EQ(root_case["outcome"], "SKIP");
  EXPECT_EQ(root_case["message"], "needs root's capabilities (CAP_SYS_ADMIN), which this environment withholds");

  std::string out2;
  std::string err2;
  EXPECT_EQ(run({"run", "--isolation", "namespaces", "-f", "selftest.empty.*", "--out", dir}, &out2, &err2), 2);
  EXPECT_EQ(err2, "ipcconform: --isolation namespaces: " + reason + " (namespaces were required)\n");
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

// On a terminal the progress is one line rewritten in place; an outcome other than PASS also gets a
// line of its own, which stays.
TEST(RunProgress, OnATerminalOnlyNonPassOutcomesStay) {
  const std::string dir = FreshDir("tty");
  const std::string binary = std::string(IPCC_BIN_DIR) + "/ipcconform";
  const std::string tag = kTag;
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0) << "forkpty: " << errno;
  if (pid == 0) {
    putenv(const_cast<char*>(tag.c_str()));
    execl(binary.c_str(), "ipcconform", "run", "-j", "1", "-f", "selftest.empty.*", "-f", "selftest.unsupported.*",
          "--out", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string screen;
  char buf[4096];
  for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;) screen.append(buf, static_cast<std::size_t>(n));
  close(master);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << screen;
  // (The terminal turns each \n into \r\n.)
  EXPECT_THAT(screen, HasSubstr("\r\033[K[   1/2] 0 running  PASS        selftest.empty.passes"));
  EXPECT_THAT(screen, HasSubstr("\r\033[KUNSUPPORTED selftest.unsupported.is_not_pass\r\n"));
  EXPECT_THAT(screen, HasSubstr("\r\033[K[   2/2] 0 running  UNSUPPORTED selftest.unsupported.is_not_pass"));
  EXPECT_THAT(screen, Not(HasSubstr("\033[KPASS"))) << "a PASS gets no line of its own";
  EXPECT_THAT(screen, HasSubstr("2 cases: 1 PASS, 1 UNSUPPORTED"));
  std::filesystem::remove_all(dir);
}

}  // namespace
