// The runner driven as users drive it: as a program, through its command line and its files.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/process.hpp>
#include <nlohmann/json.hpp>

#include "harness/caselib/leaks.h"
#include "harness/tests/tool_util.h"

namespace {

namespace bp = boost::process;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace ipcc::testutil;

class RunnerSelfTest : public ::testing::TestWithParam<std::string> {};

// The hidden self-tests next to real cases: a hang becomes TIMEOUT within its limit, a crash CRASH, a
// child's or fixture's failure FAIL with its message, an expired checkpoint ERROR, while the other
// cases still run and pass; nothing they leave behind survives.
TEST_P(RunnerSelfTest, OutcomesAreClassifiedAndNothingLeaks) {
  const std::string isolation = GetParam();
  const std::string dir = FreshDir(isolation);
  const auto before = ipcc::TakeIpcSnapshot();
  ToolResult r = RunTool({"run", "-f", "selftest.*", "--isolation", isolation, "--out", dir});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  Results res = Load(dir);
  auto outcome = [&](const std::string& id) {
    return res.cases.count(id) ? res.cases[id]["outcome"].get<std::string>() : std::string("missing");
  };
  EXPECT_EQ(outcome("selftest.timeout.hang_becomes_timeout"), "TIMEOUT");
  EXPECT_LT(res.cases["selftest.timeout.hang_becomes_timeout"]["duration_ms"].get<double>(), 3000.0);
  EXPECT_EQ(outcome("selftest.crash.segfault_becomes_crash"), "CRASH");
  EXPECT_THAT(res.cases["selftest.crash.segfault_becomes_crash"]["message"].get<std::string>(), HasSubstr("SIGSEGV"));
  EXPECT_EQ(outcome("selftest.child.failure_propagates"), "FAIL");
  EXPECT_THAT(res.cases["selftest.child.failure_propagates"]["message"].get<std::string>(),
              HasSubstr("message from the child"));
  EXPECT_EQ(outcome("selftest.fixture.failure_propagates"), "FAIL");
  EXPECT_THAT(res.cases["selftest.fixture.failure_propagates"]["message"].get<std::string>(),
              HasSubstr("message from the fixture"));
  EXPECT_EQ(outcome("selftest.checkpoint.expired_wait_is_error"), "ERROR");
  EXPECT_EQ(outcome("selftest.unsupported.is_not_pass"), "UNSUPPORTED");
  EXPECT_EQ(outcome("selftest.empty.passes"), "PASS");
  if (isolation == "namespaces") {
    EXPECT_EQ(outcome("selftest.isolation.reports_namespaces"), "PASS");
    EXPECT_EQ(res.cases["selftest.empty.passes"]["isolation"], "namespaces(ipc,mnt,pid)");
  } else {
    EXPECT_EQ(res.cases["selftest.empty.passes"]["isolation"], "process-group");
    // Leftovers were found and removed by the supervisor, and said so.
    EXPECT_TRUE(res.cases["selftest.timeout.hang_becomes_timeout"].contains("cleaned_up"));
  }
  EXPECT_FALSE(res.end.is_null()) << "no end record";
  // Nothing left: no IPC object, no /dev/shm entry, no temp folder (with its FIFO), no process.
  EXPECT_THAT(ipcc::NewObjects(before, ipcc::TakeIpcSnapshot()), ::testing::IsEmpty());
  EXPECT_EQ(access("/dev/shm/ipcconform-selftest-leak", F_OK), -1);
  const std::string temp_dir = res.header.value("temp_dir", "");
  EXPECT_FALSE(temp_dir.empty());
  EXPECT_FALSE(std::filesystem::exists(temp_dir)) << temp_dir << " was left behind";
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Isolation, RunnerSelfTest, ::testing::Values("namespaces", "process-group"));

// docs/verdicts.md: each kind of unmet need gives its outcome and a reason that names it, without the
// body running; what a case may not do (skip itself, use an undeclared need) is ERROR; the probe's
// evidence is in the header.
TEST(RunNeeds, EachUnmetNeedGivesItsOutcomeAndReason) {
  const std::string dir = FreshDir("needs");
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/kernel.config";
  std::ofstream(config)
      << "# selftest configuration\nCONFIG_IPCC_SELFTEST_PRESENT=y\n# CONFIG_IPCC_SELFTEST_NEVER is not set\n";
  ToolResult r = RunTool({"run", "-f", "selftest.needs.*", "-f", "selftest.unsupported.*", "--out", dir + "/r"},
                         {{"IPCCONFORM_KERNEL_CONFIG", config}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // the ERROR cases
  Results res = Load(dir + "/r");
  struct Row {
    const char* id;
    const char* outcome;
    const char* unmet;    // "" when the case ran
    const char* message;  // a part of the message
  };
  const Row rows[] = {
      {"selftest.unsupported.is_not_pass", "UNSUPPORTED", "feature:selftest_never", "absent here (runner probe: "},
      {"selftest.needs.newer_kernel_is_unsupported", "UNSUPPORTED", "kernel>=999.0",
       "documented since Linux 999.0; this kernel reports "},
      {"selftest.needs.config_option_unset_is_unsupported", "UNSUPPORTED", "config:CONFIG_IPCC_SELFTEST_NEVER",
       "the kernel was built without CONFIG_IPCC_SELFTEST_NEVER ("},
      {"selftest.needs.config_option_set_runs", "PASS", "", ""},
      {"selftest.needs.too_few_cpus_is_skip", "SKIP", "cpus>=100000", "needs 100000 CPUs; this process may use "},
      {"selftest.needs.read_only_sysctl_is_skip", "SKIP", "",
       "sets /proc/sys/kernel/osrelease, which is not writable here"},
      {"selftest.needs.missing_sysctl_is_skip", "SKIP", "",
       "sets /proc/sys/kernel/ipcconform_selftest_missing, which does not exist here"},
      {"selftest.needs.capability_met_runs", "PASS", "", ""},
      {"selftest.needs.root_met_runs", "PASS", "", ""},
      {"selftest.needs.second_identity_met_runs", "PASS", "", ""},
      {"selftest.needs.own_ipc_namespace_met_runs", "PASS", "", ""},
      {"selftest.needs.body_skip_is_error", "ERROR", "", "the case skipped itself from its body"},
      {"selftest.needs.undeclared_identity_is_error", "ERROR", "",
       "without declaring it: add second-identity to its .needs"},
      {"selftest.needs.undeclared_sysctl_write_is_error", "ERROR", "",
       "writes /proc/sys/kernel/msgmax without declaring it: add sysctl:/proc/sys/kernel/msgmax to its .needs"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.id);
    ASSERT_TRUE(res.cases.count(row.id)) << "no record";
    const json& c = res.cases[row.id];
    EXPECT_EQ(c["outcome"], row.outcome) << c.dump();
    EXPECT_THAT(c.value("message", ""), HasSubstr(row.message));
    EXPECT_THAT(c.value("message", ""), ::testing::Not(HasSubstr("the body ran")));
    if (*row.unmet != '\0') {
      EXPECT_EQ(c.value("unmet", ""), row.unmet);
      EXPECT_EQ(c["isolation"], "none") << "decided before the case started";
    }
  }
  EXPECT_EQ(res.header["features"]["selftest_never"]["state"], "absent");
  EXPECT_EQ(res.header["features"]["sysv_msg"]["state"], "present");
  EXPECT_THAT(res.header["features"]["posix_mq"]["evidence"].get<std::string>(), HasSubstr("mq_open("));
  EXPECT_EQ(res.header["needs_environment"]["kernel_config"], config);
  std::filesystem::remove_all(dir);
}

// docs/verdicts.md: a deviation of the "reported but not applied" kind (semop with SEM_UNDO succeeds,
// the undo never happens: the fault library's sem_undo_ignored) ends as FAIL, saying what was seen, well
// inside the case's timeout: the case bounds its own wait instead of hanging until the harness kills it.
TEST(Verdicts, ReportedButNotAppliedFailsWellInsideTheTimeout) {
  const std::string library = std::string(IPCC_BIN_DIR) + "/../lib/libipcconform-faults.so";
  if (access(library.c_str(), R_OK) != 0) GTEST_SKIP() << "the fault library is not built: " << library;
  const std::string id = "sysv_sem.semop_undo.exit_adjustment_wakes_waiter";
  ToolResult list = RunTool({"list", "--json"});
  const json catalogue = json::parse(list.out, nullptr, false);
  double timeout_ms = 0;
  for (const auto& c : catalogue.is_array() ? catalogue : json::array()) {
    if (c.value("id", "") == id) timeout_ms = c["timeout_ms"].get<double>();
  }
  if (timeout_ms <= 0) GTEST_SKIP() << id << " is not in this build";
  const std::string dir = FreshDir("not-applied");
  ToolResult r = RunTool({"run", "-f", id, "--no-expect", "-q", "--out", dir},
                         {{"LD_PRELOAD", library}, {"IPCCONFORM_FAULT", "sem_undo_ignored"}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  Results res = Load(dir);
  const json& c = res.cases[id];
  EXPECT_EQ(c.value("outcome", "missing"), "FAIL") << c.dump();
  EXPECT_LT(c.value("duration_ms", 1e9), timeout_ms / 2)
      << "the case waited for the harness instead of bounding its wait";
  std::filesystem::remove_all(dir);
}

// The same needs where the environment withholds them: a capability dropped from the bounding set,
// no namespaces (process groups), so no own IPC namespace either: SKIP, each saying what was missing.
TEST(RunNeeds, WithheldCapabilityAndNamespacesAreSkipWithReasons) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to start a run as root without CAP_SYS_BOOT";
  const std::string setpriv = bp::search_path("setpriv").string();
  if (setpriv.empty()) GTEST_SKIP() << "setpriv (util-linux) is not installed";
  const std::string dir = FreshDir("needs-withheld");
  bp::environment env = boost::this_process::environment();
  env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  bp::child c(
      setpriv,
      bp::args = {"--bounding-set=-sys_boot", "--inh-caps=-sys_boot", "--", std::string(IPCC_BIN_DIR) + "/ipcconform",
                  "run", "-q", "--isolation", "process-group", "-f", "selftest.needs.*_met_runs", "--out", dir},
      bp::std_out > bp::null, bp::std_err > bp::null, env);
  c.wait();
  EXPECT_EQ(c.exit_code(), 0);
  Results res = Load(dir);
  auto check = [&](const std::string& id, const std::string& outcome, const std::string& message) {
    SCOPED_TRACE(id);
    EXPECT_EQ(res.cases[id].value("outcome", "missing"), outcome);
    EXPECT_THAT(res.cases[id].value("message", ""), HasSubstr(message));
  };
  check("selftest.needs.capability_met_runs", "SKIP", "needs CAP_SYS_BOOT, which this environment withholds");
  check("selftest.needs.own_ipc_namespace_met_runs", "SKIP",
        "needs its own IPC namespace, which this environment refuses");
  check("selftest.needs.root_met_runs", "PASS", "");
  check("selftest.needs.second_identity_met_runs", "PASS", "");
  std::filesystem::remove_all(dir);
}

TEST(Runner, ResultsStreamHasHeaderCasesAndEnd) {
  const std::string dir = FreshDir("stream");
  ToolResult r = RunTool({"run", "-f", "selftest.empty.*", "-f", "selftest.isolation.*", "--out", dir, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Results res = Load(dir);
  EXPECT_EQ(res.header["format"], 1);
  EXPECT_EQ(res.header["target"], "native");
  for (const char* key : {"kernel", "libc", "distribution", "limits", "namespaces", "uid"}) {
    EXPECT_TRUE(res.header["fingerprint"].contains(key)) << key;
  }
  EXPECT_TRUE(res.header["fingerprint"]["limits"].contains("msgmnb"));
  EXPECT_EQ(res.cases.size(), 2u);
  EXPECT_EQ(res.end["counts"]["PASS"], res.cases.size());
  std::ifstream junit(dir + "/junit.xml");
  std::string xml((std::istreambuf_iterator<char>(junit)), std::istreambuf_iterator<char>());
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"native.selftest\""));
  EXPECT_THAT(xml, HasSubstr("name=\"selftest.empty.passes\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"citation\""));
  std::filesystem::remove_all(dir);
}

TEST(Runner, BadArgumentsGiveOneClearLineAndStatusTwo) {
  struct BadCall {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<BadCall> calls = {
      {{"run", "--no-such-option"}, "no-such-option"},
      {{"run", "-f", "nothing.matches.*", "--out", FreshDir("bad1")}, "matches no case"},
      {{"run", "-m", "carrier_pigeon", "--out", FreshDir("bad2")}, "unknown mechanism 'carrier_pigeon'"},
      {{"run", "-f", "selftest.empty.*", "--out", "/proc/version/sub"}, "out folder"},
      {{"run", "--jobs", "0"}, "jobs"},
      {{"run", "-f", "selftest.empty.*", "--target", "moon", "--out", FreshDir("bad3")}, "unknown target 'moon'"},
      {{"run", "-f", "selftest.empty.*", "--expect", "/nonexistent/expectations.txt"}, "expectations.txt"},
      {{"frobnicate"}, "frobnicate"},
      {{"run", "--timeout", "nan"}, "--timeout: nan is not a finite number"},
      {{"gate", "--min-vs-pipe", "inf"}, "--min-vs-pipe: inf is not a finite number"},
      {{"gate", "--target", "moon"}, "unknown target 'moon'"},
      {{"gate", "--target", "chroot:/nonexistent", "--rounds", "3"}, "make-chroot.sh"},
      {{"soak", "--runs", "1"}, "--runs"},
      {{"soak", "-f", "nothing.matches.*", "--out", FreshDir("bad4")}, "matches no case"},
      {{"soak", "--load-args", "--cpu 1", "--load", "-f", "selftest.empty.*", "--out", "/proc/version/sub"},
       "cannot write"},
  };
  for (const auto& call : calls) {
    ToolResult r = RunTool(call.args);
    EXPECT_EQ(r.exit_code, 2) << call.args[1] << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(call.says));
    EXPECT_THAT(r.err, HasSubstr("ipcconform: "));
  }
}

TEST(Runner, ListByMechanismShowsOnlyThoseCasesAndRefusesAnUnknownOne) {
  ToolResult r = RunTool({"list", "-m", "pipe", "fifo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_TRUE(line.rfind("pipe.", 0) == 0 || line.rfind("fifo.", 0) == 0) << line;
  }
  EXPECT_GT(n, 0);
  ToolResult bad = RunTool({"list", "-m", "no_such_mechanism"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("no case of mechanism 'no_such_mechanism' is built"));
}

TEST(Runner, ListJsonCarriesTheMetadataAndHidesSelfTests) {
  ToolResult r = RunTool({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json cat = json::parse(r.out);
  ASSERT_TRUE(cat.is_array());
  for (const auto& c : cat) {
    EXPECT_NE(c["mechanism"], "selftest");
    for (const char* key : {"id", "title", "statement", "refs", "class", "needs", "timeout_ms"}) {
      EXPECT_TRUE(c.contains(key)) << key;
    }
    EXPECT_FALSE(c["refs"].empty()) << c["id"];
    EXPECT_FALSE(c["statement"].get<std::string>().empty()) << c["id"];
  }
  ToolResult plain = RunTool({"list"});
  EXPECT_THAT(plain.out, ::testing::Not(HasSubstr("selftest.")));
  ToolResult hidden = RunTool({"list", "--hidden"});
  EXPECT_THAT(hidden.out, HasSubstr("selftest.empty.passes"));
}

// The conformance run itself: on the machine the project's tests run on (CI: Debian 12, root), every
// case passes, except those this environment cannot run (SKIP, with the need that was unmet and the
// reason: for example root without CAP_SYS_RESOURCE in a container) and the known deviations of this
// machine's C library and kernel from their pages (FAIL, judged an expected deviation by an entry of
// fixtures/expectations/native.txt with its reason). Those are listed. No UNSUPPORTED: this kernel has
// every mechanism.
TEST(Conformance, FullRunPassesHere) {
  const std::string dir = FreshDir("full");
  const auto before = ipcc::TakeIpcSnapshot();
  ToolResult r = RunTool({"run", "--out", dir, "-q"});
  Results res = Load(dir);
  std::string problems;
  int passed = 0;
  for (const auto& [id, rec] : res.cases) {
    const std::string o = rec["outcome"];
    const std::string message = rec["message"];
    if (o == "PASS") {
      ++passed;
    } else if (o == "SKIP" && !message.empty() && rec.contains("unmet")) {
      // docs/verdicts.md: on a healthy kernel only the environment may keep a case from running.
      std::cout << "not run here: " << id << ": " << o << ": " << message.substr(0, 200) << "\n";
    } else if (o == "FAIL" && rec.value("verdict", "") == "expected deviation") {
      std::cout << "known deviation here: " << id << ": " << rec["expectation"].value("reason", "").substr(0, 200)
                << "\n";
    } else {
      problems += id + ": " + o + ": " + message + "\n";
    }
  }
  EXPECT_EQ(problems, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(passed, 0);
  // Almost everything must really run here: a machine where most cases cannot run proves little.
  EXPECT_GE(passed * 100, static_cast<int>(res.cases.size()) * 90) << passed << " of " << res.cases.size() << " passed";
  EXPECT_THAT(ipcc::NewObjects(before, ipcc::TakeIpcSnapshot()), ::testing::IsEmpty());
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

// The unprivileged path: run as "nobody" (from root, through setpriv). Cases get a user namespace;
// what needs root or a second identity is SKIP with the reason; nothing is FAIL (but the known deviations
// of native.txt), ERROR or UNSUPPORTED.
TEST(Runner, UnprivilegedRunSkipsWithReasonsNeverErrors) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to start a run as another user";
  const std::string setpriv = bp::search_path("setpriv").string();
  if (setpriv.empty()) GTEST_SKIP() << "setpriv (util-linux) is not installed";
  {
    // The build folder must be reachable by that user (a checkout under /root is not): say so.
    bp::child probe(setpriv,
                    bp::args = {"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                std::string(IPCC_BIN_DIR) + "/ipcconform", "--version"},
                    bp::std_out > bp::null, bp::std_err > bp::null);
    probe.wait();
    if (probe.exit_code() != 0) {
      GTEST_SKIP() << "uid 65534 cannot run " << IPCC_BIN_DIR << "/ipcconform (the build folder is not reachable "
                   << "by other users), so the unprivileged path cannot be tested from this checkout";
    }
  }
  const std::string dir = FreshDir("unprivileged");
  std::filesystem::create_directories(dir);
  // The out folder must be that user's own (docs/hardening.md).
  ASSERT_EQ(chown(dir.c_str(), 65534, 65534), 0);
  bp::ipstream out;
  bp::environment env = boost::this_process::environment();
  env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  bp::child c(setpriv,
              bp::args = {"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                          std::string(IPCC_BIN_DIR) + "/ipcconform", "run", "-q", "--out", dir},
              bp::std_out > out, bp::std_err > bp::null, env);
  std::string line;
  while (std::getline(out, line)) {
  }
  c.wait();
  Results res = Load(dir);
  ASSERT_FALSE(res.header.is_null()) << "no results written";
  EXPECT_EQ(res.header["fingerprint"]["uid"], 65534);
  int skipped = 0;
  std::string problems;
  for (const auto& [id, rec] : res.cases) {
    const std::string o = rec["outcome"];
    if (o == "SKIP") {
      ++skipped;
      EXPECT_FALSE(rec["message"].get<std::string>().empty()) << id << " is SKIP without a reason";
    } else if (o == "FAIL" && rec.value("verdict", "") == "expected deviation") {
      // A known deviation of this machine (fixtures/expectations/native.txt) fails as it does for root.
    } else if (o != "PASS") {
      problems += id + ": " + o + ": " + rec["message"].get<std::string>() + "\n";
    }
  }
  EXPECT_EQ(problems, "");
  EXPECT_EQ(c.exit_code(), problems.empty() ? 0 : 1);
  if (res.header["isolation"]["namespaces"] == true) {
    EXPECT_EQ(res.header["isolation"]["user_namespace"], true);
  }
  if (!res.cases.empty()) {
    EXPECT_GT(skipped, 0) << "an unprivileged run should find cases it cannot run";
  }
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

// A run killed half-way keeps every finished record, and --resume runs only the rest.
TEST(Runner, KilledRunKeepsRecordsAndResumeFinishesIt) {
  const std::string dir = FreshDir("resume");
  {
    bp::environment env = boost::this_process::environment();
    env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
    bp::ipstream out;
    // The hanging self-test holds the run long enough to kill it in the middle.
    bp::child c(std::string(IPCC_BIN_DIR) + "/ipcconform",
                bp::args = {"run", "-j", "1", "-f", "selftest.empty.*", "-f", "selftest.timeout.*", "-f",
                            "selftest.unsupported.*", "--out", dir},
                bp::std_out > out, env);
    std::string line;
    while (std::getline(out, line)) {
      if (line.find("selftest.empty.passes") != std::string::npos) break;  // one record is written
    }
    kill(c.id(), SIGKILL);
    c.wait();
  }
  Results killed = Load(dir);
  ASSERT_EQ(killed.cases.count("selftest.empty.passes"), 1u);
  EXPECT_TRUE(killed.end.is_null()) << "a run killed with SIGKILL cannot have written its end";
  const std::string killed_temp = killed.header.value("temp_dir", "");
  EXPECT_TRUE(std::filesystem::exists(killed_temp)) << "the killed runner could not remove " << killed_temp;
  ToolResult r = RunTool({"run", "--resume", "-q", "-f", "selftest.empty.*", "-f", "selftest.timeout.*", "-f",
                          "selftest.unsupported.*", "--out", dir});
  Results resumed = Load(dir);
  EXPECT_EQ(resumed.cases.size(), 3u);
  EXPECT_EQ(resumed.cases["selftest.timeout.hang_becomes_timeout"]["outcome"], "TIMEOUT");
  EXPECT_EQ(resumed.end["counts"]["PASS"], 1);
  EXPECT_EQ(resumed.end["counts"]["TIMEOUT"], 1);
  EXPECT_EQ(r.exit_code, 1);  // the TIMEOUT fails the run
  EXPECT_FALSE(std::filesystem::exists(killed_temp)) << "--resume removes what the killed run left: " << killed_temp;
  // The SIGKILLed runner could not clean up: its supervisors die with it (parent-death signal).
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  std::filesystem::remove_all(dir);
}

// SIGINT and SIGTERM stop a run cleanly: finished records kept, nothing left behind.
TEST(Runner, InterruptedRunLeavesNothingBehind) {
  for (int sig : {SIGINT, SIGTERM}) {
    const std::string dir = FreshDir("interrupt" + std::to_string(sig));
    bp::environment env = boost::this_process::environment();
    env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
    bp::ipstream out;
    bp::child c(std::string(IPCC_BIN_DIR) + "/ipcconform",
                bp::args = {"run", "-j", "1", "-f", "selftest.empty.*", "-f", "selftest.timeout.*", "--timeout", "30",
                            "--out", dir},
                bp::std_out > out, env);
    std::string line;
    while (std::getline(out, line)) {
      if (line.find("selftest.empty.passes") != std::string::npos) break;
    }
    kill(c.id(), sig);
    while (std::getline(out, line)) {
    }
    c.wait();
    EXPECT_EQ(c.exit_code(), 128 + sig);
    Results res = Load(dir);
    EXPECT_EQ(res.cases.count("selftest.empty.passes"), 1u);
    EXPECT_EQ(res.end["interrupted"], true);
    const std::string temp_dir = res.header.value("temp_dir", "");
    EXPECT_FALSE(std::filesystem::exists(temp_dir));
    EXPECT_EQ(StrayProcessesAfterSettling(), 0);
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
