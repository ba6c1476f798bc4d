// Running one case in its own isolated process tree.
//
//   runner ──fork──> supervisor ──(unshare IPC, mount, PID [, user])──> init (pid 1 of the new PID
//   namespace: private /proc, /dev/shm, /dev/mqueue) ──fork──> case process (runs the gtest body)
//
// The supervisor enforces the timeout (killing the namespace's init tears the whole tree down, also
// processes that ignore SIGTERM or setsid away), classifies the outcome from the shared case state and
// the case process's wait status, removes the case's temp folder, and sends one JSON record back.
// Where the system refuses namespaces it falls back to a process group under a child subreaper, kills
// every descendant at the end and removes System V/POSIX objects the case left behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/caselib/case.h"

namespace ipcc {

enum class IsolationMode { automatic, namespaces, process_group };

struct IsolationSupport {
  bool namespaces = false;      // unshare(IPC|NS|PID) works here
  bool user_namespace = false;  // needed (and works) because we are not root
  bool private_mounts = true;   // mount propagation could be made private (not so under gVisor)
  std::string reason;           // why namespaces are not used, when they are not
};

// Tries, in a throw-away child, the unshare the supervisor would do.
IsolationSupport ProbeIsolation(IsolationMode mode);

struct SuperviseOptions {
  std::chrono::milliseconds timeout{10000};
  IsolationSupport isolation;
  std::string temp_base;  // the run's temp folder; each case gets a subfolder
};

// A started case: the supervisor's pid and the read end of its record pipe.
struct StartedCase {
  pid_t supervisor = -1;
  int record_fd = -1;
};

// Forks the supervisor for `info`. Only call from a single-threaded process.
StartedCase StartCase(const CaseInfo& info, const SuperviseOptions& options);

// Reads the record of a finished supervisor (blocking), reaps it, and returns the record
// ({"outcome", "message", "isolation", "duration_ms", ...}); an ERROR record when it sent none.
nlohmann::json FinishCase(const StartedCase& started);

// The record a supervisor wrote (`text`), or an ERROR record naming how it ended (`wait_status`)
// when it sent none. `supervisor` < 0 means it could not be started.
nlohmann::json ParseCaseRecord(const std::string& text, pid_t supervisor, int wait_status);

// StartCase + FinishCase.
nlohmann::json RunCaseIsolated(const CaseInfo& info, const SuperviseOptions& options);

// Installs the listener that records every process's failures, skips and the end of the body in the
// shared case state (done by RunCaseProcess; call it in a hand-run gtest main).
void InstallStateListener();

// Runs the case's gtest body in this process (the case process); never returns.
[[noreturn]] void RunCaseProcess(const CaseInfo& info);

}  // namespace ipcc
