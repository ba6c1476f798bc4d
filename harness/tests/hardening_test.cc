// The runner as root among other users: what it writes cannot be redirected by links or folders
// someone else planted, a full disk stops it with every complete record kept, two runs cannot mix
// their records, and --resume removes nothing it did not make.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/tests/tool_util.h"

namespace {

using namespace ipcc::testutil;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A file standing for one the attacker wants root to overwrite.
std::string Victim(const std::string& name) {
  const std::string path = FreshDir("victim-" + name);
  fs::create_directories(path);
  std::ofstream(path + "/victim.txt") << "untouched\n";
  return path + "/victim.txt";
}

TEST(Hardening, APlantedLinkAtResultsJsonlIsRefusedAndItsTargetUntouched) {
  const std::string dir = FreshDir("planted-link");
  fs::create_directories(dir);
  const std::string victim = Victim("link");
  fs::create_symlink(victim, dir + "/results.jsonl");
  ToolResult r = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", dir});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("results.jsonl: it is a symbolic link"));
  EXPECT_EQ(Slurp(victim), "untouched\n");
  fs::remove_all(dir);
}

TEST(Hardening, AHardLinkAtResultsJsonlIsRefusedAndItsTargetUntouched) {
  const std::string dir = FreshDir("planted-hardlink");
  fs::create_directories(dir);
  const std::string victim = Victim("hardlink");
  fs::create_hard_link(victim, dir + "/results.jsonl");
  ToolResult r = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", dir});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("it has 2 hard links"));
  EXPECT_EQ(Slurp(victim), "untouched\n");
  fs::remove_all(dir);
}

TEST(Hardening, AnOutFolderOfAnotherUserOrOpenToOthersIsRefused) {
  const std::string theirs = FreshDir("their-folder");
  fs::create_directories(theirs);
  ASSERT_EQ(chown(theirs.c_str(), 65534, 65534), 0);
  ToolResult r = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", theirs});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("belongs to uid 65534"));
  EXPECT_FALSE(fs::exists(theirs + "/results.jsonl"));

  const std::string open = FreshDir("open-folder");
  fs::create_directories(open);
  fs::permissions(open, fs::perms::all);
  r = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", open});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is writable by others"));
  EXPECT_FALSE(fs::exists(open + "/results.jsonl"));

  const std::string real = FreshDir("real-folder");
  fs::create_directories(real);
  const std::string link = FreshDir("folder-link");
  fs::create_symlink(real, link);
  r = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", link});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is a symbolic link"));
  EXPECT_FALSE(fs::exists(real + "/results.jsonl"));
  for (const auto& d : {theirs, open, real, link}) fs::remove_all(d);
}

TEST(Hardening, ASecondRunIntoAFolderInUseIsRefusedAndTheFirstKeepsItsRecords) {
  const std::string dir = FreshDir("locked");
  ToolResult first = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", dir});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string before = Slurp(dir + "/results.jsonl");
  // This process stands for a run that is still going: it holds the folder's lock.
  const int fd = open((dir + "/.ipcconform.lock").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  ToolResult second = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", dir});
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_THAT(second.err, HasSubstr("is in use by another ipcconform run"));
  EXPECT_EQ(Slurp(dir + "/results.jsonl"), before) << "the second run must not touch the first one's records";
  close(fd);
  ToolResult third = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", dir});
  EXPECT_EQ(third.exit_code, 0) << "free again once the lock is gone: " << third.err;
  fs::remove_all(dir);
}

// A folder on a tmpfs of two pages: the results of a whole mechanism do not fit.
class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir("full-disk");
    fs::create_directories(dir_);
    if (mount("ipcconform-test", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=8k,mode=0755") != 0) {
      GTEST_SKIP() << "mounting a tmpfs needs CAP_SYS_ADMIN here: " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }
  std::string dir_;
  bool mounted_ = false;
};

TEST_F(FullDisk, StopsTheRunWithAClearMessageAndKeepsOnlyWholeRecords) {
  ToolResult r = RunTool({"run", "-q", "-m", "pipe", "--out", dir_});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr("writing " + dir_ + "/results.jsonl failed: ENOSPC"));
  EXPECT_THAT(r.err, HasSubstr("every complete record before it is kept"));
  std::ifstream in(dir_ + "/results.jsonl");
  std::string line;
  int records = 0;
  bool end = false;
  while (std::getline(in, line)) {
    const json rec = json::parse(line, nullptr, false);
    ASSERT_TRUE(rec.is_object()) << "a cut record: " << line;
    ++records;
    end = end || rec.value("record", "") == "end";
  }
  EXPECT_GT(records, 1) << "the header and some cases fit";
  EXPECT_FALSE(end) << "a run stopped by a full disk has no end record";
  const std::string raw = Slurp(dir_ + "/results.jsonl");
  EXPECT_TRUE(raw.empty() || raw.back() == '\n');
  EXPECT_EQ(StrayProcessesAfterSettling(), 0);
}

