// The throughput gate's logic, run for real but briefly: its record, its verdict against the
// thresholds, and the inconclusive verdict with one CPU. No test here judges a speed.
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/leaks.h"
#include "harness/gate/gate.h"
#include "harness/tests/tool_util.h"

namespace {

using ::testing::HasSubstr;
using namespace ipcc::testutil;

ipcc::gate::Options Brief() {
  ipcc::gate::Options o;
  o.rounds = 3;
  o.slice_ms = 2;
  o.attempts = 1;
  return o;
}

int UsableCpus() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
}

TEST(Gate, RecordCarriesEveryMechanismAndRatio) {
  if (UsableCpus() < 2) GTEST_SKIP() << "needs two CPUs";
  const auto before = ipcc::TakeIpcSnapshot();
  ipcc::gate::Options o = Brief();
  o.thresholds = {0, 0, 0, 0};  // every ratio passes: what is checked here is the record
  ipcc::gate::Result r = ipcc::gate::Run(o);
  EXPECT_EQ(r.verdict, ipcc::gate::Verdict::pass) << r.reason;
  const json& rec = r.record;
  EXPECT_EQ(rec["record"], "gate");
  ASSERT_EQ(rec["attempts"].size(), 1u);
  const json& attempt = rec["attempts"][0];
  EXPECT_THAT(attempt["errors"], ::testing::IsEmpty()) << "the ring's sequence stamps must all arrive in order";
  for (const char* m :
       {"memcpy", "shm_ring_sysv", "shm_ring_anon", "shm_zero_copy", "pipe", "pipe_raised", "socketpair"}) {
    ASSERT_TRUE(attempt["median_mib_s"].contains(m)) << m;
    EXPECT_GT(attempt["median_mib_s"][m].get<double>(), 0.0) << m << " moved nothing";
  }
  for (const char* ratio : {"shm_vs_memcpy", "shm_vs_pipe", "shm_vs_socketpair", "shm_ring_vs_zero_copy"}) {
    EXPECT_GT(attempt["ratios"][ratio].get<double>(), 0.0) << ratio;
  }
  ASSERT_EQ(attempt["rounds"].size(), 3u);
  const json& round = attempt["rounds"][0];
  EXPECT_TRUE(round.contains("contended"));
  EXPECT_TRUE(round["shm_ring_sysv"].contains("producer_cpu"));
  EXPECT_TRUE(round["shm_ring_sysv"].contains("consumer_cpu"));
  // The order of mechanisms rotates from round to round.
  EXPECT_NE(attempt["rounds"][0]["order"], attempt["rounds"][1]["order"]);
  EXPECT_GT(rec["pipe_raised_bytes"].get<long>(), 4096);
  const std::string table = ipcc::gate::FormatTable(rec);
  EXPECT_THAT(table, HasSubstr("shm_vs_memcpy"));
  EXPECT_THAT(table, HasSubstr("verdict: pass"));
  // The ring segment and the queues are gone.
  EXPECT_THAT(ipcc::NewObjects(before, ipcc::TakeIpcSnapshot()), ::testing::IsEmpty());
}

TEST(Gate, UnreachableThresholdFailsEveryAttemptAndSaysWhich) {
  if (UsableCpus() < 2) GTEST_SKIP() << "needs two CPUs";
  ipcc::gate::Options o = Brief();
  o.attempts = 2;
  o.thresholds.shm_vs_pipe = 1e12;
  ipcc::gate::Result r = ipcc::gate::Run(o);
  EXPECT_EQ(r.verdict, ipcc::gate::Verdict::fail);
  EXPECT_THAT(r.reason, HasSubstr("shm_vs_pipe"));
  EXPECT_THAT(r.reason, HasSubstr("< 1000000000000"));
  EXPECT_EQ(r.record["attempts"].size(), 2u) << "every attempt's figures are kept";
  EXPECT_EQ(r.record["verdict"], "fail");
  EXPECT_EQ(ipcc::gate::VerdictName(r.verdict), "FAIL");
}

TEST(Gate, OneCpuIsInconclusiveNotFailed) {
  // In a child pinned to one CPU, so this process keeps its affinity.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    sched_setaffinity(0, sizeof one, &one);
    ipcc::gate::Result r = ipcc::gate::Run(Brief());
    const std::string out = ipcc::gate::VerdictName(r.verdict) + "\n" + r.reason;
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string got;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_THAT(got, HasSubstr("INCONCLUSIVE"));
  EXPECT_THAT(got, HasSubstr("fewer than two usable CPUs"));
}

TEST(Gate, CommandWritesItsRecordAndExitsByVerdict) {
  if (UsableCpus() < 2) GTEST_SKIP() << "needs two CPUs";
  const std::string dir = FreshDir("gate");
  ToolResult r = RunTool(
      {"gate", "--rounds", "3", "--slice-ms", "2", "--attempts", "1", "--min-vs-socketpair", "1e12", "--out", dir});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("verdict: fail"));
  std::ifstream in(dir + "/results.jsonl");
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["record"], "header");
  EXPECT_EQ(lines[1]["record"], "gate");
  EXPECT_EQ(lines[2]["record"], "end");

  ToolResult inside =
      RunTool({"gate", "--target", "wrap:env", "--rounds", "3", "--slice-ms", "2", "--attempts", "1", "--min-vs-memcpy",
               "0", "--min-vs-pipe", "0", "--min-vs-socketpair", "0", "--min-vs-sysv-msg", "0", "--json"});
  EXPECT_EQ(inside.exit_code, 0) << inside.out << inside.err;
  json rec = json::parse(inside.out, nullptr, false);
  ASSERT_TRUE(rec.is_object()) << inside.out;
  EXPECT_EQ(rec["target"], "wrap:env");
  EXPECT_EQ(rec["options"]["rounds"], 3) << "the options reach the gate inside the target";
  EXPECT_TRUE(rec.contains("fingerprint"));
  std::filesystem::remove_all(dir);
}

}  // namespace
