// truncate(2) by path (/proc/self/fd/<fd>) on sealed memfd files: F_SEAL_SHRINK refuses making the file
// smaller, F_SEAL_GROW making it larger.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

constexpr off_t kSize = 4096;

// The path truncate(2) reaches the memfd by: it has no name in any directory.
std::string ProcPath(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

IPC_CASE(memfd, truncate, shrink_seal_refuses_shrinking_eperm,
         .title = "truncate to a smaller size of a file sealed with F_SEAL_SHRINK fails with EPERM",
         .covers = {"fcntl.F_SEAL_SHRINK"}, .refs = {"truncate(2) EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("truncate-shrink", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), SyscallSucceeds());
  EXPECT_THAT(truncate(ProcPath(fd.get()).c_str(), kSize / 2), SyscallFailsWithErrno(EPERM))
      << "truncate(" << ProcPath(fd.get()) << ") to half the size";
  EXPECT_EQ(FileSize(fd.get()), kSize) << "the refused truncate must not change the size";
}

IPC_CASE(memfd, truncate, grow_seal_refuses_growing_eperm,
         .title = "truncate to a larger size of a file sealed with F_SEAL_GROW fails with EPERM",
         .covers = {"fcntl.F_SEAL_GROW"}, .refs = {"truncate(2) EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("truncate-grow", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(truncate(ProcPath(fd.get()).c_str(), 2 * kSize), SyscallFailsWithErrno(EPERM))
      << "truncate(" << ProcPath(fd.get()) << ") to twice the size";
  EXPECT_EQ(FileSize(fd.get()), kSize) << "the refused truncate must not change the size";
}

}  // namespace
