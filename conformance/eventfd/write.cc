// eventfd(2) write(2): adding to the counter, its maximum, and the writes that block or are refused.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/eventfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::eventfd;

IPC_CASE(eventfd, write, adds_value_to_counter, .title = "writes of 1, 2, 4, 7 and 14 add up to a counter of 28",
         .covers = {"adds_value"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  for (const std::uint64_t v : {1u, 2u, 4u, 7u, 14u}) {
    EXPECT_THAT(write(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8)) << "write of " << v;
  }
  ExpectReads(fd.get(), 28, "the read after writes of 1, 2, 4, 7 and 14");
}

IPC_CASE(eventfd, write, adds_to_initval, .title = "a write adds to the initial value: eventfd(10) plus 5 reads 15",
         .covers = {"adds_value", "eventfd.initval_sets_counter"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(10, EFD_NONBLOCK);
  const std::uint64_t v = 5;
  EXPECT_THAT(write(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8));
  ExpectReads(fd.get(), 15, "the read after eventfd(10, ...) and a write of 5");
}

IPC_CASE(eventfd, write, counter_reaches_max_value,
         .title = "a write that brings the counter to exactly 0xfffffffffffffffe succeeds at once",
         .covers = {"max_value_storable"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(1, EFD_NONBLOCK);
  const std::uint64_t v = kMaxCounter - 1;
  ExpectReturnsWithin("write of 0xfffffffffffffffd to the counter 1", [&] {
    EXPECT_THAT(write(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8))
        << "1 + 0xfffffffffffffffd is the documented maximum, 0xfffffffffffffffe";
  });
  ExpectReads(fd.get(), kMaxCounter, "the read of the counter at its maximum");
}

IPC_CASE(eventfd, write, all_ones_fails_einval,
         .title = "a write of 0xffffffffffffffff fails with EINVAL, even to a zero counter", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  const std::uint64_t v = kAllOnes;
  ExpectReturnsWithin("write of 0xffffffffffffffff",
                      [&] { EXPECT_THAT(write(fd.get(), &v, sizeof v), SyscallFailsWithErrno(EINVAL)); });
  ExpectZero(fd.get(), "the counter after the refused write");
}

IPC_CASE(eventfd, write, buffer_smaller_than_8_bytes_fails_einval,
         .title = "a write with a buffer of 0 to 7 bytes fails with EINVAL and adds nothing", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  const unsigned char buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  for (std::size_t size = 0; size < 8; ++size) {
    EXPECT_THAT(write(fd.get(), buf, size), SyscallFailsWithErrno(EINVAL)) << "write of " << size << " bytes";
  }
  ExpectZero(fd.get(), "the counter after the refused short writes");
}

IPC_CASE(eventfd, write, nonblock_past_max_fails_eagain,
         .title = "a nonblocking write that would take the counter past 0xfffffffffffffffe fails with EAGAIN",
         .covers = {"EAGAIN", "eventfd.EFD_NONBLOCK"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  Add(fd.get(), kMaxCounter - 1);
  const std::uint64_t two = 2;
  // Bounded: a system that ignored EFD_NONBLOCK would block here for good.
  ExpectReturnsWithin("write of 2 to the EFD_NONBLOCK counter 0xfffffffffffffffd", [&] {
    EXPECT_THAT(write(fd.get(), &two, sizeof two), SyscallFailsWithErrno(EAGAIN))
        << "0xfffffffffffffffd + 2 passes the maximum";
  });
  ExpectReads(fd.get(), kMaxCounter - 1, "the counter after the refused write");
}

IPC_CASE(eventfd, write, fcntl_nonblock_at_max_fails_eagain,
         .title = "a write of 1 to a counter at its maximum, made nonblocking with fcntl, fails with EAGAIN",
         .covers = {"EAGAIN"}, .refs = {"fcntl(2) F_SETFL"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, 0);
  Add(fd.get(), kMaxCounter);
  SetNonblock(fd.get(), true);
  const std::uint64_t one = 1;
  ExpectReturnsWithin("write of 1 to the counter 0xfffffffffffffffe after fcntl(F_SETFL, O_NONBLOCK)",
                      [&] { EXPECT_THAT(write(fd.get(), &one, sizeof one), SyscallFailsWithErrno(EAGAIN)); });
}

IPC_CASE(eventfd, write, past_max_blocks_until_read,
         .title = "a blocking write that would pass 0xfffffffffffffffe waits until a read, then adds its value",
         .covers = {"blocks_past_max"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_CLOEXEC);
  Add(fd.get(), kMaxCounter);
  Child writer = Fork([&] {
    const std::uint64_t v = 5;
    EXPECT_THAT(write(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8));
  });
  IPCC_ASSERT_BLOCKED(writer.pid(), SYS_write);
  std::string text;
  EXPECT_EQ(FdinfoCount(getpid(), fd.get(), &text), std::optional<std::uint64_t>(kMaxCounter))
      << "while the writer is blocked the counter must still be at its maximum; fdinfo:\n"
      << text;
  ExpectReads(fd.get(), kMaxCounter, "the read that makes room");
  if (!ExpectReleased(writer, "writer blocked in write at the maximum, after the parent's read")) return;
  ExpectReads(fd.get(), 5, "the counter after the released write of 5");
}

}  // namespace
