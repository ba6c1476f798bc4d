#include "harness/program/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>

namespace ipcc::spawn {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Strerror(int err) {
  return std::strerror(err);
}

// A descriptor of this process kept for the child (above the standard three, close-on-exec here).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(o.Release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.Release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Moves fd above the standard descriptors (a process started without them gets 0..2 from open()).
Fd AboveStandard(int fd, const std::string& what) {
  if (fd < 0) throw SpawnError(fmt::format("{}: {}", what, Strerror(errno)));
  if (fd > STDERR_FILENO) return Fd(fd);
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  const int err = errno;
  close(fd);
  if (moved < 0) throw SpawnError(fmt::format("{}: {}", what, Strerror(err)));
  return Fd(moved);
}

Fd OpenDevNull(int flags) {
  return AboveStandard(open("/dev/null", flags | O_CLOEXEC), "cannot open /dev/null");
}

// An unlinked file the child writes and this process reads once it ended: no pipe to keep drained, and
// nothing blocks on a process that keeps the descriptor.
Fd OpenCapture() {
  return AboveStandard(open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600), "cannot make a file for the output");
}

// The last `keep_last` bytes (0: all) of a capture file; *cut when there was more.
std::string ReadCapture(int fd, std::size_t keep_last, bool* cut) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return {};
  const auto size = static_cast<std::size_t>(st.st_size);
  const std::size_t from = keep_last > 0 && size > keep_last ? size - keep_last : 0;
  *cut = from > 0;
  std::string text(size - from, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = pread(fd, text.data() + got, text.size() - got, static_cast<off_t>(from + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

// What the child does between fork and exec, all of it async-signal-safe: the descriptors in place, the
// rest closed at exec, default signal handling, the working folder.
struct ChildSetup : bp::extend::handler {
  int in = -1;  // descriptors to become 0, 1, 2 (-1: this process's own)
  int out = -1;
  int err = -1;
  bool err_as_out = false;
  bool die_with_parent = false;
  pid_t parent = 0;
  const char* cwd = nullptr;
  int fd_limit = 1024;  // for the fallback where close_range(2) is missing

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) sigaction(sig, &dfl, nullptr);
    if (die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // it is gone already: nobody waits for this program
    }
    if (cwd != nullptr && chdir(cwd) != 0) Fail(exec, "chdir");
    if (in >= 0 && dup2(in, STDIN_FILENO) < 0) Fail(exec, "dup2");
    if (out >= 0 && dup2(out, STDOUT_FILENO) < 0) Fail(exec, "dup2");
    if (err_as_out ? dup2(STDOUT_FILENO, STDERR_FILENO) < 0 : err >= 0 && dup2(err, STDERR_FILENO) < 0) {
      Fail(exec, "dup2");
    }
    // Close-on-exec rather than closed: the executor's own error pipe must last until exec.
    if (syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = STDERR_FILENO + 1; fd < fd_limit; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }

  // The start failed after fork: the child was told to exit; reap it.
  template <class Executor>
  void on_error(Executor& exec, const std::error_code&) const {
    if (exec.pid > 0) {
      while (waitpid(exec.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }

  template <class Executor>
  static void Fail(Executor& exec, const char* what) {
    exec.set_error(std::error_code(errno, std::system_category()), what);
    _exit(127);
  }
};

int FdLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 1 << 16;
  return static_cast<int>(std::min<rlim_t>(lim.rlim_cur, 1 << 16));
}

std::string ExecutablePath(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const std::string found = FindOnPath(name);
  if (found.empty()) throw SpawnError(fmt::format("cannot run {}: {}", name, Strerror(ENOENT)));
  return found;
}

}  // namespace

bool Exit::Exited() const {
  return status >= 0 && WIFEXITED(status);
}

int Exit::Code() const {
  return Exited() ? WEXITSTATUS(status) : -1;
}

int Exit::Signal() const {
  return status >= 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

int Exit::ShellStatus() const {
  return Signal() != 0 ? 128 + Signal() : Code();
}

std::string Exit::Describe() const {
  if (Exited()) return fmt::format("exit status {}", Code());
  if (Signal() != 0) {
    const char* abbrev = sigabbrev_np(Signal());
    return abbrev != nullptr ? fmt::format("killed by SIG{}", abbrev) : fmt::format("killed by signal {}", Signal());
  }
  return "an unknown end";
}

struct Process::Impl {
  enum class Phase { running, ending, killed };

  bp::group group;  // kills what is left of the group when it goes, after ~Impl reaped the child
  bp::child child;
  Fd pidfd;  // readable once the child ended (pidfd_open(2)); without it, short polls
  Fd lines;  // the read end of standard output, for Output::lines
  std::string partial;
  std::function<void(const std::string&)> on_line;
  Fd out_capture, err_capture;
  std::size_t out_keep = 0, err_keep = 0;

  std::optional<Clock::time_point> deadline;
  std::function<int()> stop;
  int end_signal = SIGTERM;
  std::optional<milliseconds> kill_after;
  Phase phase = Phase::running;
  Clock::time_point next_step;  // ending: when SIGKILL follows; killed: when held output is given up
  bool reaped = false;
  bool done = false;
  Result result;

  ~Impl() {
    if (child.valid() && !reaped) {
      kill(child.id(), SIGKILL);
      while (waitpid(child.id(), nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  void Start(const Spec& spec);
  Fd OutputFd(const Output& o, bool is_out, Fd* capture, std::size_t* keep);
  bool Reap();
  void Step(Clock::time_point now);
  void ReadLines(bool drain_only);
  void PollOnce(Clock::time_point now);
  void Finish();
};

Fd Process::Impl::OutputFd(const Output& o, bool is_out, Fd* capture, std::size_t* keep) {
  switch (o.kind) {
    case Output::Kind::inherit:
    case Output::Kind::as_stdout:
      return {};
    case Output::Kind::discard:
      return OpenDevNull(O_WRONLY);
    case Output::Kind::file:
      return AboveStandard(open(o.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644),
                           "cannot write " + o.path);
    case Output::Kind::capture: {
      *capture = OpenCapture();
      *keep = o.keep_last;
      const int fd = fcntl(capture->get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
      return AboveStandard(fd, "cannot make a file for the output");
    }
    case Output::Kind::lines: {
      if (!is_out) throw SpawnError("only standard output can be read line by line");
      int p[2];
      if (pipe2(p, O_CLOEXEC) != 0) throw SpawnError(fmt::format("pipe: {}", Strerror(errno)));
      Fd read_end = AboveStandard(p[0], "pipe");
      Fd write_end = AboveStandard(p[1], "pipe");
      lines = std::move(read_end);
      on_line = o.on_line;
      return write_end;
    }
  }
  return {};
}

void Process::Impl::Start(const Spec& spec) {
  if (spec.argv.empty()) throw SpawnError("no program to run");
  if (spec.err.kind == Output::Kind::lines) throw SpawnError("only standard output can be read line by line");
  if (spec.out.kind == Output::Kind::as_stdout) throw SpawnError("AsStdout is for standard error only");
  const std::string exe = ExecutablePath(spec.argv[0]);
  bp::environment env = boost::this_process::environment();
  for (const auto& name : spec.unset_env) env.erase(name);
  for (const auto& [name, value] : spec.set_env) env[name] = value;

  Fd in = OpenDevNull(O_RDONLY);
  Fd out = OutputFd(spec.out, true, &out_capture, &out_keep);
  Fd err = OutputFd(spec.err, false, &err_capture, &err_keep);
  ChildSetup setup;
  setup.in = in.get();
  setup.out = out.get();
  setup.err = err.get();
  setup.err_as_out = spec.err.kind == Output::Kind::as_stdout;
  setup.die_with_parent = spec.die_with_parent;
  setup.parent = getpid();
  setup.cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  setup.fd_limit = FdLimit();

  std::error_code ec;
  std::fflush(nullptr);  // what this process buffered is not written twice
  child = bp::child(bp::exe = exe, bp::args = std::vector<std::string>(spec.argv.begin() + 1, spec.argv.end()), env,
                    group, setup, ec);
  if (ec || !child.valid()) {
    throw SpawnError(fmt::format("cannot run {}: {}", spec.argv[0], ec ? ec.message() : "not started"));
  }
  child.detach();  // reaped here (Reap, ~Impl), so the pid is never waited for once it may be another's
  pidfd = Fd(static_cast<int>(syscall(SYS_pidfd_open, child.id(), 0)));
  if (spec.deadline) deadline = Clock::now() + *spec.deadline;
  stop = spec.stop;
  end_signal = spec.end_signal;
  kill_after = spec.kill_after;
}

bool Process::Impl::Reap() {
  if (reaped) return true;
  int status = 0;
  pid_t got;
  while ((got = waitpid(child.id(), &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (got == 0) return false;
  result.exit.status = got == child.id() && (WIFEXITED(status) || WIFSIGNALED(status)) ? status : -1;
  reaped = true;
  pidfd.Reset();
  return true;
}

// Applies the deadline, the stop and the escalation after them.
void Process::Impl::Step(Clock::time_point now) {
  if (phase == Phase::running) {
    int sig = 0;
    if (deadline && now >= *deadline) {
      sig = end_signal;
      result.ending = Ending::deadline;
    } else if (stop && (sig = stop()) != 0) {
      result.ending = Ending::stopped;
    }
    if (sig == 0) return;
    killpg(child.id(), sig);
    phase = Phase::ending;
    if (kill_after) next_step = now + *kill_after;
  } else if (phase == Phase::ending && kill_after && now >= next_step) {
    killpg(child.id(), SIGKILL);
    if (!reaped) kill(child.id(), SIGKILL);
    result.killed = true;
    phase = Phase::killed;
    next_step = now + *kill_after;
  }
}

// Reads what standard output has (drain_only: without waiting), hands on whole lines; closes it at its end.
void Process::Impl::ReadLines(bool drain_only) {
  char buf[65536];
  for (;;) {
    if (drain_only) {
      pollfd p{lines.get(), POLLIN, 0};
      if (poll(&p, 1, 0) <= 0) {
        lines.Reset();
        break;
      }
    }
    const ssize_t n = read(lines.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      partial.append(buf, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
        const std::string line = partial.substr(0, nl);
        partial.erase(0, nl + 1);
        on_line(line);
      }
      if (drain_only) continue;
      return;
    }
    lines.Reset();  // end of file (or an error: nothing more will come)
    break;
  }
  if (!partial.empty()) {
    const std::string line = std::move(partial);
    partial.clear();
    on_line(line);
  }
}

// Waits for the next thing to happen: output, the child's end, a tick to ask `stop`, a deadline.
void Process::Impl::PollOnce(Clock::time_point now) {
  milliseconds wait(reaped || pidfd.get() >= 0 ? 100 : 5);
  auto until = [&](Clock::time_point t) {
    wait = std::clamp(std::chrono::ceil<milliseconds>(t - now), milliseconds(0), wait);
  };
  if (phase == Phase::running && deadline) until(*deadline);
  if (phase != Phase::running && kill_after && next_step > now) until(next_step);
  pollfd fds[2];
  nfds_t n = 0;
  if (lines.get() >= 0) fds[n++] = {lines.get(), POLLIN, 0};
  if (!reaped && pidfd.get() >= 0) fds[n++] = {pidfd.get(), POLLIN, 0};
  const int ready = poll(fds, n, static_cast<int>(wait.count()));
  if (ready > 0 && lines.get() >= 0 && fds[0].revents != 0) ReadLines(false);
}

void Process::Impl::Finish() {
  if (out_capture.get() >= 0) result.out = ReadCapture(out_capture.get(), out_keep, &result.out_cut);
  if (err_capture.get() >= 0) result.err = ReadCapture(err_capture.get(), err_keep, &result.err_cut);
  out_capture.Reset();
  err_capture.Reset();
  done = true;
}

Process::Process(const Spec& spec) : impl_(std::make_unique<Impl>()) {
  impl_->Start(spec);
}

Process::~Process() = default;
Process::Process(Process&&) noexcept = default;
Process& Process::operator=(Process&&) noexcept = default;

pid_t Process::pid() const {
  return impl_->child.id();
}

void Process::SignalGroup(int sig) {
  killpg(impl_->child.id(), sig);
}

const Result& Process::Wait() {
  Impl& m = *impl_;
  while (!m.done) {
    const bool ended = m.Reap();
    if (ended && m.lines.get() < 0) {
      m.Finish();
      break;
    }
    const auto now = Clock::now();
    if (ended && m.phase == Impl::Phase::killed && now >= m.next_step) {
      m.ReadLines(true);  // held open by a process out of the group's reach: what is there, then no more
      continue;
    }
    m.Step(now);
    m.PollOnce(now);
  }
  return m.result;
}

const Result& Process::End(int sig, std::chrono::milliseconds grace) {
  Impl& m = *impl_;
  if (!m.Reap()) {
    kill(m.child.id(), sig);
    const auto until = Clock::now() + grace;
    while (!m.Reap() && Clock::now() < until) m.PollOnce(Clock::now());
  }
  killpg(m.child.id(), SIGKILL);
  if (!m.Reap()) {
    kill(m.child.id(), SIGKILL);
    m.result.killed = true;
  }
  m.kill_after = milliseconds(0);
  m.phase = Impl::Phase::killed;
  m.next_step = Clock::now();
  return Wait();
}

Result Run(const Spec& spec) {
  Process p(spec);
  return p.Wait();
}

std::string FindOnPath(const std::string& name) {
  return bp::search_path(name).string();
}

}  // namespace ipcc::spawn
