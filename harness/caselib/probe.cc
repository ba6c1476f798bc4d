#include "harness/caselib/probe.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

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
  switch (nr) {
#define IPCC_SYS(name) \
  case SYS_##name:     \
    return #name;
    IPCC_SYS(read)
    IPCC_SYS(write) IPCC_SYS(open) IPCC_SYS(openat) IPCC_SYS(readv) IPCC_SYS(writev) IPCC_SYS(poll) IPCC_SYS(ppoll)
        IPCC_SYS(select) IPCC_SYS(pselect6) IPCC_SYS(pause) IPCC_SYS(nanosleep) IPCC_SYS(clock_nanosleep)
            IPCC_SYS(wait4) IPCC_SYS(waitid) IPCC_SYS(semop) IPCC_SYS(semtimedop) IPCC_SYS(msgsnd) IPCC_SYS(msgrcv)
                IPCC_SYS(futex) IPCC_SYS(rt_sigsuspend) IPCC_SYS(rt_sigtimedwait) IPCC_SYS(mq_timedsend)
                    IPCC_SYS(mq_timedreceive) IPCC_SYS(accept) IPCC_SYS(accept4) IPCC_SYS(connect) IPCC_SYS(recvfrom)
                        IPCC_SYS(recvmsg) IPCC_SYS(sendto) IPCC_SYS(sendmsg) IPCC_SYS(epoll_wait) IPCC_SYS(epoll_pwait)
                            IPCC_SYS(flock) IPCC_SYS(fcntl)
#undef IPCC_SYS
                                default : return fmt::format("syscall {}", nr);
  }
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
