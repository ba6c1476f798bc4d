// The HTML report in a real browser: Debian's chromium, headless, opens the page from disk, runs its
// script, and the DOM it dumps shows the matrix, with rows hidden or shown by "#filter=<name>".
// Skips when no chromium is installed (ci/deps.sh installs it).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/html.h"
#include "reports/tests/sample_runs.h"

namespace {

using namespace ipcc;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

std::string FindBrowser() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path == nullptr ? "/usr/bin" : path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      const fs::path candidate = fs::path(dir) / name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return {};
}

class Browser : public ::testing::Test {
 protected:
  void SetUp() override {
    browser_ = FindBrowser();
    if (browser_.empty()) GTEST_SKIP() << "chromium is not installed (Debian: apt-get install chromium)";
    std::vector<RunResults> runs;
    runs.push_back(ReadResults(sample::WriteTempFile("native", sample::NativeRun())));
    runs.push_back(ReadResults(sample::WriteTempFile("runsc", sample::SandboxRun())));
    dir_ = sample::TempFolder("browser");
    page_ = dir_ + "/report.html";
    std::ofstream out(page_);
    WriteHtml(BuildMatrix(runs), ToolInfo{"0.1.0", "abc"}, out);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // The DOM after the page's own script ran, as chromium serialises it.
  std::string DumpDom(const std::string& fragment) {
    const std::string profile = dir_ + "/profile";
    fs::create_directories(profile);
    const std::string command = "timeout 40 '" + browser_ +
                                "' --headless --no-sandbox --disable-gpu --disable-background-networking "
                                "--disable-component-update --disable-sync --no-first-run --user-data-dir='" +
                                profile +
                                "' "
                                "--dump-dom 'file://" +
                                page_ + fragment + "' 2>/dev/null";
    FILE* p = popen(command.c_str(), "r");
    std::string dom;
    char buf[8192];
    std::size_t n = 0;
    while (p != nullptr && (n = std::fread(buf, 1, sizeof buf, p)) > 0) dom.append(buf, n);
    const int status = p == nullptr ? -1 : pclose(p);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << " exited with " << status;
    return dom;
  }

  std::string browser_;
  std::string dir_;
  std::string page_;
};

// The start tag of the element that has this id, or "".
std::string StartTag(const std::string& dom, const std::string& id) {
  const auto at = dom.find(" id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  const auto open = dom.rfind('<', at);
  return dom.substr(open, dom.find('>', at) - open + 1);
}

// Case id -> hidden, for every case row of the matrix.
std::map<std::string, bool> CaseRows(const std::string& dom) {
  std::map<std::string, bool> rows;
  for (auto at = dom.find("<details class=\"case\""); at != std::string::npos;
       at = dom.find("<details class=\"case\"", at + 1)) {
    const std::string tag = dom.substr(at, dom.find('>', at) - at + 1);
    const auto id = tag.find(" data-id=\"") + 10;
    rows[tag.substr(id, tag.find('"', id) - id)] = tag.find(" hidden") != std::string::npos;
  }
  return rows;
}

TEST_F(Browser, RendersTheMatrixWithEveryRowShown) {
  const auto started = std::chrono::steady_clock::now();
  const std::string dom = DumpDom("");
  EXPECT_THAT(dom, HasSubstr("<html lang=\"en\" class=\"js\">"));  // the script ran
  EXPECT_THAT(dom, HasSubstr("<p id=\"shown\">Showing 5 of 5 cases</p>"));
  const auto rows = CaseRows(dom);
  EXPECT_EQ(rows.size(), 5u);
  for (const auto& [id, hidden] : rows) EXPECT_FALSE(hidden) << id;
  EXPECT_THAT(dom, HasSubstr("runsc @ 4.4.0 / Debian 12"));
  EXPECT_THAT(StartTag(dom, "case-pipe.read.e"), Not(HasSubstr("hidden")));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

TEST_F(Browser, TheRegressionFilterInTheAddressHidesTheOtherRows) {
  const std::string dom = DumpDom("#filter=regressions");
  EXPECT_THAT(dom, HasSubstr("<body data-filter=\"regression\">"));
  EXPECT_THAT(dom, HasSubstr("Showing 1 of 5 cases"));
  const auto rows = CaseRows(dom);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_FALSE(rows.at("pipe.read.e"));
  for (const char* id : {"fifo.open.a", "fifo.open.b", "fifo.io.c", "pipe.read.d"}) EXPECT_TRUE(rows.at(id)) << id;
  // A mechanism with nothing to show is hidden too; the one with the regression is opened.
  const auto mech = [&](const std::string& name) {
    const auto at = dom.find("data-mechanism=\"" + name + "\"");
    return dom.substr(dom.rfind('<', at), dom.find('>', at) - dom.rfind('<', at) + 1);
  };
  EXPECT_THAT(mech("fifo"), HasSubstr("hidden"));
  EXPECT_THAT(mech("pipe"), Not(HasSubstr("hidden")));
  EXPECT_THAT(dom, HasSubstr("<button type=\"button\" data-filter=\"regression\" class=\"on\" aria-pressed=\"true\">"));
}

TEST_F(Browser, TheExpectedDeviationFilterShowsOnlyThoseRows) {
  const auto rows = CaseRows(DumpDom("#filter=expected"));
  ASSERT_EQ(rows.size(), 5u);
  for (const auto& [id, hidden] : rows) EXPECT_EQ(hidden, id != "fifo.open.b") << id;
}

}  // namespace
