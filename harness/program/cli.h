// The command line of `ipcconform`: every command's options, parsed into the option structs the
// commands take. main() and the command-line fuzz target build it the same way.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

#include <CLI/CLI.hpp>

#include "harness/gate/gate.h"
#include "harness/program/coverage.h"
#include "harness/program/plan.h"
#include "harness/program/soak.h"
#include "reports/report.h"

namespace ipcc {

struct Cli {
  CLI::App app{"ipcconform: conformance checker for Linux/POSIX inter-process communication"};

  RunOptions run;
  double timeout_s = 0;
  std::string isolation = "auto";

  bool list_json = false;
  bool list_hidden = false;
  std::vector<std::string> list_mechanisms;  // list -m: only these mechanisms

  gate::Options gate;
  std::size_t ring_kib = 0;
  std::size_t chunk_kib = 0;
  std::string gate_out;
  std::string gate_target = "native";
  bool gate_json = false;
  bool gate_stream = false;

  SoakOptions soak;
  double soak_timeout_s = 0;

  ReportOptions report;

  CoverageOptions coverage;

  CLI::App* run_cmd = nullptr;
  CLI::App* list_cmd = nullptr;
  CLI::App* gate_cmd = nullptr;
  CLI::App* soak_cmd = nullptr;
  CLI::App* report_cmd = nullptr;
  CLI::App* coverage_cmd = nullptr;
};

// Defines every command and option on c.app, bound to c's fields.
void BuildCli(Cli& c, const std::string& version);

// Parses argv. Returns -1 when a command is ready to run (with the parsed values converted: timeouts,
// isolation, gate sizes), otherwise the exit status, after writing help, the version or the error
// ("ipcconform: ..." on err): 0 for help and version, 2 for every error.
int ParseCli(Cli& c, int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace ipcc
