#include "harness/caselib/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/coverage.h"
#include "harness/caselib/in_process.h"
#include "harness/caselib/leaks.h"
#include "harness/caselib/names.h"
#include "harness/caselib/records.h"
#include "harness/caselib/state.h"

namespace ipcc {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kNsFlags = CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID;
constexpr std::size_t kOutputTail = 4000;

void WriteFileOrFail(const char* path, const std::string& text, std::string* error) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    if (error->empty()) *error = fmt::format("writing {}: {}", path, ErrnoName(errno));
  }
  if (fd >= 0) close(fd);
}

// Enters new namespaces in the calling process (children get the new PID namespace). Returns an
// empty string on success, else what failed.
std::string EnterNamespaces(bool user_namespace) {
  std::string error;
  if (user_namespace) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER) != 0) return fmt::format("unshare(CLONE_NEWUSER): {}", ErrnoName(errno));
    WriteFileOrFail("/proc/self/setgroups", "deny", &error);
    WriteFileOrFail("/proc/self/uid_map", fmt::format("0 {} 1", uid), &error);
    WriteFileOrFail("/proc/self/gid_map", fmt::format("0 {} 1", gid), &error);
    if (!error.empty()) return error;
  }
  if (unshare(kNsFlags) != 0)
    return fmt::format("unshare(CLONE_NEWIPC|CLONE_NEWNS|CLONE_NEWPID): {}", ErrnoName(errno));
  return {};
}

// In the new namespace's init: private mount propagation, then fresh /proc, /dev/shm, /dev/mqueue.
// `propagation_private` says whether mounts here are really private to the case.
std::string PrivateMounts(bool* propagation_private = nullptr) {
  // Some sandboxes (gVisor) refuse the change with EINVAL. There a case's fresh /proc may show up
  // in another case's view, so the runner runs such cases one at a time.
  const bool made_private = mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
  if (!made_private && errno != EINVAL) return fmt::format("making / private: {}", ErrnoName(errno));
  if (propagation_private != nullptr) *propagation_private = made_private;
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return fmt::format("mounting /proc for the new PID namespace: {}", ErrnoName(errno));
  }
  struct stat st {};
  if (stat("/dev/shm", &st) == 0 &&
      mount("ipcconform-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) {
    return fmt::format("mounting a private /dev/shm: {}", ErrnoName(errno));
  }
  // /dev/mqueue is optional: mq_open works without it being mounted.
  if (stat("/dev/mqueue", &st) == 0) mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV, nullptr);
  return {};
}

void ResetSignals() {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  }
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string ReadTail(int fd) {
  std::string out;
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0) return out;
  off_t from = size > static_cast<off_t>(kOutputTail) ? size - static_cast<off_t>(kOutputTail) : 0;
  out.resize(static_cast<std::size_t>(size - from));
  ssize_t n = pread(fd, out.data(), out.size(), from);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

// Kills and reaps every process that is (or was reparented to be) a child of this subreaper.
void KillDescendants() {
  for (int round = 0; round < 1000; ++round) {
    bool any = false;
    for (pid_t pid : ChildrenOf(getpid())) {
      kill(pid, SIGKILL);
      any = true;
    }
    int status = 0;
    while (waitpid(-1, &status, WNOHANG | __WALL) > 0) any = true;
    if (!any) {
      if (waitpid(-1, &status, WNOHANG | __WALL) < 0 && errno == ECHILD) break;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
}

class StateListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo&) override { ResetState(); }
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    std::string where = r.file_name() != nullptr ? fmt::format("{}:{}: ", r.file_name(), r.line_number()) : "";
    std::string msg = r.message();
    if (msg.find("another process of the case tree failed") != std::string::npos) return;  // already logged
    if ((State().marks.load() & (kMarkError | kMarkFailed)) != 0 && msg.find("C++ exception") != std::string::npos) {
      return;  // thrown through the body after recording its ERROR or FAIL: already in the log
    }
    if (r.skipped()) {
      // Only the harness skips (an unmet need, recorded before the skip): a case body that skips
      // itself hides a verdict, so it is an ERROR that says to declare the need instead.
      if ((State().marks.load() & (kMarkUnsupported | kMarkSkipped)) == 0) {
        Record(kMarkError, where + "the case skipped itself from its body (" + msg +
                               "); a case declares what it needs in .needs (docs/verdicts.md)");
      }
    } else if (r.failed()) {
      Record(kMarkFailed, where + msg);
    }
  }
  void OnTestEnd(const ::testing::TestInfo&) override {
    if (getpid() == State().root_pid.load()) Record(kMarkFinished, "");
  }
};

