// open(2) with O_TRUNC of a memfd file sealed with F_SEAL_SHRINK (reached through /proc/self/fd/<fd>).
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

constexpr off_t kSize = 4096;

IPC_CASE(memfd, open, shrink_seal_refuses_o_trunc_eperm,
         .title = "open with O_TRUNC of a non-empty file sealed with F_SEAL_SHRINK fails with EPERM",
         .covers = {"fcntl.F_SEAL_SHRINK"}, .refs = {"open(2) EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("o-trunc", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), SyscallSucceeds());
  const std::string path = "/proc/self/fd/" + std::to_string(fd.get());
  const int again = open(path.c_str(), O_RDWR | O_TRUNC);
  const UniqueFd owner(again);
  EXPECT_THAT(again, SyscallFailsWithErrno(EPERM))
      << "open(" << path << ", O_RDWR|O_TRUNC) of a " << kSize << "-byte file";
  EXPECT_EQ(FileSize(fd.get()), kSize) << "the refused open must not truncate the file";
}

}  // namespace
