// write(2), pipe(7), POSIX write() on pipes: ordering, SIGPIPE/EPIPE, PIPE_BUF atomicity, full pipes.
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

IPC_CASE(pipe, write, read_end_refuses_write_ebadf, .title = "write to the read end of a pipe fails with EBADF",
         .covers = {"EBADF", "pipe.ends_are_unidirectional"},
         .statement = "pipefd[0] refers to the read end of the pipe. On some systems (but not Linux), pipes "
                      "are bidirectional. write(2): EBADF fd is not a valid file descriptor or is not open for "
                      "writing.",
         .refs = {"pipe(2) DESCRIPTION", "pipe(7) Portability notes", "write(2) EBADF"},
         .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  EXPECT_THAT(write(p.r.get(), "x", 1), SyscallFailsWithErrno(EBADF));
  // Nothing reached the pipe through the read end.
  SetNonblock(p.r.get(), true);
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallFailsWithErrno(EAGAIN))
      << "the refused write must not have put a byte into the pipe";
}

IPC_CASE(pipe, write, bytes_arrive_in_order, .title = "bytes of successive writes are read back in the order written",
         .covers = {"bytes_arrive_in_order", "pipe7.byte_stream"},
         .statement = "Data written to the write end of the pipe is buffered by the kernel until it is read "
                      "from the read end of the pipe. Pipes and FIFOs (First In First Out) provide a "
                      "unidirectional interprocess communication channel.",
         .refs = {"pipe(2) DESCRIPTION", "pipe(7) DESCRIPTION", "POSIX.1-2017 write() (pipe or FIFO)"}) {
  Pipe p = MakePipe();
  const std::string data = Pattern(3000, 1);
  // Writes of uneven sizes, read back with reads of other uneven sizes.
  std::size_t off = 0;
  for (std::size_t size : {1u, 7u, 500u, 1u, 1491u, 1000u}) {
    ASSERT_THAT(write(p.w.get(), data.data() + off, size), SyscallSucceedsWithValue(static_cast<ssize_t>(size)));
    off += size;
  }
  ASSERT_EQ(off, data.size());
  std::string got;
  for (std::size_t size : {3u, 1000u, 13u, 1984u}) got += ReadExactly(p.r.get(), size);
  ExpectSameBytes(got, data, "the bytes read back, in reads of other sizes");
}

IPC_CASE(pipe, write, bytes_arrive_in_order_across_processes,
         .title = "a child's stream of writes reaches the parent complete and in order",
         .covers = {"bytes_arrive_in_order", "blocks_while_full"},
         .statement = "Pipes can be used to create a communication channel between related processes. Data "
                      "written to the write end of the pipe is buffered by the kernel until it is read from the "
                      "read end of the pipe.",
         .refs = {"pipe(7) DESCRIPTION", "pipe(2) DESCRIPTION", "POSIX.1-2017 write() (pipe or FIFO)"}) {
  Pipe p = MakePipe();
  // Several times the pipe's capacity, so the writer blocks and resumes many times.
  const std::string data = Pattern(300000, 2);
  Child writer = ForkWriter(p, [&] {
    const std::size_t sizes[] = {1, 3, 4096, 17, 70000, 511, 4097, 65536, 2, 12345};
    std::size_t off = 0;
    for (std::size_t i = 0; off < data.size(); ++i) {
      const std::size_t size = std::min(sizes[i % std::size(sizes)], data.size() - off);
      ASSERT_THAT(write(p.w.get(), data.data() + off, size), SyscallSucceedsWithValue(static_cast<ssize_t>(size)))
          << "blocking write of " << size << " bytes at offset " << off;
      off += size;
    }
  });
  p.w.reset();
  const std::string got = ReadAll(p.r.get());
  ExpectCleanExit(writer.Wait(), "writer");
  ExpectSameBytes(got, data, "the parent's reads of the child's writes");
}

IPC_CASE(pipe, write, no_reader_raises_sigpipe,
         .title = "a write with no reader left kills the writer with SIGPIPE (default action)",
         .covers = {"sigpipe_without_reader"},
         .statement = "If all file descriptors referring to the read end of a pipe have been closed, then a "
                      "write(2) will cause a SIGPIPE signal to be generated for the calling process.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "signal(7) SIGPIPE (Term)", "POSIX.1-2017 write() [EPIPE]"}) {
  Child writer = ForkWriterWithoutReader([](int w) {
    signal(SIGPIPE, SIG_DFL);
    ssize_t n = write(w, "x", 1);
    ADD_FAILURE() << "the writer survived its write to a pipe without readers; write returned " << n
                  << (n < 0 ? " (" + ErrnoName(errno) + ")" : std::string());
  });
  ExpectKilledBy(writer.Wait(), SIGPIPE, "the writer to a pipe without readers");
}

