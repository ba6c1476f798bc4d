#include "harness/program/targets.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "harness/caselib/case.h"
#include "harness/caselib/child.h"
#include "harness/caselib/fingerprint.h"
#include "harness/caselib/names.h"
#include "harness/caselib/records.h"
#include "harness/program/spawn.h"

namespace ipcc {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// How much of a target's standard error its description keeps: the end.
constexpr std::size_t kStderrKept = 3000;

// Where `ci/make-chroot.sh` builds ipcconform inside a root.
constexpr const char* kChrootBinary = "/opt/ipcconform/build/bin/ipcconform";

std::atomic<int> g_target_interrupted{0};
void OnTargetInterrupt(int sig) {
  g_target_interrupted.store(sig);
}

std::string FindTool(const std::string& tool, const std::string& package) {
  std::string path = spawn::FindOnPath(tool);
  if (path.empty()) {
    throw UsageError(fmt::format("the target needs {}, which is not installed (Debian package {}; ci/deps.sh targets)",
                                 tool, package));
  }
  return path;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Removes the uml init script (or any scratch file a target command needed) however the run ends.
struct ScratchFile {
  std::string path;
  explicit ScratchFile(std::string p) : path(std::move(p)) {}
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile() {
    if (!path.empty()) unlink(path.c_str());
  }
};

// Ends what a target left running after its command ended: bwrap's and runsc's helper processes end a
// moment after it and were adopted by this process (a child subreaper while the target ran). Each is
// given `grace` to end by itself, then killed; all are reaped, their own children too. `before` are
// children this process had already. Returns how many had to be killed.
int EndTargetLeftovers(const std::set<pid_t>& before, std::chrono::milliseconds grace) {
  const auto deadline = Clock::now() + grace;
  int killed = 0;
  for (;;) {
    bool alive = false;
    for (pid_t pid : ChildrenOf(getpid())) {
      if (before.count(pid) != 0) continue;
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) != 0) continue;  // reaped now (or not ours to wait for)
      alive = true;
      if (Clock::now() >= deadline) {
        kill(pid, SIGKILL);
        ++killed;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
    }
    if (!alive) return killed;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Its own IPC and PID namespaces, as a sandbox would use it; the host filesystem is visible.
std::vector<std::string> BwrapCommand() {
  const std::string self = SelfPath();
  std::vector<std::string> cmd = {FindTool("bwrap", "bubblewrap"),
                                  "--dev-bind",
                                  "/",
                                  "/",
                                  "--unshare-ipc",
                                  "--unshare-pid",
                                  "--proc",
                                  "/proc",
                                  "--tmpfs",
                                  "/tmp",
                                  "--tmpfs",
                                  "/dev/shm"};
  if (const std::string keep = FolderToKeepVisible(self); !keep.empty()) {
    cmd.insert(cmd.end(), {"--bind", keep, keep});
  }
  cmd.insert(cmd.end(), {"--die-with-parent", "--new-session", self});
  return cmd;
}

// A private mount namespace for the root's /proc, /dev, /tmp and /dev/shm; nothing leaks to the host.
std::vector<std::string> ChrootCommand(const std::string& root) {
  const std::string dir = std::filesystem::absolute(root).lexically_normal().string();
  if (access((dir + kChrootBinary).c_str(), X_OK) != 0) {
    throw UsageError(fmt::format("{} has no {}: make the root with ci/make-chroot.sh first", dir, kChrootBinary));
  }
  return {FindTool("unshare", "util-linux"),
          "--mount",
          "--propagation",
          "private",
          "--",
          "/bin/sh",
          "-c",
          "set -e; d=\"$1\"; shift; mount -t proc proc \"$d/proc\"; mount --rbind /dev \"$d/dev\"; "
          "mount -t tmpfs tmpfs \"$d/dev/shm\"; mount -t tmpfs tmpfs \"$d/tmp\"; exec chroot \"$d\" \"$@\"",
          "sh",
          dir,
          kChrootBinary};
}

// The user-mode kernel's init: it mounts what the cases need, runs ipcconform (at `self`, its folder
// `keep` mounted back through hostfs when the fresh tmpfs hides it) with its records on the console,
// and powers the machine off.
void WriteUmlInit(const std::string& path, const std::string& self, const std::string& keep,
                  const std::vector<std::string>& inner_args) {
  std::string line;
  for (const auto& a : inner_args) line += " " + ShellQuote(a);
  std::ofstream script(path);
  script << "#!/bin/sh\n"
            "mount -t proc proc /proc\n"
            "mount -t sysfs sys /sys\n"
            "mount -t tmpfs tmp /tmp\n"
            "mkdir -p /dev/shm /dev/mqueue 2>/dev/null\n"
            "mount -t tmpfs shm /dev/shm\n"
            "mount -t mqueue mqueue /dev/mqueue 2>/dev/null\n";
  if (!keep.empty()) {
    script << "mkdir -p " << ShellQuote(keep) << "\nmount -t hostfs hostfs " << ShellQuote(keep) << " -o "
           << ShellQuote(keep) << "\n";
  }
  script << "cd /tmp\n"
         << ShellQuote(self) << line << "\n"
         << "echo \"@ipcconform-exit $?\"\n"
            "poweroff -f >/dev/null 2>&1 || halt -f\n";
  script.close();
  chmod(path.c_str(), 0755);
}

// One boot runs the whole selection: the kernel starts a script on the host filesystem (the guest's
// root through hostfs), whose path goes to *scratch_file.
std::vector<std::string> UmlCommand(const std::vector<std::string>& inner_args, std::string* scratch_file) {
  const std::string kernel = FindTool("linux", "user-mode-linux");  // before the script: none is left behind
  const std::string self = SelfPath();
  const std::string keep = FolderToKeepVisible(self);
  char path[] = "/tmp/ipcconform-uml-init-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) throw UsageError(fmt::format("mkstemp: {}", ErrnoName(errno)));
  close(fd);
  WriteUmlInit(path, self, keep, inner_args);
  *scratch_file = path;
  long mem_mb = 1536;
  return {kernel,
          fmt::format("mem={}M", mem_mb),
          "rootfstype=hostfs",
          "rootflags=/",
          "rw",
          "quiet",
          "loglevel=0",
          "con=null",
          "con0=null,fd:1",
          "ssl=null",
          fmt::format("init={}", path)};
}

// The end of what the target wrote to its standard error, without trailing blank lines; "..." first when
// there was more.
std::string StderrTail(const spawn::Result& ended) {
  std::string tail = ended.err;
  const auto end = tail.find_last_not_of("\n \t");
  tail.resize(end == std::string::npos ? 0 : end + 1);
  if (!ended.err_cut && tail.size() <= kStderrKept) return tail;
  return "..." + tail.substr(tail.size() - std::min(tail.size(), kStderrKept));
}

// One line of a target's standard output: a record (after kStreamMarker) goes to on_record, any other
// line is kept among the last 40 for an error message.
void ReadConsoleLine(std::string line, const std::function<void(const json&)>& on_record,
                     std::deque<std::string>& other_lines) {
  if (!line.empty() && line.back() == '\r') line.pop_back();  // consoles add carriage returns
  auto at = line.find(kStreamMarker);
  if (at == std::string::npos) {
    other_lines.push_back(line);
    if (other_lines.size() > 40) other_lines.pop_front();
    return;
  }
  json rec = json::parse(line.substr(at + std::string(kStreamMarker).size()), nullptr, false);
  if (rec.is_discarded() || !rec.is_object()) {
    other_lines.push_back("(unreadable record) " + line);
    return;
  }
  on_record(rec);
}

// The records of the runner inside as they come out: its header becomes this run's (with the target's
// facts added), its cases are judged and recorded here, its end record is kept for the counts.
struct InnerRecords {
  const TargetSpec& target;
  const TargetRun& run;
  const std::vector<std::string>& cmd;
  RunRecorder& recorder;
  bool have_header = false;
  std::size_t recorded = 0;
  std::optional<json> end;

  InnerRecords(const TargetSpec& t, const TargetRun& r, const std::vector<std::string>& c, RunRecorder& rec)
      : target(t), run(r), cmd(c), recorder(rec) {}

  void Take(const json& rec) {
    const std::string kind = rec.value(field::kRecord, "");
    if (kind == "header") {
      recorder.WriteHeader(Header(rec));
      have_header = true;
    } else if (kind == "case" && have_header) {
      recorder.AddCase(rec, 0);
      ++recorded;
    } else if (kind == "end") {
      end = rec;
    } else if (have_header) {
      recorder.WriteOther(rec);
    }
  }

  json Header(const json& inner) const {
    json header = run.header;
    header["started"] = NowIso();  // when the runner inside began
    header["target"] = target.name;
    header["target_kind"] = target.kind;
    header["fingerprint"] = inner.value("fingerprint", json::object());  // what the target reports
    header["host_fingerprint"] = Fingerprint();
    header[field::kIsolation] = inner.value(field::kIsolation, json::object());
    header[field::kFeatures] = inner.value(field::kFeatures, json::object());  // the probe inside the target
    header["needs_environment"] = inner.value("needs_environment", json::object());
    header["jobs"] = inner.value("jobs", 0);
    header["target_command"] = cmd;
    header["selection"]["cases"] = inner.value("selection", json::object()).value("cases", 0);
    return header;
  }
};

}  // namespace

std::string SelfPath() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw UsageError("cannot resolve /proc/self/exe: ipcconform cannot start itself again");
  return self.string();
}

std::string FolderToKeepVisible(const std::string& self) {
  namespace fs = std::filesystem;
  const fs::path bin = fs::path(self).parent_path();
  for (const char* masked_dir : {"/tmp", "/dev/shm"}) {
    const fs::path masked(masked_dir);
    auto below = [&](const fs::path& p) {
      const auto rel = p.lexically_relative(masked);
      return !rel.empty() && rel != "." && *rel.begin() != "..";
    };
    if (!below(bin)) continue;
    return below(bin.parent_path()) ? bin.parent_path().string() : bin.string();
  }
  if (bin == "/tmp" || bin == "/dev/shm") {
    throw UsageError(fmt::format("{} lies directly in {}, which the target replaces with an empty folder: "
                                 "build or install ipcconform in a folder of its own",
                                 self, bin.string()));
  }
  return "";
}

std::string ExpectationName(const TargetSpec& target) {
  if (target.kind != "chroot") return target.kind;
  std::filesystem::path dir = std::filesystem::path(target.arg).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();  // "DIR/"
  return "chroot-" + dir.filename().string();
}

TargetSpec ParseTarget(const std::string& name) {
  TargetSpec t;
  t.name = name;
  auto colon = name.find(':');
  t.kind = name.substr(0, colon);
  if (colon != std::string::npos) t.arg = name.substr(colon + 1);
  static const std::vector<std::string> kKinds = {"native", "runsc", "uml", "bwrap", "chroot", "wrap"};
  if (std::find(kKinds.begin(), kKinds.end(), t.kind) == kKinds.end()) {
    throw UsageError(
        fmt::format("unknown target '{}' (available: native, runsc, uml, bwrap, chroot:DIR, wrap:PREFIX)", name));
  }
  if ((t.kind == "chroot" || t.kind == "wrap") && t.arg.empty()) {
    throw UsageError(
        fmt::format("target '{}' needs an argument: {}:{}", name, t.kind, t.kind == "chroot" ? "DIR" : "PREFIX"));
  }
  if (t.kind != "chroot" && t.kind != "wrap" && !t.arg.empty()) {
    throw UsageError(fmt::format("target '{}' takes no argument", t.kind));
  }
  return t;
}

std::vector<std::string> TargetCommand(const TargetSpec& target, const std::vector<std::string>& inner_args,
                                       std::string* scratch_file) {
  std::vector<std::string> cmd;
  if (target.kind == "runsc") {
    cmd = {FindTool("runsc", "runsc"), "--network=none", "do", SelfPath()};
  } else if (target.kind == "bwrap") {
    cmd = BwrapCommand();
  } else if (target.kind == "chroot") {
    cmd = ChrootCommand(target.arg);
  } else if (target.kind == "wrap") {
    cmd = {"/bin/sh", "-c", "exec " + target.arg + " \"$@\"", "sh", SelfPath()};
  } else if (target.kind == "uml") {
    return UmlCommand(inner_args, scratch_file);  // the arguments are in its init script
  } else {
    throw UsageError(fmt::format("target kind '{}' does not run through a command", target.kind));
  }
  cmd.insert(cmd.end(), inner_args.begin(), inner_args.end());
  return cmd;
}

TargetProcess RunTargetCommand(const TargetSpec& target, const std::vector<std::string>& cmd,
                               std::chrono::milliseconds budget, const std::function<void(const json&)>& on_record) {
  struct sigaction sa {};
  sa.sa_handler = OnTargetInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  // Processes the target leaves behind come to this process rather than to init, to be ended and
  // reaped before the run reports (EndTargetLeftovers).
  int was_subreaper = 0;
  prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  const std::vector<pid_t> children = ChildrenOf(getpid());
  const std::set<pid_t> children_before(children.begin(), children.end());

  std::deque<std::string> other_lines;  // its last 40 lines that were not records
  spawn::Spec spec;
  spec.argv = cmd;
  spec.out = spawn::Output::Lines([&](std::string line) { ReadConsoleLine(std::move(line), on_record, other_lines); });
  spec.err = spawn::Output::Capture(kStderrKept + 1024);  // room for the trailing blank lines trimmed off
  // SIGTERM first: a runner inside ends its cases and removes its temporary folder; whatever is still
  // there after the grace period is killed.
  spec.deadline = budget;
  spec.stop = [] { return g_target_interrupted.load() != 0 ? SIGTERM : 0; };
  spec.kill_after = std::chrono::seconds(5);
  std::optional<spawn::Process> proc;
  try {
    proc.emplace(spec);
  } catch (const spawn::SpawnError& e) {
    prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
    throw UsageError(fmt::format("target {} could not start: {}", target.name, e.what()));
  }
  const spawn::Result& ended = proc->Wait();

  TargetProcess result;
  result.exit_status = ended.exit.ShellStatus();
  if (ended.ending == spawn::Ending::stopped) result.killed_why = "interrupted";
  if (ended.ending == spawn::Ending::deadline) {
    result.killed_why = fmt::format("the target ran longer than its budget of {} s", budget.count() / 1000);
  }
  result.leftovers_killed = EndTargetLeftovers(children_before, std::chrono::seconds(5));
  prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
  result.interrupted_by = g_target_interrupted.load();
  result.stderr_tail = StderrTail(ended);
  for (const auto& l : other_lines) result.console += l + "\n";
  return result;
}

std::string TargetProcess::Describe(const std::string& what) const {
  return fmt::format("{} (exit status {}{}){}{}{}", what, exit_status, killed_why.empty() ? "" : "; " + killed_why,
                     stderr_tail.empty() ? "" : "\n--- its standard error:\n" + stderr_tail,
                     console.empty() ? "" : "\n--- its other output:\n", console);
}

int RunOnTarget(const TargetSpec& target, const TargetRun& run) {
  const auto started = Clock::now();
  // A private folder (mkdtemp: 0700, a fresh name): a target that shares the host's /tmp (wrap:) writes
  // the inner run's files where no other user can plant links. Targets with a /tmp of their own make
  // the same path inside.
  char inner_base[] = "/tmp/ipcconform-inner-XXXXXX";
  if (mkdtemp(inner_base) == nullptr) throw UsageError(fmt::format("mkdtemp in /tmp: {}", ErrnoName(errno)));
  struct InnerBase {
    std::string path;
    ~InnerBase() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } inner_guard{inner_base};
  const std::string inner_out = std::string(inner_base) + "/out";
  std::vector<std::string> inner = {"run", "--target", "native", "--stream", "--no-expect", "-q", "--out", inner_out};
  inner.insert(inner.end(), run.selection_args.begin(), run.selection_args.end());

  std::string scratch;
  std::vector<std::string> cmd = TargetCommand(target, inner, &scratch);  // refuses a missing tool
  ScratchFile scratch_guard{scratch};
  // Only now the out folder is opened: a target that cannot be used keeps the previous results.
  RunRecorder recorder(run.recording, run.cases);
  InnerRecords records(target, run, cmd, recorder);
  TargetProcess proc = RunTargetCommand(target, cmd, run.budget, [&](const json& rec) { records.Take(rec); });

  if (!records.have_header) {
    // Nothing came out: no report that could pass for a complete one.
    std::error_code ec;
    std::filesystem::remove(recorder.results_path(), ec);
    fmt::print(stderr, "ipcconform: {}\n",
               proc.Describe(fmt::format("target {} could not start ipcconform", target.name)));
    return 2;
  }
  const double wall_s = std::chrono::duration<double>(Clock::now() - started).count();
  json extra = {{"target_exit_status", proc.exit_status}};
  bool died = !records.end.has_value();
  if (died) {
    extra["target_error"] = fmt::format("the target ended before the run finished{} (exit status {}){}",
                                        proc.killed_why.empty() ? "" : ": " + proc.killed_why, proc.exit_status,
                                        proc.stderr_tail.empty() ? "" : "; standard error: " + proc.stderr_tail);
    fmt::print(stderr, "ipcconform: {}\n", extra["target_error"].get<std::string>());
  }
  if (proc.leftovers_killed > 0) extra["target_leftovers_killed"] = proc.leftovers_killed;
  const std::size_t not_run = died ? (run.cases > records.recorded ? run.cases - records.recorded : 0)
                                   : records.end->value("not_run", std::size_t{0});
  int rc = recorder.Finish(died || proc.interrupted_by != 0, proc.interrupted_by, not_run, wall_s, extra);
  if (died && rc == 0) rc = 1;
  return rc;
}

std::optional<json> RunGateOnTarget(const TargetSpec& target, const std::vector<std::string>& gate_args,
                                    std::string* error) {
  std::vector<std::string> inner = {"gate", "--stream"};
  inner.insert(inner.end(), gate_args.begin(), gate_args.end());
  std::string scratch;
  std::vector<std::string> cmd = TargetCommand(target, inner, &scratch);
  ScratchFile scratch_guard{scratch};
  std::optional<json> gate_record;
  // The gate bounds itself (alarm of 300 s inside); start-up of the target comes on top.
  TargetProcess proc = RunTargetCommand(target, cmd, std::chrono::milliseconds(420000), [&](const json& rec) {
    if (rec.value(field::kRecord, "") == "gate") gate_record = rec;
  });
  if (!gate_record) {
    *error = proc.Describe(fmt::format("target {} gave no gate record", target.name));
    return std::nullopt;
  }
  (*gate_record)["target"] = target.name;
  (*gate_record)["target_kind"] = target.kind;
  (*gate_record)["target_command"] = cmd;
  (*gate_record)["host_fingerprint"] = Fingerprint();
  return gate_record;
}

}  // namespace ipcc
