// write(2) on sealed memfd files: F_SEAL_WRITE and F_SEAL_FUTURE_WRITE refuse it, F_SEAL_GROW refuses it
// past the end, F_SEAL_SHRINK lets it extend the file; in the case process and in the other holders.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

constexpr std::size_t kSize = 64;

IPC_CASE(memfd, write, write_seal_refuses_write_eperm,
         .title = "write to a file sealed with F_SEAL_WRITE fails with EPERM and changes nothing",
         .covers = {"fcntl.F_SEAL_WRITE"}, .refs = {"write(2) EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("write-sealed", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds());
  EXPECT_THAT(write(fd.get(), "XY", 2), SyscallFailsWithErrno(EPERM)) << "write at offset 0 of the write-sealed file";
  EXPECT_EQ(ReadAt(fd.get(), kSize), Contents(kSize)) << "the contents must be unchanged";
}

IPC_CASE(memfd, write, future_write_seal_refuses_write_eperm,
         .title = "write to a file sealed with F_SEAL_FUTURE_WRITE fails with EPERM and changes nothing",
         .covers = {"fcntl.F_SEAL_FUTURE_WRITE"}, .refs = {"write(2) EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("future-sealed", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), SyscallSucceeds());
  EXPECT_THAT(write(fd.get(), "XY", 2), SyscallFailsWithErrno(EPERM))
      << "write at offset 0 of the file sealed with F_SEAL_FUTURE_WRITE";
  EXPECT_EQ(ReadAt(fd.get(), kSize), Contents(kSize)) << "the contents must be unchanged";
}

IPC_CASE(memfd, write, grow_seal_refuses_write_at_end_eperm,
         .title = "write at the end of a file sealed with F_SEAL_GROW fails with EPERM; the size stays",
         .covers = {"fcntl.F_SEAL_GROW"}, .refs = {"write(2) EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("grow-sealed", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  ASSERT_THAT(lseek(fd.get(), 0, SEEK_END), SyscallSucceedsWithValue(static_cast<off_t>(kSize)));
  EXPECT_THAT(write(fd.get(), "XY", 2), SyscallFailsWithErrno(EPERM)) << "write at the end of the file";
  EXPECT_EQ(FileSize(fd.get()), static_cast<off_t>(kSize)) << "the refused write must not grow the file";
}

IPC_CASE(memfd, write, grow_seal_allows_write_inside_file,
         .title = "write inside the current size of a file sealed with F_SEAL_GROW succeeds",
         .covers = {"fcntl.seal_grow_allows_same_or_smaller"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("grow-inside", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(write(fd.get(), "XY", 2), SyscallSucceedsWithValue(2)) << "write of 2 bytes at offset 0";
  EXPECT_EQ(ReadAt(fd.get(), 4), "XYcd") << "the bytes written should be in the file";
  EXPECT_EQ(FileSize(fd.get()), static_cast<off_t>(kSize)) << "the size is unchanged";
}

IPC_CASE(memfd, write, shrink_seal_allows_write_extending_file,
         .title = "write at the end of a file sealed with F_SEAL_SHRINK succeeds and grows it",
         .covers = {"fcntl.seal_shrink_allows_growth"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("shrink-extend", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), SyscallSucceeds());
  ASSERT_THAT(lseek(fd.get(), 0, SEEK_END), SyscallSucceedsWithValue(static_cast<off_t>(kSize)));
  EXPECT_THAT(write(fd.get(), "XY", 2), SyscallSucceedsWithValue(2)) << "write at the end of the file";
  EXPECT_EQ(FileSize(fd.get()), static_cast<off_t>(kSize + 2)) << "the write should have grown the file";
}

// F_SEAL_WRITE added by the case binds the other holder: its write fails with EPERM.
void ExpectWriteSealBinds(Holder how) {
  UniqueFd fd = SealableFile("write-seal-holder", kSize);
  InOtherHolder(
      how, fd.get(), [&] { ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds()); },
      [how](int held) {
        EXPECT_THAT(write(held, "XY", 2), SyscallFailsWithErrno(EPERM))
            << "write in the " << HolderName(how) << " after the case added F_SEAL_WRITE";
      });
  EXPECT_EQ(ReadAt(fd.get(), kSize), Contents(kSize)) << "the contents must be unchanged";
}

IPC_CASE(memfd, write, write_seal_binds_forked_child,
         .title = "F_SEAL_WRITE added after fork makes the child's write fail with EPERM",
         .covers = {"fcntl.seals_bind_forked_child", "fcntl.F_SEAL_WRITE"}, .cls = Conformance::linux_specific) {
  ExpectWriteSealBinds(Holder::kForkedChild);
}

IPC_CASE(memfd, write, write_seal_binds_scm_rights_receiver,
         .title = "F_SEAL_WRITE makes write fail with EPERM in a process that got the file by SCM_RIGHTS",
         .covers = {"fcntl.seals_bind_scm_rights_receiver", "fcntl.F_SEAL_WRITE"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  ExpectWriteSealBinds(Holder::kScmRightsReceiver);
}

}  // namespace