IPC_CASE(pipe, write, no_reader_sigpipe_ignored_fails_epipe,
         .title = "with SIGPIPE ignored, a write with no reader fails with EPIPE", .covers = {"EPIPE"},
         .statement = "If the calling process is ignoring this signal, then write(2) fails with the error EPIPE.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "write(2) EPIPE", "POSIX.1-2017 write() [EPIPE]"}) {
  Child writer = ForkWriterWithoutReader([](int w) {
    signal(SIGPIPE, SIG_IGN);
    EXPECT_THAT(write(w, "x", 1), SyscallFailsWithErrno(EPIPE));
  });
  ExpectCleanExit(writer.Wait(), "writer ignoring SIGPIPE");
}

volatile sig_atomic_t g_caught_signal = 0;
void RecordSignal(int sig) {
  g_caught_signal = sig;
}

IPC_CASE(pipe, write, no_reader_sigpipe_handled_fails_epipe,
         .title = "with a SIGPIPE handler, a write with no reader runs the handler and fails with EPIPE",
         .covers = {"EPIPE", "sigpipe_without_reader"},
         .statement = "EPIPE fd is connected to a pipe or socket whose reading end is closed. When this happens "
                      "the writing process will also receive a SIGPIPE signal. (Thus, the write return value is "
                      "seen only if the program catches, blocks or ignores this signal.)",
         .refs = {"write(2) EPIPE", "pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 write() [EPIPE]"}) {
  Child writer = ForkWriterWithoutReader([](int w) {
    struct sigaction sa {};
    sa.sa_handler = RecordSignal;
    sigemptyset(&sa.sa_mask);
    ASSERT_THAT(sigaction(SIGPIPE, &sa, nullptr), SyscallSucceeds());
    g_caught_signal = 0;
    EXPECT_THAT(write(w, "x", 1), SyscallFailsWithErrno(EPIPE));
    EXPECT_EQ(g_caught_signal, SIGPIPE) << "the SIGPIPE handler should have run for the write ("
                                        << (g_caught_signal == 0 ? std::string("no signal was caught")
                                                                 : "caught " + SignalName(g_caught_signal))
                                        << ")";
  });
  ExpectCleanExit(writer.Wait(), "writer handling SIGPIPE");
}

IPC_CASE(pipe, write, no_reader_sigpipe_blocked_fails_epipe_and_pending,
         .title = "with SIGPIPE blocked, a write with no reader fails with EPIPE and leaves SIGPIPE pending",
         .covers = {"EPIPE", "sigpipe_without_reader"},
         .statement = "[EPIPE] An attempt is made to write to a pipe or FIFO that is not open for reading by any "
                      "process ... A SIGPIPE signal shall also be sent to the thread.",
         .refs = {"POSIX.1-2017 write() [EPIPE]", "write(2) EPIPE", "pipe(7) I/O on pipes and FIFOs"}) {
  Child writer = ForkWriterWithoutReader([](int w) {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    ASSERT_THAT(sigprocmask(SIG_BLOCK, &block, nullptr), SyscallSucceeds());
    EXPECT_THAT(write(w, "x", 1), SyscallFailsWithErrno(EPIPE));
    sigset_t pending;
    sigemptyset(&pending);
    ASSERT_THAT(sigpending(&pending), SyscallSucceeds());
    EXPECT_EQ(sigismember(&pending, SIGPIPE), 1) << "SIGPIPE should be pending (blocked) after the write";
  });
  ExpectCleanExit(writer.Wait(), "writer blocking SIGPIPE");
}

