// The cases of a run here, run: each through the supervisor in its own process tree, --jobs of them at a
// time, one poll loop reading their record pipes; every record goes to the recorder as its case ends.
// SIGINT and SIGTERM end the loop: the trees still running are killed and the run ends interrupted.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "harness/caselib/case.h"
#include "harness/caselib/environment.h"
#include "harness/caselib/supervisor.h"
#include "harness/program/recorder.h"

namespace ipcc {

struct Execution {
  std::vector<const CaseInfo*> cases;
  const Environment* env = nullptr;  // the needs are judged against it before a case starts
  IsolationSupport isolation;
  int jobs = 1;
  std::optional<std::chrono::milliseconds> timeout;  // overrides each case's own
  std::string temp_base;                             // the run's temp folder; each case gets a subfolder
};

struct Executed {
  bool interrupted = false;
  int signal = 0;           // the signal that interrupted the run
  std::size_t not_run = 0;  // cases left in the queue or killed while running
};

// Runs the cases; returns when all have ended or an interrupt came. Only from a single-threaded process
// (the supervisor forks).
Executed ExecuteCases(const Execution& execution, RunRecorder& recorder);

}  // namespace ipcc
