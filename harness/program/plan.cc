#include "harness/program/plan.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "harness/caselib/fingerprint.h"
#include "harness/caselib/names.h"
#include "harness/caselib/records.h"
#include "harness/program/targets.h"
#include "reports/results.h"

#ifndef IPCC_VERSION
#define IPCC_VERSION "0.0.0"
#endif
#ifndef IPCC_GIT_COMMIT
#define IPCC_GIT_COMMIT "unknown"
#endif

namespace ipcc {
namespace {

using nlohmann::json;

bool Matches(const std::string& glob, const CaseInfo& c) {
  if (c.meta.hidden && glob.rfind(c.mechanism + ".", 0) != 0) return false;
  return fnmatch(glob.c_str(), c.id.c_str(), 0) == 0;
}

// Refuses a mechanism no case has and a glob that matches no case.
void CheckSelection(const std::vector<std::string>& filters, const std::vector<std::string>& mechanisms) {
  const auto& all = Registry::All();
  std::set<std::string> known;
  for (const auto& c : all) {
    if (!c.meta.hidden) known.insert(c.mechanism);
  }
  for (const auto& m : mechanisms) {
    if (known.count(m) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw UsageError(fmt::format("unknown mechanism '{}' (known: {})", m, list));
    }
  }
  for (const auto& f : filters) {
    if (std::none_of(all.begin(), all.end(), [&](const CaseInfo& c) { return Matches(f, c); })) {
      throw UsageError(fmt::format("the filter '{}' matches no case (see `ipcconform list`)", f));
    }
  }
}

constexpr const char* kTempMarker = ".ipcconform-run";

}  // namespace

void MarkTempFolder(const std::string& dir, const std::string& run_id) {
  const std::string path = dir + "/" + kTempMarker;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw UsageError(fmt::format("cannot mark the run's temporary folder {}: {}", dir, ErrnoName(errno)));
  const bool ok = write(fd, run_id.data(), run_id.size()) == static_cast<ssize_t>(run_id.size());
  close(fd);
  if (!ok) throw UsageError(fmt::format("cannot mark the run's temporary folder {}", dir));
}

bool RemoveOurTempFolder(const std::string& dir, const std::string& run_id, std::string* why) {
  static const std::regex kOurs("/tmp/ipcconform-run-[A-Za-z0-9]{6}");
  struct stat st {};
  if (dir.empty() || lstat(dir.c_str(), &st) != 0) return false;  // nothing there
  auto leave = [&](const std::string& reason) {
    *why = fmt::format("left {} alone: {}", dir, reason);
    return false;
  };
  if (!std::regex_match(dir, kOurs)) return leave("not a name this tool gives its temporary folders");
  if (!S_ISDIR(st.st_mode)) return leave("not a directory (a symbolic link or a file)");
  if (st.st_uid != geteuid()) return leave(fmt::format("it belongs to uid {}", st.st_uid));
  const int fd = open((dir + "/" + kTempMarker).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  std::string marker;
  if (fd >= 0) {
    char buf[128];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) marker.assign(buf, static_cast<std::size_t>(n));
    close(fd);
  }
  if (marker != run_id) return leave("it carries no marker of run " + run_id);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // does not follow symbolic links inside
  if (ec) return leave(ec.message());
  return true;
}

namespace {

// Before --resume continues a run that was killed: the killed runner must really be gone, and what it
// could not clean up (processes of its cases, its temporary folder) is removed now and said.
void CleanUpAfterKilledRun(const std::string& results_path, bool quiet) {
  std::ifstream in(results_path);
  std::string line;
  while (std::getline(in, line)) {
    json rec = json::parse(line, nullptr, false);
    if (!rec.is_object()) continue;
    const std::string kind = rec.value(field::kRecord, "");
    if (kind != "header" && kind != "resume") continue;
    const std::string run_id = rec.value("run_id", "");
    const std::string temp_dir = rec.value("temp_dir", "");
    if (run_id.empty()) continue;
    const pid_t runner = static_cast<pid_t>(std::strtol(run_id.c_str(), nullptr, 10));
    if (runner > 0 && runner != getpid() && kill(runner, 0) == 0 &&
        ReadSmallFile("/proc/" + std::to_string(runner) + "/cmdline").find("ipcconform") != std::string::npos) {
      throw UsageError(
          fmt::format("--resume: the run that writes {} is still going (process {})", results_path, runner));
    }
    std::vector<std::string> left = FindRunLeaks(run_id, temp_dir);  // ends the processes it finds
    std::string why;
    const bool removed = RemoveOurTempFolder(temp_dir, run_id, &why);
    if (!quiet) {
      for (const auto& what : left) fmt::print("resume: cleaned up after the killed run: {}\n", what);
      if (!removed && !why.empty()) fmt::print("resume: {}\n", why);
    }
  }
}

// A runner killed during a write (or by a full disk, before it took the write back) can leave a cut last
// line: it is cut off before the resumed run appends, so the next header starts a line of its own.
void RepairCutLastLine(const std::string& path, bool quiet) {
  const int fd = open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  off_t keep = -1;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    // Back from the end, a block at a time, to the last newline.
    char buf[4096];
    off_t end = st.st_size;
    char last = 0;
    if (pread(fd, &last, 1, end - 1) == 1 && last != '\n') {
      keep = 0;
      while (end > 0) {
        const off_t start = end > static_cast<off_t>(sizeof buf) ? end - static_cast<off_t>(sizeof buf) : 0;
        const ssize_t n = pread(fd, buf, static_cast<std::size_t>(end - start), start);
        if (n <= 0) break;
        const void* nl = memrchr(buf, '\n', static_cast<std::size_t>(n));
        if (nl != nullptr) {
          keep = start + (static_cast<const char*>(nl) - buf) + 1;
          break;
        }
        end = start;
      }
    }
  }
  if (keep >= 0 && ftruncate(fd, keep) == 0 && !quiet) {
    fmt::print("resume: {} ended in a cut line ({} bytes): it was removed\n", path, st.st_size - keep);
  }
  close(fd);
}

// --resume: the records already in the out folder stay; only the cases without one run. Returns those
// records and takes their cases out of `selected`.
std::vector<json> Resume(const RunOptions& options, std::vector<const CaseInfo*>& selected) {
  const std::string path = options.out + "/results.jsonl";
  if (access(path.c_str(), R_OK) != 0) throw UsageError("--resume: there is no " + path + " to continue");
  CleanUpAfterKilledRun(path, options.quiet);  // refuses while the run that writes there still goes
  RepairCutLastLine(path, options.quiet);
  RunResults before = ReadResults(path);
  for (const auto& p : before.problems) {
    if (p.find("no end record") == std::string::npos) fmt::print(stderr, "ipcconform: --resume: {}\n", p);
  }
  std::set<std::string> done;
  std::vector<json> previous;
  for (const auto& rec : before.cases) {
    done.insert(rec[field::kId].get<std::string>());
    previous.push_back(rec);
  }
  std::erase_if(selected, [&](const CaseInfo* c) { return done.count(c->id) != 0; });
  if (!options.quiet) {
    fmt::print("resuming {}: {} case(s) already recorded, {} to run\n", path, done.size(), selected.size());
  }
  return previous;
}

// --jobs, or one per CPU; one at a time where cases could see each other.
int JobCount(const RunOptions& options, const IsolationSupport& isolation) {
  int jobs = options.jobs > 0 ? options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (isolation.namespaces && !isolation.private_mounts && jobs > 1) {
    // One case's fresh /proc could appear in another's view: run them one at a time.
    if (!options.quiet) fmt::print("note: mount propagation cannot be made private here; running one case at a time\n");
    jobs = 1;
  }
  if (!isolation.namespaces && jobs > 1) {
    // Without IPC namespaces, objects a case leaves behind are found by comparing snapshots, which
    // only attributes them correctly when one case runs at a time.
    if (!options.quiet) fmt::print("note: no namespaces ({}); running one case at a time\n", isolation.reason);
    jobs = 1;
  }
  return jobs;
}

}  // namespace

