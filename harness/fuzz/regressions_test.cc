// The fuzz targets over their seed corpus and over every input a fuzzer once crashed on
// (harness/fuzz/regressions/<target>/), in the ordinary build: a fixed bug stays fixed without
// clang or libFuzzer.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/fuzz/fuzz_targets.h"
#include "reports/expectations.h"

namespace {

namespace fs = std::filesystem;
using Target = void (*)(const std::uint8_t*, std::size_t);

std::vector<fs::path> Inputs(const std::string& kind, const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(IPCC_FUZZ_DIR) / kind / target;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the target on every input; returns how many there were.
std::size_t Replay(const std::string& kind, const std::string& name, Target target) {
  const auto files = Inputs(kind, name);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const std::string data = Slurp(file);
    try {
      target(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    } catch (const ipcc::fuzz::Violation& v) {
      ADD_FAILURE() << "property broken: " << v.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "exception escaped (ipcconform would end on it): " << e.what();
    }
  }
  return files.size();
}

// Every target over its seeds (there must be some) and over its kept crash inputs.
void ReplayAll(const std::string& name, Target target) {
  EXPECT_GT(Replay("corpus", name, target), 0u) << "no seed inputs in harness/fuzz/corpus/" << name;
  Replay("regressions", name, target);
}

TEST(FuzzReplay, Expectations) {
  ReplayAll("expectations", ipcc::fuzz::ExpectationsTarget);
}
TEST(FuzzReplay, Results) {
  ReplayAll("results", ipcc::fuzz::ResultsTarget);
}
TEST(FuzzReplay, Report) {
  ReplayAll("report", ipcc::fuzz::ReportTarget);
}
TEST(FuzzReplay, Cli) {
  ReplayAll("cli", ipcc::fuzz::CliTarget);
}

// Found by aiming the expectations target at long inputs: the pattern check was a std::regex, whose
// matcher recurses once per character, and a pattern of 100,000 characters overflowed the stack
// (`ipcconform run --expect FILE` ended with SIGSEGV). Too large to keep as a file, so made here.
TEST(FuzzRegressions, VeryLongPatternDoesNotOverflowTheStack) {
  const std::string id(1000000, 'a');
  const auto entries = ipcc::ParseExpectations(id + "* FAIL # long\n", "long.txt");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].pattern.size(), id.size() + 1);
  EXPECT_THROW(ipcc::ParseExpectations(id + "A FAIL # long\n", "long.txt"), ipcc::ExpectationError);
  const std::string text = id + " FAIL|SKIP # long\n";
  EXPECT_NO_THROW(ipcc::fuzz::ExpectationsTarget(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace
