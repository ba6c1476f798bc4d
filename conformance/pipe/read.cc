// pipe(7), pipe(2), read(2): reading from pipes.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/harness.h"

namespace {

using namespace ipcc;
using ::testing::Eq;

struct Pipe {
  UniqueFd r, w;
};

Pipe MakePipe(int flags = 0) {
  int fds[2];
  if (pipe2(fds, flags) != 0) ThrowHarnessError("pipe2: " + ErrnoName(errno));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

IPC_CASE(pipe, read, eof_only_after_all_writers_close,
         .title = "read returns 0 only after every write end is closed, including a child's copy",
         .statement = "If all file descriptors referring to the write end of a pipe have been closed, then "
                      "an attempt to read(2) from the pipe will see end-of-file (read(2) will return 0).",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 read() (pipe or FIFO)"}) {
  Pipe p = MakePipe();
  // The child holds a copy of the write end until the parent lets it go.
  Child holder = Fork([&] {
    p.r.reset();
    CheckpointWait(0);
  });
  p.w.reset();
  Child reader = Fork([&] {
    char c;
    EXPECT_THAT(read(p.r.get(), &c, 1), SyscallSucceedsWithValue(0));
  });
  // While the child's copy is open, the reader cannot see end-of-file: it blocks in read.
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  CheckpointPost(0);
  ExpectCleanExit(holder.Wait(), "write-end holder");
  ExpectCleanExit(reader.Wait(), "reader");
}

IPC_CASE(pipe, read, empty_blocks_until_data,
         .title = "a blocking read of an empty pipe blocks until data is written",
         .statement = "If a process attempts to read from an empty pipe, then read(2) will block until data "
                      "is available.",
         .refs = {"pipe(7) I/O on pipes and FIFOs"}) {
  Pipe p = MakePipe();
  Child reader = Fork([&] {
    char buf[4] = {};
    EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(3));
    EXPECT_EQ(std::string(buf, 3), "abc");
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  ASSERT_THAT(write(p.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ExpectCleanExit(reader.Wait(), "reader");
}

IPC_CASE(pipe, read, nonblock_empty_fails_eagain,
         .title = "O_NONBLOCK read of an empty pipe fails with EAGAIN",
         .statement = "If a process attempts to read from an empty pipe and the file descriptor has "
                      "O_NONBLOCK enabled, then read(2) fails with the error EAGAIN.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 read() [EAGAIN]"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallFailsWithErrno(EAGAIN));
}

}  // namespace
