#include "harness/caselib/probe.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace ipcc {
namespace {

using Clock = std::chrono::steady_clock;

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// State letter from /proc/<pid>/stat (the field after the parenthesised command name).
char TaskState(const std::string& stat) {
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return '?';
  return stat[close + 2];
}

std::string TaskDir(pid_t pid) {
  // A thread id is not listed in /proc but /proc/<tid> still resolves; prefer the task entry.
  return fmt::format("/proc/{}", pid);
}

}  // namespace

std::string SyscallName(long nr) {
  // The calls a case may block in, and those the harness itself waits in.
  static constexpr std::pair<long, const char*> kNames[] = {
      {SYS_read, "read"},
      {SYS_write, "write"},
      {SYS_open, "open"},
      {SYS_openat, "openat"},
      {SYS_readv, "readv"},
      {SYS_writev, "writev"},
      {SYS_poll, "poll"},
      {SYS_ppoll, "ppoll"},
      {SYS_select, "select"},
      {SYS_pselect6, "pselect6"},
      {SYS_pause, "pause"},
      {SYS_nanosleep, "nanosleep"},
      {SYS_clock_nanosleep, "clock_nanosleep"},
      {SYS_wait4, "wait4"},
      {SYS_waitid, "waitid"},
      {SYS_semop, "semop"},
      {SYS_semtimedop, "semtimedop"},
      {SYS_msgsnd, "msgsnd"},
      {SYS_msgrcv, "msgrcv"},
      {SYS_futex, "futex"},
      {SYS_rt_sigsuspend, "rt_sigsuspend"},
      {SYS_rt_sigtimedwait, "rt_sigtimedwait"},
      {SYS_mq_timedsend, "mq_timedsend"},
      {SYS_mq_timedreceive, "mq_timedreceive"},
      {SYS_accept, "accept"},
      {SYS_accept4, "accept4"},
      {SYS_connect, "connect"},
      {SYS_recvfrom, "recvfrom"},
      {SYS_recvmsg, "recvmsg"},
      {SYS_sendto, "sendto"},
      {SYS_sendmsg, "sendmsg"},
      {SYS_epoll_wait, "epoll_wait"},
      {SYS_epoll_pwait, "epoll_pwait"},
      {SYS_flock, "flock"},
      {SYS_fcntl, "fcntl"},
  };
  for (const auto& [number, name] : kNames) {
    if (number == nr) return name;
  }
  return fmt::format("syscall {}", nr);
}

ProbeResult WaitUntilBlocked(pid_t pid, std::vector<long> syscalls, std::chrono::milliseconds timeout) {
  ProbeResult result;
  const std::string dir = TaskDir(pid);
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::microseconds(20);
  long elsewhere_nr = -2;  // the other call the task has been seen asleep in, without a break
  auto elsewhere_since = Clock::now();
  for (;;) {
    std::string stat;
    if (!ReadFile(dir + "/stat", stat)) {
      result.kind = ProbeResult::kExited;
      result.last_seen = "process gone";
      return result;
    }
    char state = TaskState(stat);
    if (state == 'Z' || state == 'X') {
      result.kind = ProbeResult::kExited;
      result.last_seen = "process exited (zombie)";
      return result;
    }
    std::string sys;
    if (ReadFile(dir + "/syscall", sys) && !sys.empty()) {
      result.method = "syscall";
      // "running", or "<nr> <args...> <sp> <pc>", or "-1 <sp> <pc>" when blocked outside a call.
      if (sys.rfind("running", 0) == 0) {
        result.last_seen = fmt::format("running (state {})", state);
      } else {
        long nr = std::strtol(sys.c_str(), nullptr, 10);
        bool expected = std::find(syscalls.begin(), syscalls.end(), nr) != syscalls.end();
        result.last_seen = fmt::format("state {} in {}", state, nr < 0 ? "no system call" : SyscallName(nr));
        if (expected && (state == 'S' || state == 'D')) {
          result.kind = ProbeResult::kBlocked;
          return result;
        }
        if (!expected && nr >= 0 && (state == 'S' || state == 'D')) {
          if (nr != elsewhere_nr) {
            elsewhere_nr = nr;
            elsewhere_since = Clock::now();
          }
        } else {
          elsewhere_nr = -2;
        }
      }
    } else {
      // No syscall file: asleep in the kernel with a wait channel is the best evidence available.
      result.method = "stat+wchan";
      std::string wchan;
      ReadFile(dir + "/wchan", wchan);
      result.last_seen = fmt::format("state {} wchan '{}'", state, wchan);
      if ((state == 'S' || state == 'D') && wchan != "0") {
        result.kind = ProbeResult::kBlocked;
        return result;
      }
    }
    if (Clock::now() >= deadline) {
      // Asleep, for the last second and more, in a call that is not the expected one: the expected
      // call did not block (it returned, and the process went on to wait elsewhere). The harness's
      // own waits (futex checkpoints, waiting for children) are no evidence either way.
      const bool harness_wait = elsewhere_nr == SYS_futex || elsewhere_nr == SYS_wait4 || elsewhere_nr == SYS_waitid;
      result.kind = elsewhere_nr >= 0 && !harness_wait && Clock::now() - elsewhere_since >= std::chrono::seconds(1)
                        ? ProbeResult::kBlockedElsewhere
                        : ProbeResult::kTimedOut;
      return result;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(1));
  }
}

}  // namespace ipcc