struct Classified {
  Outcome outcome;
  std::string message;
};

Classified Classify(bool timed_out, std::chrono::milliseconds timeout, std::optional<int> case_status,
                    const std::string& setup_error, int top_status) {
  SharedState& s = State();
  const std::uint32_t marks = s.marks.load();
  std::string log = LogText();
  auto with_log = [&](std::string head) {
    if (log.empty()) return head;
    return head.empty() ? log : head + "\n" + log;
  };
  if (!setup_error.empty()) return {Outcome::kError, with_log("isolation set-up failed: " + setup_error)};
  // What went wrong first decides: a failed expectation that later leaves the tree hanging or a
  // bounded wait expiring is still a FAIL; a harness error that comes first is an ERROR.
  const std::uint32_t first = s.first_bad.load();
  if (first == kMarkFailed) {
    return {Outcome::kFail,
            with_log(timed_out ? fmt::format("(the case then did not finish within {} ms)", timeout.count())
                               : std::string())};
  }
  if (timed_out) {
    return {Outcome::kTimeout, with_log(fmt::format("the case did not finish within {} ms; its process tree was killed",
                                                    timeout.count()))};
  }
  if (first == kMarkCrashed) return {Outcome::kCrash, with_log("")};
  if (marks & kMarkError) return {Outcome::kError, with_log("")};
  if (marks & kMarkCrashed) return {Outcome::kCrash, with_log("")};
  if (marks & kMarkFailed) return {Outcome::kFail, with_log("")};
  if (!case_status) {
    return {Outcome::kError, with_log(fmt::format("the case process's status was not reported (its parent {})",
                                                  DescribeWaitStatus(top_status)))};
  }
  if (WIFSIGNALED(*case_status)) {
    return {Outcome::kCrash, with_log(fmt::format("the case process was {}", DescribeWaitStatus(*case_status)))};
  }
  if (!(marks & kMarkFinished)) {
    return {Outcome::kCrash,
            with_log(fmt::format("the case process {} before the case finished", DescribeWaitStatus(*case_status)))};
  }
  if (marks & kMarkUnsupported) return {Outcome::kUnsupported, log};
  if (marks & kMarkSkipped) return {Outcome::kSkip, log};
  return {Outcome::kPass, ""};
}

// Waits for `pid` until the deadline; true when it ended (status stored), false on expiry.
bool WaitUntil(pid_t pid, Clock::time_point deadline, int* status) {
  auto pause = std::chrono::microseconds(10);
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG | __WALL);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(1));
  }
}

// How the supervisor isolates its case: what the record says, and whether namespaces are in use.
struct Isolation {
  std::string description = "process-group";
  bool namespaces = false;
};

// Enters the namespaces the probe allowed; where they are refused now, falls back to a process group
// (and the record says so).
Isolation EnterIsolation(const IsolationSupport& support) {
  Isolation chosen;
  if (!support.namespaces) return chosen;
  const std::string refused = EnterNamespaces(support.user_namespace);
  if (!refused.empty()) {
    chosen.description = "process-group (namespaces refused: " + refused + ")";
    return chosen;
  }
  chosen.description = support.user_namespace ? "namespaces(user,ipc,mnt,pid)" : "namespaces(ipc,mnt,pid)";
  chosen.namespaces = true;
  return chosen;
}

// The case's own temporary folder below the run's, named in its environment. Short on purpose:
// socket paths below it must fit in sun_path (108 bytes).
std::string MakeCaseTemp(const std::string& temp_base) {
  std::string tmp = fmt::format("{}/c-XXXXXX", temp_base);
  if (mkdtemp(tmp.data()) == nullptr) tmp = temp_base;
  setenv("IPCCONFORM_TMPDIR", tmp.c_str(), 1);
  setenv("TMPDIR", tmp.c_str(), 1);
  return tmp;
}

// The case process: its output goes to `output_fd`, the record pipe is not its.
[[noreturn]] void StartCaseProcess(const CaseInfo& info, int output_fd, int record_fd) {
  // Marks the case's processes (and programs they exec): the fault-injection library acts only here.
  setenv("IPCCONFORM_IN_CASE", "1", 1);
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  close(record_fd);
  RunCaseProcess(info);
}

