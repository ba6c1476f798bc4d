// ftruncate(2) on sealed memfd files: F_SEAL_SHRINK refuses making the file smaller, F_SEAL_GROW making it
// larger, F_SEAL_WRITE neither; in the case process and in the other holders, whichever of them sealed.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

constexpr off_t kSize = 4096;

IPC_CASE(memfd, ftruncate, shrink_seal_refuses_shrinking_eperm,
         .title = "ftruncate to a smaller size of a file sealed with F_SEAL_SHRINK fails with EPERM",
         .covers = {"fcntl.F_SEAL_SHRINK"}, .refs = {"truncate(2) EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("shrink-sealed", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), SyscallSucceeds());
  EXPECT_THAT(ftruncate(fd.get(), kSize / 2), SyscallFailsWithErrno(EPERM)) << "ftruncate to half the size";
  EXPECT_EQ(FileSize(fd.get()), kSize) << "the refused ftruncate must not change the size";
}

IPC_CASE(memfd, ftruncate, shrink_seal_allows_growing,
         .title = "ftruncate to a larger size of a file sealed with F_SEAL_SHRINK succeeds",
         .covers = {"fcntl.seal_shrink_allows_growth"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("shrink-grows", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), SyscallSucceeds());
  EXPECT_THAT(ftruncate(fd.get(), 2 * kSize), SyscallSucceeds()) << "ftruncate to twice the size";
  EXPECT_EQ(FileSize(fd.get()), 2 * kSize) << "the size after ftruncate to twice the size";
}

IPC_CASE(memfd, ftruncate, grow_seal_refuses_growing_eperm,
         .title = "ftruncate to a larger size of a file sealed with F_SEAL_GROW fails with EPERM",
         .covers = {"fcntl.F_SEAL_GROW"}, .refs = {"truncate(2) EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("grow-sealed", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(ftruncate(fd.get(), kSize + 1), SyscallFailsWithErrno(EPERM)) << "ftruncate one byte larger";
  EXPECT_EQ(FileSize(fd.get()), kSize) << "the refused ftruncate must not change the size";
}

IPC_CASE(memfd, ftruncate, grow_seal_allows_same_size_and_shrinking,
         .title = "ftruncate to the same or a smaller size of a file sealed with F_SEAL_GROW succeeds",
         .covers = {"fcntl.seal_grow_allows_same_or_smaller"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("grow-shrinks", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(ftruncate(fd.get(), kSize), SyscallSucceeds()) << "ftruncate to the current size";
  EXPECT_THAT(ftruncate(fd.get(), kSize / 2), SyscallSucceeds()) << "ftruncate to half the size";
  EXPECT_EQ(FileSize(fd.get()), kSize / 2) << "the size after ftruncate to half the size";
}

IPC_CASE(memfd, ftruncate, write_seal_allows_resizing,
         .title = "ftruncate can still shrink and grow a file sealed with F_SEAL_WRITE",
         .covers = {"fcntl.seal_write_allows_resize"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("write-resize", kSize);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds());
  EXPECT_THAT(ftruncate(fd.get(), kSize / 2), SyscallSucceeds()) << "ftruncate to half the size";
  EXPECT_EQ(FileSize(fd.get()), kSize / 2) << "the size after ftruncate to half the size of the write-sealed file";
  EXPECT_THAT(ftruncate(fd.get(), 2 * kSize), SyscallSucceeds()) << "ftruncate to twice the size";
  EXPECT_EQ(FileSize(fd.get()), 2 * kSize) << "the size after ftruncate to twice the size of the write-sealed file";
}

// `seal` added by the case binds the other holder: its ftruncate to `new_size` fails with EPERM.
void ExpectSizeSealBinds(Holder how, int seal, off_t new_size) {
  UniqueFd fd = SealableFile("size-seal-holder", kSize);
  InOtherHolder(
      how, fd.get(), [&] { ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, seal), SyscallSucceeds()) << SealNames(seal); },
      [&](int held) {
        EXPECT_THAT(ftruncate(held, new_size), SyscallFailsWithErrno(EPERM))
            << "ftruncate from " << kSize << " to " << new_size << " bytes in the " << HolderName(how)
            << " after the case added " << SealNames(seal);
      });
  EXPECT_EQ(FileSize(fd.get()), kSize) << "the refused ftruncate must not change the size";
}

IPC_CASE(memfd, ftruncate, shrink_seal_binds_forked_child,
         .title = "F_SEAL_SHRINK added after fork makes the child's shrinking ftruncate fail with EPERM",
         .covers = {"fcntl.seals_bind_forked_child", "fcntl.F_SEAL_SHRINK"}, .cls = Conformance::linux_specific) {
  ExpectSizeSealBinds(Holder::kForkedChild, F_SEAL_SHRINK, kSize / 2);
}

IPC_CASE(memfd, ftruncate, shrink_seal_binds_scm_rights_receiver,
         .title = "F_SEAL_SHRINK makes a shrinking ftruncate fail with EPERM in the SCM_RIGHTS receiver",
         .covers = {"fcntl.seals_bind_scm_rights_receiver", "fcntl.F_SEAL_SHRINK"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  ExpectSizeSealBinds(Holder::kScmRightsReceiver, F_SEAL_SHRINK, kSize / 2);
}

IPC_CASE(memfd, ftruncate, grow_seal_binds_forked_child,
         .title = "F_SEAL_GROW added after fork makes the child's growing ftruncate fail with EPERM",
         .covers = {"fcntl.seals_bind_forked_child", "fcntl.F_SEAL_GROW"}, .cls = Conformance::linux_specific) {
  ExpectSizeSealBinds(Holder::kForkedChild, F_SEAL_GROW, 2 * kSize);
}

IPC_CASE(memfd, ftruncate, grow_seal_binds_scm_rights_receiver,
         .title = "F_SEAL_GROW makes a growing ftruncate fail with EPERM in the SCM_RIGHTS receiver",
         .covers = {"fcntl.seals_bind_scm_rights_receiver", "fcntl.F_SEAL_GROW"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  ExpectSizeSealBinds(Holder::kScmRightsReceiver, F_SEAL_GROW, 2 * kSize);
}

IPC_CASE(memfd, ftruncate, grow_seal_added_by_receiver_binds_sender,
         .title = "F_SEAL_GROW added by the SCM_RIGHTS receiver makes the sender's growing ftruncate fail with EPERM",
         .covers = {"fcntl.seals_bind_scm_rights_receiver", "fcntl.F_SEAL_GROW"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  UniqueFd fd = SealableFile("receiver-seals", kSize);
  // The receiver seals; the case (the sender) checks after the receiver has ended.
  InOtherHolder(
      Holder::kScmRightsReceiver, fd.get(), [] {},
      [](int held) { ASSERT_THAT(fcntl(held, F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds()) << "in the receiver"; });
  const int seals = fcntl(fd.get(), F_GET_SEALS);
  EXPECT_THAT(seals, SyscallSucceedsWithValue(F_SEAL_GROW))
      << "the sender's F_GET_SEALS should show the receiver's seal, gave " << SealNames(seals);
  EXPECT_THAT(ftruncate(fd.get(), 2 * kSize), SyscallFailsWithErrno(EPERM)) << "the sender grows the file";
  EXPECT_EQ(FileSize(fd.get()), kSize) << "the sender's refused ftruncate must not change the size";
}

}  // namespace