IPC_CASE(pipe, write, epipe_after_reader_process_exits,
         .title = "once the only reader process has exited, a writer in another process gets EPIPE",
         .covers = {"EPIPE"},
         .statement = "If all file descriptors referring to the read end of a pipe have been closed, then a "
                      "write(2) will cause a SIGPIPE signal to be generated for the calling process. If the "
                      "calling process is ignoring this signal, then write(2) fails with the error EPIPE.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 write() [EPIPE]"}) {
  Pipe p = MakePipe();
  Child writer = ForkWriter(p, [&] {
    signal(SIGPIPE, SIG_IGN);
    ASSERT_THAT(write(p.w.get(), "abc", 3), SyscallSucceedsWithValue(3)) << "while the reader is alive";
    CheckpointWait(0);  // the reader has exited
    EXPECT_THAT(write(p.w.get(), "x", 1), SyscallFailsWithErrno(EPIPE)) << "after the reader exited";
  });
  Child reader = Fork([&] {
    p.w.reset();
    EXPECT_EQ(ReadExactly(p.r.get(), 3), "abc");
  });
  // Neither end stays open in this process: the reader child holds the only read end.
  p.r.reset();
  p.w.reset();
  ExpectCleanExit(reader.Wait(), "reader");
  CheckpointPost(0);
  ExpectCleanExit(writer.Wait(), "writer");
}

IPC_CASE(pipe, write, blocked_writer_gets_epipe_when_last_reader_closes,
         .title = "a writer blocked on a full pipe fails with EPIPE when the last reader closes",
         .covers = {"blocked_writer_epipe_on_last_close", "EPIPE"},
         .statement = "If all file descriptors referring to the read end of a pipe have been closed, then a "
                      "write(2) will cause a SIGPIPE signal to be generated for the calling process. If the "
                      "calling process is ignoring this signal, then write(2) fails with the error EPIPE.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "write(2) EPIPE", "POSIX.1-2017 write() [EPIPE]"}) {
  Pipe p = MakePipe();
  FillPipe(p.w.get());
  Child writer = ForkWriter(p, [&] {
    signal(SIGPIPE, SIG_IGN);
    EXPECT_THAT(write(p.w.get(), "x", 1), SyscallFailsWithErrno(EPIPE))
        << "the blocked write should end with EPIPE once no reader remains";
  });
  p.w.reset();
  ExpectBlockedUntilReleased(writer, {SYS_write}, "blocked writer", [&] { p.r.reset(); });  // the last read end
}

// Forks one writer per entry of `sizes`; writer w writes `records` tagged records of sizes[w] bytes, all
// writers starting together to contend for the pipe. The reader checks that every record came whole.
void ExpectConcurrentRecordsWhole(const std::vector<std::size_t>& sizes, unsigned records) {
  Pipe p = MakePipe();
  std::vector<Child> writers;
  for (unsigned w = 0; w < sizes.size(); ++w) {
    writers.push_back(ForkWriter(p, [&, w] {
      CheckpointWait(0);  // start together
      WriteRecords(p.w.get(), w, sizes[w], records);
    }));
  }
  p.w.reset();
  CheckpointPost(0);
  const std::string got = ReadAll(p.r.get());
  for (unsigned w = 0; w < writers.size(); ++w) ExpectCleanExit(writers[w].Wait(), "writer " + std::to_string(w));
  ExpectWholeRecords(got, sizes, records);
}

IPC_CASE(pipe, write, pipe_buf_writes_not_interleaved,
         .title = "PIPE_BUF-byte writes from six concurrent writer processes are never interleaved",
         .covers = {"pipe7.PIPE_BUF"},
         .statement = "Write requests of {PIPE_BUF} bytes or less shall not be interleaved with data from other "
                      "processes doing writes on the same pipe. [pipe(7):] O_NONBLOCK disabled, n <= PIPE_BUF: All "
                      "n bytes are written atomically.",
         .refs = {"POSIX.1-2017 write() (pipe or FIFO, PIPE_BUF)", "pipe(7) PIPE_BUF"}) {
  static_assert(PIPE_BUF % sizeof(std::uint32_t) == 0);
  ExpectConcurrentRecordsWhole(std::vector<std::size_t>(6, PIPE_BUF), 12);
}

IPC_CASE(pipe, write, mixed_size_small_writes_not_interleaved,
         .title = "writes of assorted sizes up to PIPE_BUF from six concurrent processes are never interleaved",
         .covers = {"pipe7.PIPE_BUF"},
         .statement = "Write requests of {PIPE_BUF} bytes or less shall not be interleaved with data from other "
                      "processes doing writes on the same pipe. [pipe(7):] O_NONBLOCK disabled, n <= PIPE_BUF: All "
                      "n bytes are written atomically.",
         .refs = {"POSIX.1-2017 write() (pipe or FIFO, PIPE_BUF)", "pipe(7) PIPE_BUF"}) {
  // Sizes that do not divide the pipe's internal units, so records straddle them; all multiples of 4.
  ExpectConcurrentRecordsWhole({100, 1000, 2052, 3000, PIPE_BUF - 4, 776}, 20);
}

