#include "harness/program/cli.h"

#include <cmath>
#include <cstdlib>
#include <ostream>

#include <fmt/format.h>

namespace ipcc {
namespace {

// CLI::Range lets NaN through (every comparison with it is false), and the infinities pass an
// open-ended range: refuse non-finite numbers before the range is checked. Text that is no number
// at all is left to CLI11's own conversion error.
const CLI::Validator kFinite(
    [](std::string& input) -> std::string {
      char* end = nullptr;
      const double v = std::strtod(input.c_str(), &end);
      if (end != input.c_str() && *end == '\0' && !std::isfinite(v)) return input + " is not a finite number";
      return {};
    },
    "FINITE");

void AddSelection(CLI::App* cmd, RunOptions& run) {
  cmd->add_option("--filter,-f", run.filters, "Case id glob (repeatable), e.g. 'fifo.open.*'");
  cmd->add_option("--mechanism,-m", run.mechanisms, "Mechanism to run (repeatable), e.g. pipe");
  cmd->add_option("--jobs,-j", run.jobs, "Cases run in parallel (default: number of CPUs)")->check(CLI::Range(1, 256));
}

bool KnownCommand(CLI::App& app, const std::string& command, std::string* names) {
  bool known = false;
  for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    known |= sub->get_name() == command;
    *names += (names->empty() ? "" : ", ") + sub->get_name();
  }
  return known;
}

void AddRun(Cli& c) {
  c.run_cmd = c.app.add_subcommand("run", "Run conformance cases and write the reports");
  CLI::App* run = c.run_cmd;
  AddSelection(run, c.run);
  run->add_option("--timeout", c.timeout_s, "Per-case timeout in seconds (overrides each case's own)")
      ->check(kFinite)
      ->check(CLI::Range(0.01, 3600.0));
  run->add_option("--out,-o", c.run.out, "Folder for results.jsonl and the reports")->capture_default_str();
  run->add_option("--target,-t", c.run.target,
                  "Where the cases run: native, runsc, uml, bwrap, chroot:DIR, wrap:PREFIX")
      ->capture_default_str();
  run->add_option("--isolation", c.isolation, "auto, namespaces or process-group")
      ->check(CLI::IsMember({"auto", "namespaces", "process-group"}))
      ->capture_default_str();
  run->add_flag("--quiet,-q", c.run.quiet, "No progress or summary");
  run->add_option("--expect", c.run.expect, "Expectation file (default: fixtures/expectations/<target>.txt)")
      ->check(CLI::ExistingFile);
  run->add_flag("--no-expect", c.run.no_expect, "Judge against no expectations");
  run->add_flag("--strict", c.run.strict, "Unexpected passes and stale expectations also fail the run");
  run->add_flag("--resume", c.run.resume, "Continue the run in --out: run only the cases without a record");
  run->add_flag("--stream", c.run.stream, "Also write every record to standard output (used inside targets)")
      ->group("");
}

void AddList(Cli& c) {
  c.list_cmd = c.app.add_subcommand("list", "List the case catalogue");
  c.list_cmd->add_flag("--json", c.list_json, "The whole catalogue with metadata, as JSON");
  c.list_cmd->add_flag("--hidden", c.list_hidden, "Include the harness self-test cases");
  c.list_cmd->add_option("-m,--mechanism", c.list_mechanisms, "Only the cases of these mechanisms")->take_all();
}

void AddCoverage(Cli& c) {
  c.coverage_cmd = c.app.add_subcommand(
      "coverage", "What the spec inventory (conformance/spec/) promises against the cases that name its entries");
  c.coverage_cmd->add_flag("--json", c.coverage.json, "Every entry with its state and cases, as JSON");
  c.coverage_cmd->add_option("-m,--mechanism", c.coverage.mechanisms, "Only these mechanisms")->take_all();
  c.coverage_cmd->add_flag("--check", c.coverage.check,
                           "Fail on inventory problems, stale waivers, and mechanisms below their floors");
  c.coverage_cmd
      ->add_option("--floors", c.coverage.floors,
                   "With --check: 'mechanism covered% accounted%' lines (default: every entry covered or waived)")
      ->check(CLI::ExistingFile);
}

void AddGate(Cli& c) {
  c.gate_cmd = c.app.add_subcommand("gate", "Measure shared memory against the copying mechanisms and memcpy");
  CLI::App* gate = c.gate_cmd;
  gate::Options& g = c.gate;
  gate->add_option("--rounds", g.rounds, "Interleaved rounds per attempt")
      ->check(CLI::Range(3, 1000))
      ->capture_default_str();
  gate->add_option("--slice-ms", g.slice_ms, "Length of one mechanism's slice")
      ->check(kFinite)
      ->check(CLI::Range(1.0, 1000.0))
      ->capture_default_str();
  gate->add_option("--attempts", g.attempts, "Attempts before the gate fails")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  gate->add_option("--min-vs-memcpy", g.thresholds.shm_vs_memcpy, "shm >= this x memcpy")
      ->check(kFinite)
      ->capture_default_str();
  gate->add_option("--min-vs-pipe", g.thresholds.shm_vs_pipe, "shm >= this x pipe")
      ->check(kFinite)
      ->capture_default_str();
  gate->add_option("--min-vs-socketpair", g.thresholds.shm_vs_socket, "shm >= this x socketpair")
      ->check(kFinite)
      ->capture_default_str();
  gate->add_option("--min-vs-sysv-msg", g.thresholds.shm_vs_sysv_msg, "shm >= this x System V messages")
      ->check(kFinite)
      ->capture_default_str();
  c.ring_kib = g.chunk_bytes * g.ring_chunks / 1024;
  c.chunk_kib = g.chunk_bytes / 1024;
  gate->add_option("--ring-kib", c.ring_kib, "Ring size = memcpy working set, KiB")
      ->check(CLI::Range(64, 1 << 20))
      ->capture_default_str();
  gate->add_option("--chunk-kib", c.chunk_kib, "Transfer unit, KiB")->check(CLI::Range(4, 4096))->capture_default_str();
  gate->add_option("--target,-t", c.gate_target,
                   "Where the gate runs: native, runsc, uml, bwrap, chroot:DIR, wrap:PREFIX")
      ->capture_default_str();
  gate->add_option("--out,-o", c.gate_out, "Folder whose results.jsonl gets the gate's record");
  gate->add_flag("--json", c.gate_json, "Print the whole record as JSON");
  gate->add_flag("--stream", c.gate_stream, "Write the record as a stream line (used inside targets)")->group("");
}

void AddSoak(Cli& c) {
  c.soak_cmd = c.app.add_subcommand(
      "soak", "Run the suite N times (optionally under stress-ng load) and report outcome changes");
  CLI::App* soak = c.soak_cmd;
  AddSelection(soak, c.soak.run);
  soak->add_option("--runs,-n", c.soak.runs, "How many full runs")->check(CLI::Range(2, 1000))->capture_default_str();
  soak->add_flag("--load", c.soak.load, "Run stress-ng on every CPU beside the runs");
  soak->add_option("--load-args", c.soak.load_args, "stress-ng's load options")->capture_default_str();
  soak->add_option("--timeout", c.soak_timeout_s, "Per-case timeout in seconds (overrides each case's own)")
      ->check(kFinite)
      ->check(CLI::Range(0.01, 3600.0));
  soak->add_option("--out,-o", c.soak.out, "Folder for each run's results and soak.json")->capture_default_str();
}

void AddReport(Cli& c) {
  c.report_cmd =
      c.app.add_subcommand("report", "Rebuild every report from results.jsonl files (merged into one matrix)");
  c.report_cmd->add_option("results", c.report.inputs, "results.jsonl files, or folders holding one")->required();
  c.report_cmd->add_option("--out,-o", c.report.out, "Folder for the reports")->required();
  c.report_cmd->add_option("--format", c.report.formats, "Comma-separated: html, md, ktap, junit, json, bundle")
      ->capture_default_str();
  c.report_cmd->add_option("--bundle-expectations", c.report.bundle_expectations,
                           "Expectation files the bundle may copy when a results header names them (the "
                           "project's own fixtures/expectations are always allowed)");
}

}  // namespace

