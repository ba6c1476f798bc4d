#include "harness/program/runner.h"

#include "harness/caselib/environment.h"
#include "harness/caselib/records.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "harness/caselib/child.h"
#include "harness/caselib/fingerprint.h"
#include "harness/caselib/leaks.h"
#include "harness/caselib/names.h"
#include "harness/caselib/privilege.h"
#include "harness/caselib/state.h"
#include "harness/program/targets.h"
#include "reports/expectations.h"
#include "reports/junit.h"
#include "reports/results.h"

#ifndef IPCC_VERSION
#define IPCC_VERSION "0.0.0"
#endif
#ifndef IPCC_SOURCE_DIR
#define IPCC_SOURCE_DIR "."
#endif
#ifndef IPCC_GIT_COMMIT
#define IPCC_GIT_COMMIT "unknown"
#endif

namespace ipcc {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::atomic<int> g_interrupted{0};

void OnInterrupt(int sig) {
  g_interrupted.store(sig);
}

bool Matches(const std::string& glob, const CaseInfo& c) {
  if (c.meta.hidden && glob.rfind(c.mechanism + ".", 0) != 0) return false;
  return fnmatch(glob.c_str(), c.id.c_str(), 0) == 0;
}

// Writes whole lines with one write each, so a killed runner leaves only whole records behind.
class JsonlWriter {
 public:
  explicit JsonlWriter(const std::string& path, bool stream = false, bool append = false) : stream_(stream) {
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | (append ? 0 : O_TRUNC) | O_CLOEXEC | O_APPEND, 0644);
    if (fd_ < 0) throw UsageError(fmt::format("cannot write {}: {}", path, ErrnoName(errno)));
  }
  ~JsonlWriter() {
    if (fd_ >= 0) close(fd_);
  }
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;
  void Write(const json& record) {
    std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    WriteAll(fd_, line);
    if (stream_) WriteAll(STDOUT_FILENO, kStreamMarker + line);
  }