IPC_CASE(pipe, write, full_pipe_blocking_write_blocks_until_drained,
         .title = "a blocking write to a full pipe blocks, and completes once the reader drains the pipe",
         .covers = {"blocks_while_full"},
         .statement = "If a process attempts to write to a full pipe (see below), then write(2) blocks until "
                      "sufficient data has been read from the pipe to allow the write to complete.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 write() (O_NONBLOCK clear)"}) {
  Pipe p = MakePipe();
  const std::size_t filled = FillPipe(p.w.get());
  Child writer = ForkWriter(p, [&] { EXPECT_THAT(write(p.w.get(), "Z", 1), SyscallSucceedsWithValue(1)); });
  p.w.reset();
  if (!ExpectBlockedUntilReleased(writer, {SYS_write}, "blocked writer", [&] {
        EXPECT_EQ(ReadExactly(p.r.get(), filled), std::string(filled, 'F'))
            << "the bytes that filled the pipe come out first";
      }))
    return;
  char c = 0;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, 'Z') << "the blocked write's byte follows the drained data";
}

// Leaves room for fewer than PIPE_BUF bytes, but for more than half of them, in a 64 KiB pipe: 15
// full pages plus 2000 bytes. On Linux (room counted in pages) and on a system counting bytes alike
// a PIPE_BUF-byte write cannot go in whole, while a part of it could: a write split in two would show.
// (Reading a few bytes out of a full pipe would not do: Linux would then have no room at all.)
std::size_t FillLeavingPartialRoom(int fd) {
  if (fcntl(fd, F_SETPIPE_SZ, 65536) < 0 || fcntl(fd, F_GETPIPE_SZ) != 65536) {
    ThrowHarnessError("cannot make a 64 KiB pipe for the partial-room set-up: " + ErrnoName(errno));
  }
  static_assert(PIPE_BUF == 4096, "the set-up assumes Linux's PIPE_BUF");
  const std::string pages(15 * 4096, 'F');
  const std::string tail(2000, 'F');
  if (write(fd, pages.data(), pages.size()) != static_cast<ssize_t>(pages.size()) ||
      write(fd, tail.data(), tail.size()) != static_cast<ssize_t>(tail.size())) {
    ThrowHarnessError("filling the pipe for the partial-room set-up: " + ErrnoName(errno));
  }
  return pages.size() + tail.size();
}

IPC_CASE(pipe, write, blocking_small_write_not_split_while_blocked,
         .title = "a blocking PIPE_BUF-byte write waits for room for all of it instead of writing part",
         .covers = {"small_blocking_write_waits_for_whole_room"},
         .statement = "O_NONBLOCK disabled, n <= PIPE_BUF: All n bytes are written atomically; write(2) may block "
                      "if there is not room for n bytes to be written immediately.",
         .refs = {"pipe(7) PIPE_BUF", "POSIX.1-2017 write() (PIPE_BUF or fewer bytes)"}) {
  Pipe p = MakePipe();
  const std::size_t filled = FillLeavingPartialRoom(p.w.get());
  const std::string data = Pattern(PIPE_BUF, 3);
  Child writer = ForkWriter(
      p, [&] { EXPECT_THAT(write(p.w.get(), data.data(), data.size()), SyscallSucceedsWithValue(PIPE_BUF)); });
  p.w.reset();
  if (!ExpectBlockedUntilReleased(writer, {SYS_write}, "blocked writer", [&] {
        // pipe(7) documents FIONREAD on pipes: a refusal is a deviation of its own (FAIL), not a reason to
        // give up.
        ASSERT_EQ(UnreadBytes(p.r.get()), static_cast<int>(filled))
            << "while blocked, the PIPE_BUF-byte write must not have put part of its data into the free room";
        EXPECT_EQ(ReadExactly(p.r.get(), filled), std::string(filled, 'F'));
      }))
    return;
  const std::string got = ReadExactly(p.r.get(), PIPE_BUF);
  EXPECT_TRUE(got == data) << "the PIPE_BUF-byte write should follow the earlier data as one contiguous block";
}

