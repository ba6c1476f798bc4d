// Fuzz target: the command line of `ipcconform`. harness/main.cc builds its CLI11 app inside main(),
// so BuildCli below repeats its option definitions (keep the two in step until main.cc exposes its
// own BuildCli); only the parse and the checks main() makes on the parsed values run, never a command.
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
#include "harness/runner.h"
#include "reports/report.h"

namespace ipcc::fuzz {
namespace {

struct Cli {
  CLI::App app{"ipcconform: conformance checker for Linux/POSIX inter-process communication"};
  RunOptions run;
  double timeout_s = 0;
  std::string isolation = "auto";
  bool list_json = false;
  bool list_hidden = false;
  gate::Options gate;
  std::size_t ring_kib = 0;
  std::size_t chunk_kib = 0;
  std::string gate_out;
  bool gate_json = false;
  ReportOptions report;
  CLI::App* run_cmd = nullptr;
  CLI::App* list_cmd = nullptr;
  CLI::App* gate_cmd = nullptr;
  CLI::App* report_cmd = nullptr;
};

// Rejects NaN and the infinities, which CLI::Range lets through (every comparison with NaN is false):
// without it `run --timeout nan` is accepted and silently ignored, and `gate --slice-ms nan` runs.
// Text that is no number at all is left to CLI11's own conversion error.
const CLI::Validator kFinite(
    [](std::string& input) -> std::string {
      char* end = nullptr;
      const double v = std::strtod(input.c_str(), &end);
      if (end != input.c_str() && *end == '\0' && !std::isfinite(v)) return "Value " + input + " is not a finite number";
      return {};
    },
    "FINITE");

// The definitions of harness/main.cc, and kFinite on its floating-point options (a fix main.cc
// still needs).
void BuildCli(Cli& c) {
  CLI::App& app = c.app;
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("0.0-fuzz (fuzz)"));

  c.run_cmd = app.add_subcommand("run", "Run conformance cases and write the reports");
  CLI::App* run_cmd = c.run_cmd;
  run_cmd->add_option("--filter,-f", c.run.filters, "Case id glob (repeatable), e.g. 'fifo.open.*'");
  run_cmd->add_option("--mechanism,-m", c.run.mechanisms, "Mechanism to run (repeatable), e.g. pipe");
  run_cmd->add_option("--jobs,-j", c.run.jobs, "Cases run in parallel (default: number of CPUs)")->check(CLI::Range(1, 256));
  run_cmd->add_option("--timeout", c.timeout_s, "Per-case timeout in seconds (overrides each case's own)")
      ->check(kFinite)->check(CLI::Range(0.01, 3600.0));
  run_cmd->add_option("--out,-o", c.run.out, "Folder for results.jsonl and the reports")->capture_default_str();
  run_cmd->add_option("--target,-t", c.run.target, "Where the cases run: native, runsc, uml, bwrap, chroot:DIR, wrap:PREFIX")
      ->capture_default_str();
  run_cmd->add_option("--isolation", c.isolation, "auto, namespaces or process-group")
      ->check(CLI::IsMember({"auto", "namespaces", "process-group"}))
      ->capture_default_str();
  run_cmd->add_flag("--quiet,-q", c.run.quiet, "No progress or summary");
  run_cmd->add_option("--expect", c.run.expect, "Expectation file (default: fixtures/expectations/<target>.txt)")
      ->check(CLI::ExistingFile);
  run_cmd->add_flag("--no-expect", c.run.no_expect, "Judge against no expectations");
  run_cmd->add_flag("--strict", c.run.strict, "Unexpected passes and stale expectations also fail the run");
  run_cmd->add_flag("--resume", c.run.resume, "Continue the run in --out: run only the cases without a record");
  run_cmd->add_flag("--stream", c.run.stream, "Also write every record to standard output (used inside targets)")->group("");

  c.list_cmd = app.add_subcommand("list", "List the case catalogue");
  c.list_cmd->add_flag("--json", c.list_json, "The whole catalogue with metadata, as JSON");
  c.list_cmd->add_flag("--hidden", c.list_hidden, "Include the harness self-test cases");