void BuildCli(Cli& c, const std::string& version) {
  c.app.require_subcommand(1);
  c.app.set_version_flag("--version", version);
  AddRun(c);
  AddList(c);
  AddGate(c);
  AddSoak(c);
  AddReport(c);
  AddCoverage(c);
}

int ParseCli(Cli& c, int argc, char** argv, std::ostream& out, std::ostream& err) {
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    if (!KnownCommand(c.app, argv[1], &names)) {
      err << fmt::format("ipcconform: unknown command '{}' (commands: {})\n", argv[1], names);
      return 2;
    }
  }
  try {
    c.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return c.app.exit(e, out, err);  // help, version
    err << "ipcconform: " << e.what() << "\n";
    return 2;
  }
  if (c.timeout_s > 0) c.run.timeout = std::chrono::milliseconds(static_cast<long>(c.timeout_s * 1000));
  if (c.soak_timeout_s > 0) c.soak.run.timeout = std::chrono::milliseconds(static_cast<long>(c.soak_timeout_s * 1000));
  c.run.isolation = c.isolation == "namespaces"      ? IsolationMode::namespaces
                    : c.isolation == "process-group" ? IsolationMode::process_group
                                                     : IsolationMode::automatic;
  c.gate.chunk_bytes = c.chunk_kib * 1024;
  c.gate.ring_chunks = std::max<std::size_t>(2, c.ring_kib / c.chunk_kib);
  return -1;
}

}  // namespace ipcc
