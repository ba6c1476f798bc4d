// The spawning helper every tool-side program start goes through: what the child gets (its own group,
// /dev/null as input, no inherited descriptor, default signals, the environment and folder asked for),
// where its output goes, how it ended, and that deadlines, stops and the end of a Process leave nothing.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/program/spawn.h"
#include "harness/tests/tool_util.h"

namespace {

namespace spawn = ipcc::spawn;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace ipcc::testutil;
using Clock = std::chrono::steady_clock;

// A shell command, tagged so that whatever it leaves running is found (StrayProcesses).
spawn::Spec Sh(const std::string& script) {
  spawn::Spec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.set_env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  return spec;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST(Spawn, OutputIsCapturedAndTheExitStatusKept) {
  spawn::Spec spec = Sh("echo out; echo err >&2; exit 3");
  spec.out = spawn::Output::Capture();
  spec.err = spawn::Output::Capture();
  const spawn::Result r = spawn::Run(spec);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_TRUE(r.exit.Exited());
  EXPECT_EQ(r.exit.Code(), 3);
  EXPECT_EQ(r.exit.Signal(), 0);
  EXPECT_EQ(r.exit.ShellStatus(), 3);
  EXPECT_FALSE(r.exit.Succeeded());
  EXPECT_EQ(r.exit.Describe(), "exit status 3");
  EXPECT_EQ(r.ending, spawn::Ending::by_itself);
  EXPECT_FALSE(r.killed);
}

TEST(Spawn, ACaptureKeepsItsEndWhenAskedTo) {
  spawn::Spec spec = Sh("printf 0123456789");
  spec.out = spawn::Output::Capture(4);
  const spawn::Result r = spawn::Run(spec);
  EXPECT_EQ(r.out, "6789");
  EXPECT_TRUE(r.out_cut);
  EXPECT_TRUE(r.exit.Succeeded());
}

TEST(Spawn, ASignalThatEndsTheProgramIsSaid) {
  const spawn::Result r = spawn::Run(Sh("kill -KILL $$"));
  EXPECT_FALSE(r.exit.Exited());
  EXPECT_EQ(r.exit.Code(), -1);
  EXPECT_EQ(r.exit.Signal(), SIGKILL);
  EXPECT_EQ(r.exit.ShellStatus(), 128 + SIGKILL);
  EXPECT_EQ(r.exit.Describe(), "killed by SIGKILL");
}

TEST(Spawn, StandardErrorCanFollowStandardOutputIntoAFile) {
  const std::string path = ::testing::TempDir() + "ipcconform-spawn-log-" + std::to_string(getpid());
  spawn::Spec spec = Sh("echo a; echo b >&2; echo c");
  spec.out = spawn::Output::ToFile(path);
  spec.err = spawn::Output::AsStdout();
  EXPECT_TRUE(spawn::Run(spec).exit.Succeeded());
  EXPECT_EQ(ReadWhole(path), "a\nb\nc\n");
  std::filesystem::remove(path);
}

TEST(Spawn, LinesComeOneByOneAndTheLastNeedsNoNewline) {
  std::vector<std::string> lines;
  spawn::Spec spec = Sh("printf 'a\\nb\\n\\nlast'");
  spec.out = spawn::Output::Lines([&](const std::string& l) { lines.push_back(l); });
  EXPECT_TRUE(spawn::Run(spec).exit.Succeeded());
  EXPECT_THAT(lines, ::testing::ElementsAre("a", "b", "", "last"));
}

TEST(Spawn, AProgramThatCannotStartIsASpawnError) {
  auto message = [](std::vector<std::string> argv, std::string cwd = "") {
    spawn::Spec spec;
    spec.argv = std::move(argv);
    spec.cwd = std::move(cwd);
    try {
      spawn::Run(spec);
    } catch (const spawn::SpawnError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(message({"ipcconform-no-such-program"}),
            "cannot run ipcconform-no-such-program: No such file or directory");
  EXPECT_THAT(message({"/nonexistent/ipcconform-program"}), StartsWith("cannot run /nonexistent/ipcconform-program: "));
  EXPECT_THAT(message({"/bin/true"}, "/nonexistent-folder"), StartsWith("cannot run /bin/true: "));
  EXPECT_THAT(ipcc::ChildrenOf(getpid()), ::testing::IsEmpty()) << "a child that failed to exec is reaped";
}

TEST(Spawn, ProgramsOnPathAreFoundAndRunInTheFolderAsked) {
  spawn::Spec spec;
  spec.argv = {"pwd"};
  spec.cwd = "/";
  spec.out = spawn::Output::Capture();
  EXPECT_EQ(spawn::Run(spec).out, "/\n");
}

TEST(Spawn, TheEnvironmentIsThisProcesssWithTheChangesAsked) {
  setenv("IPCC_SPAWN_TEST_GONE", "here", 1);
  setenv("IPCC_SPAWN_TEST_KEPT", "kept", 1);
  spawn::Spec spec = Sh("echo \"${IPCC_SPAWN_TEST_GONE-unset} $IPCC_SPAWN_TEST_KEPT $IPCC_SPAWN_TEST_NEW\"");
  spec.unset_env = {"IPCC_SPAWN_TEST_GONE"};
  spec.set_env["IPCC_SPAWN_TEST_NEW"] = "new";
  spec.out = spawn::Output::Capture();
  EXPECT_EQ(spawn::Run(spec).out, "unset kept new\n");
  EXPECT_STREQ(getenv("IPCC_SPAWN_TEST_GONE"), "here") << "this process's own environment stays";
  unsetenv("IPCC_SPAWN_TEST_GONE");
  unsetenv("IPCC_SPAWN_TEST_KEPT");
}

// Input from /dev/null, no descriptor of this process, an empty mask and SIGPIPE not ignored, its own
// process group.
TEST(Spawn, TheChildStartsClean) {
  const int inherited = open("/dev/null", O_RDONLY);  // without O_CLOEXEC
  ASSERT_GE(inherited, 0);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);
  struct sigaction ign {
  }, old_pipe{};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old_pipe);

  spawn::Spec spec = Sh("cat; [ -e /proc/self/fd/" + std::to_string(inherited) +
                        " ] && echo inherited || echo closed; "
                        "grep -E '^Sig(Blk|Ign)' /proc/self/status; cut -d' ' -f5 /proc/$$/stat; echo $$");
  spec.out = spawn::Output::Capture();
  const std::string out = spawn::Run(spec).out;

  sigaction(SIGPIPE, &old_pipe, nullptr);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  close(inherited);
  std::istringstream in(out);
  std::string closed, blocked, ignored, pgrp, pid;
  std::getline(in, closed);
  std::getline(in, blocked);
  std::getline(in, ignored);
  std::getline(in, pgrp);
  std::getline(in, pid);
  EXPECT_EQ(closed, "closed");
  EXPECT_EQ(blocked, "SigBlk:\t0000000000000000");
  EXPECT_EQ(ignored, "SigIgn:\t0000000000000000");
  EXPECT_EQ(pgrp, pid) << "a process group of its own";
}

TEST(Spawn, TheDeadlineEndsTheWholeGroup) {
  spawn::Spec spec = Sh("sleep 60 & sleep 60");
  spec.deadline = std::chrono::milliseconds(200);
  spec.kill_after = std::chrono::seconds(5);
  const auto t0 = Clock::now();
  const spawn::Result r = spawn::Run(spec);
  EXPECT_LT(SecondsSince(t0), 4.0);
  EXPECT_EQ(r.ending, spawn::Ending::deadline);
  EXPECT_FALSE(r.killed) << "SIGTERM was enough";
  EXPECT_EQ(r.exit.Signal(), SIGTERM);
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

TEST(Spawn, SigkillFollowsWhenTheEndSignalIsIgnored) {
  spawn::Spec spec = Sh("trap '' TERM; sleep 60");
  spec.deadline = std::chrono::milliseconds(100);
  spec.kill_after = std::chrono::milliseconds(300);
  const spawn::Result r = spawn::Run(spec);
  EXPECT_EQ(r.ending, spawn::Ending::deadline);
  EXPECT_TRUE(r.killed);
  EXPECT_EQ(r.exit.Signal(), SIGKILL);
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

TEST(Spawn, AStopEndsItWithTheSignalItNames) {
  int asked = 0;
  spawn::Spec spec = Sh("sleep 60");
  spec.stop = [&] { return ++asked >= 3 ? SIGINT : 0; };
  const spawn::Result r = spawn::Run(spec);
  EXPECT_EQ(r.ending, spawn::Ending::stopped);
  EXPECT_EQ(r.exit.Signal(), SIGINT);
  EXPECT_EQ(asked, 3) << "not asked again once it answered";
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

// A process in a session of its own keeps standard output open after the program ended: with a
// deadline the wait still ends, with what it had written.
TEST(Spawn, OutputHeldOpenOutsideTheGroupIsGivenUp) {
  const std::string pid_file = ::testing::TempDir() + "ipcconform-spawn-held-" + std::to_string(getpid());
  std::vector<std::string> lines;
  spawn::Spec spec = Sh("setsid sh -c 'echo $$ > " + pid_file + "; exec sleep 30' & echo written");
  spec.out = spawn::Output::Lines([&](const std::string& l) { lines.push_back(l); });
  spec.deadline = std::chrono::milliseconds(300);
  spec.kill_after = std::chrono::milliseconds(300);
  const auto t0 = Clock::now();
  const spawn::Result r = spawn::Run(spec);
  EXPECT_LT(SecondsSince(t0), 5.0);
  EXPECT_THAT(lines, ::testing::ElementsAre("written"));
  EXPECT_TRUE(r.exit.Succeeded());
  const std::string held = ReadWhole(pid_file);
  ASSERT_FALSE(held.empty());
  kill(std::stoi(held), SIGKILL);
  std::filesystem::remove(pid_file);
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

TEST(Spawn, EndGivesGraceThenKillsTheRestOfTheGroup) {
  spawn::Process p(Sh("trap 'exit 7' TERM; sleep 60 & wait"));
  usleep(200000);  // the trap is set
  const spawn::Result& r = p.End(SIGTERM, std::chrono::seconds(2));
  EXPECT_EQ(r.exit.Code(), 7) << "the shell ended by itself on SIGTERM";
  EXPECT_EQ(StrayProcessesAfterSettling(), 0) << "its sleep is killed with the group";
}

TEST(Spawn, AProcessThatGoesTakesItsProgramWithIt) {
  {
    spawn::Process p(Sh("sleep 60"));
    EXPECT_GT(p.pid(), 0);
  }
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
  EXPECT_THAT(ipcc::ChildrenOf(getpid()), ::testing::IsEmpty()) << "and it is reaped";
}

// PR_SET_PDEATHSIG follows the thread that started the program, not the process.
TEST(Spawn, DieWithParentFollowsTheStartingThread) {
  std::optional<spawn::Process> p;
  std::thread starter([&] {
    spawn::Spec spec;
    spec.argv = {"/bin/sleep", "60"};
    spec.die_with_parent = true;
    p.emplace(spec);
  });
  starter.join();
  const auto t0 = Clock::now();
  EXPECT_EQ(p->Wait().exit.Signal(), SIGKILL);
  EXPECT_LT(SecondsSince(t0), 5.0);
}

}  // namespace