// The supervisor's child: the case process itself in a process group, or pid 1 of the new PID
// namespace, which mounts, forks the case process and reaps until it ends.
[[noreturn]] void RunTop(const CaseInfo& info, bool use_ns, pid_t supervisor, int output_fd, int record_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // (In a new PID namespace getppid() is 0: the parent lies outside it.)
  if (!use_ns && getppid() != supervisor) _exit(1);
  if (!use_ns) {
    setpgid(0, 0);
    StartCaseProcess(info, output_fd, record_fd);
  }
  std::string err = PrivateMounts();
  if (!err.empty()) {
    Record(kMarkError, "isolation set-up failed: " + err);
    _exit(1);
  }
  // A raw fork: the case process runs the gtest body of this image inside the namespaces just made.
  pid_t case_pid = fork();
  if (case_pid == 0) StartCaseProcess(info, output_fd, record_fd);
  for (;;) {
    int status = 0;
    pid_t r = wait(&status);
    if (r == case_pid) {
      State().case_status.store(status);
      State().case_ended.store(1);
      FlushCoverage();
      _exit(0);  // the kernel kills whatever the case left in the namespace
    }
    if (r < 0 && errno == ECHILD) _exit(1);
  }
}

// The case record the supervisor sends, the tail of the case's output with any outcome but a good one.
json CaseRecord(const Classified& c, const std::string& isolation, std::chrono::duration<double, std::milli> elapsed,
                const json& cleaned, int output_fd) {
  json record = {{field::kOutcome, OutcomeName(c.outcome)},
                 {field::kMessage, c.message},
                 {field::kIsolation, isolation},
                 {field::kDurationMs, std::round(elapsed.count() * 1000.0) / 1000.0}};
  if (!cleaned.empty()) record["cleaned_up"] = cleaned;
  if (c.outcome != Outcome::kPass && c.outcome != Outcome::kSkip && c.outcome != Outcome::kUnsupported) {
    std::string tail = ReadTail(output_fd);
    if (!tail.empty()) record["output"] = tail;
  }
  return record;
}

void WriteRecord(int record_fd, const json& record) {
  std::string text = record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  for (std::size_t off = 0; off < text.size();) {
    ssize_t n = write(record_fd, text.data() + off, text.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void Supervise(const CaseInfo& info, const SuperviseOptions& options, int record_fd) {
  const auto started = Clock::now();
  setpgid(0, 0);
  CreateStateFd();
  ResetState();
  const std::string tmp = MakeCaseTemp(options.temp_base);
  int output_fd = memfd_create("ipcconform-output", 0);
  if (output_fd < 0) output_fd = open("/dev/null", O_WRONLY);

  const Isolation isolation = EnterIsolation(options.isolation);
  const bool use_ns = isolation.namespaces;
  setenv("IPCCONFORM_ISOLATION", use_ns ? "namespaces" : "process-group", 1);
  IpcSnapshot before;
  if (!use_ns) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    before = TakeIpcSnapshot();
  }

  const pid_t supervisor = getpid();
  fflush(nullptr);
  // A raw fork: the top of the case tree must unshare namespaces before anything runs in it.
  pid_t top = fork();
  if (top == 0) RunTop(info, use_ns, supervisor, output_fd, record_fd);

  std::string setup_error;
  int status = 0;
  const bool ended = top > 0 && WaitUntil(top, started + options.timeout, &status);
  if (top < 0) setup_error = fmt::format("fork: {}", ErrnoName(errno));
  if (!ended && top > 0) {
    if (!use_ns) kill(-top, SIGKILL);
    kill(top, SIGKILL);
    waitpid(top, &status, __WALL);
  }
  std::optional<int> case_status;
  if (use_ns) {
    if (State().case_ended.load() != 0) case_status = State().case_status.load();
  } else if (ended) {
    case_status = status;
  }
  json cleaned = json::array();
  if (!use_ns) {
    kill(-top, SIGKILL);
    KillDescendants();
    for (auto& what : RemoveNewObjects(before, TakeIpcSnapshot())) cleaned.push_back(what);
  }
  const auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started);
  const Classified c = Classify(!ended && top > 0, options.timeout, case_status, setup_error, status);
  const json record = CaseRecord(c, isolation.description, elapsed, cleaned, output_fd);
  RemoveTree(tmp);
  WriteRecord(record_fd, record);
  FlushCoverage();
  _exit(0);
}

}  // namespace

