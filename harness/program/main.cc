// ipcconform: the command-line front end (run, list, gate, report).
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/caselib/case.h"
#include "harness/caselib/fingerprint.h"
#include "harness/caselib/names.h"
#include "harness/caselib/records.h"
#include "harness/gate/gate.h"
#include "harness/program/cli.h"
#include "harness/program/recorder.h"
#include "harness/program/runner.h"
#include "harness/program/soak.h"
#include "harness/program/targets.h"
#include "reports/output.h"
#include "reports/report.h"

namespace {

using nlohmann::json;

// Whether `list` shows the case: not hidden (unless asked), of a named mechanism (when any are named).
bool Listed(const ipcc::CaseInfo& c, bool include_hidden, const std::vector<std::string>& mechanisms) {
  if (c.meta.hidden && !include_hidden) return false;
  return mechanisms.empty() || std::find(mechanisms.begin(), mechanisms.end(), c.mechanism) != mechanisms.end();
}

json CatalogueJson(bool include_hidden, const std::vector<std::string>& mechanisms) {
  json cases = json::array();
  for (const auto& c : ipcc::Registry::All()) {
    if (!Listed(c, include_hidden, mechanisms)) continue;
    cases.push_back({{ipcc::field::kId, c.id},
                     {"mechanism", c.mechanism},
                     {"interface", c.interface},
                     {"title", c.meta.title},
                     {"covers", c.meta.covers},
                     {"statement", c.meta.statement},
                     {"refs", c.meta.refs},
                     {"class", ipcc::ConformanceName(c.meta.cls)},
                     {ipcc::field::kNeeds, c.meta.needs.Texts()},
                     {"timeout_ms", c.meta.timeout.count()},
                     {"raw_syscalls", c.meta.raw_syscalls},
                     {"source", fmt::format("{}:{}", c.file, c.line)}});
  }
  return cases;
}

// Appends the gate's record to DIR/results.jsonl, or starts that file (header, record, end).
void PrepareOut(const std::string& dir) {
  try {
    ipcc::PrepareOutFolder(dir);
  } catch (const std::runtime_error& e) {
    throw ipcc::UsageError(e.what());
  }
}

void WriteGateRecord(const std::string& dir, const json& record) {
  PrepareOut(dir);
  const std::string path = dir + "/results.jsonl";
  const bool exists = std::filesystem::exists(path);
  std::string text;
  if (!exists) {
    text += json{{ipcc::field::kRecord, "header"},
                 {"format", 1},
                 {"tool", "ipcconform"},
                 {"version", IPCC_VERSION},
                 {"commit", IPCC_GIT_COMMIT},
                 {"target", record.value("target", "native")},
                 {"fingerprint", record.value("fingerprint", ipcc::Fingerprint())}}
                .dump() +
            "\n";
  }
  text += record.dump() + "\n";
  if (!exists) {
    text += json{{ipcc::field::kRecord, "end"}, {"counts", json::object()}, {"interrupted", false}}.dump() + "\n";
  }
  int fd = -1;
  try {
    fd = ipcc::OpenOutputFile(path, false, true);  // never through a planted link
  } catch (const std::runtime_error& e) {
    throw ipcc::UsageError(e.what());
  }
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int err = errno;
  close(fd);
  if (!ok) throw ipcc::UsageError(fmt::format("writing {} failed: {}", path, ipcc::ErrnoName(err)));
}

int GateExitStatus(const json& record) {
  const std::string verdict = record.value(ipcc::field::kVerdict, "");
  return verdict == "pass" ? 0 : verdict == "fail" ? 1 : 3;
}

// `ipcconform gate`: here, or inside a target (which runs `gate --stream` and hands its record out).
int Gate(ipcc::Cli& c) {
  json record;
  const ipcc::TargetSpec target = ipcc::ParseTarget(c.gate_target);
  if (target.kind != "native") {
    if (!c.gate_out.empty()) PrepareOut(c.gate_out);  // a bad folder is refused before the target starts
    std::vector<std::string> args;
    for (const auto* opt : c.gate_cmd->get_options()) {
      const std::string name = opt->get_name(false, true);
      if (opt->count() == 0 || opt->get_expected_min() == 0 || name.rfind("--", 0) != 0) continue;
      if (name == "--target" || name == "--out") continue;
      args.push_back(name);
      args.push_back(opt->as<std::string>());
    }
    std::string error;
    auto got = ipcc::RunGateOnTarget(target, args, &error);
    if (!got) {
      fmt::print(stderr, "ipcconform: {}\n", error);
      return 2;
    }
    record = *got;
  } else {
    // Its own IPC namespace where allowed: even a crash leaves no System V object behind.
    unshare(CLONE_NEWIPC);
    alarm(300);  // a wedged transport must not hang the caller forever
    ipcc::gate::Result r = ipcc::gate::Run(c.gate);
    record = r.record;
    record["fingerprint"] = ipcc::Fingerprint();
    if (c.gate_stream) {
      std::cout << ipcc::kStreamMarker << record.dump() << std::endl;
      return GateExitStatus(record);
    }
  }
  if (c.gate_json) {
    std::cout << record.dump(2) << "\n";
  } else {
    std::cout << ipcc::gate::FormatTable(record);
  }
  if (!c.gate_out.empty()) WriteGateRecord(c.gate_out, record);
  return GateExitStatus(record);
}

}  // namespace

