// ipcconform: the command-line front end (run, list, gate, report).
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <cmath>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/case.h"
#include "harness/fingerprint.h"
#include "harness/gate/gate.h"
#include "harness/runner.h"
#include "reports/report.h"

namespace {

using nlohmann::json;

json CatalogueJson(bool include_hidden) {
  json cases = json::array();
  for (const auto& c : ipcc::Registry::All()) {
    if (c.meta.hidden && !include_hidden) continue;
    cases.push_back({{"id", c.id},
                     {"mechanism", c.mechanism},
                     {"interface", c.interface},
                     {"title", c.meta.title},
                     {"statement", c.meta.statement},
                     {"refs", c.meta.refs},
                     {"class", ipcc::ConformanceName(c.meta.cls)},
                     {"needs", ipcc::NeedNames(c.meta.needs)},
                     {"timeout_ms", c.meta.timeout.count()},
                     {"raw_syscalls", c.meta.raw_syscalls},
                     {"source", fmt::format("{}:{}", c.file, c.line)}});
  }
  return cases;
}

// Appends the gate's record to DIR/results.jsonl, or starts that file (header, record, end).
void WriteGateRecord(const std::string& dir, const json& record) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/results.jsonl";
  const bool exists = std::filesystem::exists(path);
  std::ofstream out(path, std::ios::app);
  if (!out) throw ipcc::UsageError(fmt::format("cannot write {}", path));
  if (!exists) {
    out << json{{"record", "header"}, {"format", 1}, {"tool", "ipcconform"}, {"version", IPCC_VERSION},
                {"commit", IPCC_GIT_COMMIT}, {"target", "native"}, {"fingerprint", ipcc::Fingerprint()}}
               .dump()
        << "\n";
  }
  out << record.dump() << "\n";
  if (!exists) out << json{{"record", "end"}, {"counts", json::object()}, {"interrupted", false}}.dump() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ipcconform: conformance checker for Linux/POSIX inter-process communication"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(IPCC_VERSION) + " (" + IPCC_GIT_COMMIT + ")");

  ipcc::RunOptions run;
  double timeout_s = 0;
  std::string isolation = "auto";
  CLI::App* run_cmd = app.add_subcommand("run", "Run conformance cases and write the reports");
  run_cmd->add_option("--filter,-f", run.filters, "Case id glob (repeatable), e.g. 'fifo.open.*'");
  run_cmd->add_option("--mechanism,-m", run.mechanisms, "Mechanism to run (repeatable), e.g. pipe");
  run_cmd->add_option("--jobs,-j", run.jobs, "Cases run in parallel (default: number of CPUs)")
      ->check(CLI::Range(1, 256));
  run_cmd->add_option("--timeout", timeout_s, "Per-case timeout in seconds (overrides each case's own)")
      ->check(CLI::Range(0.01, 3600.0));
  run_cmd->add_option("--out,-o", run.out, "Folder for results.jsonl and the reports")->capture_default_str();
  run_cmd->add_option("--target,-t", run.target,
                      "Where the cases run: native, runsc, uml, bwrap, chroot:DIR, wrap:PREFIX")
      ->capture_default_str();
  run_cmd->add_option("--isolation", isolation, "auto, namespaces or process-group")
      ->check(CLI::IsMember({"auto", "namespaces", "process-group"}))
      ->capture_default_str();
  run_cmd->add_flag("--quiet,-q", run.quiet, "No progress or summary");
  run_cmd->add_option("--expect", run.expect, "Expectation file (default: fixtures/expectations/<target>.txt)")
      ->check(CLI::ExistingFile);
  run_cmd->add_flag("--no-expect", run.no_expect, "Judge against no expectations");
  run_cmd->add_flag("--strict", run.strict, "Unexpected passes and stale expectations also fail the run");
  run_cmd->add_flag("--resume", run.resume, "Continue the run in --out: run only the cases without a record");
  run_cmd->add_flag("--stream", run.stream, "Also write every record to standard output (used inside targets)")
      ->group("");

  bool list_json = false;
  bool list_hidden = false;
  CLI::App* list_cmd = app.add_subcommand("list", "List the case catalogue");
  list_cmd->add_flag("--json", list_json, "The whole catalogue with metadata, as JSON");
  list_cmd->add_flag("--hidden", list_hidden, "Include the harness self-test cases");

