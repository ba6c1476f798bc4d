// fcntl(2) File Sealing on memfd files: F_ADD_SEALS and F_GET_SEALS, F_SEAL_SEAL, the seal set as a
// property of the inode, and the errors of the seal commands (EBADF, EBUSY, EINVAL, EPERM).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

// A new descriptor (and open file description) of the file behind fd, opened through /proc/self/fd with
// `flags` (set-up: a harness error when it cannot be opened).
UniqueFd Reopen(int fd, int flags) {
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const int again = open(path.c_str(), flags);
  if (again < 0) ThrowHarnessError("set-up: open(" + path + "): " + ErrnoName(errno));
  return UniqueFd(again);
}

// Expects F_GET_SEALS on fd to succeed with exactly `want`; `when` says at which point.
void ExpectSeals(int fd, int want, const std::string& when) {
  const int seals = fcntl(fd, F_GET_SEALS);
  EXPECT_THAT(seals, SyscallSucceedsWithValue(want))
      << when << ": expected seals " << SealNames(want) << ", F_GET_SEALS gave " << SealNames(seals);
}

IPC_CASE(memfd, fcntl, get_seals_reports_each_added_seal,
         .title = "F_GET_SEALS reports each seal as F_ADD_SEALS adds it, all five of them",
         .covers = {"F_GET_SEALS", "F_ADD_SEALS"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("each-seal", 16);
  ExpectSeals(fd.get(), 0, "before any F_ADD_SEALS");
  int want = 0;
  // F_SEAL_SEAL last: after it nothing can be added.
  for (int seal : {F_SEAL_WRITE, F_SEAL_FUTURE_WRITE, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_SEAL}) {
    ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, seal), SyscallSucceeds()) << "F_ADD_SEALS " << SealNames(seal);
    want |= seal;
    ExpectSeals(fd.get(), want, "after adding " + SealNames(seal));
  }
}

IPC_CASE(memfd, fcntl, add_seals_takes_effect_at_once,
         .title = "a seal added with F_ADD_SEALS is enforced on the very next call",
         .covers = {"F_ADD_SEALS", "F_SEAL_GROW"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("at-once", 16);
  ASSERT_THAT(ftruncate(fd.get(), 32), SyscallSucceeds()) << "growing the unsealed file";
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(ftruncate(fd.get(), 64), SyscallFailsWithErrno(EPERM)) << "growing it right after F_SEAL_GROW";
  EXPECT_EQ(FileSize(fd.get()), 32) << "the refused ftruncate must not change the size";
}

IPC_CASE(memfd, fcntl, successive_add_seals_accumulate,
         .title = "a second F_ADD_SEALS adds to the seals already set and removes none",
         .covers = {"F_ADD_SEALS", "seals_never_removed"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("accumulate", 16);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), SyscallSucceeds());
  ExpectSeals(fd.get(), F_SEAL_GROW | F_SEAL_SHRINK, "after adding F_SEAL_GROW, then F_SEAL_SHRINK");
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, 0), SyscallSucceeds()) << "F_ADD_SEALS with an empty mask";
  ExpectSeals(fd.get(), F_SEAL_GROW | F_SEAL_SHRINK, "after F_ADD_SEALS 0");
}

IPC_CASE(memfd, fcntl, adding_set_seal_again_is_noop,
         .title = "adding a seal that is already set succeeds and changes nothing",
         .covers = {"add_existing_seal_is_noop"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("again", 16);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds()) << "F_SEAL_GROW a second time";
  ExpectSeals(fd.get(), F_SEAL_GROW, "after adding F_SEAL_GROW twice");
}

IPC_CASE(memfd, fcntl, seals_kept_after_original_descriptor_closed,
         .title = "seals stay on the file when the sealing descriptor is closed and the file is reopened",
         .covers = {"seals_never_removed"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("kept", 16);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK), SyscallSucceeds());
  UniqueFd again = Reopen(fd.get(), O_RDWR);
  fd.reset();
  ExpectSeals(again.get(), F_SEAL_GROW | F_SEAL_SHRINK, "through a new descriptor, after closing the sealing one");
  EXPECT_THAT(ftruncate(again.get(), 64), SyscallFailsWithErrno(EPERM)) << "F_SEAL_GROW must still be enforced";
}