IsolationSupport ProbeIsolation(IsolationMode mode) {
  IsolationSupport support;
  if (mode == IsolationMode::process_group) {
    support.reason = "process-group isolation requested";
    return support;
  }
  const bool want_user = geteuid() != 0;
  // A raw fork: the isolation probe tries unshare and mounts in a throw-away child of this image.
  pid_t pid = fork();
  if (pid == 0) {
    std::string err = EnterNamespaces(want_user);
    if (!err.empty()) _exit(10);
    pid_t init = fork();
    if (init == 0) {
      bool made_private = false;
      const bool mounted = PrivateMounts(&made_private).empty();
      FlushCoverage();
      _exit(!mounted ? 11 : made_private ? 0 : 20);
    }
    int st = 0;
    waitpid(init, &st, 0);
    FlushCoverage();
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 12);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 0 || code == 20) {
    support.namespaces = true;
    support.user_namespace = want_user;
    support.private_mounts = code == 0;
  } else {
    support.reason = code == 10   ? "the system refuses to create IPC/mount/PID namespaces"
                     : code == 11 ? "namespaces were created but private /proc or /dev/shm could not be mounted"
                                  : "the namespace probe failed";
    if (mode == IsolationMode::namespaces) support.reason += " (namespaces were required)";
  }
  return support;
}

StartedCase StartCase(const CaseInfo& info, const SuperviseOptions& options) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {};
  fflush(nullptr);
  const pid_t runner = getpid();
  // A raw fork: this child of the runner becomes a case's supervisor, running this image's code.
  pid_t pid = fork();
  if (pid == 0) {
    // A runner that dies (even by SIGKILL) takes its supervisors along, and they their trees.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != runner) _exit(1);
    close(fds[0]);
    Supervise(info, options, fds[1]);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return {};
  }
  return {pid, fds[0]};
}

nlohmann::json FinishCase(const StartedCase& started) {
  std::string text;
  if (started.record_fd >= 0) {
    char buf[8192];
    for (;;) {
      ssize_t n = read(started.record_fd, buf, sizeof buf);
      if (n > 0) {
        text.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        break;
      }
    }
    close(started.record_fd);
  }
  int status = 0;
  if (started.supervisor > 0) waitpid(started.supervisor, &status, 0);
  return ParseCaseRecord(text, started.supervisor, status);
}

nlohmann::json ParseCaseRecord(const std::string& text, pid_t supervisor, int wait_status) {
  auto record = json::parse(text, nullptr, false);
  if (record.is_discarded() || !record.is_object() || !record.contains(field::kOutcome) ||
      !record[field::kOutcome].is_string() || !ParseOutcome(record[field::kOutcome].get<std::string>())) {
    return {{field::kOutcome, OutcomeName(Outcome::kError)},
            {"message", supervisor < 0
                            ? std::string("could not start the case supervisor")
                            : fmt::format("the case supervisor sent no record ({})", DescribeWaitStatus(wait_status))},
            {"isolation", "unknown"},
            {"duration_ms", 0.0}};
  }
  return record;
}

nlohmann::json RunCaseIsolated(const CaseInfo& info, const SuperviseOptions& options) {
  return FinishCase(StartCase(info, options));
}

void InstallStateListener() {
  ::testing::UnitTest::GetInstance()->listeners().Append(new StateListener);
}

int RunTestsInProcess() {
  InstallStateListener();
  State();
  const int rc = RUN_ALL_TESTS();
  std::error_code ec;
  if (std::getenv("IPCCONFORM_TMPDIR") == nullptr) std::filesystem::remove_all(TempDir(), ec);
  return rc;
}

void RunCaseProcess(const CaseInfo& info) {
  ResetSignals();
  ResetState();
  static std::string filter = "--gtest_filter=" + info.gtest_name;
  static char arg0[] = "ipcconform";
  static char brief[] = "--gtest_brief=0";
  char* argv[] = {arg0, filter.data(), brief, nullptr};
  int argc = 3;
  ::testing::InitGoogleTest(&argc, argv);
  InstallStateListener();
  const int rc = RUN_ALL_TESTS();
  if (::testing::UnitTest::GetInstance()->test_to_run_count() == 0) {
    Record(kMarkError, fmt::format("the case {} ({}) is not known to the test framework", info.id, info.gtest_name));
    fflush(nullptr);
    FlushCoverage();
    _exit(3);
  }
  fflush(nullptr);
  FlushCoverage();
  _exit(rc == 0 ? 0 : 1);
}

}  // namespace ipcc
