// Running the suite somewhere else: inside gVisor (runsc), a user-mode Linux kernel (uml), bubblewrap
// (bwrap), another distribution's userland (chroot:DIR) or any command prefix (wrap:PREFIX).
//
// Starting most targets is expensive, so the runner itself runs inside the target once, as
// `ipcconform run --stream ...`, and every record it writes comes out on its standard output, marked
// with kStreamMarker. The outer runner gives each record the target's name, judges it against the
// target's expectations and writes the results and reports on the host, so it works even where files
// written inside are invisible outside.
#pragma once

#include <string>
#include <vector>

#include "harness/runner.h"

namespace ipcc {

inline constexpr const char* kStreamMarker = "@ipcconform-record ";

struct TargetSpec {
  std::string name;   // as given: "runsc", "chroot:/srv/deb11", "wrap:'firejail --quiet'"
  std::string kind;   // native, runsc, uml, bwrap, chroot, wrap
  std::string arg;    // DIR for chroot, PREFIX for wrap
};

// Parses --target; throws UsageError for an unknown kind or a missing argument.
TargetSpec ParseTarget(const std::string& name);

// The command line that runs `inner_args` (arguments of `ipcconform`) inside the target, and the path of
// the ipcconform binary as the target sees it. Throws UsageError when the target cannot be used here
// (tool not installed, chroot without ipcconform), with what to do.
std::vector<std::string> TargetCommand(const TargetSpec& target, const std::vector<std::string>& inner_args,
                                       std::string* scratch_file);

// Runs the selection (as Run() selected it) inside the target; same contract as Run().
int RunOnTarget(const RunOptions& options, const TargetSpec& target, const std::vector<const CaseInfo*>& selected);

}  // namespace ipcc