IPC_CASE(memfd, fcntl, seals_shared_by_all_open_descriptions,
         .title = "a seal added through one open file description is seen and enforced through another",
         .covers = {"seals_shared_by_all_descriptors", "F_SEAL_WRITE"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("shared-seals", 16);
  // A separate open file description of the same inode, opened before the seal.
  UniqueFd other = Reopen(fd.get(), O_RDWR);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds());
  ExpectSeals(other.get(), F_SEAL_WRITE, "through the other open file description");
  EXPECT_THAT(pwrite(other.get(), "X", 1, 0), SyscallFailsWithErrno(EPERM))
      << "a write through the other open file description of the write-sealed file";
  EXPECT_EQ(ReadAt(fd.get(), 16), Contents(16)) << "the contents must be unchanged";
}

IPC_CASE(memfd, fcntl, seal_seal_refuses_new_seals_eperm,
         .title = "after F_SEAL_SEAL, F_ADD_SEALS of another seal fails with EPERM", .covers = {"F_SEAL_SEAL", "EPERM"},
         .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("sealed-set", 16);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallFailsWithErrno(EPERM));
  ExpectSeals(fd.get(), F_SEAL_SEAL, "after the refused F_ADD_SEALS");
  EXPECT_THAT(ftruncate(fd.get(), 64), SyscallSucceeds()) << "F_SEAL_GROW was refused, so the file can still grow";
}

IPC_CASE(memfd, fcntl, seal_seal_refuses_even_set_seals_eperm,
         .title = "after F_SEAL_SEAL, even re-adding a seal already set fails with EPERM",
         .covers = {"F_SEAL_SEAL", "EPERM"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("frozen", 16);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SEAL), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallFailsWithErrno(EPERM))
      << "re-adding F_SEAL_GROW is a no-op only while F_SEAL_SEAL is not set";
  ExpectSeals(fd.get(), F_SEAL_GROW | F_SEAL_SEAL, "after the refused F_ADD_SEALS");
}

IPC_CASE(memfd, fcntl, read_only_descriptor_add_seals_fails_eperm,
         .title = "F_ADD_SEALS through a descriptor opened O_RDONLY fails with EPERM", .covers = {"EPERM"},
         .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("read-only", 16);
  UniqueFd ro = Reopen(fd.get(), O_RDONLY);
  EXPECT_THAT(fcntl(ro.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallFailsWithErrno(EPERM))
      << "placing a seal needs a writable descriptor";
  ExpectSeals(fd.get(), 0, "after the refused F_ADD_SEALS");
}

IPC_CASE(memfd, fcntl, unknown_seal_bit_fails_einval,
         .title = "F_ADD_SEALS with a bit that is no seal fails with EINVAL and adds nothing", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  UniqueFd fd = SealableFile("unknown-seal", 16);
  // Bit 12 is none of the F_SEAL_* values (0x1 to 0x10 on the page; newer kernels use 0x20).
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | 0x1000), SyscallFailsWithErrno(EINVAL))
      << "F_ADD_SEALS F_SEAL_GROW|0x1000";
  ExpectSeals(fd.get(), 0, "after the refused F_ADD_SEALS");
}

IPC_CASE(memfd, fcntl, get_seals_on_pipe_fails_einval,
         .title = "F_GET_SEALS on a pipe, which does not support sealing, fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  EXPECT_THAT(fcntl(p.r.get(), F_GET_SEALS), SyscallFailsWithErrno(EINVAL)) << "read end of a pipe";
}

IPC_CASE(memfd, fcntl, add_seals_on_pipe_fails_einval,
         .title = "F_ADD_SEALS on a pipe, which does not support sealing, fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  EXPECT_THAT(fcntl(p.w.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallFailsWithErrno(EINVAL)) << "write end of a pipe";
}