  c.gate_cmd = app.add_subcommand("gate", "Measure shared memory against the copying mechanisms and memcpy");
  CLI::App* gate_cmd = c.gate_cmd;
  gate_cmd->add_option("--rounds", c.gate.rounds, "Interleaved rounds per attempt")->check(CLI::Range(3, 1000))->capture_default_str();
  gate_cmd->add_option("--slice-ms", c.gate.slice_ms, "Length of one mechanism's slice")->check(kFinite)->check(CLI::Range(1.0, 1000.0))->capture_default_str();
  gate_cmd->add_option("--attempts", c.gate.attempts, "Attempts before the gate fails")->check(CLI::Range(1, 10))->capture_default_str();
  gate_cmd->add_option("--min-vs-memcpy", c.gate.thresholds.shm_vs_memcpy, "shm >= this x memcpy")->check(kFinite)->capture_default_str();
  gate_cmd->add_option("--min-vs-pipe", c.gate.thresholds.shm_vs_pipe, "shm >= this x pipe")->check(kFinite)->capture_default_str();
  gate_cmd->add_option("--min-vs-socketpair", c.gate.thresholds.shm_vs_socket, "shm >= this x socketpair")->check(kFinite)->capture_default_str();
  gate_cmd->add_option("--min-vs-sysv-msg", c.gate.thresholds.shm_vs_sysv_msg, "shm >= this x System V messages")->check(kFinite)->capture_default_str();
  c.ring_kib = c.gate.chunk_bytes * c.gate.ring_chunks / 1024;
  c.chunk_kib = c.gate.chunk_bytes / 1024;
  gate_cmd->add_option("--ring-kib", c.ring_kib, "Ring size = memcpy working set, KiB")->check(CLI::Range(64, 1 << 20))->capture_default_str();
  gate_cmd->add_option("--chunk-kib", c.chunk_kib, "Transfer unit, KiB")->check(CLI::Range(4, 4096))->capture_default_str();
  gate_cmd->add_option("--out,-o", c.gate_out, "Folder whose results.jsonl gets the gate's record");
  gate_cmd->add_flag("--json", c.gate_json, "Print the whole record as JSON");

  c.report_cmd = app.add_subcommand("report", "Rebuild every report from results.jsonl files (merged into one matrix)");
  c.report_cmd->add_option("results", c.report.inputs, "results.jsonl files, or folders holding one")->required();
  c.report_cmd->add_option("--out,-o", c.report.out, "Folder for the reports")->required();
  c.report_cmd->add_option("--format", c.report.formats, "Comma-separated: html, md, ktap, junit, json, bundle")->capture_default_str();
}

// main()'s check of an unknown command before the parse.
bool KnownCommand(CLI::App& app, const std::string& command) {
  bool known = false;
  for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) known |= sub->get_name() == command;
  return known;
}

}  // namespace

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
  BuildCli(c);
  if (argc > 1 && argv[1][0] != '-' && !KnownCommand(c.app, argv[1])) return;  // "unknown command", status 2
  std::ostringstream out;
  std::ostringstream err;
  try {
    c.app.parse(argc, argv.data());
  } catch (const CLI::ParseError& e) {
    // main() prints help, the version or the error: the text must be formattable.
    c.app.exit(e, out, err);
    return;
  }

  // A successful parse: exactly one command, and the values within what the checks allow.
  const int commands = (*c.run_cmd ? 1 : 0) + (*c.list_cmd ? 1 : 0) + (*c.gate_cmd ? 1 : 0) + (*c.report_cmd ? 1 : 0);
  Check(commands == 1, "a parse that selects " + std::to_string(commands) + " commands");
  if (*c.run_cmd) {
    Check(c.run.jobs == 0 || (c.run.jobs >= 1 && c.run.jobs <= 256), "--jobs outside 1..256 accepted");
    Check(c.timeout_s == 0 || (c.timeout_s >= 0.01 && c.timeout_s <= 3600.0), "--timeout outside its range accepted");
    if (c.timeout_s > 0) {
      const auto timeout = std::chrono::milliseconds(static_cast<long>(c.timeout_s * 1000));
      Check(timeout.count() >= 10 && timeout.count() <= 3600 * 1000, "a timeout that does not convert");
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
    // main()'s conversion to the gate's options.
    c.gate.chunk_bytes = c.chunk_kib * 1024;
    c.gate.ring_chunks = std::max<std::size_t>(2, c.ring_kib / c.chunk_kib);
    Check(c.gate.chunk_bytes / 1024 == c.chunk_kib && c.gate.ring_chunks >= 2, "gate sizes that do not convert");
    const auto& t = c.gate.thresholds;
    Check(std::isfinite(t.shm_vs_memcpy) && std::isfinite(t.shm_vs_pipe) && std::isfinite(t.shm_vs_socket) &&
              std::isfinite(t.shm_vs_sysv_msg),
          "a threshold that is not a finite number accepted");
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
