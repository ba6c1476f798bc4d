#include "harness/caselib/ipc/signalfd.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/ipc/signal.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::signalfd {

UniqueFd NewSignalfd(const sigset_t& set, int flags) {
  const int fd = ::signalfd(-1, &set, flags);
  if (fd < 0) {
    ADD_FAILURE() << "signalfd(-1, " << signals::Describe(set) << ", flags " << fmt::format("{:#x}", flags)
                  << ") failed with " << ErrnoName(errno) << "; expected a new signalfd descriptor";
  }
  return UniqueFd(fd);
}

UniqueFd BlockedSignalfd(std::initializer_list<int> sigs, int flags) {
  const sigset_t set = signals::Block(sigs);
  return NewSignalfd(set, flags);
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  int r;
  while ((r = poll(&p, 1, 0)) < 0 && errno == EINTR) {
  }
  if (r < 0) {
    ADD_FAILURE() << "poll of signalfd " << fd << " (timeout 0) failed with " << ErrnoName(errno);
    return false;
  }
  return r == 1 && (p.revents & POLLIN) != 0;
}

std::optional<signalfd_siginfo> ReadOne(int fd, const std::string& what, std::chrono::milliseconds bound) {
  if (!ReadableWithin(fd, bound)) {
    ADD_FAILURE() << what << ": expected a signal to be readable from the signalfd, but poll reported nothing within "
                  << bound.count() << " ms";
    return std::nullopt;
  }
  signalfd_siginfo si{};
  const ssize_t n = read(fd, &si, sizeof si);
  const int err = errno;
  if (n != kSiginfoSize) {
    ADD_FAILURE() << what << ": expected read of one signalfd_siginfo to return " << kSiginfoSize << ", but it "
                  << (n < 0 ? "failed with " + ErrnoName(err) : "returned " + std::to_string(n));
    return std::nullopt;
  }
  return si;
}

SlotsRead ReadSlots(int fd, std::size_t slots, std::size_t extra) {
  std::vector<signalfd_siginfo> buf(slots + (extra + sizeof(signalfd_siginfo) - 1) / sizeof(signalfd_siginfo));
  SlotsRead out;
  out.result = read(fd, buf.data(), slots * sizeof(signalfd_siginfo) + extra);
  out.error = errno;
  if (out.result > 0) {
    const auto n = static_cast<std::size_t>(out.result) / sizeof(signalfd_siginfo);
    out.infos.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(std::min(n, buf.size())));
  }
  return out;
}

std::string Describe(const signalfd_siginfo& si) {
  return fmt::format("{} (ssi_code {}, ssi_pid {}, ssi_uid {})", SignalName(static_cast<int>(si.ssi_signo)),
                     signals::SiCodeName(si.ssi_code), si.ssi_pid, si.ssi_uid);
}

std::string Signals(const std::vector<signalfd_siginfo>& infos) {
  std::string out;
  for (const auto& si : infos) {
    if (!out.empty()) out += ", ";
    out += SignalName(static_cast<int>(si.ssi_signo));
  }
  return "[" + out + "]";
}

pid_t SendFromChild(const std::function<void(pid_t target)>& send, const std::string& what) {
  const pid_t target = getpid();
  Child c = Fork([&] { send(target); });
  ExpectCleanExit(c.Wait(), what);
  return c.pid();
}

std::string MaskHex(std::initializer_list<int> sigs) {
  std::uint64_t bits = 0;
  for (int sig : sigs) bits |= std::uint64_t{1} << (sig - 1);
  return fmt::format("{:016x}", bits);
}

std::optional<std::string> FdinfoMask(int fd, pid_t pid) {
  const std::string path =
      pid == 0 ? fmt::format("/proc/self/fdinfo/{}", fd) : fmt::format("/proc/{}/fdinfo/{}", pid, fd);
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const std::string key = "sigmask:";
    if (line.compare(0, key.size(), key) != 0) continue;
    const auto start = line.find_first_not_of(" \t", key.size());
    return start == std::string::npos ? std::string() : line.substr(start);
  }
  return std::nullopt;
}

bool IsSignalfd(int fd) {
  char target[64] = {};
  const std::string path = fmt::format("/proc/self/fd/{}", fd);
  const ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
  return n > 0 && std::string(target, static_cast<std::size_t>(n)) == "anon_inode:[signalfd]";
}

}  // namespace ipcc::signalfd
