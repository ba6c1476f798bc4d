// Isolation overhead per case: the wall time to run the empty self-test case through the supervisor
// (fork, namespaces, private mounts, reaper, case process, gtest, record), with namespaces and with
// the process-group fallback. Run: ipcconform-bench-isolation --benchmark_repetitions=10
#include <cstdio>

#include <benchmark/benchmark.h>

#include "harness/caselib/case.h"
#include "harness/caselib/supervisor.h"

namespace {

void RunEmpty(benchmark::State& state, ipcc::IsolationMode mode) {
  const ipcc::CaseInfo* info = ipcc::Registry::Find("selftest.empty.passes");
  if (info == nullptr) {
    state.SkipWithError("selftest.empty.passes is not linked in");
    return;
  }
  char base[] = "/tmp/ipcconform-bench-XXXXXX";
  if (mkdtemp(base) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  ipcc::SuperviseOptions options;
  options.isolation = ipcc::ProbeIsolation(mode);
  options.temp_base = base;
  if (mode == ipcc::IsolationMode::namespaces && !options.isolation.namespaces) {
    state.SkipWithError(options.isolation.reason.c_str());
    return;
  }
  for (auto _ : state) {
    auto record = ipcc::RunCaseIsolated(*info, options);
    if (record["outcome"] != "PASS") {
      state.SkipWithError("the empty case did not pass");
      break;
    }
  }
  rmdir(base);
}

void BM_EmptyCaseNamespaces(benchmark::State& state) {
  RunEmpty(state, ipcc::IsolationMode::namespaces);
}
void BM_EmptyCaseProcessGroup(benchmark::State& state) {
  RunEmpty(state, ipcc::IsolationMode::process_group);
}

BENCHMARK(BM_EmptyCaseNamespaces)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EmptyCaseProcessGroup)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
