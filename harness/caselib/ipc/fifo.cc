#include "harness/caselib/ipc/fifo.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/caselib/matchers.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::fifo {
namespace {

void InterruptOnly(int) {}

}  // namespace

std::string MakeFifo() {
  std::string path = TempPath("fifo");
  if (mkfifo(path.c_str(), 0600) != 0) ThrowHarnessError("set-up: mkfifo(" + path + ", 0600): " + ErrnoName(errno));
  return path;
}

UniqueFd OpenOrThrow(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags);
  if (fd < 0) ThrowHarnessError("set-up: open(" + path + ", " + std::to_string(flags) + "): " + ErrnoName(errno));
  return UniqueFd(fd);
}

Pipe OpenBothEnds(const std::string& path) {
  Pipe ends;
  ends.r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  ends.w = OpenOrThrow(path, O_WRONLY | O_NONBLOCK);
  return ends;
}

int OpenWithin(const std::string& path, int flags, std::chrono::milliseconds bound) {
  struct sigaction sa {
  }, old{};
  sa.sa_handler = InterruptOnly;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGALRM, &sa, &old) != 0) ThrowHarnessError("sigaction(SIGALRM): " + ErrnoName(errno));
  // The interval re-arms it, should the first expiry come before the call is in the kernel.
  const long us = static_cast<long>(bound.count()) * 1000;
  itimerval timer{{0, 200000}, {us / 1000000, us % 1000000}};
  if (setitimer(ITIMER_REAL, &timer, nullptr) != 0) ThrowHarnessError("setitimer: " + ErrnoName(errno));
  int fd = open(path.c_str(), flags);
  int err = errno;
  const itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigaction(SIGALRM, &old, nullptr);
  if (fd < 0 && err == EINTR) err = ETIMEDOUT;  // still blocked when the bound expired
  errno = err;
  return fd;
}

void WriteAsUnrelatedProcess(const std::string& path, const std::string& text, const std::string& who) {
  std::vector<std::string> steps = {path, "open:wronly"};
  if (!text.empty()) steps.push_back("write:" + text);
  ExpectCleanExit(SpawnFixture("fifo", steps).Wait(), who);
}

std::string ReadFromUnrelatedWriter(const std::string& path, const std::vector<std::string>& writes) {
  std::vector<std::string> steps = {path, "open:wronly"};
  for (const std::string& text : writes) steps.push_back("write:" + text);
  Child writer = SpawnFixture("fifo", steps);
  const UniqueFd r(OpenWithin(path, O_RDONLY));
  EXPECT_THAT(r.get(), SyscallSucceeds()) << "opening the read end of " << path << " for an exec'd writer";
  if (!r.valid()) return "";  // the writer, still waiting in its open, is killed with `writer`
  std::string got = pipes::ReadAll(r.get());
  ExpectCleanExit(writer.Wait(), "exec'd writer");
  return got;
}

std::string FileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) return "FIFO";
  if (S_ISREG(mode)) return "regular file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "symbolic link";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISSOCK(mode)) return "socket";
  return "unknown type";
}

bool ExpectFifoAt(const std::string& path, const std::string& what, struct stat* st) {
  struct stat seen {};
  if (stat(path.c_str(), &seen) != 0) {
    ADD_FAILURE() << "expected " << what << ", but stat " << path << " failed with " << ErrnoName(errno);
    return false;
  }
  EXPECT_TRUE(S_ISFIFO(seen.st_mode)) << "expected " << what << " (S_ISFIFO), saw a " << FileTypeName(seen.st_mode)
                                      << fmt::format(" (st_mode {:o})", seen.st_mode);
  if (st != nullptr) *st = seen;
  return true;
}

}  // namespace ipcc::fifo
