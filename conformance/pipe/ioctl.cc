// ioctl(2) FIONREAD on pipes (pipe(7) "Pipe capacity").
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

// UnreadBytes is ioctl(FIONREAD). pipe(7) documents it for either end of a pipe: a refusal (ENOTTY,
// EINVAL) from a system whose pipes work is a partial implementation, FAIL.

IPC_CASE(pipe, ioctl, fionread_counts_buffered_bytes,
         .title = "FIONREAD on the read end gives the number of unread bytes", .covers = {"FIONREAD"},
         .statement = "The following ioctl(2) operation, which can be applied to a file descriptor that refers to "
                      "either end of a pipe, places a count of the number of unread bytes in the pipe in the int "
                      "buffer pointed to by the final argument of the call: ioctl(fd, FIONREAD, &nbytes);",
         .refs = {"pipe(7) Pipe capacity (FIONREAD)", "ioctl(2)"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ASSERT_EQ(UnreadBytes(p.r.get()), 0) << "an empty pipe has no unread bytes";
  const std::string data = Pattern(5000, 13);
  ASSERT_THAT(write(p.w.get(), data.data(), 3000), SyscallSucceedsWithValue(3000));
  ASSERT_THAT(write(p.w.get(), data.data() + 3000, 2000), SyscallSucceedsWithValue(2000));
  EXPECT_EQ(UnreadBytes(p.r.get()), 5000) << "after writes of 3000 and 2000 bytes";
  ASSERT_EQ(ReadExactly(p.r.get(), 1234).size(), 1234u);
  EXPECT_EQ(UnreadBytes(p.r.get()), 5000 - 1234) << "after reading 1234 of the 5000 bytes";
}

IPC_CASE(pipe, ioctl, fionread_on_write_end, .title = "FIONREAD on the write end also gives the number of unread bytes",
         .covers = {"FIONREAD"},
         .statement = "The following ioctl(2) operation, which can be applied to a file descriptor that refers to "
                      "either end of a pipe, places a count of the number of unread bytes in the pipe in the int "
                      "buffer pointed to by the final argument of the call.",
         .refs = {"pipe(7) Pipe capacity (FIONREAD)", "ioctl(2)"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "0123456789", 10), SyscallSucceedsWithValue(10));
  EXPECT_EQ(UnreadBytes(p.w.get()), 10) << "FIONREAD on the write end with 10 bytes buffered";
}

IPC_CASE(pipe, ioctl, fionread_sees_other_process_writes,
         .title = "FIONREAD counts bytes another process wrote and has not had read", .covers = {"FIONREAD"},
         .statement = "The following ioctl(2) operation ... places a count of the number of unread bytes in the "
                      "pipe in the int buffer pointed to by the final argument of the call.",
         .refs = {"pipe(7) Pipe capacity (FIONREAD)", "ioctl(2)"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  Child writer = ForkWriter(p, [&] {
    const std::string data = Pattern(10000, 14);
    ASSERT_THAT(write(p.w.get(), data.data(), data.size()), SyscallSucceedsWithValue(10000));
  });
  p.w.reset();
  ExpectCleanExit(writer.Wait(), "writer");
  EXPECT_EQ(UnreadBytes(p.r.get()), 10000) << "the writer process wrote 10000 bytes and exited";
}

}  // namespace
