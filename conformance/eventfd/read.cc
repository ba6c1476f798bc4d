// eventfd(2) read(2): what a read of the counter returns and does to it, in plain and semaphore mode,
// nonblocking and blocking, and after an overflow.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/eventfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::eventfd;

IPC_CASE(eventfd, read, returns_counter_and_resets_to_zero,
         .title = "a read of a nonzero counter returns its whole value and sets it to 0",
         .covers = {"returns_counter_and_resets"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  Add(fd.get(), 3);
  Add(fd.get(), 39);
  std::uint64_t v = 0;
  ASSERT_THAT(read(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8));
  EXPECT_EQ(v, 42u) << "the read after writes of 3 and 39 should return the whole counter";
  EXPECT_THAT(read(fd.get(), &v, sizeof v), SyscallFailsWithErrno(EAGAIN))
      << "the counter should be 0 after the read (a nonblocking read of 0 fails with EAGAIN)";
}

IPC_CASE(eventfd, read, transfers_8_bytes_into_larger_buffer,
         .title = "a read with a 16-byte buffer transfers exactly 8 bytes and leaves the rest of the buffer alone",
         .covers = {"transfers_8_bytes"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0x55, EFD_NONBLOCK);
  unsigned char buf[16];
  std::memset(buf, 0xA5, sizeof buf);
  ASSERT_THAT(read(fd.get(), buf, sizeof buf), SyscallSucceedsWithValue(8)) << "read(fd, buf, 16)";
  for (std::size_t i = 8; i < sizeof buf; ++i) {
    EXPECT_EQ(buf[i], 0xA5) << "byte " << i << " of the buffer, past the 8 bytes of the counter, was changed";
  }
}

IPC_CASE(eventfd, read, value_in_host_byte_order,
         .title = "the 8 bytes a read returns are the counter in the host's native byte order",
         .covers = {"host_byte_order"}, .cls = Conformance::linux_specific) {
  // initval is an int argument, so it reaches the counter without any byte order of its own.
  const UniqueFd fd = Make(0x01020304, EFD_NONBLOCK);
  unsigned char buf[8] = {};
  ASSERT_THAT(read(fd.get(), buf, sizeof buf), SyscallSucceedsWithValue(8));
  const std::uint64_t want = 0x01020304;
  unsigned char native[8];
  std::memcpy(native, &want, sizeof native);
  for (std::size_t i = 0; i < sizeof buf; ++i) {
    EXPECT_EQ(buf[i], native[i]) << "byte " << i << " of the value read from eventfd(0x01020304): the host's own "
                                 << "representation of 0x01020304 has 0x" << std::hex << int{native[i]} << " there";
  }
}

IPC_CASE(eventfd, read, buffer_smaller_than_8_bytes_fails_einval,
         .title = "a read with a buffer of 0 to 7 bytes fails with EINVAL and leaves the counter", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(9, EFD_NONBLOCK);
  unsigned char buf[8];
  for (std::size_t size = 0; size < 8; ++size) {
    EXPECT_THAT(read(fd.get(), buf, size), SyscallFailsWithErrno(EINVAL)) << "read of " << size << " bytes";
  }
  ExpectReads(fd.get(), 9, "an 8-byte read after the refused short reads");
}

IPC_CASE(eventfd, read, nonblock_zero_counter_fails_eagain,
         .title = "a read of a zero counter made with EFD_NONBLOCK fails with EAGAIN",
         .covers = {"EAGAIN", "eventfd.EFD_NONBLOCK"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  // Bounded: a system that ignored EFD_NONBLOCK would block here for good.
  ExpectReturnsWithin("read of the zero EFD_NONBLOCK counter", [&] {
    std::uint64_t v = 0;
    EXPECT_THAT(read(fd.get(), &v, sizeof v), SyscallFailsWithErrno(EAGAIN));
  });
}

IPC_CASE(eventfd, read, fcntl_nonblock_zero_counter_fails_eagain,
         .title = "a read of a zero counter whose descriptor was made nonblocking with fcntl fails with EAGAIN",
         .covers = {"EAGAIN"}, .refs = {"fcntl(2) F_SETFL"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, 0);
  SetNonblock(fd.get(), true);
  ExpectReturnsWithin("read of the zero counter after fcntl(F_SETFL, O_NONBLOCK)", [&] {
    std::uint64_t v = 0;
    EXPECT_THAT(read(fd.get(), &v, sizeof v), SyscallFailsWithErrno(EAGAIN));
  });
}

IPC_CASE(eventfd, read, semaphore_returns_one_and_decrements,
         .title = "with EFD_SEMAPHORE a read of the counter 3 returns 1 and leaves 2",
         .covers = {"eventfd.EFD_SEMAPHORE"}, .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
  ASSERT_THAT(fd, SyscallSucceeds()) << "eventfd(3, EFD_SEMAPHORE|EFD_NONBLOCK)";
  const UniqueFd owner(fd);
  std::uint64_t v = 0;
  ASSERT_THAT(read(fd, &v, sizeof v), SyscallSucceedsWithValue(8));
  EXPECT_EQ(v, 1u) << "a semaphore-mode read returns 1, not the counter (3)";
  std::string text;
  EXPECT_EQ(FdinfoCount(getpid(), fd, &text), std::optional<std::uint64_t>(2))
      << "the counter (fdinfo eventfd-count) after one semaphore-mode read of 3; fdinfo:\n"
      << text;
}

IPC_CASE(eventfd, read, semaphore_counts_down_to_zero,
         .title = "with EFD_SEMAPHORE the counter 3 gives three reads of 1, then a nonblocking read fails EAGAIN",
         .covers = {"eventfd.EFD_SEMAPHORE", "EAGAIN"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_SEMAPHORE | EFD_NONBLOCK);
  Add(fd.get(), 3);
  for (int i = 1; i <= 3; ++i) {
    std::uint64_t v = 0;
    ASSERT_THAT(read(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8)) << "read " << i << " of 3";
    EXPECT_EQ(v, 1u) << "semaphore-mode read " << i << " of the counter written as 3";
  }
  std::uint64_t v = 0;
  EXPECT_THAT(read(fd.get(), &v, sizeof v), SyscallFailsWithErrno(EAGAIN))
      << "three reads of 1 should have brought the counter from 3 to 0";
}

IPC_CASE(eventfd, read, blocks_while_zero_until_write,
         .title = "a blocking read of a zero counter waits until another process writes, then returns that value",
         .covers = {"blocks_while_zero"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_CLOEXEC);
  Child reader = Fork([&] {
    std::uint64_t v = 0;
    ASSERT_THAT(read(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8));
    EXPECT_EQ(v, 6u) << "the blocked read should return what the parent wrote";
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  Add(fd.get(), 6);
  ExpectReleased(reader, "reader blocked in read on the zero counter, after the parent wrote 6");
  ExpectZero(fd.get(), "the counter after the released read");
}

IPC_CASE(eventfd, read, semaphore_read_blocks_until_write,
         .title = "a blocking EFD_SEMAPHORE read of a zero counter waits for a write of 3, returns 1 and leaves 2",
         .covers = {"blocks_while_zero", "eventfd.EFD_SEMAPHORE"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_SEMAPHORE | EFD_CLOEXEC);
  Child reader = Fork([&] {
    std::uint64_t v = 0;
    ASSERT_THAT(read(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8));
    EXPECT_EQ(v, 1u) << "a released semaphore-mode read returns 1";
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  Add(fd.get(), 3);
  if (!ExpectReleased(reader, "reader blocked in a semaphore-mode read, after the parent wrote 3")) return;
  std::string text;
  EXPECT_EQ(FdinfoCount(getpid(), fd.get(), &text), std::optional<std::uint64_t>(2))
      << "the counter (fdinfo eventfd-count) after the released read took 1 of 3; fdinfo:\n"
      << text;
}

IPC_CASE(eventfd, read, overflowed_counter_reads_all_ones,
         .title = "after a kernel AIO post overflows the counter, a read returns 0xffffffffffffffff",
         .covers = {"overflow_reads_all_ones"}, .refs = {"io_submit(2) IOCB_FLAG_RESFD"},
         .cls = Conformance::linux_specific, .needs = need::KernelConfig("CONFIG_AIO"),
         .raw_syscalls = "io_setup, io_submit, io_getevents, io_destroy: Linux AIO, which glibc does not wrap, is "
                         "the only way the page gives to overflow the counter (IOCB_FLAG_RESFD posts to the eventfd)") {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  Overflow(fd.get());
  std::uint64_t v = 0;
  ASSERT_THAT(read(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8));
  EXPECT_EQ(v, kAllOnes) << "read of the overflowed counter gave " << Hex(v);
}

}  // namespace