std::vector<const CaseInfo*> SelectCases(const std::vector<std::string>& filters,
                                         const std::vector<std::string>& mechanisms) {
  CheckSelection(filters, mechanisms);
  std::vector<const CaseInfo*> selected;
  for (const auto& c : Registry::All()) {
    bool by_filter = filters.empty() ? !c.meta.hidden
                                     : std::any_of(filters.begin(), filters.end(),
                                                   [&](const std::string& f) { return Matches(f, c); });
    bool by_mech =
        mechanisms.empty() || std::find(mechanisms.begin(), mechanisms.end(), c.mechanism) != mechanisms.end();
    if (by_filter && by_mech) selected.push_back(&c);
  }
  if (selected.empty()) throw UsageError("the selection is empty: no case matches both the filters and mechanisms");
  return selected;
}

RecorderOptions RecordingOf(const RunOptions& options, const std::string& expectation_name) {
  RecorderOptions r;
  r.out = options.out;
  r.expect_file = options.no_expect ? std::string() : options.expect;
  if (r.expect_file.empty() && !options.no_expect) r.expect_file = DefaultExpectationFile(expectation_name);
  r.strict = options.strict;
  r.quiet = options.quiet;
  r.stream = options.stream;
  return r;
}

json HeaderBase(const RunOptions& options, const std::string& expect_path) {
  return {{field::kRecord, "header"},
          {"format", kResultsFormat},
          {"tool", "ipcconform"},
          {"version", IPCC_VERSION},
          {"commit", IPCC_GIT_COMMIT},
          {"target", options.target},
          {"started", NowIso()},
          {"expectations", expect_path},
          {"selection", {{"filters", options.filters}, {"mechanisms", options.mechanisms}}}};
}

