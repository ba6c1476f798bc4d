// Fuzz target: the command line of `ipcconform`, built and parsed by the same harness/program/cli.cc main()
// uses; only the parse runs, never a command.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/fuzz/fuzz_targets.h"
#include "harness/gate/gate.h"
#include "harness/program/cli.h"
#include "harness/program/runner.h"
#include "reports/report.h"

namespace ipcc::fuzz {

void CliTarget(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words = {"ipcconform"};
  {
    std::string word;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    while (words.size() < 65 && std::getline(in, word)) words.push_back(word);
  }
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const int argc = static_cast<int>(words.size());

  Cli c;
  BuildCli(c, "0.0-fuzz (fuzz)");
  std::ostringstream out;
  std::ostringstream err;
  const int status = ParseCli(c, argc, argv.data(), out, err);
  if (status >= 0) {
    Check(status == 0 || status == 2, "ParseCli returned exit status " + std::to_string(status));
    Check(status == 0 || err.str().rfind("ipcconform: ", 0) == 0, "an error without its 'ipcconform: ' line");
    return;
  }

  // A successful parse: exactly one command, and the values within what the checks allow.
  const int commands = (*c.run_cmd ? 1 : 0) + (*c.list_cmd ? 1 : 0) + (*c.gate_cmd ? 1 : 0) + (*c.soak_cmd ? 1 : 0) +
                       (*c.report_cmd ? 1 : 0);
  Check(commands == 1, "a parse that selects " + std::to_string(commands) + " commands");
  if (*c.run_cmd) {
    Check(c.run.jobs == 0 || (c.run.jobs >= 1 && c.run.jobs <= 256), "--jobs outside 1..256 accepted");
    Check(c.timeout_s == 0 || (c.timeout_s >= 0.01 && c.timeout_s <= 3600.0), "--timeout outside its range accepted");
    if (c.timeout_s > 0) {
      Check(c.run.timeout && c.run.timeout->count() >= 10 && c.run.timeout->count() <= 3600 * 1000,
            "a timeout that does not convert");
    }
    Check(c.isolation == "auto" || c.isolation == "namespaces" || c.isolation == "process-group",
          "an unknown --isolation accepted: " + c.isolation);
  }
  if (*c.gate_cmd) {
    Check(c.gate.rounds >= 3 && c.gate.rounds <= 1000, "--rounds outside its range accepted");
    Check(c.gate.slice_ms >= 1.0 && c.gate.slice_ms <= 1000.0, "--slice-ms outside its range accepted");
    Check(c.gate.attempts >= 1 && c.gate.attempts <= 10, "--attempts outside its range accepted");
    Check(c.chunk_kib >= 4 && c.chunk_kib <= 4096 && c.ring_kib >= 64 && c.ring_kib <= (1u << 20),
          "--chunk-kib or --ring-kib outside its range accepted");
    Check(c.gate.chunk_bytes / 1024 == c.chunk_kib && c.gate.ring_chunks >= 2, "gate sizes that do not convert");
    const auto& t = c.gate.thresholds;
    Check(std::isfinite(t.shm_vs_memcpy) && std::isfinite(t.shm_vs_pipe) && std::isfinite(t.shm_vs_socket) &&
              std::isfinite(t.shm_vs_sysv_msg),
          "a threshold that is not a finite number accepted");
  }
  if (*c.soak_cmd) {
    Check(c.soak.runs >= 2 && c.soak.runs <= 1000, "--runs outside its range accepted");
    Check(c.soak_timeout_s == 0 || (c.soak.run.timeout && c.soak.run.timeout->count() >= 10),
          "a soak timeout that does not convert");
  }
  if (*c.report_cmd) {
    // (--out may be given as "": `ipcconform report` then fails to create the folder, status 1.)
    Check(!c.report.inputs.empty(), "report without its results argument");
    try {
      Check(!ParseFormats(c.report.formats).empty(), "no formats, and no error");
    } catch (const std::invalid_argument&) {
      // An unknown format: `ipcconform report` says so, status 2.
    }
  }
  c.app.help();  // the help text of a parsed app is formattable too
}

}  // namespace ipcc::fuzz
