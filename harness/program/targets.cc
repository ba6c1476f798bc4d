#include "harness/program/targets.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <boost/process.hpp>

#include "harness/caselib/case.h"
#include "harness/caselib/child.h"
#include "harness/caselib/fingerprint.h"
#include "harness/caselib/names.h"
#include "harness/caselib/records.h"

namespace ipcc {
namespace {

namespace bp = boost::process;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Where `ci/make-chroot.sh` builds ipcconform inside a root.
constexpr const char* kChrootBinary = "/opt/ipcconform/build/bin/ipcconform";

std::atomic<int> g_target_interrupted{0};
void OnTargetInterrupt(int sig) {
  g_target_interrupted.store(sig);
}

std::string FindTool(const std::string& tool, const std::string& package) {
  std::string path = bp::search_path(tool).string();
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
    // Its own IPC and PID namespaces, as a sandbox would use it; the host filesystem is visible.
    const std::string self = SelfPath();
    cmd = {FindTool("bwrap", "bubblewrap"),
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
  } else if (target.kind == "chroot") {
    const std::string dir = std::filesystem::absolute(target.arg).lexically_normal().string();
    if (access((dir + kChrootBinary).c_str(), X_OK) != 0) {
      throw UsageError(fmt::format("{} has no {}: make the root with ci/make-chroot.sh first", dir, kChrootBinary));
    }
    // A private mount namespace for the root's /proc, /dev, /tmp and /dev/shm; nothing leaks to the host.
    cmd = {FindTool("unshare", "util-linux"),
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
  } else if (target.kind == "wrap") {
    cmd = {"/bin/sh", "-c", "exec " + target.arg + " \"$@\"", "sh", SelfPath()};
  } else if (target.kind == "uml") {
    // One boot runs the whole selection: the kernel starts a script (on the host filesystem, which is
    // the guest's root through hostfs) that mounts what the cases need, runs ipcconform with its
    // records on the console, and powers the machine off.
    const std::string self = SelfPath();
    const std::string keep = FolderToKeepVisible(self);
    char path[] = "/tmp/ipcconform-uml-init-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) throw UsageError(fmt::format("mkstemp: {}", ErrnoName(errno)));
    close(fd);
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
      // The host folder holding ipcconform, mounted back through hostfs below the fresh tmpfs.
      script << "mkdir -p " << ShellQuote(keep) << "\nmount -t hostfs hostfs " << ShellQuote(keep) << " -o "
             << ShellQuote(keep) << "\n";
    }
    script << "cd /tmp\n"
           << ShellQuote(self) << line << "\n"
           << "echo \"@ipcconform-exit $?\"\n"
              "poweroff -f >/dev/null 2>&1 || halt -f\n";
    script.close();
    chmod(path, 0755);
    *scratch_file = path;
    long mem_mb = 1536;
    cmd = {FindTool("linux", "user-mode-linux"),
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
    return cmd;
  } else {
    throw UsageError(fmt::format("target kind '{}' does not run through a command", target.kind));
  }
  cmd.insert(cmd.end(), inner_args.begin(), inner_args.end());
  return cmd;
}

TargetProcess RunTargetCommand(const TargetSpec& target, const std::vector<std::string>& cmd,
                               std::chrono::milliseconds budget, const std::function<void(const json&)>& on_record) {
  char err_path[] = "/tmp/ipcconform-target-stderr-XXXXXX";
  int err_fd = mkstemp(err_path);
  if (err_fd >= 0) close(err_fd);

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

  bp::ipstream out;
  bp::group group;
  std::error_code ec;
  fflush(nullptr);
  bp::child proc(bp::exe = cmd[0], bp::args = std::vector<std::string>(cmd.begin() + 1, cmd.end()), bp::std_out > out,
                 bp::std_err > std::string(err_path), bp::std_in < bp::null, group, ec);
  if (ec) {
    unlink(err_path);
    prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
    throw UsageError(fmt::format("target {} could not start: {}", target.name, ec.message()));
  }

  // The watchdog ends the target when the budget runs out or the user interrupts.
  TargetProcess result;
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    const auto deadline = Clock::now() + budget;
    while (!finished) {
      if (g_target_interrupted.load() != 0) {
        result.killed_why = "interrupted";
      } else if (Clock::now() >= deadline) {
        result.killed_why = fmt::format("the target ran longer than its budget of {} s", budget.count() / 1000);
      }
      if (!result.killed_why.empty()) {
        // SIGTERM first: a runner inside ends its cases and removes its temporary folder; whatever
        // is still there after the grace period is killed.
        kill(-group.native_handle(), SIGTERM);
        if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return finished; })) {
          std::error_code ignored;
          group.terminate(ignored);
        }
        return;
      }
      cv.wait_for(lock, std::chrono::milliseconds(100));
    }
  });

  std::deque<std::string> other_lines;
  std::string line;
  while (std::getline(out, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // consoles add carriage returns
    auto at = line.find(kStreamMarker);
    if (at == std::string::npos) {
      other_lines.push_back(line);
      if (other_lines.size() > 40) other_lines.pop_front();
      continue;
    }
    json rec = json::parse(line.substr(at + std::string(kStreamMarker).size()), nullptr, false);
    if (rec.is_discarded() || !rec.is_object()) {
      other_lines.push_back("(unreadable record) " + line);
      continue;
    }
    on_record(rec);
  }
  proc.wait(ec);
  result.exit_status = proc.exit_code();
  result.leftovers_killed = EndTargetLeftovers(children_before, std::chrono::seconds(5));
  prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
  {
    std::lock_guard lock(mu);
    finished = true;
  }
  cv.notify_all();
  watchdog.join();
  result.interrupted_by = g_target_interrupted.load();
  result.stderr_tail = ReadSmallFile(err_path);
  unlink(err_path);
  if (result.stderr_tail.size() > 3000)
    result.stderr_tail = "..." + result.stderr_tail.substr(result.stderr_tail.size() - 3000);
  for (const auto& l : other_lines) result.console += l + "\n";
  return result;
}

