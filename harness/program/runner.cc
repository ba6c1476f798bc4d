#include "harness/program/runner.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "harness/caselib/child.h"
#include "harness/caselib/leaks.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"
#include "harness/program/executor.h"
#include "harness/program/recorder.h"
#include "harness/program/targets.h"

namespace ipcc {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Every process of this run carries the run id, so the leak check finds exactly ours; the fixture
// program's path is resolved now, before any case changes its mounts (inside a case /proc is its own).
std::string MarkTheRun() {
  const std::string run_id = fmt::format("{}-{}", getpid(), std::time(nullptr));
  setenv("IPCCONFORM_RUN_ID", run_id.c_str(), 1);
  if (std::getenv("IPCCONFORM_FIXTURE") == nullptr) {
    try {
      setenv("IPCCONFORM_FIXTURE", FixturePath().c_str(), 1);
    } catch (const HarnessError&) {
      // Cases that need the fixture program report the problem themselves.
    }
  }
  return run_id;
}

// Nothing may outlive the run. With namespaces nothing a case makes can reach the host's IPC
// namespace; without them the per-case clean-up must have removed everything (`before` is the host's
// IPC objects when the run started).
std::vector<std::string> CheckLeaks(const std::string& run_id, const std::string& temp_dir,
                                    const IsolationSupport& isolation, const IpcSnapshot& before) {
  std::vector<std::string> leaks = FindRunLeaks(run_id, temp_dir);
  if (!isolation.namespaces) {
    for (auto& what : NewObjects(before, TakeIpcSnapshot())) leaks.push_back(what + " outlived the run");
  }
  for (const auto& l : leaks) fmt::print(stderr, "ipcconform: ERROR: leak: {}\n", l);
  return leaks;
}

int RunHere(const RunOptions& options, std::vector<const CaseInfo*> selected) {
  NativePlan plan = PlanNativeRun(options, std::move(selected));
  RunRecorder recorder(RecordingOf(options, "native"), plan.cases.size(), options.resume ? &plan.previous : nullptr);
  const std::string run_id = MarkTheRun();
  char temp_base[] = "/tmp/ipcconform-run-XXXXXX";
  if (mkdtemp(temp_base) == nullptr) throw UsageError(fmt::format("mkdtemp in /tmp: {}", ErrnoName(errno)));
  MarkTempFolder(temp_base, run_id);

  const auto started = Clock::now();
  recorder.WriteHeader(NativeHeader(options, plan, recorder.expectation_file(), temp_base, run_id));
  const IpcSnapshot host_before = TakeIpcSnapshot();
  const Executed done = ExecuteCases(
      {plan.cases, &plan.env, plan.isolation, plan.jobs, options.timeout, std::string(temp_base)}, recorder);

  std::error_code ec;
  std::filesystem::remove_all(temp_base, ec);
  const std::vector<std::string> leaks = CheckLeaks(run_id, temp_base, plan.isolation, host_before);
  const double wall_s = std::chrono::duration<double>(Clock::now() - started).count();
  const int rc = recorder.Finish(done.interrupted, done.signal, done.not_run, wall_s, json{{"leaks", leaks}});
  return rc == 0 && !leaks.empty() ? 1 : rc;
}

}  // namespace

int Run(const RunOptions& options) {
  const TargetSpec target = ParseTarget(options.target);
  if (auto problems = Registry::Validate(); !problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "ipcconform: catalogue: {}\n", p);
    return 2;
  }
  auto selected = SelectCases(options.filters, options.mechanisms);
  if (target.kind == "native") return RunHere(options, std::move(selected));
  if (options.resume) throw UsageError("--resume works with --target native only");
  return RunOnTarget(target, PlanTargetRun(options, target, selected));
}

}  // namespace ipcc
