// read(2), pipe(7), POSIX read() on pipes: blocking, O_NONBLOCK, end-of-file, a byte stream.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

IPC_CASE(pipe, read, eof_only_after_all_writers_close,
         .title = "read returns 0 only after every write end is closed, including a child's copy",
         .covers = {"eof_after_all_writers_close"},
         .statement = "If all file descriptors referring to the write end of a pipe have been closed, then "
                      "an attempt to read(2) from the pipe will see end-of-file (read(2) will return 0).",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 read() (pipe or FIFO)"}) {
  Pipe p = MakePipe();
  // The holder keeps a copy of the write end until the parent lets it go.
  Child holder = HoldEnd(p, End::write);
  Child reader = Fork([&] {
    char c;
    EXPECT_THAT(read(p.r.get(), &c, 1), SyscallSucceedsWithValue(0));
  });
  // While the holder's copy is open, the reader cannot see end-of-file: it blocks in read.
  ExpectBlockedUntilReleased(reader, {SYS_read}, "reader", [&] {
    CheckpointPost(0);
    ExpectCleanExit(holder.Wait(), "write-end holder");
  });
}

IPC_CASE(pipe, read, empty_blocks_until_data, .title = "a blocking read of an empty pipe blocks until data is written",
         .covers = {"blocks_while_empty"},
         .statement = "If a process attempts to read from an empty pipe, then read(2) will block until data "
                      "is available.",
         .refs = {"pipe(7) I/O on pipes and FIFOs"}) {
  Pipe p = MakePipe();
  Child reader = Fork([&] {
    char buf[4] = {};
    EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(3));
    EXPECT_EQ(std::string(buf, 3), "abc");
  });
  ExpectBlockedUntilReleased(reader, {SYS_read}, "reader",
                             [&] { ASSERT_THAT(write(p.w.get(), "abc", 3), SyscallSucceedsWithValue(3)); });
}

IPC_CASE(pipe, read, nonblock_empty_fails_eagain, .title = "O_NONBLOCK read of an empty pipe fails with EAGAIN",
         .covers = {"EAGAIN"},
         .statement = "If a process attempts to read from an empty pipe and the file descriptor has "
                      "O_NONBLOCK enabled, then read(2) fails with the error EAGAIN.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 read() [EAGAIN]"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallFailsWithErrno(EAGAIN));
}

IPC_CASE(pipe, read, write_end_refuses_read_ebadf, .title = "read from the write end of a pipe fails with EBADF",
         .covers = {"EBADF", "pipe.ends_are_unidirectional"},
         .statement = "pipefd[1] refers to the write end of the pipe. On some systems (but not Linux), pipes "
                      "are bidirectional. read(2): EBADF fd is not a valid file descriptor or is not open for "
                      "reading.",
         .refs = {"pipe(2) DESCRIPTION", "pipe(7) Portability notes", "read(2) EBADF"},
         .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "x", 1), SyscallSucceedsWithValue(1));
  char c;
  // Data is buffered, so a read end would return it: only the access mode can refuse the call.
  EXPECT_THAT(read(p.w.get(), &c, 1), SyscallFailsWithErrno(EBADF));
}

IPC_CASE(pipe, read, partial_read_returns_available,
         .title = "a read asking for more than is buffered returns what is available without waiting",
         .covers = {"partial_read_returns_available"},
         .statement = "The value returned may be less than nbyte if ... the file is a pipe or FIFO ... and has "
                      "fewer than nbyte bytes immediately available for reading.",
         .refs = {"POSIX.1-2017 read() RETURN VALUE", "read(2) RETURN VALUE", "pipe(7)"}) {
  Pipe p = MakePipe();
  // The writer keeps its end open after writing, so the short read cannot be explained by end-of-file.
  Child writer = ForkWriter(p, [&] {
    ASSERT_THAT(write(p.w.get(), "12345", 5), SyscallSucceedsWithValue(5));
    CheckpointPost(0);
    CheckpointWait(1);
  });
  p.w.reset();
  CheckpointWait(0);
  char buf[100];
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(5))
      << "a read of 100 bytes with 5 buffered and the writer still open should return the 5 bytes";
  EXPECT_EQ(std::string(buf, 5), "12345");
  CheckpointPost(1);
  ExpectCleanExit(writer.Wait(), "writer");
}