IPC_CASE(pipe, write, blocking_large_write_writes_all,
         .title = "a blocking write of more bytes than the pipe holds blocks until all n bytes are written",
         .covers = {"large_blocking_write_writes_all"},
         .statement = "O_NONBLOCK disabled, n > PIPE_BUF: The write is nonatomic: the data given to write(2) may "
                      "be interleaved with write(2)s by other process; the write(2) blocks until n bytes have "
                      "been written.",
         .refs = {"pipe(7) PIPE_BUF", "POSIX.1-2017 write() (O_NONBLOCK clear: returns nbyte)"}) {
  const std::size_t capacity = MeasuredCapacity();
  const std::string data = Pattern(4 * capacity + 123, 4);
  Pipe p = MakePipe();
  Child writer = ForkWriter(p, [&] {
    EXPECT_THAT(write(p.w.get(), data.data(), data.size()), SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())))
        << "a blocking write returns only when all n bytes are written";
  });
  p.w.reset();
  // Four times the capacity cannot fit: the writer must wait for the reader.
  std::string got;
  ExpectBlockedUntilReleased(writer, {SYS_write}, "writer", [&] { got = ReadAll(p.r.get()); });
  ExpectSameBytes(got, data, "the reader's share of one large blocking write");
}

IPC_CASE(pipe, write, nonblock_full_pipe_fails_eagain,
         .title = "O_NONBLOCK write of 1 byte to a full pipe fails with EAGAIN", .covers = {"EAGAIN"},
         .statement = "O_NONBLOCK enabled, n <= PIPE_BUF: If there is room to write n bytes to the pipe, then "
                      "write(2) succeeds immediately, writing all n bytes; otherwise write(2) fails, with errno "
                      "set to EAGAIN.",
         .refs = {"pipe(7) PIPE_BUF", "write(2) EAGAIN", "POSIX.1-2017 write() [EAGAIN]"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  FillPipe(p.w.get());
  EXPECT_THAT(write(p.w.get(), "x", 1), SyscallFailsWithErrno(EAGAIN));
}

IPC_CASE(pipe, write, nonblock_small_write_without_room_fails_eagain,
         .title = "O_NONBLOCK PIPE_BUF-byte write with less room than that fails with EAGAIN and writes nothing",
         .covers = {"EAGAIN", "nonblock_small_write_all_or_nothing"},
         .statement = "O_NONBLOCK enabled, n <= PIPE_BUF: If there is room to write n bytes to the pipe, then "
                      "write(2) succeeds immediately, writing all n bytes; otherwise write(2) fails, with errno "
                      "set to EAGAIN.",
         .refs = {"pipe(7) PIPE_BUF", "POSIX.1-2017 write() (O_NONBLOCK set, PIPE_BUF or fewer bytes)"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  const std::size_t filled = FillLeavingPartialRoom(p.w.get());
  const std::string data = Pattern(PIPE_BUF, 5);
  EXPECT_THAT(write(p.w.get(), data.data(), data.size()), SyscallFailsWithErrno(EAGAIN))
      << "a nonblocking write of PIPE_BUF bytes is all-or-nothing";
  // Nothing of it was transferred: exactly the fill bytes remain.
  int err = 0;
  const std::string rest = ReadExactly(p.r.get(), filled + 1, &err);
  EXPECT_EQ(err, EAGAIN) << "draining the pipe should end with EAGAIN";
  EXPECT_EQ(rest.size(), filled) << "the failed write must not have transferred any bytes";
  EXPECT_EQ(rest.find_first_not_of('F'), std::string::npos) << "only the fill bytes should be in the pipe";
}

IPC_CASE(pipe, write, nonblock_small_write_with_room_writes_all,
         .title = "O_NONBLOCK write of PIPE_BUF bytes with room for them writes all of them",
         .covers = {"nonblock_small_write_all_or_nothing"},
         .statement = "O_NONBLOCK enabled, n <= PIPE_BUF: If there is room to write n bytes to the pipe, then "
                      "write(2) succeeds immediately, writing all n bytes.",
         .refs = {"pipe(7) PIPE_BUF", "POSIX.1-2017 write() (O_NONBLOCK set, PIPE_BUF or fewer bytes)"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  ASSERT_THAT(write(p.w.get(), "0123456789", 10), SyscallSucceedsWithValue(10));
  const std::string data = Pattern(PIPE_BUF, 6);
  EXPECT_THAT(write(p.w.get(), data.data(), data.size()), SyscallSucceedsWithValue(PIPE_BUF));
  EXPECT_EQ(ReadExactly(p.r.get(), 10), "0123456789");
  EXPECT_TRUE(ReadExactly(p.r.get(), PIPE_BUF) == data) << "the PIPE_BUF bytes should follow intact";
}

IPC_CASE(pipe, write, nonblock_large_write_to_full_pipe_fails_eagain,
         .title = "O_NONBLOCK write of more than PIPE_BUF bytes to a full pipe fails with EAGAIN", .covers = {"EAGAIN"},
         .statement = "O_NONBLOCK enabled, n > PIPE_BUF: If the pipe is full, then write(2) fails, with errno set "
                      "to EAGAIN.",
         .refs = {"pipe(7) PIPE_BUF", "POSIX.1-2017 write() (O_NONBLOCK set, more than PIPE_BUF bytes)"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  FillPipe(p.w.get());
  const std::string data = Pattern(2 * PIPE_BUF + 1, 7);
  EXPECT_THAT(write(p.w.get(), data.data(), data.size()), SyscallFailsWithErrno(EAGAIN));
}

IPC_CASE(pipe, write, nonblock_large_write_is_partial,
         .title = "O_NONBLOCK write of more than PIPE_BUF bytes and more than the room is partial",
         .covers = {"nonblock_large_write_partial"},
         .statement = "O_NONBLOCK enabled, n > PIPE_BUF: If the pipe is full, then write(2) fails, with errno set "
                      "to EAGAIN. Otherwise, from 1 to n bytes may be written (i.e., a \"partial write\" may "
                      "occur; the caller should check the return value from write(2) to see how many bytes were "
                      "actually written).",
         .refs = {"pipe(7) PIPE_BUF", "POSIX.1-2017 write() (O_NONBLOCK set, more than PIPE_BUF bytes)"}) {
  const std::size_t capacity = MeasuredCapacity();
  Pipe p = MakePipe(O_NONBLOCK);
  ASSERT_THAT(write(p.w.get(), "<", 1), SyscallSucceedsWithValue(1));  // not empty, not full
  const std::string data = Pattern(capacity + PIPE_BUF, 8);
  const ssize_t n = write(p.w.get(), data.data(), data.size());
  ASSERT_THAT(n, SyscallSucceeds()) << "there is room for at least one byte, so the write must not fail";
  EXPECT_GE(n, 1);
  EXPECT_LT(static_cast<std::size_t>(n), data.size())
      << "the pipe holds " << capacity << " bytes, so all " << data.size() << " cannot have been written";
  // Exactly the reported count was transferred, from the start of the buffer.
  int err = 0;
  const std::string got = ReadExactly(p.r.get(), data.size() + 1, &err);
  EXPECT_EQ(err, EAGAIN);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n) + 1)
      << "the pipe should hold the 1 earlier byte plus the " << n << " bytes write reported";
  EXPECT_TRUE(got.substr(1) == data.substr(0, static_cast<std::size_t>(n)))
      << "the bytes transferred are the first " << n << " bytes of the buffer";
}

IPC_CASE(pipe, write, nonblock_large_write_to_empty_pipe_transfers_at_least_pipe_buf,
         .title = "O_NONBLOCK write of more than PIPE_BUF bytes to an empty pipe transfers at least PIPE_BUF",
         .covers = {"nonblock_large_write_to_empty_at_least_pipe_buf"},
         .statement = "A write request for more than {PIPE_BUF} bytes shall cause one of the following: When at "
                      "least one byte can be written, transfer what it can and return the number of bytes "
                      "written. When all data previously written to the pipe is read, it shall transfer at least "
                      "{PIPE_BUF} bytes.",
         .refs = {"POSIX.1-2017 write() (O_NONBLOCK set, more than PIPE_BUF bytes)", "pipe(7) PIPE_BUF"}) {
  const std::size_t capacity = MeasuredCapacity();
  Pipe p = MakePipe(O_NONBLOCK);
  // Data was written and all of it read: the "all data previously written is read" state.
  ASSERT_THAT(write(p.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ASSERT_EQ(ReadExactly(p.r.get(), 3), "abc");
  const std::string data = Pattern(2 * capacity, 9);
  const ssize_t n = write(p.w.get(), data.data(), data.size());
  ASSERT_THAT(n, SyscallSucceeds());
  EXPECT_GE(n, PIPE_BUF) << "an empty pipe must accept at least PIPE_BUF (" << PIPE_BUF
                         << ") bytes of a large nonblocking write";
}

}  // namespace