NativePlan PlanNativeRun(const RunOptions& options, std::vector<const CaseInfo*> selected) {
  NativePlan plan;
  if (options.resume) plan.previous = Resume(options, selected);
  plan.cases = std::move(selected);
  // The needs of every case are judged against one probe of this system, recorded in the header. It
  // comes before the isolation probe: where mount propagation cannot be made private (gVisor), that
  // probe's fresh /proc shows through in this process's own view, and /proc/self is gone.
  plan.env = ProbeEnvironment(IsolationSupport{});
  plan.fingerprint = Fingerprint();
  plan.isolation = ProbeIsolation(options.isolation);
  plan.env.isolation = plan.isolation;
  if (options.isolation == IsolationMode::namespaces && !plan.isolation.namespaces) {
    throw UsageError("--isolation namespaces: " + plan.isolation.reason);
  }
  plan.jobs = JobCount(options, plan.isolation);
  return plan;
}

json NativeHeader(const RunOptions& options, const NativePlan& plan, const std::string& expect_path,
                  const std::string& temp_dir, const std::string& run_id) {
  json header = HeaderBase(options, expect_path);
  header["fingerprint"] = plan.fingerprint;
  header[field::kIsolation] = {{"namespaces", plan.isolation.namespaces},
                               {"user_namespace", plan.isolation.user_namespace},
                               {"private_mounts", plan.isolation.private_mounts},
                               {"reason", plan.isolation.reason}};
  json probed = EnvironmentJson(plan.env);
  header[field::kFeatures] = probed[field::kFeatures];
  probed.erase(field::kFeatures);
  header["needs_environment"] = probed;
  header["jobs"] = plan.jobs;
  header["temp_dir"] = temp_dir;
  header["selection"]["cases"] = plan.cases.size();
  header["run_id"] = run_id;
  if (options.resume) header[field::kRecord] = "resume";  // the first header stays the run's header
  return header;
}

std::vector<std::string> SelectionArgs(const RunOptions& options) {
  std::vector<std::string> args;
  for (const auto& f : options.filters) args.insert(args.end(), {"-f", f});
  for (const auto& m : options.mechanisms) args.insert(args.end(), {"-m", m});
  if (options.jobs > 0) args.insert(args.end(), {"--jobs", std::to_string(options.jobs)});
  if (options.timeout) args.insert(args.end(), {"--timeout", fmt::format("{:.3f}", options.timeout->count() / 1000.0)});
  if (options.isolation == IsolationMode::process_group) args.insert(args.end(), {"--isolation", "process-group"});
  if (options.isolation == IsolationMode::namespaces) args.insert(args.end(), {"--isolation", "namespaces"});
  return args;
}

TargetRun PlanTargetRun(const RunOptions& options, const TargetSpec& target,
                        const std::vector<const CaseInfo*>& selected) {
  TargetRun run;
  run.selection_args = SelectionArgs(options);
  // A bound on the whole target run: every selected case's timeout run one after another, plus start-up.
  run.budget = std::chrono::milliseconds(120000);
  for (const CaseInfo* c : selected) run.budget += options.timeout.value_or(c->meta.timeout) / 4;
  run.cases = selected.size();
  run.recording = RecordingOf(options, ExpectationName(target));
  run.header = HeaderBase(options, run.recording.expect_file);
  return run;
}

}  // namespace ipcc
