// Targets: parsing --target, the command that enters each target, running that command, and whole runs
// inside bubblewrap, a command prefix, gVisor and user-mode Linux as users start them.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/process.hpp>

#include "harness/caselib/child.h"
#include "harness/caselib/leaks.h"
#include "harness/program/targets.h"
#include "harness/tests/tool_util.h"

namespace {

namespace bp = boost::process;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace ipcc::testutil;

// What a UsageError says, or "" when none was thrown.
template <typename F>
std::string UsageErrorOf(F&& f) {
  try {
    f();
  } catch (const ipcc::UsageError& e) {
    return e.what();
  }
  return "";
}

std::string FirstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Installed(const std::string& tool) {
  return !bp::search_path(tool).empty();
}

// Whether user-mode Linux can run a program on this host at all: a boot whose init prints a marker and
// powers off. Some host kernels make the guest's first process die of SIGSEGV before it runs ("Attempted
// to kill init! exitcode=0x0000000b"); the uml target cannot work there whatever this project does.
bool UmlBootsHere(std::string* why) {
  const std::string dir = FreshDir("uml-probe");
  std::filesystem::create_directories(dir);
  const std::string init = dir + "/init";
  {
    std::ofstream script(init);
    script << "#!/bin/sh\necho uml-probe-booted\npoweroff -f >/dev/null 2>&1 || halt -f\n";
  }
  chmod(init.c_str(), 0755);
  bp::ipstream out;
  bp::child c(bp::search_path("timeout"), "60", bp::search_path("linux"), "mem=256M", "rootfstype=hostfs",
              "rootflags=/", "rw", "loglevel=4", "con=null", "con0=null,fd:1", "ssl=null", "init=" + init,
              bp::std_in<bp::null, (bp::std_out & bp::std_err)> out);
  std::string line, seen;
  while (std::getline(out, line)) {
    if (line.find("uml-probe-booted") != std::string::npos) seen = line;
    if (line.find("Kernel panic") != std::string::npos) *why = line;
  }
  c.wait();
  std::filesystem::remove_all(dir);
  return !seen.empty();
}

// RunTool with changes to a copy of the environment (RunTool's changes stay in this process's own).
ToolResult RunToolWithEnv(const std::vector<std::string>& args, const std::map<std::string, std::string>& changes) {
  bp::environment env = boost::this_process::environment();
  env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  for (const auto& [k, v] : changes) env[k] = v;
  bp::ipstream out;
  bp::ipstream err;
  bp::child c(std::string(IPCC_BIN_DIR) + "/ipcconform", bp::args = args, bp::std_out > out, bp::std_err > err, env);
  ToolResult r;
  for (std::string line; std::getline(out, line);) r.out += line + "\n";
  for (std::string line; std::getline(err, line);) r.err += line + "\n";
  c.wait();
  r.exit_code = c.exit_code();
  return r;
}

// The inner runner's --out, as the target command the header records names it.
std::string InnerOut(const json& header) {
  const json& cmd = header["target_command"];
  for (std::size_t i = 0; i + 1 < cmd.size(); ++i) {
    if (cmd[i] == "--out") return cmd[i + 1];
  }
  return "";
}

TEST(ParseTarget, KindsAndArguments) {
  ipcc::TargetSpec chroot = ipcc::ParseTarget("chroot:/srv/deb11");
  EXPECT_EQ(chroot.kind, "chroot");
  EXPECT_EQ(chroot.arg, "/srv/deb11");
  ipcc::TargetSpec wrap = ipcc::ParseTarget("wrap:firejail --quiet");
  EXPECT_EQ(wrap.kind, "wrap");
  EXPECT_EQ(wrap.arg, "firejail --quiet") << "the prefix is everything after the first colon";
  EXPECT_EQ(ipcc::ParseTarget("runsc").kind, "runsc");
}

TEST(ParseTarget, MissingOrSurplusArgumentsAreRefused) {
  EXPECT_EQ(UsageErrorOf([] { ipcc::ParseTarget("chroot"); }), "target 'chroot' needs an argument: chroot:DIR");
  EXPECT_EQ(UsageErrorOf([] { ipcc::ParseTarget("wrap:"); }), "target 'wrap:' needs an argument: wrap:PREFIX");
  EXPECT_EQ(UsageErrorOf([] { ipcc::ParseTarget("bwrap:--unshare-all"); }), "target 'bwrap' takes no argument");
  EXPECT_THAT(UsageErrorOf([] { ipcc::ParseTarget("qemu"); }), HasSubstr("unknown target 'qemu' (available:"));
}

TEST(TargetCommand, ABuildBelowAFolderTheTargetReplacesIsMountedBack) {
  EXPECT_EQ(ipcc::FolderToKeepVisible("/tmp/clone/build/bin/ipcconform"), "/tmp/clone/build");
  EXPECT_EQ(ipcc::FolderToKeepVisible("/tmp/bin/ipcconform"), "/tmp/bin");
  EXPECT_EQ(ipcc::FolderToKeepVisible("/dev/shm/x/bin/ipcconform"), "/dev/shm/x");
  EXPECT_EQ(ipcc::FolderToKeepVisible("/work/build/bin/ipcconform"), "");
  EXPECT_EQ(ipcc::FolderToKeepVisible("/tmpx/build/bin/ipcconform"), "");
  EXPECT_THAT(UsageErrorOf([] { ipcc::FolderToKeepVisible("/tmp/ipcconform"); }),
              HasSubstr("/tmp/ipcconform lies directly in /tmp"));
}

TEST(TargetCommand, NativeHasNoCommand) {
  EXPECT_THAT(UsageErrorOf([] {
                std::string scratch;
                ipcc::TargetCommand(ipcc::ParseTarget("native"), {"run"}, &scratch);
              }),
              HasSubstr("does not run through a command"));
}

TEST(TargetCommand, ChrootWithoutTheRootsBinaryTellsHowToMakeIt) {
  const std::string dir = FreshDir("chroot-empty");
  std::filesystem::create_directories(dir);
  const std::string message = UsageErrorOf([&] {
    std::string scratch;
    ipcc::TargetCommand(ipcc::ParseTarget("chroot:" + dir), {"run"}, &scratch);
  });
  EXPECT_EQ(message, dir + " has no /opt/ipcconform/build/bin/ipcconform: make the root with ci/make-chroot.sh first");
  std::filesystem::remove_all(dir);
}

TEST(TargetCommand, ChrootRunsTheRootsOwnBinaryInAPrivateMountNamespace) {
  const std::string dir = FreshDir("chroot-fake");
  const std::string binary = dir + "/opt/ipcconform/build/bin/ipcconform";
  std::filesystem::create_directories(std::filesystem::path(binary).parent_path());
  std::ofstream(binary) << "#!/bin/sh\n";
  chmod(binary.c_str(), 0755);
  std::string scratch;
  // A relative root is made absolute: the command runs from another folder.
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(std::filesystem::path(dir).parent_path());
  const std::vector<std::string> cmd = ipcc::TargetCommand(
      ipcc::ParseTarget("chroot:./" + std::filesystem::path(dir).filename().string()), {"run", "-q"}, &scratch);
  std::filesystem::current_path(cwd);
  EXPECT_EQ(scratch, "") << "a chroot needs no scratch file";
  ASSERT_GE(cmd.size(), 4u);
  EXPECT_EQ(std::filesystem::path(cmd[0]).filename(), "unshare");
  EXPECT_THAT(cmd, ::testing::Contains("--mount"));
  EXPECT_THAT(cmd, ::testing::Contains("private"));
  EXPECT_THAT(cmd, ::testing::Contains(dir)) << "the root, absolute";
  const std::vector<std::string> tail(cmd.end() - 3, cmd.end());
  EXPECT_THAT(tail, ElementsAre("/opt/ipcconform/build/bin/ipcconform", "run", "-q"));
  std::filesystem::remove_all(dir);
}

// The init script the user-mode kernel boots: mounts what cases need, runs ipcconform with the
// arguments exactly as given (quoted for the shell), reports its exit status and powers off.
TEST(TargetCommand, UmlBootsAScriptThatRunsTheArgumentsAsGiven) {
  if (!Installed("linux")) GTEST_SKIP() << "user-mode Linux (`linux`, Debian package user-mode-linux) is not installed";
  const std::vector<std::string> args = {"run", "-f", "it's a *", "--out", "/tmp/x y"};
  std::string scratch;
  const std::vector<std::string> cmd = ipcc::TargetCommand(ipcc::ParseTarget("uml"), args, &scratch);
  ASSERT_THAT(scratch, StartsWith("/tmp/ipcconform-uml-init-"));
  struct stat st {};
  ASSERT_EQ(stat(scratch.c_str(), &st), 0);
  EXPECT_NE(st.st_mode & S_IXUSR, 0u) << "the kernel execs the script";
  EXPECT_THAT(cmd, ::testing::Contains("init=" + scratch));
  EXPECT_THAT(cmd, ::testing::Contains("rootfstype=hostfs"));
  EXPECT_EQ(std::filesystem::path(cmd[0]).filename(), "linux");

  const std::string script = ReadWhole(scratch);
  unlink(scratch.c_str());
  EXPECT_THAT(script, StartsWith("#!/bin/sh\n"));
  for (const char* line : {"mount -t proc proc /proc\n", "mount -t tmpfs tmp /tmp\n", "mount -t tmpfs shm /dev/shm\n",
                           "mount -t mqueue mqueue /dev/mqueue", "echo \"@ipcconform-exit $?\"\n", "poweroff -f"}) {
    EXPECT_THAT(script, HasSubstr(line));
  }
  // The line that runs ipcconform: the shell must see exactly the words given.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string quoted_self = "'" + self + "'";
  const auto at = script.find(quoted_self);
  ASSERT_NE(at, std::string::npos) << script;
  const auto end = script.find('\n', at);
  const std::string words = script.substr(at + quoted_self.size(), end - at - quoted_self.size());
  EXPECT_EQ(words, " 'run' '-f' 'it'\\''s a *' '--out' '/tmp/x y'");
  bp::ipstream out;
  bp::child sh("/bin/sh", bp::args = {"-c", "printf '[%s]\\n'" + words}, bp::std_out > out);
  std::string printed;
  for (std::string line; std::getline(out, line);) printed += line + "\n";
  sh.wait();
  EXPECT_EQ(printed, "[run]\n[-f]\n[it's a *]\n[--out]\n[/tmp/x y]\n");
}

// RunTargetCommand changes SIGINT/SIGTERM handling of the calling process: put it back afterwards.
class RunTargetCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sigaction(SIGINT, nullptr, &old_int_);
    sigaction(SIGTERM, nullptr, &old_term_);
  }
  void TearDown() override {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

TEST_F(RunTargetCommandTest, RecordsComeOutAndEverythingElseIsKeptForTheMessage) {
  // A console prefixes lines and ends them with a carriage return; a marked line that is not JSON is
  // output, not a record.
  const std::string script =
      "echo booting; printf 'console: @ipcconform-record {\"record\":\"case\",\"id\":\"a.b.c\"}\\r\\n'; "
      "echo '@ipcconform-record {not json'; echo 'it broke' >&2; exit 3";
  std::vector<json> records;
  ipcc::TargetProcess p =
      ipcc::RunTargetCommand(ipcc::ParseTarget("wrap:sh"), {"/bin/sh", "-c", script}, std::chrono::seconds(30),
                             [&](const json& rec) { records.push_back(rec); });
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], json({{"record", "case"}, {"id", "a.b.c"}}));
  EXPECT_EQ(p.exit_status, 3);
  EXPECT_EQ(p.killed_why, "");
  EXPECT_EQ(p.interrupted_by, 0);
  EXPECT_EQ(p.stderr_tail, "it broke");
  EXPECT_EQ(p.console, "booting\n(unreadable record) @ipcconform-record {not json\n");
  EXPECT_EQ(p.Describe("target t failed"),
            "target t failed (exit status 3)\n--- its standard error:\nit broke\n--- its other output:\nbooting\n"
            "(unreadable record) @ipcconform-record {not json\n");
}