// A descriptor number that was a memfd and is now closed (nothing else runs in the process to reuse it).
int ClosedDescriptor() {
  UniqueFd fd = MakeMemfd("closed", MFD_ALLOW_SEALING);
  return fd.get();  // closed when fd goes
}

IPC_CASE(memfd, fcntl, get_seals_on_closed_descriptor_fails_ebadf,
         .title = "F_GET_SEALS on a closed descriptor number fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  const int closed = ClosedDescriptor();
  EXPECT_THAT(fcntl(closed, F_GET_SEALS), SyscallFailsWithErrno(EBADF)) << "fd " << closed << " was just closed";
}

IPC_CASE(memfd, fcntl, add_seals_on_closed_descriptor_fails_ebadf,
         .title = "F_ADD_SEALS on a closed descriptor number fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  const int closed = ClosedDescriptor();
  EXPECT_THAT(fcntl(closed, F_ADD_SEALS, F_SEAL_GROW), SyscallFailsWithErrno(EBADF))
      << "fd " << closed << " was just closed";
}

IPC_CASE(memfd, fcntl, seal_write_with_shared_writable_mapping_fails_ebusy,
         .title = "F_ADD_SEALS F_SEAL_WRITE while a shared writable mapping exists fails with EBUSY",
         .covers = {"EBUSY"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  UniqueFd fd = SealableFile("busy", page);
  Mapping m = MapOrThrow(fd.get(), page, PROT_READ | PROT_WRITE, MAP_SHARED);
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallFailsWithErrno(EBUSY))
      << "a PROT_READ|PROT_WRITE MAP_SHARED mapping of the file exists";
  ExpectSeals(fd.get(), 0, "after the refused F_SEAL_WRITE");
  EXPECT_THAT(pwrite(fd.get(), "W", 1, 0), SyscallSucceedsWithValue(1)) << "no seal was added: writes still work";
}

IPC_CASE(memfd, fcntl, seal_write_succeeds_once_mapping_is_unmapped,
         .title = "F_SEAL_WRITE refused with EBUSY for a shared writable mapping succeeds once it is unmapped",
         .covers = {"EBUSY", "F_SEAL_WRITE"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  UniqueFd fd = SealableFile("unmapped", page);
  Mapping m = MapOrThrow(fd.get(), page, PROT_READ | PROT_WRITE, MAP_SHARED);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallFailsWithErrno(EBUSY)) << "while mapped";
  m.reset();
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds()) << "after munmap of the mapping";
  ExpectSeals(fd.get(), F_SEAL_WRITE, "after F_SEAL_WRITE");
}

// F_SEAL_SEAL added by the case binds the other holder: its F_ADD_SEALS fails with EPERM.
void ExpectSealSealBinds(Holder how) {
  UniqueFd fd = SealableFile("seal-seal-holder", 16);
  InOtherHolder(
      how, fd.get(), [&] { ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL), SyscallSucceeds()); },
      [how](int held) {
        EXPECT_THAT(fcntl(held, F_ADD_SEALS, F_SEAL_GROW), SyscallFailsWithErrno(EPERM))
            << "F_ADD_SEALS in the " << HolderName(how) << " after the case added F_SEAL_SEAL";
      });
  ExpectSeals(fd.get(), F_SEAL_SEAL, "after the other holder's refused F_ADD_SEALS");
}

IPC_CASE(memfd, fcntl, seal_seal_binds_forked_child,
         .title = "F_SEAL_SEAL added after fork makes the child's F_ADD_SEALS fail with EPERM",
         .covers = {"seals_bind_forked_child", "F_SEAL_SEAL"}, .cls = Conformance::linux_specific) {
  ExpectSealSealBinds(Holder::kForkedChild);
}

IPC_CASE(memfd, fcntl, seal_seal_binds_scm_rights_receiver,
         .title = "F_SEAL_SEAL makes F_ADD_SEALS fail with EPERM in a process that got the file by SCM_RIGHTS",
         .covers = {"seals_bind_scm_rights_receiver", "F_SEAL_SEAL"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  ExpectSealSealBinds(Holder::kScmRightsReceiver);
}

}  // namespace