  ipcc::gate::Options gate;
  std::string gate_out;
  bool gate_json = false;
  CLI::App* gate_cmd = app.add_subcommand("gate", "Measure shared memory against the copying mechanisms and memcpy");
  gate_cmd->add_option("--rounds", gate.rounds, "Interleaved rounds per attempt")->check(CLI::Range(3, 1000))->capture_default_str();
  gate_cmd->add_option("--slice-ms", gate.slice_ms, "Length of one mechanism's slice")->check(CLI::Range(1.0, 1000.0))->capture_default_str();
  gate_cmd->add_option("--attempts", gate.attempts, "Attempts before the gate fails")->check(CLI::Range(1, 10))->capture_default_str();
  gate_cmd->add_option("--min-vs-memcpy", gate.thresholds.shm_vs_memcpy, "shm >= this x memcpy")->capture_default_str();
  gate_cmd->add_option("--min-vs-pipe", gate.thresholds.shm_vs_pipe, "shm >= this x pipe")->capture_default_str();
  gate_cmd->add_option("--min-vs-socketpair", gate.thresholds.shm_vs_socket, "shm >= this x socketpair")->capture_default_str();
  gate_cmd->add_option("--min-vs-sysv-msg", gate.thresholds.shm_vs_sysv_msg, "shm >= this x System V messages")->capture_default_str();
  std::size_t ring_kib = gate.chunk_bytes * gate.ring_chunks / 1024;
  std::size_t chunk_kib = gate.chunk_bytes / 1024;
  gate_cmd->add_option("--ring-kib", ring_kib, "Ring size = memcpy working set, KiB")->check(CLI::Range(64, 1 << 20))->capture_default_str();
  gate_cmd->add_option("--chunk-kib", chunk_kib, "Transfer unit, KiB")->check(CLI::Range(4, 4096))->capture_default_str();
  gate_cmd->add_option("--out,-o", gate_out, "Folder whose results.jsonl gets the gate's record");
  gate_cmd->add_flag("--json", gate_json, "Print the whole record as JSON");

  ipcc::ReportOptions report;
  CLI::App* report_cmd = app.add_subcommand("report", "Rebuild every report from results.jsonl files (merged into one matrix)");
  report_cmd->add_option("results", report.inputs, "results.jsonl files, or folders holding one")->required();
  report_cmd->add_option("--out,-o", report.out, "Folder for the reports")->required();
  report_cmd->add_option("--format", report.formats, "Comma-separated: html, md, ktap, junit, json, bundle")->capture_default_str();

  if (argc > 1 && argv[1][0] != '-') {
    const std::string command = argv[1];
    bool known = false;
    for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) known |= sub->get_name() == command;
    if (!known) {
      std::string names;
      for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
      }
      fmt::print(stderr, "ipcconform: unknown command '{}' (commands: {})\n", command, names);
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "ipcconform: {}\n", e.what());
    return 2;
  }

  // CLI::Range lets NaN through (every comparison with it is false): refuse non-finite numbers here.
  for (const auto& [name, value] : std::vector<std::pair<const char*, double>>{
           {"--timeout", timeout_s}, {"--slice-ms", gate.slice_ms},
           {"--min-vs-memcpy", gate.thresholds.shm_vs_memcpy}, {"--min-vs-pipe", gate.thresholds.shm_vs_pipe},
           {"--min-vs-socketpair", gate.thresholds.shm_vs_socket},
           {"--min-vs-sysv-msg", gate.thresholds.shm_vs_sysv_msg}}) {
    if (!std::isfinite(value)) {
      fmt::print(stderr, "ipcconform: {} must be a finite number\n", name);
      return 2;
    }
  }
  try {
    if (*list_cmd) {
      if (auto problems = ipcc::Registry::Validate(); !problems.empty()) {
        for (const auto& p : problems) fmt::print(stderr, "ipcconform: catalogue: {}\n", p);
        return 2;
      }
      if (list_json) {
        std::cout << CatalogueJson(list_hidden).dump(2) << "\n";
      } else {
        for (const auto& c : ipcc::Registry::All()) {
          if (c.meta.hidden && !list_hidden) continue;
          fmt::print("{:<60} {}\n", c.id, c.meta.title);
        }
      }
      return 0;
    }
    if (*gate_cmd) {
      // Its own IPC namespace where allowed: even a crash leaves no System V object behind.
      unshare(CLONE_NEWIPC);
      gate.chunk_bytes = chunk_kib * 1024;
      gate.ring_chunks = std::max<std::size_t>(2, ring_kib / chunk_kib);
      alarm(300);  // a wedged transport must not hang the caller forever
      ipcc::gate::Result r = ipcc::gate::Run(gate);
      if (gate_json) {
        std::cout << r.record.dump(2) << "\n";
      } else {
        std::cout << ipcc::gate::FormatTable(r.record);
      }
      if (!gate_out.empty()) WriteGateRecord(gate_out, r.record);
      return r.verdict == ipcc::gate::Verdict::pass ? 0 : r.verdict == ipcc::gate::Verdict::fail ? 1 : 3;
    }
    if (*report_cmd) {
      for (const auto& c : ipcc::Registry::All()) report.statements[c.id] = c.meta.statement;
      report.tool = {IPCC_VERSION, IPCC_GIT_COMMIT};
      return ipcc::RunReport(report, std::cout, std::cerr);
    }
    if (*run_cmd) {
      if (timeout_s > 0) run.timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
      run.isolation = isolation == "namespaces"      ? ipcc::IsolationMode::namespaces
                      : isolation == "process-group" ? ipcc::IsolationMode::process_group
                                                     : ipcc::IsolationMode::automatic;
      return ipcc::Run(run);
    }
  } catch (const ipcc::UsageError& e) {
    fmt::print(stderr, "ipcconform: {}\n", e.what());
    return 2;
  }
  return 2;
}