TEST_F(RunTargetCommandTest, OnlyTheLastConsoleLinesAreKept) {
  ipcc::TargetProcess p = ipcc::RunTargetCommand(
      ipcc::ParseTarget("wrap:sh"), {"/bin/sh", "-c", "i=1; while [ $i -le 100 ]; do echo line $i; i=$((i+1)); done"},
      std::chrono::seconds(30), [](const json&) {});
  EXPECT_EQ(p.exit_status, 0);
  EXPECT_THAT(p.console, StartsWith("line 61\n"));
  EXPECT_THAT(p.console, ::testing::EndsWith("line 100\n"));
}

TEST_F(RunTargetCommandTest, ATargetOverItsBudgetIsEndedWithEverythingItStarted) {
  // The command and the process it leaves running in the background carry this test's tag.
  ipcc::TargetProcess p = ipcc::RunTargetCommand(
      ipcc::ParseTarget("wrap:sh"), {"/usr/bin/env", kTag, "/bin/sh", "-c", "sleep 60 & echo started; wait"},
      std::chrono::seconds(1), [](const json&) {});
  EXPECT_EQ(p.killed_why, "the target ran longer than its budget of 1 s");
  EXPECT_EQ(p.console, "started\n");
  EXPECT_THAT(p.Describe("target t"), StartsWith("target t (exit status "));
  EXPECT_THAT(p.Describe("target t"), HasSubstr("; the target ran longer than its budget of 1 s)"));
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

TEST_F(RunTargetCommandTest, WhatTheTargetLeavesRunningIsEndedAndReaped) {
  // Two processes in sessions of their own (out of reach of the target's process group, as bwrap's
  // and runsc's helpers are) outlive the command: one ends by itself within the grace, one does not.
  ASSERT_THAT(ipcc::ChildrenOf(getpid()), ::testing::IsEmpty());
  ipcc::TargetProcess p =
      ipcc::RunTargetCommand(ipcc::ParseTarget("wrap:sh"),
                             {"/usr/bin/env", kTag, "/bin/sh", "-c",
                              "setsid sleep 60 >/dev/null 2>&1 & setsid sleep 0.3 >/dev/null 2>&1 & echo started"},
                             std::chrono::seconds(30), [](const json&) {});
  EXPECT_EQ(p.exit_status, 0);
  EXPECT_EQ(p.console, "started\n");
  EXPECT_EQ(p.leftovers_killed, 1) << "the 60 s sleep is killed after the grace, the 0.3 s one ends by itself";
  EXPECT_EQ(StrayProcesses(), 0) << "nothing of the target runs on";
  EXPECT_THAT(ipcc::ChildrenOf(getpid()), ::testing::IsEmpty()) << "and nothing is left unreaped";
  int subreaper = -1;
  prctl(PR_GET_CHILD_SUBREAPER, &subreaper);
  EXPECT_EQ(subreaper, 0) << "the caller's subreaper setting is put back";
}

TEST_F(RunTargetCommandTest, ACommandThatCannotStartIsAUsageError) {
  EXPECT_THAT(UsageErrorOf([] {
                ipcc::RunTargetCommand(ipcc::ParseTarget("wrap:x"), {"/nonexistent/ipcconform-target"},
                                       std::chrono::seconds(5), [](const json&) {});
              }),
              StartsWith("target wrap:x could not start: "));
}

// A run inside a command prefix: the inner runner streams its records, the outer one judges them and
// writes the reports on the host, with the target's name and command; nothing of the inner run stays.
TEST(TargetRun, WrapPrefixRunsTheSelectionAndRecordsItOnTheHost) {
  const std::string dir = FreshDir("wrap-run");
  ToolResult r = RunTool({"run", "--target", "wrap:env", "-f", "selftest.empty.*", "-f", "selftest.unsupported.*", "-j",
                          "1", "--timeout", "5", "--isolation", "process-group", "--out", dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 cases: 1 PASS, 1 UNSUPPORTED"));
  Results res = Load(dir);
  EXPECT_EQ(res.header["target"], "wrap:env");
  EXPECT_EQ(res.header["target_kind"], "wrap");
  EXPECT_EQ(res.header["selection"]["cases"], 2);
  EXPECT_EQ(res.header["jobs"], 1);
  EXPECT_EQ(res.header["isolation"]["namespaces"], false) << "--isolation reaches the runner inside";
  EXPECT_TRUE(res.header["host_fingerprint"].contains("kernel"));
  const json& cmd = res.header["target_command"];
  ASSERT_TRUE(cmd.is_array());
  EXPECT_EQ(cmd[0], "/bin/sh");
  const std::string joined = cmd.dump();
  EXPECT_THAT(joined, HasSubstr("\"--timeout\",\"5.000\""));
  EXPECT_THAT(joined, HasSubstr("\"--isolation\",\"process-group\""));
  EXPECT_EQ(res.cases["selftest.empty.passes"]["outcome"], "PASS");
  EXPECT_EQ(res.cases["selftest.empty.passes"]["verdict"], "pass");
  EXPECT_EQ(res.cases["selftest.unsupported.is_not_pass"]["verdict"], "unsupported");
  EXPECT_EQ(res.end["target_exit_status"], 0);
  EXPECT_EQ(res.end["not_run"], 0);
  EXPECT_EQ(res.end["interrupted"], false);
  EXPECT_FALSE(res.end.contains("target_error"));
  EXPECT_THAT(ReadWhole(dir + "/junit.xml"), HasSubstr("selftest.empty.passes"));
  // The prefix shares the host's /tmp: the inner runner's folder must not stay there.
  const std::string inner = InnerOut(res.header);
  ASSERT_THAT(inner, StartsWith("/tmp/ipcconform-inner-"));
  EXPECT_FALSE(std::filesystem::exists(inner)) << inner << " was left behind";
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

TEST(TargetRun, BwrapRunsTheCasesInItsOwnIpcNamespace) {
  ASSERT_TRUE(Installed("bwrap")) << "bwrap is needed (Debian package bubblewrap; ci/deps.sh targets installs it)";
  const std::string dir = FreshDir("bwrap-run");
  const auto before = ipcc::TakeIpcSnapshot();
  // The hang leaves a System V segment and a /dev/shm file behind in the sandbox before it times out.
  ToolResult r = RunTool({"run", "--target", "bwrap", "-f", "selftest.empty.*", "-f", "selftest.isolation.*", "-f",
                          "selftest.timeout.*", "--out", dir, "-q"});
  EXPECT_EQ(r.exit_code, 1) << "the TIMEOUT fails the run: " << r.out << r.err;
  Results res = Load(dir);
  EXPECT_EQ(res.header["target_kind"], "bwrap");
  EXPECT_EQ(std::filesystem::path(res.header["target_command"][0].get<std::string>()).filename(), "bwrap");
  EXPECT_EQ(res.cases["selftest.empty.passes"]["outcome"], "PASS");
  EXPECT_EQ(res.cases["selftest.isolation.reports_namespaces"]["outcome"], "PASS");
  EXPECT_EQ(res.cases["selftest.timeout.hang_becomes_timeout"]["outcome"], "TIMEOUT");
  EXPECT_EQ(res.end["counts"]["TIMEOUT"], 1);
  EXPECT_EQ(access("/dev/shm/ipcconform-selftest-leak", F_OK), -1) << "the sandbox's /dev/shm is its own";
  EXPECT_THAT(ipcc::NewObjects(before, ipcc::TakeIpcSnapshot()), ::testing::IsEmpty());
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

TEST(TargetRun, RunscReportsTheSandboxKernelBesideTheHosts) {
  if (!Installed("runsc")) GTEST_SKIP() << "gVisor (`runsc`, Debian package runsc) is not installed";
  const std::string dir = FreshDir("runsc-run");
  ToolResult r = RunTool({"run", "--target", "runsc", "--no-expect", "-f", "selftest.empty.*", "--out", dir, "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Results res = Load(dir);
  EXPECT_EQ(res.header["target_kind"], "runsc");
  EXPECT_EQ(res.cases["selftest.empty.passes"]["outcome"], "PASS");
  // gVisor answers uname itself: what the target reports is not the host's kernel.
  EXPECT_NE(res.header["fingerprint"]["kernel"], res.header["host_fingerprint"]["kernel"]);
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

TEST(TargetRun, UmlBootsOnceRunsTheSelectionAndRemovesItsInitScript) {
  if (!Installed("linux")) GTEST_SKIP() << "user-mode Linux (`linux`, Debian package user-mode-linux) is not installed";
  std::string why;
  if (!UmlBootsHere(&why)) {
    GTEST_SKIP() << "user-mode Linux cannot run a program on this host kernel (a trivial init did not run: "
                 << (why.empty() ? "no output" : why) << ")";
  }
  const std::string dir = FreshDir("uml-run");
  ToolResult r = RunTool({"run", "--target", "uml", "--no-expect", "-f", "selftest.empty.*", "--out", dir, "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Results res = Load(dir);
  EXPECT_EQ(res.header["target_kind"], "uml");
  EXPECT_EQ(res.cases["selftest.empty.passes"]["outcome"], "PASS");
  EXPECT_NE(res.header["fingerprint"]["kernel"], res.header["host_fingerprint"]["kernel"]);
  std::string init;
  for (const auto& word : res.header["target_command"]) {
    if (word.get<std::string>().rfind("init=", 0) == 0) init = word.get<std::string>().substr(5);
  }
  ASSERT_THAT(init, StartsWith("/tmp/ipcconform-uml-init-"));
  EXPECT_FALSE(std::filesystem::exists(init)) << "the init script " << init << " was left behind";
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

// A prefix that cannot start ipcconform: status 2, a first line saying so, and no results.jsonl that
// could pass for a run.
TEST(TargetRun, APrefixThatCannotStartLeavesNoResults) {
  struct Prefix {
    std::string target;
    int exit_status;
  };
  for (const Prefix& p : {Prefix{"wrap:/nonexistent/sandbox", 127}, Prefix{"wrap:false", 1}}) {
    const std::string dir = FreshDir("unstartable");
    ToolResult r = RunTool({"run", "--target", p.target, "-f", "selftest.empty.*", "--out", dir});
    EXPECT_EQ(r.exit_code, 2) << p.target << ": " << r.out << r.err;
    EXPECT_EQ(FirstLine(r.err), "ipcconform: target " + p.target + " could not start ipcconform (exit status " +
                                    std::to_string(p.exit_status) + ")");
    EXPECT_FALSE(std::filesystem::exists(dir + "/results.jsonl")) << p.target;
    EXPECT_FALSE(std::filesystem::exists(dir + "/junit.xml")) << p.target;
    std::filesystem::remove_all(dir);
  }
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

TEST(TargetRun, AMissingToolIsNamedWithItsPackage) {
  const std::string dir = FreshDir("no-bwrap");
  ToolResult r =
      RunToolWithEnv({"run", "--target", "bwrap", "-f", "selftest.empty.*", "--out", dir}, {{"PATH", "/nonexistent"}});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.err, "ipcconform: the target needs bwrap, which is not installed (Debian package bubblewrap; ci/deps.sh "
                   "targets)\n");
  Results res = Load(dir);
  EXPECT_TRUE(res.header.is_null() && res.end.is_null()) << "nothing that looks like a run";
  std::filesystem::remove_all(dir);
}

// The target ends after its first case record (the prefix passes only two lines through): what came
// out is kept, the end record says what happened, and the run fails.
TEST(TargetRun, ATargetThatDiesHalfWayKeepsItsRecordsAndFails) {
  const std::string dir = FreshDir("dies");
  ToolResult r =
      RunTool({"run", "--target", "wrap:sh -c '\"$0\" \"$@\" | head -n 2'", "-j", "1", "-f", "selftest.empty.*", "-f",
               "selftest.isolation.*", "-f", "selftest.unsupported.*", "--out", dir});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.err, "ipcconform: the target ended before the run finished (exit status 0)\n");
  Results res = Load(dir);
  EXPECT_EQ(res.header["selection"]["cases"], 3);
  EXPECT_EQ(res.cases.size(), 1u);
  EXPECT_EQ(res.cases["selftest.empty.passes"]["outcome"], "PASS");
  ASSERT_FALSE(res.end.is_null());
  EXPECT_EQ(res.end["interrupted"], true) << "an end that does not look like a finished run";
  EXPECT_EQ(res.end["target_error"], "the target ended before the run finished (exit status 0)");
  EXPECT_EQ(res.end["target_exit_status"], 0);
  EXPECT_TRUE(std::filesystem::exists(dir + "/junit.xml"));
  EXPECT_FALSE(std::filesystem::exists(InnerOut(res.header)));
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

// SIGINT to the runner ends the target (bubblewrap: its /tmp and IPC objects go with it) at once.
TEST(TargetRun, InterruptEndsTheTargetAndKeepsWhatFinished) {
  ASSERT_TRUE(Installed("bwrap")) << "bwrap is needed (Debian package bubblewrap; ci/deps.sh targets installs it)";
  const std::string dir = FreshDir("target-interrupt");
  bp::environment env = boost::this_process::environment();
  env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  bp::ipstream out;
  bp::ipstream err;
  bp::child c(std::string(IPCC_BIN_DIR) + "/ipcconform",
              bp::args = {"run", "--target", "bwrap", "-j", "1", "-f", "selftest.empty.*", "-f", "selftest.timeout.*",
                          "--timeout", "60", "--out", dir},
              bp::std_out > out, bp::std_err > err, env);
  // Progress to a pipe is buffered: the results file says when the first case is on the host.
  bool recorded = false;
  for (int i = 0; i < 3000 && !recorded; ++i) {
    recorded = ReadWhole(dir + "/results.jsonl").find("\"selftest.empty.passes\"") != std::string::npos;
    if (!recorded) usleep(10000);
  }
  EXPECT_TRUE(recorded) << "the first case never reached " << dir << "/results.jsonl";
  kill(c.id(), SIGINT);
  std::string line;
  while (std::getline(out, line)) {
  }
  std::string errors;
  while (std::getline(err, line)) errors += line + "\n";
  c.wait();
  EXPECT_EQ(c.exit_code(), 128 + SIGINT) << errors;
  EXPECT_THAT(errors, StartsWith("ipcconform: the target ended before the run finished: interrupted (exit status "));
  Results res = Load(dir);
  EXPECT_EQ(res.cases.count("selftest.empty.passes"), 1u);
  EXPECT_EQ(res.cases.count("selftest.timeout.hang_becomes_timeout"), 0u);
  EXPECT_EQ(res.end["interrupted"], true);
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

TEST(TargetGate, ATargetWithoutAGateRecordSaysWhatHappened) {
  ToolResult r = RunTool({"gate", "--target", "wrap:false", "--rounds", "3"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(FirstLine(r.err), "ipcconform: target wrap:false gave no gate record (exit status 1)");
}

}  // namespace

namespace {

TEST(TargetExpectations, ChrootRootsAreNamedByTheirFolder) {
  EXPECT_EQ(ipcc::ExpectationName(ipcc::ParseTarget("runsc")), "runsc");
  EXPECT_EQ(ipcc::ExpectationName(ipcc::ParseTarget("chroot:/var/lib/ipcconform/bullseye")), "chroot-bullseye");
  EXPECT_EQ(ipcc::ExpectationName(ipcc::ParseTarget("chroot:/srv/trixie/")), "chroot-trixie");
  EXPECT_EQ(ipcc::ExpectationName(ipcc::ParseTarget("wrap:firejail --quiet")), "wrap");
  // The shipped file of a Debian 11 root is found without --expect.
  EXPECT_THAT(ipcc::DefaultExpectationFile("chroot-bullseye"),
              ::testing::EndsWith("fixtures/expectations/chroot-bullseye.txt"));
  EXPECT_EQ(ipcc::DefaultExpectationFile("chroot-no-such-root"), "");
}

}  // namespace

namespace {

TEST(TargetRun, ATargetThatCannotBeUsedKeepsThePreviousResults) {
  const std::string dir = FreshDir("keep-previous");
  std::filesystem::create_directories(dir);
  const std::string previous = "{\"record\":\"header\",\"note\":\"an earlier run\"}\n";
  std::ofstream(dir + "/results.jsonl") << previous;
  ToolResult r = RunTool({"run", "--target", "chroot:/nonexistent-root", "-f", "selftest.empty.*", "--out", dir});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, ::testing::HasSubstr("make-chroot.sh"));
  std::ifstream in(dir + "/results.jsonl");
  const std::string now((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(now, previous) << "the earlier results were overwritten by a run that never started";
  std::filesystem::remove_all(dir);
}

}  // namespace
