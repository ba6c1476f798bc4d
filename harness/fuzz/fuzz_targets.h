// Fuzz targets of ipcconform's input handling. Each takes one input and checks properties of what the
// code under test makes of it; a broken property throws Violation. The same functions run under
// libFuzzer (fuzz_entry.cc, built with IPCC_FUZZ=ON and clang) and, in the ordinary build, over the
// seed corpus and the kept crash inputs (regressions_test.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ipcc::fuzz {

// A property the code under test broke: a bug, reported as a crash by the fuzzer.
struct Violation : std::logic_error {
  using std::logic_error::logic_error;
};

// Throws Violation with `what` when `ok` is false.
void Check(bool ok, const std::string& what);

// ParseExpectations on the input as expectation-file text; entries it accepts are written out again
// and must read back the same, and Judge/StaleExpectations must agree with them.
void ExpectationsTarget(const std::uint8_t* data, std::size_t size);

// ReadResults on the input as a results.jsonl file; what it keeps must be well-formed and must read
// back the same when written out again.
void ResultsTarget(const std::uint8_t* data, std::size_t size);

// The `ipcconform report` path in memory: ReadResults, the merged matrix and every text report.
void ReportTarget(const std::uint8_t* data, std::size_t size);

// The command line of `ipcconform`: the input is argv[1..], one word per line; only the parse runs.
void CliTarget(const std::uint8_t* data, std::size_t size);

// The input as a file ReadResults can open: a memory file, rewritten for each input, named by a
// /proc/self/fd path.
std::string InputFile(const std::uint8_t* data, std::size_t size);

}  // namespace ipcc::fuzz
