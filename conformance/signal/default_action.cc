// signal(7) "Signal dispositions", "Standard signals": what the default action of a signal does.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

IPC_CASE(signal, default_action, sigterm_terminates, .title = "the default action of SIGTERM terminates the process",
         .covers = {"signal7.sigterm_default_terminates"},
         .statement = "SIGTERM P1990 Term Termination signal. ... Term: Default action is to terminate the "
                      "process.",
         .refs = {"signal(7) Standard signals", "wait(2) WIFSIGNALED WTERMSIG", "POSIX.1-2017 <signal.h> (SIGTERM: T)"},
         .cls = Conformance::posix) {
  Child c = Fork([] { CheckpointWait(0); });
  c.Signal(SIGTERM);
  auto status = ExpectKilled(c, SIGTERM, "child sent SIGTERM");
  if (!status) return;
  EXPECT_FALSE(WIFSIGNALED(*status) && WCOREDUMP(*status))
      << "SIGTERM's action is Term, not Core, but the child " << DescribeWaitStatus(*status);
}

constexpr const char* kCorePattern = "/proc/sys/kernel/core_pattern";

// Raises `sig` in a child set up to dump core into the case's folder and checks the wait status.
// The core must be a file in that folder: where core_pattern names anything else (empty: no cores at
// all; a pipe to a crash collector; an absolute path) it is set to "core" for the case's duration and
// put back afterwards (the cases declare need::WritableSysctl on it). Where the file cannot be read
// the kernel's default, "core", is assumed and the dump decides.
void ExpectCoreDump(int sig) {
  std::optional<ScopedSysctl> pattern;
  if (const auto current = ReadSysctl(kCorePattern);
      current && (current->empty() || (*current)[0] == '|' || (*current)[0] == '/')) {
    pattern.emplace(kCorePattern, "core");
  }
  const std::string dir = TempDir();
  constexpr int kNoChdir = 90, kNoCoreLimit = 91, kSurvived = 92;
  Child c = Fork([&] {
    if (chdir(dir.c_str()) != 0) _exit(kNoChdir);
    // The soft limit may always be raised to the hard one; a hard limit too small for even a notes-only
    // core could only be raised with CAP_SYS_RESOURCE.
    rlimit lim{};
    if (getrlimit(RLIMIT_CORE, &lim) != 0) _exit(kNoCoreLimit);
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < (1u << 20)) lim.rlim_max = RLIM_INFINITY;
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_CORE, &lim) != 0) _exit(kNoCoreLimit);
    // Keep the core small (ELF notes only) and make sure the process counts as dumpable.
    if (FILE* f = fopen("/proc/self/coredump_filter", "w")) {
      fputs("0", f);
      fclose(f);
    }
    prctl(PR_SET_DUMPABLE, 1);
    raise(sig);
    _exit(kSurvived);
  });
  auto status = ExpectEnds(c, "child that raised " + SignalName(sig));
  if (!status) return;
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == kNoChdir)
    ThrowHarnessError("set-up: chdir to the case folder failed");
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == kNoCoreLimit) {
    ThrowHarnessError("set-up: RLIMIT_CORE cannot be raised for a core dump (its hard limit is below 1 MiB and "
                      "raising it needs CAP_SYS_RESOURCE)");
  }
  ExpectKilledBy(*status, sig, "child that raised " + SignalName(sig));
  EXPECT_TRUE(WIFSIGNALED(*status) && WCOREDUMP(*status))
      << SignalName(sig) << "'s default action is Core (terminate and dump core; RLIMIT_CORE raised, "
      << "core_pattern a relative file name), but the child " << DescribeWaitStatus(*status);
}

IPC_CASE(signal, default_action, sigquit_terminates_with_core_dump,
         .title = "the default action of SIGQUIT terminates the process with a core dump",
         .covers = {"signal7.core_default_dumps_core"},
         .statement = "SIGQUIT P1990 Core Quit from keyboard. ... Core: Default action is to terminate the "
                      "process and dump core (see core(5)).",
         .refs = {"signal(7) Standard signals", "core(5)", "wait(2) WCOREDUMP", "POSIX.1-2017 <signal.h> (SIGQUIT: A)"},
         .cls = Conformance::posix, .needs = need::WritableSysctl("/proc/sys/kernel/core_pattern")) {
  ExpectCoreDump(SIGQUIT);
}

IPC_CASE(signal, default_action, sigabrt_terminates_with_core_dump,
         .title = "the default action of SIGABRT terminates the process with a core dump",
         .covers = {"signal7.core_default_dumps_core"},
         .statement = "SIGABRT P1990 Core Abort signal from abort(3). ... Core: Default action is to "
                      "terminate the process and dump core (see core(5)).",
         .refs = {"signal(7) Standard signals", "core(5)", "wait(2) WCOREDUMP", "POSIX.1-2017 <signal.h> (SIGABRT: A)"},
         .cls = Conformance::posix, .needs = need::WritableSysctl("/proc/sys/kernel/core_pattern")) {
  ExpectCoreDump(SIGABRT);
}

