// fallocate(2) on sealed memfd files: F_SEAL_GROW refuses allocating past the end, F_SEAL_WRITE refuses
// punching a hole.
#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

IPC_CASE(memfd, fallocate, grow_seal_refuses_allocating_past_end_eperm,
         .title = "fallocate past the end of a file sealed with F_SEAL_GROW fails with EPERM; the size stays",
         .covers = {"fcntl.F_SEAL_GROW"}, .refs = {"fallocate(2) EPERM"}, .cls = Conformance::linux_specific) {
  const off_t size = static_cast<off_t>(PageSize());
  UniqueFd fd = SealableFile("fallocate-grow", static_cast<std::size_t>(size));
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(fallocate(fd.get(), 0, 0, 2 * size), SyscallFailsWithErrno(EPERM))
      << "fallocate mode 0 of twice the file's size";
  EXPECT_EQ(FileSize(fd.get()), size) << "the refused fallocate must not grow the file";
}

IPC_CASE(memfd, fallocate, grow_seal_allows_allocating_inside_file,
         .title = "fallocate inside the size of a file sealed with F_SEAL_GROW succeeds",
         .covers = {"fcntl.seal_grow_allows_same_or_smaller"}, .cls = Conformance::linux_specific) {
  const off_t size = 2 * static_cast<off_t>(PageSize());
  UniqueFd fd = SealableFile("fallocate-inside", static_cast<std::size_t>(size));
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(fallocate(fd.get(), 0, 0, size), SyscallSucceeds()) << "fallocate mode 0 of exactly the file's size";
  EXPECT_EQ(FileSize(fd.get()), size) << "fallocate inside the file must leave its size as it was";
}

IPC_CASE(memfd, fallocate, write_seal_refuses_punch_hole_eperm,
         .title = "fallocate FALLOC_FL_PUNCH_HOLE on a file sealed with F_SEAL_WRITE fails with EPERM",
         .covers = {"fcntl.F_SEAL_WRITE"}, .refs = {"fallocate(2) EPERM"}, .cls = Conformance::linux_specific) {
  const std::size_t size = 2 * PageSize();
  UniqueFd fd = SealableFile("punch-hole", size);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds());
  EXPECT_THAT(fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(PageSize())),
              SyscallFailsWithErrno(EPERM))
      << "punching a hole in the first page";
  EXPECT_EQ(ReadAt(fd.get(), size), Contents(size)) << "the contents must be unchanged (no zeroed hole)";
}

}  // namespace