IPC_CASE(pipe, read, byte_stream_has_no_message_boundaries,
         .title = "one read returns the bytes of several earlier writes (no message boundaries)",
         .covers = {"pipe7.byte_stream"},
         .statement = "The communication channel provided by a pipe is a byte stream: there is no concept of "
                      "message boundaries.",
         .refs = {"pipe(7) I/O on pipes and FIFOs"}) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ASSERT_THAT(write(p.w.get(), "def", 3), SyscallSucceedsWithValue(3));
  ASSERT_THAT(write(p.w.get(), "g", 1), SyscallSucceedsWithValue(1));
  char buf[64];
  ssize_t n = read(p.r.get(), buf, sizeof buf);
  EXPECT_THAT(n, SyscallSucceedsWithValue(7))
      << "three writes (3+3+1 bytes) were buffered; a byte stream returns all 7 to one 64-byte read, "
         "a message-preserving channel would return 3";
  if (n > 0) {
    EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)),
              std::string("abcdefg").substr(0, static_cast<std::size_t>(n)));
  }
}

IPC_CASE(pipe, read, eof_after_buffered_data_consumed,
         .title = "after the last writer closes, buffered data is still read before end-of-file",
         .covers = {"eof_after_buffered_data"},
         .statement = "Subsequent reads from the channel will return 0 (end of file) only after all "
                      "outstanding data in the channel has been consumed.",
         .refs = {"poll(2) POLLHUP", "pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 read()"}) {
  Pipe p = MakePipe();
  Child writer = ForkWriter(p, [&] { ASSERT_THAT(write(p.w.get(), "last words", 10), SyscallSucceedsWithValue(10)); });
  p.w.reset();
  ExpectCleanExit(writer.Wait(), "writer");  // every write end is now closed
  char buf[64];
  ssize_t n = read(p.r.get(), buf, sizeof buf);
  EXPECT_THAT(n, SyscallSucceedsWithValue(10)) << "the bytes written before the close must be readable";
  if (n > 0) {
    EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), "last words");
  }
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(0))
      << "once the data is consumed and no writer remains, read returns 0 (end-of-file)";
}

IPC_CASE(pipe, read, nonblock_without_writer_returns_eof,
         .title = "O_NONBLOCK read of an empty pipe with no writer returns 0, not EAGAIN",
         .covers = {"nonblock_without_writer_returns_eof"},
         .statement = "When attempting to read from an empty pipe or FIFO: If no process has the pipe open for "
                      "writing, read() shall return 0 to indicate end-of-file.",
         .refs = {"POSIX.1-2017 read() (empty pipe or FIFO)", "pipe(7) I/O on pipes and FIFOs"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  p.w.reset();
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallSucceedsWithValue(0))
      << "end-of-file takes precedence over EAGAIN when no writer remains";
}

IPC_CASE(pipe, read, zero_length_read_returns_zero, .title = "a read of 0 bytes from an empty pipe returns 0 at once",
         .covers = {"zero_length_read_returns_zero"},
         .statement = "In the absence of any errors, or if read() does not check for errors, a read() with a "
                      "count of 0 returns zero and has no other effects.",
         .refs = {"read(2) DESCRIPTION", "POSIX.1-2017 read() (nbyte is zero)"}) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "keep", 4), SyscallSucceedsWithValue(4));
  char keep[4];
  ASSERT_THAT(read(p.r.get(), keep, 4), SyscallSucceedsWithValue(4));
  // The pipe is empty and a writer exists: a read of 1 byte would block here.
  Child reader = Fork([&] {
    char buf[1];
    EXPECT_THAT(read(p.r.get(), buf, 0), SyscallSucceedsWithValue(0));
  });
  std::optional<int> status = reader.TryWait(kDefaultWait);
  if (!status) {
    ProbeResult probe = WaitUntilBlocked(reader.pid(), {SYS_read});
    if (probe.kind == ProbeResult::kBlocked) {
      FAIL() << "read(fd, buf, 0) on an empty pipe with a writer blocked in read; expected it to return 0";
    }
    ThrowHarnessError("zero-length reader neither ended nor blocked in read: " + probe.last_seen);
  }
  ExpectCleanExit(*status, "zero-length reader");
  // "No other effects": the pipe is still empty and open.
  ASSERT_THAT(write(p.w.get(), "z", 1), SyscallSucceedsWithValue(1));
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallSucceedsWithValue(1));
}

}  // namespace