IPC_CASE(signal, default_action, sigchld_ignored_by_default,
         .title = "SIGCHLD with its default disposition is ignored: the process survives it",
         .covers = {"signal7.ign_default_leaves_process_running"},
         .statement = "SIGCHLD P1990 Ign Child stopped or terminated. ... Ign: Default action is to ignore "
                      "the signal.",
         .refs = {"signal(7) Standard signals", "POSIX.1-2017 <signal.h> (SIGCHLD: I)"}, .cls = Conformance::posix) {
  InChild("child that received SIGCHLD with the default disposition", [] {
    // A SIGCHLD sent to oneself is acted on before kill() returns (kill(2) NOTES) ...
    EXPECT_THAT(kill(getpid(), SIGCHLD), SyscallSucceeds());
    // ... and so is the one the kernel sends when a child ends.
    InChild("grandchild", [] {});
  });
}

IPC_CASE(signal, default_action, sigurg_ignored_by_default,
         .title = "SIGURG with its default disposition is ignored: the process survives it",
         .covers = {"signal7.ign_default_leaves_process_running"},
         .statement = "SIGURG P2001 Ign Urgent condition on socket (4.2BSD). ... Ign: Default action is to "
                      "ignore the signal.",
         .refs = {"signal(7) Standard signals", "POSIX.1-2017 <signal.h> (SIGURG: I)"}, .cls = Conformance::posix) {
  InChild("child that sent itself SIGURG with the default disposition",
          [] { EXPECT_THAT(kill(getpid(), SIGURG), SyscallSucceeds()); });
}

IPC_CASE(signal, default_action, sigstop_stops_process,
         .title = "SIGSTOP stops the process; waitpid(WUNTRACED) reports it stopped by SIGSTOP",
         .covers = {"signal7.sigstop_stops_process"},
         .statement = "SIGSTOP P1990 Stop Stop process. ... WUNTRACED also return if a child has stopped ... "
                      "WIFSTOPPED(wstatus) returns true if the child process was stopped by delivery of a "
                      "signal.",
         .refs = {"signal(7) Standard signals", "wait(2) WUNTRACED WIFSTOPPED WSTOPSIG",
                  "POSIX.1-2017 waitpid() WUNTRACED"},
         .cls = Conformance::posix) {
  Child c = Fork([] { CheckpointWait(0); });
  ExpectStopsAndContinues(
      c, [] { CheckpointPost(0); }, "child sent SIGSTOP");
}

IPC_CASE(signal, default_action, sigcont_resumes_stopped_process,
         .title = "SIGCONT resumes a stopped process; waitpid(WCONTINUED) reports it continued",
         .covers = {"signal7.sigcont_resumes_stopped_process"},
         .statement = "SIGCONT P1990 Cont Continue if stopped. ... WCONTINUED also return if a stopped child "
                      "has been resumed by delivery of SIGCONT.",
         .refs = {"signal(7) Standard signals", "wait(2) WCONTINUED WIFCONTINUED", "POSIX.1-2017 waitpid() WCONTINUED"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    raise(SIGSTOP);
    CheckpointPost(1);  // only reached once the process runs again
    CheckpointWait(2);  // stays alive until its continue has been reported (an exit would be reported instead)
  });
  auto stopped = c.WaitFor(WUNTRACED, kDefaultWait);
  ASSERT_TRUE(stopped.has_value()) << "the child did not stop within 5 s after raising SIGSTOP";
  ASSERT_TRUE(WIFSTOPPED(*stopped)) << "expected a stopped child, but it " << DescribeWaitStatus(*stopped);
  EXPECT_EQ(CheckpointValue(1), 0u) << "a stopped process must not run, but it went on past raise(SIGSTOP)";
  c.Signal(SIGCONT);
  auto continued = c.WaitFor(WCONTINUED, kDefaultWait);
  ASSERT_TRUE(continued.has_value()) << "waitpid(WCONTINUED) reported nothing within 5 s after SIGCONT";
  EXPECT_TRUE(WIFCONTINUED(*continued)) << "expected a continued child, but it " << DescribeWaitStatus(*continued);
  if (!WIFCONTINUED(*continued)) return;
  CheckpointWait(1);  // it runs again
  CheckpointPost(2);
  ExpectCleanExit(c.Wait(), "child resumed by SIGCONT");
}

IPC_CASE(signal, default_action, realtime_signal_terminates,
         .title = "the default action of an unhandled real-time signal terminates the process",
         .covers = {"signal7.realtime_default_terminates"},
         .statement = "The default action for an unhandled real-time signal is to terminate the receiving "
                      "process.",
         .refs = {"signal(7) Real-time signals", "POSIX.1-2017 <signal.h> (SIGRTMIN-SIGRTMAX: T)"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    raise(SIGRTMIN);
    _exit(0);
  });
  ExpectKilled(c, SIGRTMIN, "child that raised SIGRTMIN");
}

}  // namespace