int main(int argc, char** argv) {
  // A case state a caller left in the environment (a test program, a case that runs this tool) is
  // not this run's: every case gets its own. Inside a sandbox the descriptor number may even name
  // another file.
  unsetenv("IPCCONFORM_STATE_FD");
  ipcc::Cli c;
  ipcc::BuildCli(c, std::string(IPCC_VERSION) + " (" + IPCC_GIT_COMMIT + ")");
  if (int status = ipcc::ParseCli(c, argc, argv, std::cout, std::cerr); status >= 0) return status;
  try {
    if (*c.list_cmd) {
      if (auto problems = ipcc::Registry::Validate(); !problems.empty()) {
        for (const auto& p : problems) fmt::print(stderr, "ipcconform: catalogue: {}\n", p);
        return 2;
      }
      for (const auto& m : c.list_mechanisms) {
        const auto& all = ipcc::Registry::All();
        if (std::none_of(all.begin(), all.end(), [&](const ipcc::CaseInfo& i) { return i.mechanism == m; })) {
          fmt::print(stderr, "ipcconform list: no case of mechanism '{}' is built\n", m);
          return 2;
        }
      }
      if (c.list_json) {
        std::cout << CatalogueJson(c.list_hidden, c.list_mechanisms).dump(2) << "\n";
      } else {
        for (const auto& info : ipcc::Registry::All()) {
          if (!Listed(info, c.list_hidden, c.list_mechanisms)) continue;
          fmt::print("{:<60} {}\n", info.id, info.meta.title);
        }
      }
      return 0;
    }
    if (*c.coverage_cmd) {
      if (auto problems = ipcc::Registry::Validate(); !problems.empty()) {
        for (const auto& p : problems) fmt::print(stderr, "ipcconform: catalogue: {}\n", p);
        return 2;
      }
      return ipcc::RunCoverage(c.coverage, std::cout, std::cerr);
    }
    if (*c.gate_cmd) return Gate(c);
    if (*c.soak_cmd) return ipcc::Soak(c.soak);
    if (*c.report_cmd) {
      for (const auto& info : ipcc::Registry::All()) c.report.statements[info.id] = info.meta.statement;
      c.report.tool = {IPCC_VERSION, IPCC_GIT_COMMIT};
      c.report.own_expectations_dir = ipcc::OwnExpectationsDir();
      if (!ipcc::spec::Built().entries.empty()) {
        c.report.coverage = ipcc::CoverageJson(ipcc::spec::Built(), ipcc::Registry::All());
      }
      return ipcc::RunReport(c.report, std::cout, std::cerr);
    }
    if (*c.run_cmd) return ipcc::Run(c.run);
  } catch (const ipcc::UsageError& e) {
    fmt::print(stderr, "ipcconform: {}\n", e.what());
    return 2;
  }
  return 2;
}
