// `ipcconform soak`: the same selection run N times, optionally beside stress-ng load on every CPU,
// and every case whose outcome was not the same in all runs reported. A checker that flips verdicts
// under load raises false alarms; this is how that is measured.
#pragma once

#include <string>

#include "harness/program/plan.h"

namespace ipcc {

struct SoakOptions {
  RunOptions run;  // filters, mechanisms, jobs, timeout of every run
  int runs = 20;
  bool load = false;                                 // stress-ng beside the runs
  std::string load_args = "--cpu 0 --cpu-load 100";  // its options (0 CPUs = every CPU)
  std::string out = "results/soak";                  // run-NN/ per run, soak.json with the comparison
};

// Returns 0 when every run finished, none leaked, and no case changed outcome; 1 otherwise; throws
// UsageError for bad options (stress-ng missing, a selection that matches nothing).
int Soak(const SoakOptions& options);

}  // namespace ipcc
