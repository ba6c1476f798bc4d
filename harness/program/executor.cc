#include "harness/program/executor.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>

#include "harness/caselib/records.h"

namespace ipcc {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::atomic<int> g_interrupted{0};

void OnInterrupt(int sig) {
  g_interrupted.store(sig);
}

void CatchInterrupts() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

struct Running {
  const CaseInfo* info;
  StartedCase started;
  Clock::time_point deadline;  // backstop: the supervisor enforces the real timeout
  std::string buffer;
};

void KillTree(const Running& r) {
  kill(-r.started.supervisor, SIGKILL);
  kill(r.started.supervisor, SIGKILL);
}

class Loop {
 public:
  Loop(const Execution& e, RunRecorder& recorder)
      : e_(e), recorder_(recorder), queue_(e.cases.begin(), e.cases.end()) {}

  Executed Run() {
    // A results file that cannot be written any more (a full disk) stops the run as an interruption does.
    while ((!queue_.empty() || !running_.empty()) && g_interrupted.load() == 0 && recorder_.write_error().empty()) {
      StartWhatFits();
      if (!ReadRecords()) break;
    }
    Executed done;
    done.interrupted = g_interrupted.load() != 0;
    done.signal = g_interrupted.load();
    done.not_run = queue_.size() + running_.size();
    for (auto& r : running_) {  // interrupted or stopped: kill every tree still running
      KillTree(r);
      close(r.started.record_fd);
      waitpid(r.started.supervisor, nullptr, 0);
    }
    running_.clear();
    return done;
  }

 private:
  void Record(const CaseInfo& info, const json& fields) {
    recorder_.AddCase(CaseRecord(info, fields), running_.size());
  }

  // Starts cases from the queue until --jobs run; a case whose needs are unmet is recorded unstarted.
  void StartWhatFits() {
    while (!queue_.empty() && static_cast<int>(running_.size()) < e_.jobs) {
      const CaseInfo* info = queue_.front();
      queue_.pop_front();
      if (auto unmet = CheckNeeds(info->meta.needs, *e_.env)) {
        Record(*info, {{field::kOutcome, OutcomeName(unmet->outcome)},
                       {field::kMessage, unmet->reason},
                       {field::kUnmet, unmet->need},
                       {field::kIsolation, "none"},
                       {field::kDurationMs, 0.0}});
        continue;
      }
      SuperviseOptions so;
      so.timeout = e_.timeout.value_or(info->meta.timeout);
      so.isolation = e_.isolation;
      so.temp_base = e_.temp_base;
      StartedCase sc = StartCase(*info, so);
      if (sc.supervisor <= 0) {
        Record(*info, FinishCase(sc));
        continue;
      }
      setpgid(sc.supervisor, sc.supervisor);
      running_.push_back({info, sc, Clock::now() + so.timeout + std::chrono::seconds(15), {}});
    }
  }

  // Reads what the running cases wrote (100 ms at most); records every case that ended. False when
  // poll itself failed.
  bool ReadRecords() {
    std::vector<pollfd> fds;
    for (const auto& r : running_) fds.push_back({r.started.record_fd, POLLIN, 0});
    int n = poll(fds.data(), fds.size(), 100);
    if (n < 0 && errno != EINTR) return false;
    for (std::size_t i = running_.size(); i-- > 0;) {
      Running& r = running_[i];
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
        KillTree(r);
        r.buffer.clear();
        done = true;
      }
      if (done) Reap(i);
    }
    return true;
  }

  void Reap(std::size_t i) {
    Running& r = running_[i];
    close(r.started.record_fd);
    int status = 0;
    waitpid(r.started.supervisor, &status, 0);
    const json rec = ParseCaseRecord(r.buffer, r.started.supervisor, status);
    const CaseInfo* info = r.info;
    running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
    Record(*info, rec);
  }

  const Execution& e_;
  RunRecorder& recorder_;
  std::deque<const CaseInfo*> queue_;
  std::vector<Running> running_;
};

}  // namespace

Executed ExecuteCases(const Execution& execution, RunRecorder& recorder) {
  CatchInterrupts();
  return Loop(execution, recorder).Run();
}

}  // namespace ipcc
