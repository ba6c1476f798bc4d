// `ipcconform run`: the plan (plan.h), then the cases run here (executor.h) or inside a target
// (targets.h), recorded as they end (recorder.h), the reports and the summary after.
#pragma once

#include "harness/program/plan.h"

namespace ipcc {

// Runs the selection; returns the process exit status: 0 exactly when no case is a regression
// against the expectations (with none, any FAIL, ERROR, TIMEOUT or CRASH is one) and, with --strict,
// there is no unexpected pass or stale entry. Throws UsageError for bad options.
int Run(const RunOptions& options);

}  // namespace ipcc
