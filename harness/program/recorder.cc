#include "harness/program/recorder.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "harness/caselib/fingerprint.h"
#include "harness/caselib/names.h"
#include "harness/caselib/records.h"
#include "reports/expectations.h"
#include "reports/junit.h"
#include "reports/output.h"
#include "reports/results.h"

#ifndef IPCC_SOURCE_DIR
#define IPCC_SOURCE_DIR "."
#endif

namespace ipcc {
namespace {

using nlohmann::json;

const std::string kPassName(OutcomeName(Outcome::kPass));
const std::string kErrorName(OutcomeName(Outcome::kError));

std::string Text(const json& rec, const char* name, const std::string& otherwise = "") {
  return rec.value(name, otherwise);
}

// A case record's outcome; one without any counts as ERROR.
std::string RecordedOutcome(const json& rec) {
  return Text(rec, field::kOutcome, kErrorName);
}

// Writes whole lines with one write each, so a killed runner leaves only whole records behind. A write
// that fails (a full disk) is taken back to the last whole line and stops all later writes: the file
// keeps every complete record and no cut one, and error() says what happened.
class JsonlWriter {
 public:
  JsonlWriter(const std::string& path, bool stream, bool append) : path_(path), stream_(stream) {
    try {
      fd_ = OpenOutputFile(path, !append, true);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  }
  ~JsonlWriter() {
    if (fd_ >= 0) close(fd_);
  }
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;
  void Write(const json& record) {
    std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    if (error_.empty()) {
      const off_t before = lseek(fd_, 0, SEEK_END);
      if (!WriteAll(fd_, line)) {
        const int err = errno;
        if (before >= 0) (void)!ftruncate(fd_, before);
        error_ =
            fmt::format("writing {} failed: {} ({}); the run stopped there, every complete record before it is kept",
                        path_, ErrnoName(err), std::strerror(err));
      }
    }
    if (stream_) WriteAll(STDOUT_FILENO, kStreamMarker + line);
  }
  const std::string& error() const { return error_; }

 private:
  static bool WriteAll(int fd, const std::string& text) {
    for (std::size_t off = 0; off < text.size();) {
      ssize_t n = ::write(fd, text.data() + off, text.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) errno = EIO;
        return false;
      }
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  std::string path_;
  int fd_ = -1;
  bool stream_ = false;
  std::string error_;
};

// An advisory lock on <out>/.ipcconform.lock for as long as a run records there: a second run into
// the same folder is refused instead of mixing its records into the first one's.
class OutFolderLock {
 public:
  explicit OutFolderLock(const std::string& out) {
    const std::string path = out + "/.ipcconform.lock";
    try {
      fd_ = OpenOutputFile(path, false, false);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) {
        close(fd_);
        throw UsageError(fmt::format("the out folder {} is in use by another ipcconform run (it holds {})", out, path));
      }
      // A file system without locks (NFS without its lock service): the run goes on, unguarded, and says so.
      fmt::print(stderr, "ipcconform: cannot lock {} ({}): a second run into this folder would not be stopped\n", path,
                 ErrnoName(err));
    }
  }
  ~OutFolderLock() { close(fd_); }
  OutFolderLock(const OutFolderLock&) = delete;
  OutFolderLock& operator=(const OutFolderLock&) = delete;

 private:
  int fd_ = -1;
};

class Progress {
 public:
  Progress(std::size_t total, bool quiet) : total_(total), quiet_(quiet), tty_(isatty(STDOUT_FILENO) != 0) {}
  void CaseDone(const json& rec, std::size_t done, std::size_t running) {
    if (quiet_) return;
    const std::string outcome = rec[field::kOutcome];
    const std::string id = rec[field::kId];
    if (tty_) {
      if (outcome != kPassName) fmt::print("\r\033[K{:<11} {}\n", outcome, id);
      fmt::print("\r\033[K[{:>4}/{}] {} running  {:<11} {}", done, total_, running, outcome, id);
      std::fflush(stdout);
    } else {
      fmt::print("{:<11} {} ({:.1f} ms)\n", outcome, id, rec[field::kDurationMs].get<double>());
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

// Every problem case with its message (indented, cut after 2000 characters).
void PrintProblems(const std::vector<json>& records) {
  std::vector<const json*> bad;
  for (const auto& r : records) {
    if (IsBadOutcome(RecordedOutcome(r)) && Text(r, field::kVerdict) != VerdictName(Verdict::expected_deviation)) {
      bad.push_back(&r);
    }
  }
  if (bad.empty()) return;
  fmt::print("\nProblems ({}):\n", bad.size());
  for (const json* r : bad) {
    fmt::print("\n{} {}\n", (*r)[field::kOutcome].get<std::string>(), (*r)[field::kId].get<std::string>());
    std::string msg = (*r)[field::kMessage];
    if (msg.size() > 2000) msg = msg.substr(0, 2000) + " ...";
    for (std::size_t pos = 0; pos < msg.size();) {
      auto nl = msg.find('\n', pos);
      fmt::print("    {}\n", msg.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  }
}

void PrintSummary(const std::vector<json>& records, const std::map<std::string, int>& counts, double wall_s,
                  const std::string& out, bool interrupted) {
  PrintProblems(records);
  std::string line;
  for (Outcome o : kAllOutcomes) {
    auto it = counts.find(std::string(OutcomeName(o)));
    if (it != counts.end() && it->second > 0) {
      line += fmt::format("{}{} {}", line.empty() ? "" : ", ", it->second, OutcomeName(o));
    }
  }
  fmt::print("\n{}{} cases: {} in {:.1f} s\n", interrupted ? "INTERRUPTED after " : "", records.size(),
             line.empty() ? "none run" : line, wall_s);
  fmt::print("Reports: {}/results.jsonl, {}/junit.xml\n", out, out);
}

void PrintVerdicts(const std::vector<json>& records, const std::map<std::string, int>& verdicts,
                   const std::vector<std::string>& stale, const std::string& expect_path) {
  std::string line;
  for (const auto& [verdict, count] : verdicts)
    line += fmt::format("{}{} {}", line.empty() ? "" : ", ", count, verdict);
  fmt::print("Verdicts against {}: {}\n", expect_path, line);
  for (const auto& r : records) {
    if (Text(r, field::kVerdict) == VerdictName(Verdict::unexpected_pass)) {
      fmt::print("  unexpected pass: {} (expected {})\n", r[field::kId].get<std::string>(), Text(r, "expected"));
    }
  }
  for (const auto& st : stale) fmt::print("  stale expectation: {}\n", st);
}

}  // namespace

std::string OwnExpectationsDir() {
  return std::string(IPCC_SOURCE_DIR) + "/fixtures/expectations";
}

std::string DefaultExpectationFile(const std::string& name) {
  std::string path = OwnExpectationsDir() + "/" + name + ".txt";
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

std::string NowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json CaseRecord(const CaseInfo& info, const json& fields) {
  json full = {{field::kRecord, "case"},      {field::kId, info.id},      {"mechanism", info.mechanism},
               {"interface", info.interface}, {"title", info.meta.title}, {"class", ConformanceName(info.meta.cls)},
               {"refs", info.meta.refs}};
  if (!info.meta.needs.empty()) full[field::kNeeds] = info.meta.needs.Texts();
  full.update(fields);
  return full;
}

struct RunRecorder::Impl {
  RecorderOptions options;
  std::unique_ptr<OutFolderLock> lock;  // held until the recorder goes
  std::vector<Expectation> expectations;
  std::unique_ptr<JsonlWriter> jsonl;
  std::map<std::string, int> counts;
  std::map<std::string, int> verdicts;
  int failing_verdicts = 0;
  Progress progress;

  // Counts a judged record in the totals.
  void Count(const json& rec, Verdict v) {
    verdicts[VerdictName(v)]++;
    if (VerdictFails(v, options.strict)) failing_verdicts++;
    counts[RecordedOutcome(rec)]++;
  }
};

RunRecorder::RunRecorder(const RecorderOptions& options, std::size_t total, const std::vector<json>* previous)
    : expect_path_(options.expect_file) {
  std::vector<Expectation> expectations;
  if (!expect_path_.empty()) {
    try {
      expectations = LoadExpectations(expect_path_);
    } catch (const ExpectationError& e) {
      throw UsageError(e.what());
    }
  }
  try {
    PrepareOutFolder(options.out);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  auto lock = std::make_unique<OutFolderLock>(options.out);
  jsonl_path_ = options.out + "/results.jsonl";
  impl_.reset(new Impl{options,
                       std::move(lock),
                       std::move(expectations),
                       std::make_unique<JsonlWriter>(jsonl_path_, options.stream, previous != nullptr),
                       {},
                       {},
                       0,
                       Progress(total, options.quiet)});
  if (previous != nullptr) {
    // Earlier records count again (judged against today's expectations) but are not rewritten.
    for (json rec : *previous) {
      CaseVerdict v = Judge(impl_->expectations, Text(rec, field::kId), RecordedOutcome(rec));
      impl_->Count(rec, v.verdict);
      rec[field::kVerdict] = VerdictName(v.verdict);
      records_.push_back(rec);
    }
  }
}

RunRecorder::~RunRecorder() = default;

void RunRecorder::WriteHeader(const json& header) {
  impl_->jsonl->Write(header);
}

const std::string& RunRecorder::write_error() const {
  return impl_->jsonl->error();
}

void RunRecorder::WriteOther(const json& record) {
  impl_->jsonl->Write(record);
}

void RunRecorder::AddCase(json full, std::size_t running) {
  Impl& m = *impl_;
  CaseVerdict v = Judge(m.expectations, Text(full, field::kId), RecordedOutcome(full));
  full[field::kVerdict] = VerdictName(v.verdict);
  full.erase("expected");
  full.erase("expectation");
  if (v.entry != nullptr) {
    full["expected"] = fmt::format("{}", fmt::join(v.entry->outcomes, "|"));
    full["expectation"] = {{"pattern", v.entry->pattern},
                           {"reason", v.entry->reason},
                           {"where", fmt::format("{}:{}", v.entry->file, v.entry->line)}};
  }
  m.Count(full, v.verdict);
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
    for (const auto& rec : records_) ran.insert(Text(rec, field::kId));
    std::vector<std::string> unrun;
    for (const auto& c : Registry::All()) {
      if (ran.count(c.id) == 0) unrun.push_back(c.id);
    }
    stale = StaleExpectations(m.expectations, records_, unrun);
  }
  json end = {{field::kRecord, "end"},      {"finished", NowIso()},   {"wall_ms", std::round(wall_s * 1e6) / 1e3},
              {"counts", m.counts},         {"verdicts", m.verdicts}, {"stale_expectations", stale},
              {"interrupted", interrupted}, {"not_run", not_run}};
  end.update(extra);
  if (!write_error().empty()) {
    // No end record and no reports: what is on disk must not pass for a finished run.
    if (!m.options.quiet) PrintSummary(records_, m.counts, wall_s, m.options.out, true);
    fmt::print(stderr, "ipcconform: {}\n", write_error());
    return 2;
  }
  m.jsonl->Write(end);

  std::string report_error;
  try {
    WriteJUnitFile({ReadResults(jsonl_path_)}, m.options.out + "/junit.xml");
  } catch (const std::exception& e) {
    report_error = e.what();
  }
  if (!m.options.quiet) {
    PrintSummary(records_, m.counts, wall_s, m.options.out, interrupted);
    if (!expect_path_.empty()) PrintVerdicts(records_, m.verdicts, stale, expect_path_);
  }
  if (!report_error.empty()) {
    fmt::print(stderr, "ipcconform: writing reports: {}\n", report_error);
    return 1;
  }
  if (interrupted && signal_number > 0) return 128 + signal_number;
  if (m.failing_verdicts > 0 || m.counts[kErrorName] > 0) return 1;
  if (m.options.strict && !stale.empty()) return 1;
  return 0;
}

}  // namespace ipcc
