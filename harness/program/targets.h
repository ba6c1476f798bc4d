// Running the suite somewhere else: inside gVisor (runsc), a user-mode Linux kernel (uml), bubblewrap
// (bwrap), another distribution's userland (chroot:DIR) or any command prefix (wrap:PREFIX).
//
// Starting most targets is expensive, so the runner itself runs inside the target once, as
// `ipcconform run --stream ...`, and every record it writes comes out on its standard output, marked
// with kStreamMarker. The outer runner gives each record the target's name, judges it against the
// target's expectations and writes the results and reports on the host, so it works even where files
// written inside are invisible outside.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/program/recorder.h"
#include "harness/program/usage_error.h"

namespace ipcc {

struct TargetSpec {
  std::string name;  // as given: "runsc", "chroot:/srv/deb11", "wrap:'firejail --quiet'"
  std::string kind;  // native, runsc, uml, bwrap, chroot, wrap
  std::string arg;   // DIR for chroot, PREFIX for wrap
};

// Parses --target; throws UsageError for an unknown kind or a missing argument.
TargetSpec ParseTarget(const std::string& name);

// The name of the target's default expectation file (fixtures/expectations/<name>.txt): the kind, and
// chroot-<folder name> for chroot:DIR.
std::string ExpectationName(const TargetSpec& target);

// This ipcconform binary's path, to start it again (inside a target, for each soak run). Throws
// UsageError when /proc/self/exe cannot be read.
std::string SelfPath();

// bwrap and the user-mode kernel replace /tmp and /dev/shm with empty folders; ipcconform at `self`
// below one of them would vanish inside the target. Returns the folder to mount back at the same path:
// the install prefix (the parent of bin/, which also keeps a coverage build's counters reachable), bin/
// when the prefix is the replaced folder itself, "" when nothing is hidden. Throws UsageError when the
// binary lies directly in a replaced folder.
std::string FolderToKeepVisible(const std::string& self);

// The command line that runs `inner_args` (arguments of `ipcconform`) inside the target, and the path of
// the ipcconform binary as the target sees it. Throws UsageError when the target cannot be used here
// (tool not installed, chroot without ipcconform), with what to do.
std::vector<std::string> TargetCommand(const TargetSpec& target, const std::vector<std::string>& inner_args,
                                       std::string* scratch_file);

// How a target's command ended.
struct TargetProcess {
  int exit_status = -1;      // as a shell says it: 128+N when signal N ended it
  int interrupted_by = 0;    // SIGINT/SIGTERM received by this process while the target ran
  std::string killed_why;    // why the target was ended early ("" when it ended by itself)
  std::string stderr_tail;   // the end of its standard error
  std::string console;       // its last lines of output that were not records
  int leftovers_killed = 0;  // its processes still alive 5 s after its command ended, then killed
  // "WHAT (exit status N; why)" followed by the standard error and other output, for an error message.
  std::string Describe(const std::string& what) const;
};

// Runs `cmd` (from TargetCommand) with its standard output read line by line; every line holding
// kStreamMarker goes to on_record as a JSON object. The whole process group is ended when the budget
// runs out or SIGINT/SIGTERM arrives: SIGTERM, SIGKILL 5 s later. Throws UsageError when the command
// cannot start.
TargetProcess RunTargetCommand(const TargetSpec& target, const std::vector<std::string>& cmd,
                               std::chrono::milliseconds budget,
                               const std::function<void(const nlohmann::json&)>& on_record);

// A run inside a target, as the plan made it (PlanTargetRun).
struct TargetRun {
  std::vector<std::string> selection_args;  // the selection and options for the runner inside (-f, -m, --jobs, ...)
  std::chrono::milliseconds budget{0};      // a bound on the whole target run
  std::size_t cases = 0;                    // how many cases were selected
  RecorderOptions recording;                // how the runner here records the run
  nlohmann::json header;                    // the header's first fields, from the run's options
};

// Runs it inside the target, the runner inside streaming its records; the exit status of `ipcconform
// run`. Throws UsageError when the target cannot be used here.
int RunOnTarget(const TargetSpec& target, const TargetRun& run);

// Runs `ipcconform gate --stream GATE_ARGS` inside the target and returns its gate record, with the
// target's name added; nullopt with *error saying what happened when no record came out.
std::optional<nlohmann::json> RunGateOnTarget(const TargetSpec& target, const std::vector<std::string>& gate_args,
                                              std::string* error);

}  // namespace ipcc