TEST(Hardening, ResumeCutsACutLastLineBeforeAppending) {
  const std::string dir = FreshDir("cut-line");
  ToolResult first = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", dir});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // The end record goes, and half a record stands for a write that was cut.
  std::string text = Slurp(dir + "/results.jsonl");
  text = text.substr(0, text.rfind("{\"record\":\"end\""));
  std::ofstream(dir + "/results.jsonl", std::ios::trunc) << text << "{\"record\":\"case\",\"id\":\"selftest.isol";
  ToolResult r = RunTool({"run", "--resume", "-f", "selftest.empty.*", "-f", "selftest.isolation.*", "--out", dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ended in a cut line"));
  std::ifstream in(dir + "/results.jsonl");
  std::string line;
  while (std::getline(in, line)) EXPECT_TRUE(json::parse(line, nullptr, false).is_object()) << line;
  Results res = Load(dir);
  EXPECT_EQ(res.cases.size(), 2u);
  EXPECT_EQ(res.cases["selftest.isolation.reports_namespaces"]["outcome"], "PASS");
  fs::remove_all(dir);
}

TEST(Hardening, ResumeRemovesNoFolderAResultsHeaderNamesUnlessTheRunMadeIt) {
  const std::string dir = FreshDir("crafted-temp");
  ToolResult first = RunTool({"run", "-q", "-f", "selftest.empty.*", "--out", dir});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string text = Slurp(dir + "/results.jsonl");
  text = text.substr(0, text.rfind("{\"record\":\"end\""));
  const json header = json::parse(text.substr(0, text.find('\n')));
  const std::string real_temp = header["temp_dir"];
  // Folders the crafted header could name: one through "..", one that only looks like the tool's.
  const std::string victim_dir = fs::path(Victim("temp")).parent_path().string();
  char lookalike[] = "/tmp/ipcconform-run-XXXXXX";
  ASSERT_NE(mkdtemp(lookalike), nullptr);
  std::ofstream(std::string(lookalike) + "/keep") << "keep\n";
  for (const std::string& crafted : {std::string(lookalike) + "/../.." + victim_dir, std::string(lookalike)}) {
    json h = header;
    h["temp_dir"] = crafted;
    std::ofstream(dir + "/results.jsonl", std::ios::trunc) << h.dump() << "\n" << text.substr(text.find('\n') + 1);
    ToolResult r = RunTool({"run", "--resume", "-f", "selftest.empty.*", "--out", dir});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("left " + crafted + " alone"));
  }
  EXPECT_TRUE(fs::exists(victim_dir + "/victim.txt"));
  EXPECT_TRUE(fs::exists(std::string(lookalike) + "/keep"));
  EXPECT_FALSE(fs::exists(real_temp)) << "the run removed its own temporary folder";
  fs::remove_all(lookalike);
  fs::remove_all(victim_dir);
  fs::remove_all(dir);
}

TEST(Hardening, AWrapTargetsInnerRunWritesIntoAPrivateFolder) {
  // The wrapper notes the inner run's --out, and the mode and owner of the folder above it.
  const std::string dir = FreshDir("wrap-private");
  fs::create_directories(dir);
  const std::string note = dir + "/note";
  const std::string script = dir + "/wrapper.sh";
  std::ofstream(script) << "#!/bin/sh\n"
                           "prev=; for a in \"$@\"; do [ \"$prev\" = --out ] && out=$a; prev=$a; done\n"
                           "parent=$(dirname \"$out\")\n"
                           "echo \"$parent $(stat -c '%a %u' \"$parent\")\" > '"
                        << note << "'\nexec \"$@\"\n";
  fs::permissions(script, fs::perms::owner_all);
  ToolResult r = RunTool({"run", "-q", "--target", "wrap:" + script, "-f", "selftest.empty.*", "--out", dir + "/out"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string seen = Slurp(note);
  EXPECT_THAT(seen,
              ::testing::MatchesRegex("/tmp/ipcconform-inner-[A-Za-z0-9]{6} 700 " + std::to_string(geteuid()) + "\n"));
  const std::string parent = seen.substr(0, seen.find(' '));
  EXPECT_FALSE(fs::exists(parent)) << "the private folder is removed after the run";
  fs::remove_all(dir);
}

}  // namespace