 private:
  static void WriteAll(int fd, const std::string& text) {
    for (std::size_t off = 0; off < text.size();) {
      ssize_t n = ::write(fd, text.data() + off, text.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
  }
  int fd_ = -1;
  bool stream_ = false;
};

struct Running {
  const CaseInfo* info;
  StartedCase started;
  Clock::time_point deadline;  // backstop: the supervisor enforces the real timeout
  std::string buffer;
};

class Progress {
 public:
  Progress(std::size_t total, bool quiet) : total_(total), quiet_(quiet), tty_(isatty(STDOUT_FILENO) != 0) {}
  void CaseDone(const json& rec, std::size_t done, std::size_t running) {
    if (quiet_) return;
    const std::string outcome = rec["outcome"];
    if (tty_) {
      if (outcome != "PASS") {
        fmt::print("\r\033[K{:<11} {}\n", outcome, rec["id"].get<std::string>());
      }
      fmt::print("\r\033[K[{:>4}/{}] {} running  {:<11} {}", done, total_, running, outcome,
                 rec["id"].get<std::string>());
      std::fflush(stdout);
    } else {
      fmt::print("{:<11} {} ({:.1f} ms)\n", outcome, rec["id"].get<std::string>(), rec["duration_ms"].get<double>());
      std::fflush(stdout);  // a log (CI, a pipe) shows each case as it ends, not at the end of the run
    }
  }
  void End() {
    if (tty_ && !quiet_) fmt::print("\r\033[K");
  }

 private:
  std::size_t total_;
  bool quiet_;
  bool tty_;
};

void PrintSummary(const std::vector<json>& records, const std::map<std::string, int>& counts, double wall_s,
                  const std::string& out, bool interrupted) {
  std::vector<const json*> bad;
  for (const auto& r : records) {
    if (IsBadOutcome(r["outcome"].get<std::string>()) && r.value("verdict", "") != "expected deviation")
      bad.push_back(&r);
  }
  if (!bad.empty()) {
    fmt::print("\nProblems ({}):\n", bad.size());
    for (const json* r : bad) {
      fmt::print("\n{} {}\n", (*r)["outcome"].get<std::string>(), (*r)["id"].get<std::string>());
      std::string msg = (*r)["message"];
      if (msg.size() > 2000) msg = msg.substr(0, 2000) + " ...";
      for (std::size_t pos = 0; pos < msg.size();) {
        auto nl = msg.find('\n', pos);
        fmt::print("    {}\n", msg.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
    }
  }
  std::string line;
  for (const char* o : {"PASS", "FAIL", "UNSUPPORTED", "SKIP", "ERROR", "TIMEOUT", "CRASH"}) {
    auto it = counts.find(o);
    if (it != counts.end() && it->second > 0) line += fmt::format("{}{} {}", line.empty() ? "" : ", ", it->second, o);
  }
  fmt::print("\n{}{} cases: {} in {:.1f} s\n", interrupted ? "INTERRUPTED after " : "", records.size(),
             line.empty() ? "none run" : line, wall_s);
  fmt::print("Reports: {}/results.jsonl, {}/junit.xml\n", out, out);
}

// Before --resume continues a run that was killed: the killed runner must really be gone, and what it
// could not clean up (processes of its cases, its temporary folder) is removed now and said.
void CleanUpAfterKilledRun(const std::string& results_path, bool quiet) {
  std::ifstream in(results_path);
  std::string line;
  while (std::getline(in, line)) {
    json rec = json::parse(line, nullptr, false);
    if (!rec.is_object()) continue;
    const std::string kind = rec.value("record", "");
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
    if (temp_dir.rfind("/tmp/ipcconform-run-", 0) == 0) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir, ec);
    }
    if (!quiet) {
      for (const auto& what : left) fmt::print("resume: cleaned up after the killed run: {}\n", what);
    }
  }
}

}  // namespace

std::string DefaultExpectationFile(const std::string& name) {
  std::string path = std::string(IPCC_SOURCE_DIR) + "/fixtures/expectations/" + name + ".txt";
  return access(path.c_str(), R_OK) == 0 ? path : std::string();
}

std::vector<std::string> FindRunLeaks(const std::string& run_id, const std::string& temp_dir) {
  std::vector<std::string> leaks;
  const std::string tag = "IPCCONFORM_RUN_ID=" + run_id;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == getpid()) continue;
    std::string env = ReadSmallFile(e.path().string() + "/environ");
    std::string::size_type at = env.find(tag);
    if (at == std::string::npos) continue;
    const std::string::size_type after = at + tag.size();
    if (after < env.size() && env[after] != '\0') continue;
    leaks.push_back(
        fmt::format("process {} ({}) outlived the run (killed)", pid, ReadSmallFile(e.path().string() + "/comm")));
    kill(pid, SIGKILL);
  }
  if (!temp_dir.empty() && std::filesystem::exists(temp_dir, ec)) {
    leaks.push_back("the run's temporary folder " + temp_dir + " was not removed");
  }
  const std::string mounts = ReadSmallFile("/proc/self/mountinfo");
  if (!temp_dir.empty() && mounts.find(temp_dir) != std::string::npos) {
    leaks.push_back("a mount below " + temp_dir + " outlived the run");
  }
  return leaks;
}

bool IsBadOutcome(const std::string& outcome) {
  const auto o = ParseOutcome(outcome);
  return !o || IsBadOutcome(*o);
}

