// pwrite(2) on sealed memfd files: F_SEAL_WRITE and F_SEAL_FUTURE_WRITE refuse it, F_SEAL_GROW refuses
// it past the end of the file.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

constexpr std::size_t kSize = 64;

IPC_CASE(memfd, pwrite, write_seal_refuses_pwrite_eperm,
         .title = "pwrite inside a file sealed with F_SEAL_WRITE fails with EPERM and changes nothing",
         .covers = {"fcntl.F_SEAL_WRITE"}, .refs = {"write(2) EPERM", "pread(2) ERRORS"},
         .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("pwrite-sealed", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds());
  EXPECT_THAT(pwrite(fd.get(), "XY", 2, 10), SyscallFailsWithErrno(EPERM)) << "pwrite at offset 10";
  EXPECT_EQ(ReadAt(fd.get(), kSize), Contents(kSize)) << "the contents must be unchanged";
}

IPC_CASE(memfd, pwrite, future_write_seal_refuses_pwrite_eperm,
         .title = "pwrite inside a file sealed with F_SEAL_FUTURE_WRITE fails with EPERM and changes nothing",
         .covers = {"fcntl.F_SEAL_FUTURE_WRITE"}, .refs = {"write(2) EPERM", "pread(2) ERRORS"},
         .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("pwrite-future", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), SyscallSucceeds());
  EXPECT_THAT(pwrite(fd.get(), "XY", 2, 10), SyscallFailsWithErrno(EPERM)) << "pwrite at offset 10";
  EXPECT_EQ(ReadAt(fd.get(), kSize), Contents(kSize)) << "the contents must be unchanged";
}

IPC_CASE(memfd, pwrite, grow_seal_refuses_pwrite_past_end_eperm,
         .title = "pwrite past the end of a file sealed with F_SEAL_GROW fails with EPERM; the size stays",
         .covers = {"fcntl.F_SEAL_GROW"}, .refs = {"write(2) EPERM", "pread(2) ERRORS"},
         .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("pwrite-grow", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(pwrite(fd.get(), "XY", 2, static_cast<off_t>(kSize + 100)), SyscallFailsWithErrno(EPERM))
      << "pwrite 100 bytes past the end of the " << kSize << "-byte file";
  EXPECT_EQ(FileSize(fd.get()), static_cast<off_t>(kSize)) << "the refused pwrite must not grow the file";
}

}  // namespace