std::string TargetProcess::Describe(const std::string& what) const {
  return fmt::format("{} (exit status {}{}){}{}{}", what, exit_status, killed_why.empty() ? "" : "; " + killed_why,
                     stderr_tail.empty() ? "" : "\n--- its standard error:\n" + stderr_tail,
                     console.empty() ? "" : "\n--- its other output:\n", console);
}

int RunOnTarget(const RunOptions& options, const TargetSpec& target, const std::vector<const CaseInfo*>& selected) {
  const auto started = Clock::now();
  const std::string inner_out = fmt::format("/tmp/ipcconform-inner-{}", getpid());
  std::vector<std::string> inner = {"run", "--target", "native", "--stream", "--no-expect", "-q", "--out", inner_out};
  for (const auto& f : options.filters) inner.insert(inner.end(), {"-f", f});
  for (const auto& m : options.mechanisms) inner.insert(inner.end(), {"-m", m});
  if (options.jobs > 0) inner.insert(inner.end(), {"--jobs", std::to_string(options.jobs)});
  if (options.timeout)
    inner.insert(inner.end(), {"--timeout", fmt::format("{:.3f}", options.timeout->count() / 1000.0)});
  if (options.isolation == IsolationMode::process_group) inner.insert(inner.end(), {"--isolation", "process-group"});
  if (options.isolation == IsolationMode::namespaces) inner.insert(inner.end(), {"--isolation", "namespaces"});

  std::string scratch;
  std::vector<std::string> cmd = TargetCommand(target, inner, &scratch);  // refuses a missing tool
  ScratchFile scratch_guard{scratch};
  // Only now the out folder is opened: a target that cannot be used keeps the previous results.
  RunRecorder recorder(options, ExpectationName(target), selected.size());

  // A bound on the whole target run: every selected case's timeout run one after another, plus start-up.
  std::chrono::milliseconds budget(120000);
  for (const CaseInfo* c : selected) {
    budget += options.timeout.value_or(c->meta.timeout) / 4;
  }

  bool have_header = false;
  std::size_t recorded = 0;
  std::optional<json> inner_end;
  TargetProcess proc = RunTargetCommand(target, cmd, budget, [&](const json& rec) {
    const std::string kind = rec.value("record", "");
    if (kind == "header") {
      json header = HeaderBase(options, recorder.expectation_file());
      header["target"] = target.name;
      header["target_kind"] = target.kind;
      header["fingerprint"] = rec.value("fingerprint", json::object());  // what the target reports
      header["host_fingerprint"] = Fingerprint();
      header["isolation"] = rec.value("isolation", json::object());
      header[field::kFeatures] = rec.value(field::kFeatures, json::object());  // the probe inside the target
      header["needs_environment"] = rec.value("needs_environment", json::object());
      header["jobs"] = rec.value("jobs", 0);
      header["target_command"] = cmd;
      header["selection"]["cases"] = rec.value("selection", json::object()).value("cases", 0);
      recorder.WriteHeader(header);
      have_header = true;
    } else if (kind == "case" && have_header) {
      recorder.AddCase(rec, 0);
      ++recorded;
    } else if (kind == "end") {
      inner_end = rec;
    } else if (have_header) {
      recorder.WriteOther(rec);
    }
  });
  // A target that shares the host's /tmp (wrap:) leaves the inner runner's folder there.
  std::error_code ignored;
  std::filesystem::remove_all(inner_out, ignored);

  if (!have_header) {
    // Nothing came out: no report that could pass for a complete one.
    std::error_code ec;
    std::filesystem::remove(recorder.results_path(), ec);
    fmt::print(stderr, "ipcconform: {}\n",
               proc.Describe(fmt::format("target {} could not start ipcconform", target.name)));
    return 2;
  }
  const double wall_s = std::chrono::duration<double>(Clock::now() - started).count();
  json extra = {{"target_exit_status", proc.exit_status}};
  bool died = !inner_end.has_value();
  if (died) {
    extra["target_error"] = fmt::format("the target ended before the run finished{} (exit status {}){}",
                                        proc.killed_why.empty() ? "" : ": " + proc.killed_why, proc.exit_status,
                                        proc.stderr_tail.empty() ? "" : "; standard error: " + proc.stderr_tail);
    fmt::print(stderr, "ipcconform: {}\n", extra["target_error"].get<std::string>());
  }
  if (proc.leftovers_killed > 0) extra["target_leftovers_killed"] = proc.leftovers_killed;
  const std::size_t not_run =
      died ? (selected.size() > recorded ? selected.size() - recorded : 0) : inner_end->value("not_run", 0);
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
    if (rec.value("record", "") == "gate") gate_record = rec;
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