std::vector<const CaseInfo*> SelectCases(const std::vector<std::string>& filters,
                                         const std::vector<std::string>& mechanisms) {
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
  std::vector<const CaseInfo*> selected;
  for (const auto& c : all) {
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

std::string NowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json HeaderBase(const RunOptions& options, const std::string& expect_path) {
  return {{"record", "header"},
          {"format", kResultsFormat},
          {"tool", "ipcconform"},
          {"version", IPCC_VERSION},
          {"commit", IPCC_GIT_COMMIT},
          {"target", options.target},
          {"started", NowIso()},
          {"expectations", expect_path},
          {"selection", {{"filters", options.filters}, {"mechanisms", options.mechanisms}}}};
}

struct RunRecorder::Impl {
  const RunOptions& options;
  std::vector<Expectation> expectations;
  std::unique_ptr<JsonlWriter> jsonl;
  std::map<std::string, int> counts;
  std::map<std::string, int> verdicts;
  int failing_verdicts = 0;
  Progress progress;
};

RunRecorder::RunRecorder(const RunOptions& options, const std::string& expectation_name, std::size_t total,
                         const std::vector<json>* previous) {
  std::vector<Expectation> expectations;
  expect_path_ = options.no_expect ? std::string() : options.expect;
  if (expect_path_.empty() && !options.no_expect) expect_path_ = DefaultExpectationFile(expectation_name);
  if (!expect_path_.empty()) {
    try {
      expectations = LoadExpectations(expect_path_);
    } catch (const ExpectationError& e) {
      throw UsageError(e.what());
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out, ec);
  if (ec) throw UsageError(fmt::format("cannot create the out folder {}: {}", options.out, ec.message()));
  if (access(options.out.c_str(), W_OK) != 0) {
    throw UsageError(fmt::format("the out folder {} is not writable: {}", options.out, ErrnoName(errno)));
  }
  jsonl_path_ = options.out + "/results.jsonl";
  impl_ = new Impl{options,
                   std::move(expectations),
                   std::make_unique<JsonlWriter>(jsonl_path_, options.stream, previous != nullptr),
                   {},
                   {},
                   0,
                   Progress(total, options.quiet)};
  if (previous != nullptr) {
    // Earlier records count again (judged against today's expectations) but are not rewritten.
    for (json rec : *previous) {
      CaseVerdict v = Judge(impl_->expectations, rec.value("id", ""), rec.value("outcome", "ERROR"));
      impl_->verdicts[VerdictName(v.verdict)]++;
      if (VerdictFails(v.verdict, options.strict)) impl_->failing_verdicts++;
      impl_->counts[rec.value("outcome", "ERROR")]++;
      rec["verdict"] = VerdictName(v.verdict);
      records_.push_back(rec);
    }
  }
}

RunRecorder::~RunRecorder() {
  delete impl_;
}

void RunRecorder::WriteHeader(json header) {
  impl_->jsonl->Write(header);
}

void RunRecorder::WriteOther(const json& record) {
  impl_->jsonl->Write(record);
}

void RunRecorder::AddCase(json full, std::size_t running) {
  Impl& m = *impl_;
  const std::string id = full.value("id", "");
  CaseVerdict v = Judge(m.expectations, id, full.value("outcome", "ERROR"));
  full["verdict"] = VerdictName(v.verdict);
  full.erase("expected");
  full.erase("expectation");
  if (v.entry != nullptr) {
    full["expected"] = fmt::format("{}", fmt::join(v.entry->outcomes, "|"));
    full["expectation"] = {{"pattern", v.entry->pattern},
                           {"reason", v.entry->reason},
                           {"where", fmt::format("{}:{}", v.entry->file, v.entry->line)}};
  }
  m.verdicts[full["verdict"].get<std::string>()]++;
  if (VerdictFails(v.verdict, m.options.strict)) m.failing_verdicts++;
  m.counts[full.value("outcome", "ERROR")]++;
  m.jsonl->Write(full);
  records_.push_back(full);
  m.progress.CaseDone(full, records_.size(), running);
}

int RunRecorder::Finish(bool interrupted, int signal_number, std::size_t not_run, double wall_s, const json& extra) {
  Impl& m = *impl_;
  m.progress.End();
  // Stale entries are judged over what ran: an entry for cases that were not selected (or not reached)
  // is not stale; one that matches no case of this build is.
  std::vector<std::string> stale;
  if (!m.expectations.empty()) {
    std::set<std::string> ran;
    for (const auto& rec : records_) ran.insert(rec.value("id", ""));
    std::vector<std::string> unrun;
    for (const auto& c : Registry::All()) {
      if (ran.count(c.id) == 0) unrun.push_back(c.id);
    }
    stale = StaleExpectations(m.expectations, records_, unrun);
  }
  json end = {{"record", "end"},
              {"finished", NowIso()},
              {"wall_ms", std::round(wall_s * 1e6) / 1e3},
              {"counts", m.counts},
              {"verdicts", m.verdicts},
              {"stale_expectations", stale},
              {"interrupted", interrupted},
              {"not_run", not_run}};
  end.update(extra);
  m.jsonl->Write(end);

  std::string report_error;
  try {
    WriteJUnitFile({ReadResults(jsonl_path_)}, m.options.out + "/junit.xml");
  } catch (const std::exception& e) {
    report_error = e.what();
  }
  if (!m.options.quiet) {
    PrintSummary(records_, m.counts, wall_s, m.options.out, interrupted);
    if (!expect_path_.empty()) {
      std::string line;
      for (const auto& [verdict, count] : m.verdicts)
        line += fmt::format("{}{} {}", line.empty() ? "" : ", ", count, verdict);
      fmt::print("Verdicts against {}: {}\n", expect_path_, line);
      for (const auto& r : records_) {
        if (r["verdict"] == "unexpected pass") {
          fmt::print("  unexpected pass: {} (expected {})\n", r["id"].get<std::string>(), r.value("expected", ""));
        }
      }
      for (const auto& st : stale) fmt::print("  stale expectation: {}\n", st);
    }
  }
  if (!report_error.empty()) {
    fmt::print(stderr, "ipcconform: writing reports: {}\n", report_error);
    return 1;
  }
  if (interrupted && signal_number > 0) return 128 + signal_number;
  if (m.failing_verdicts > 0 || m.counts["ERROR"] > 0) return 1;
  if (m.options.strict && !stale.empty()) return 1;
  return 0;
}

int Run(const RunOptions& options) {
  const TargetSpec target = ParseTarget(options.target);
  if (auto problems = Registry::Validate(); !problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "ipcconform: catalogue: {}\n", p);
    return 2;
  }
  auto selected = SelectCases(options.filters, options.mechanisms);
  if (target.kind != "native") {
    if (options.resume) throw UsageError("--resume works with --target native only");
    return RunOnTarget(options, target, selected);
  }

  // --resume: the records already in the out folder stay; only the cases without one run.
  std::vector<json> previous;
  if (options.resume) {
    const std::string path = options.out + "/results.jsonl";
    if (access(path.c_str(), R_OK) != 0) throw UsageError("--resume: there is no " + path + " to continue");
    RunResults before = ReadResults(path);
    for (const auto& p : before.problems) {
      if (p.find("no end record") == std::string::npos) fmt::print(stderr, "ipcconform: --resume: {}\n", p);
    }
    CleanUpAfterKilledRun(path, options.quiet);
    std::set<std::string> done;
    for (const auto& rec : before.cases) {
      done.insert(rec["id"].get<std::string>());
      previous.push_back(rec);
    }
    std::erase_if(selected, [&](const CaseInfo* c) { return done.count(c->id) != 0; });
    if (!options.quiet) {
      fmt::print("resuming {}: {} case(s) already recorded, {} to run\n", path, done.size(), selected.size());
    }
  }

  // Refused before the out folder is touched: a run that cannot start keeps the previous results.
  // The needs of every case are judged against one probe of this system, recorded in the header. It
  // comes before the isolation probe: where mount propagation cannot be made private (gVisor), that
  // probe's fresh /proc shows through in this process's own view, and /proc/self is gone.
  Environment env = ProbeEnvironment(IsolationSupport{});
  const json fingerprint = Fingerprint();
  IsolationSupport isolation = ProbeIsolation(options.isolation);
  env.isolation = isolation;
  if (options.isolation == IsolationMode::namespaces && !isolation.namespaces) {
    throw UsageError("--isolation namespaces: " + isolation.reason);
  }
  RunRecorder recorder(options, target.kind, selected.size(), options.resume ? &previous : nullptr);
  // Every process of this run carries the run id, so the leak check finds exactly ours.
  const std::string run_id = fmt::format("{}-{}", getpid(), std::time(nullptr));
  setenv("IPCCONFORM_RUN_ID", run_id.c_str(), 1);

  // Resolved here, before any case changes its mounts: inside a case /proc is the case's own.
  if (std::getenv("IPCCONFORM_FIXTURE") == nullptr) {
    try {
      setenv("IPCCONFORM_FIXTURE", FixturePath().c_str(), 1);
    } catch (const HarnessError&) {
      // Cases that need the fixture program report the problem themselves.
    }
  }
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

  char temp_base[] = "/tmp/ipcconform-run-XXXXXX";
  if (mkdtemp(temp_base) == nullptr) throw UsageError(fmt::format("mkdtemp in /tmp: {}", ErrnoName(errno)));

  const auto started = Clock::now();
  json header = HeaderBase(options, recorder.expectation_file());
  header["fingerprint"] = fingerprint;
  header["isolation"] = {{"namespaces", isolation.namespaces},
                         {"user_namespace", isolation.user_namespace},
                         {"private_mounts", isolation.private_mounts},
                         {"reason", isolation.reason}};
  {
    json probed = EnvironmentJson(env);
    header[field::kFeatures] = probed["features"];
    probed.erase("features");
    header["needs_environment"] = probed;
  }
  header["jobs"] = jobs;
  header["temp_dir"] = temp_base;
  header["selection"]["cases"] = selected.size();
  header["run_id"] = run_id;
  if (options.resume) header["record"] = "resume";  // the first header stays the run's header
  recorder.WriteHeader(header);
  const IpcSnapshot host_before = TakeIpcSnapshot();

  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::deque<const CaseInfo*> queue(selected.begin(), selected.end());
  std::vector<Running> running;

  auto finish = [&](const CaseInfo* info, const json& rec) {
    json full = {{"record", "case"},
                 {"id", info->id},
                 {"mechanism", info->mechanism},
                 {"interface", info->interface},
                 {"title", info->meta.title},
                 {"class", ConformanceName(info->meta.cls)},
                 {"refs", info->meta.refs}};
    if (!info->meta.needs.empty()) full[field::kNeeds] = info->meta.needs.Texts();
    full.update(rec);
    recorder.AddCase(full, running.size());
  };

  while ((!queue.empty() || !running.empty()) && g_interrupted.load() == 0) {
    while (!queue.empty() && static_cast<int>(running.size()) < jobs) {
      const CaseInfo* info = queue.front();
      queue.pop_front();
      if (auto unmet = CheckNeeds(info->meta.needs, env)) {
        finish(info, {{field::kOutcome, OutcomeName(unmet->outcome)},
                      {field::kMessage, unmet->reason},
                      {field::kUnmet, unmet->need},
                      {field::kIsolation, "none"},
                      {field::kDurationMs, 0.0}});
        continue;
      }
      SuperviseOptions so;
      so.timeout = options.timeout.value_or(info->meta.timeout);
      so.isolation = isolation;
      so.temp_base = temp_base;
      StartedCase sc = StartCase(*info, so);
      if (sc.supervisor <= 0) {
        finish(info, FinishCase(sc));
        continue;
      }
      setpgid(sc.supervisor, sc.supervisor);
      running.push_back({info, sc, Clock::now() + so.timeout + std::chrono::seconds(15), {}});
    }
    std::vector<pollfd> fds;
    for (const auto& r : running) fds.push_back({r.started.record_fd, POLLIN, 0});
    int n = poll(fds.data(), fds.size(), 100);
    if (n < 0 && errno != EINTR) break;
    for (std::size_t i = running.size(); i-- > 0;) {
      Running& r = running[i];
      bool done = false;
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[8192];
        ssize_t got = read(r.started.record_fd, buf, sizeof buf);
        if (got > 0) {
          r.buffer.append(buf, static_cast<std::size_t>(got));
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          done = true;
        }
      }
      if (!done && Clock::now() > r.deadline) {
        kill(-r.started.supervisor, SIGKILL);
        kill(r.started.supervisor, SIGKILL);
        r.buffer.clear();
        done = true;
      }
      if (done) {
        close(r.started.record_fd);
        int status = 0;
        waitpid(r.started.supervisor, &status, 0);
        const json rec = ParseCaseRecord(r.buffer, r.started.supervisor, status);
        const CaseInfo* info = r.info;
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        finish(info, rec);
      }
    }
  }

  const bool interrupted = g_interrupted.load() != 0;
  for (auto& r : running) {  // interrupted: kill every tree still running
    kill(-r.started.supervisor, SIGKILL);
    kill(r.started.supervisor, SIGKILL);
    close(r.started.record_fd);
    waitpid(r.started.supervisor, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(temp_base, ec);
  // Nothing may outlive the run. With namespaces nothing a case makes can reach the host's IPC
  // namespace; without them the per-case clean-up must have removed everything.
  std::vector<std::string> leaks = FindRunLeaks(run_id, temp_base);
  if (!isolation.namespaces) {
    for (auto& what : NewObjects(host_before, TakeIpcSnapshot())) leaks.push_back(what + " outlived the run");
  }
  for (const auto& l : leaks) fmt::print(stderr, "ipcconform: ERROR: leak: {}\n", l);
  const double wall_s = std::chrono::duration<double>(Clock::now() - started).count();
  const int rc =
      recorder.Finish(interrupted, g_interrupted.load(), queue.size() + running.size(), wall_s, json{{"leaks", leaks}});
  return rc == 0 && !leaks.empty() ? 1 : rc;
}

}  // namespace ipcc
