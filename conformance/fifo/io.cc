// fifo(7), pipe(7), poll(2), lseek(2) on FIFOs: data between unrelated processes, EOF, PIPE_BUF, SIGPIPE.
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/fifo.h"

namespace {

using namespace ipcc;
using namespace ipcc::fifo;
using namespace ipcc::pipes;

// Forks a writer that opens `path` for writing (blocking until a reader comes), waits for checkpoint 1
// (posted once every reader has closed), then runs write_step(wfd).
Child ForkWriterOutlivingReaders(const std::string& path, const std::function<void(int wfd)>& write_step) {
  return Fork([&] {
    UniqueFd w(open(path.c_str(), O_WRONLY));
    ASSERT_THAT(w.get(), SyscallSucceeds());
    CheckpointWait(1);  // the readers have closed
    write_step(w.get());
  });
}

IPC_CASE(fifo, io, data_flows_case_to_unrelated_reader,
         .title = "bytes written to a FIFO are read, in order, by an unrelated (exec'd) process",
         .covers = {"fifo7.data_passes_between_unrelated_processes"},
         .statement = "A FIFO special file (a named pipe) is similar to a pipe, except that it is accessed as "
                      "part of the filesystem. It can be opened by multiple processes for reading or writing. "
                      "When processes are exchanging data via the FIFO, the kernel passes all data internally.",
         .refs = {"fifo(7)", "pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 write() (pipe or FIFO)"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  Child reader = SpawnFixture("fifo", {path, "open:rdonly", "read:first second third", "eof"});
  {
    UniqueFd w(OpenWithin(path, O_WRONLY));
    ASSERT_THAT(w.get(), SyscallSucceeds());
    ASSERT_THAT(write(w.get(), "first ", 6), SyscallSucceedsWithValue(6));
    ASSERT_THAT(write(w.get(), "second ", 7), SyscallSucceedsWithValue(7));
    ASSERT_THAT(write(w.get(), "third", 5), SyscallSucceedsWithValue(5));
  }
  ExpectCleanExit(reader.Wait(), "exec'd reader");
}

IPC_CASE(fifo, io, data_flows_unrelated_writer_to_case,
         .title = "bytes an unrelated (exec'd) process writes to a FIFO are read, in order, by the case",
         .covers = {"fifo7.data_passes_between_unrelated_processes"},
         .statement = "It can be opened by multiple processes for reading or writing. When processes are "
                      "exchanging data via the FIFO, the kernel passes all data internally without writing it "
                      "to the filesystem.",
         .refs = {"fifo(7)", "pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 read() (pipe or FIFO)"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  EXPECT_EQ(ReadFromUnrelatedWriter(path, {"alpha ", "beta ", "gamma"}), "alpha beta gamma")
      << "expected the writer's bytes in order, then end-of-file";
}

IPC_CASE(fifo, io, read_without_writer_returns_eof,
         .title = "read from a FIFO that no process has open for writing returns 0 (end-of-file)",
         .covers = {"read.eof_without_writer"},
         .statement = "When attempting to read from an empty pipe or FIFO: If no process has the pipe open for "
                      "writing, read() shall return 0 to indicate end-of-file. (pipe(7): If all file "
                      "descriptors referring to the write end of a pipe have been closed, then an attempt to "
                      "read(2) from the pipe will see end-of-file.)",
         .refs = {"POSIX.1-2017 read() (empty pipe or FIFO)", "pipe(7) I/O on pipes and FIFOs", "fifo(7)"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const UniqueFd r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  char c;
  EXPECT_THAT(read(r.get(), &c, 1), SyscallSucceedsWithValue(0))
      << "with no writer, an empty FIFO reads as end-of-file, not EAGAIN";
}

IPC_CASE(fifo, io, nonblock_read_empty_with_writer_fails_eagain,
         .title = "O_NONBLOCK read of an empty FIFO that has a writer fails with EAGAIN", .covers = {"read.EAGAIN"},
         .statement = "If some process has the pipe open for writing and O_NONBLOCK is set, read() shall "
                      "return -1 and set errno to [EAGAIN].",
         .refs = {"POSIX.1-2017 read() [EAGAIN]", "pipe(7) I/O on pipes and FIFOs", "read(2) EAGAIN"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const Pipe ends = OpenBothEnds(path);
  char c;
  EXPECT_THAT(read(ends.r.get(), &c, 1), SyscallFailsWithErrno(EAGAIN));
}

IPC_CASE(fifo, io, nonblock_reader_sees_data_of_later_writer,
         .title = "a reader opened with O_NONBLOCK before any writer reads what a later (exec'd) writer wrote",
         .covers = {"open.O_NONBLOCK", "fifo7.data_passes_between_unrelated_processes"},
         .statement = "opening for read-only succeeds even if no one has opened on the write side yet. It can "
                      "be opened by multiple processes for reading or writing.",
         .refs = {"fifo(7)", "POSIX.1-2017 open() O_NONBLOCK", "POSIX.1-2017 read() (pipe or FIFO)"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const UniqueFd r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  // The writer's blocking open returns at once (a reader exists); it writes and exits.
  WriteAsUnrelatedProcess(path, "late data");
  const short rev = PollNow(r.get(), POLLIN);
  EXPECT_TRUE(rev & POLLIN) << "expected the early reader to be readable after the writer wrote, revents "
                            << PollEvents(rev);
  EXPECT_EQ(ReadExactly(r.get(), 9), "late data") << "expected the later writer's data";
}

IPC_CASE(fifo, io, nonblock_writer_data_reaches_unrelated_reader,
         .title = "an O_WRONLY|O_NONBLOCK open after an unrelated reader exists succeeds and its writes arrive",
         .covers = {"open.O_NONBLOCK", "fifo7.data_passes_between_unrelated_processes"},
         .statement = "opening for write-only fails with ENXIO (no such device or address) unless the other "
                      "end has already been opened. O_NONBLOCK enabled, n <= PIPE_BUF: If there is room to "
                      "write n bytes to the pipe, then write(2) succeeds immediately, writing all n bytes.",
         .refs = {"fifo(7)", "pipe(7) PIPE_BUF", "POSIX.1-2017 open() O_NONBLOCK"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  // The fixture opens the read end without blocking, announces it, and reads once the case has written.
  Child reader = SpawnFixture("fifo", {path, "open:rdonly-nonblock", "post:0", "wait:1", "read:went through", "eof"});
  CheckpointWait(0);
  {
    UniqueFd w(open(path.c_str(), O_WRONLY | O_NONBLOCK));
    ASSERT_THAT(w.get(), SyscallSucceeds()) << "a reader (the exec'd fixture) has the FIFO open";
    EXPECT_THAT(write(w.get(), "went through", 12), SyscallSucceedsWithValue(12));
  }
  CheckpointPost(1);
  ExpectCleanExit(reader.Wait(), "exec'd reader");
}

IPC_CASE(fifo, io, pipe_buf_writes_atomic_with_several_writers,
         .title = "writes of PIPE_BUF bytes by four processes on one FIFO are never interleaved",
         .covers = {"pipe7.PIPE_BUF"},
         .statement = "POSIX.1 says that writes of less than PIPE_BUF bytes must be atomic: the output data is "
                      "written to the pipe as a contiguous sequence. O_NONBLOCK disabled, n <= PIPE_BUF: All n "
                      "bytes are written atomically. (POSIX: Write requests of {PIPE_BUF} bytes or less shall "
                      "not be interleaved with data from other processes doing writes on the same pipe.)",
         .refs = {"pipe(7) PIPE_BUF", "fifo(7)", "POSIX.1-2017 write() (pipe or FIFO)"}, .cls = Conformance::posix) {
  constexpr unsigned kWriters = 4;
  constexpr unsigned kRecords = 16;  // 4 x 16 x PIPE_BUF is several times the default 64 KiB capacity
  const std::string path = MakeFifo();
  UniqueFd r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  long pipe_buf = fpathconf(r.get(), _PC_PIPE_BUF);
  if (pipe_buf <= 0) pipe_buf = PIPE_BUF;
  ASSERT_GE(pipe_buf, 512) << "POSIX requires PIPE_BUF to be at least 512 bytes";
  if (pipe_buf > 65536) pipe_buf = 65536;  // larger records would still be atomic; keep the case small
  // Tagged records are whole 32-bit words: no larger than PIPE_BUF, so still atomic.
  const std::size_t rec = static_cast<std::size_t>(pipe_buf) / 4 * 4;

  std::vector<Child> writers;
  for (unsigned id = 0; id < kWriters; ++id) {
    writers.push_back(Fork([&, id] {
      UniqueFd w(open(path.c_str(), O_WRONLY));
      ASSERT_THAT(w.get(), SyscallSucceeds());
      CheckpointPost(0);
      CheckpointWait(1);
      WriteRecords(w.get(), id, rec, kRecords);
    }));
  }
  // Once every writer holds the write end, read blocking: end-of-file then means all writers are done.
  CheckpointWait(0, kWriters);
  ASSERT_THAT(fcntl(r.get(), F_SETFL, 0), SyscallSucceeds()) << "clearing O_NONBLOCK on the read end";
  CheckpointPost(1);
  const std::string all = ReadAll(r.get());
  for (auto& w : writers) ExpectCleanExit(w.Wait(), "writer");
  ExpectWholeRecords(all, std::vector<std::size_t>(kWriters, rec), kRecords);
}

IPC_CASE(fifo, io, lseek_fails_espipe, .title = "lseek on a FIFO fails with ESPIPE", .covers = {"lseek.ESPIPE"},
         .statement = "ESPIPE fd is associated with a pipe, socket, or FIFO. It is not possible to apply "
                      "lseek(2) to a pipe.",
         .refs = {"lseek(2) ESPIPE", "pipe(7)", "POSIX.1-2017 lseek() [ESPIPE]"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const Pipe ends = OpenBothEnds(path);
  EXPECT_THAT(lseek(ends.r.get(), 0, SEEK_SET), SyscallFailsWithErrno(ESPIPE)) << "read end, SEEK_SET";
  EXPECT_THAT(lseek(ends.w.get(), 0, SEEK_CUR), SyscallFailsWithErrno(ESPIPE)) << "write end, SEEK_CUR";
}

IPC_CASE(fifo, io, poll_pollhup_after_last_writer_closes,
         .title = "poll on a FIFO's read end reports POLLHUP after the last (unrelated) writer closed",
         .covers = {"poll.POLLHUP"},
         .statement = "POLLHUP: A device has been disconnected, or a pipe or FIFO has been closed by the last "
                      "process that had it open for writing. Once set, the hangup state of a FIFO shall "
                      "persist until some process opens the FIFO for writing or until all read-only file "
                      "descriptors for the FIFO are closed.",
         .refs = {"POSIX.1-2017 poll() POLLHUP", "poll(2)", "fifo(7)"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const UniqueFd r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  WriteAsUnrelatedProcess(path, "bye");
  const short rev = PollNow(r.get(), POLLIN);
  EXPECT_TRUE(rev & POLLHUP) << "expected POLLHUP once the only writer had closed, revents " << PollEvents(rev);
  EXPECT_EQ(ReadAll(r.get()), "bye") << "data written before the hang-up stays readable";
}

IPC_CASE(fifo, io, poll_hangup_cleared_by_new_writer,
         .title = "a FIFO's hang-up state ends when a process opens it for writing again",
         .covers = {"poll.hangup_ends_when_writer_opens"},
         .statement = "Once set, the hangup state of a FIFO shall persist until some process opens the FIFO for "
                      "writing or until all read-only file descriptors for the FIFO are closed.",
         .refs = {"POSIX.1-2017 poll() POLLHUP", "poll(2)", "fifo(7)"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const UniqueFd r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  WriteAsUnrelatedProcess(path, "", "first exec'd writer (opens, then exits)");
  short rev = PollNow(r.get(), POLLIN);
  ASSERT_TRUE(rev & POLLHUP) << "expected POLLHUP after the first writer closed, revents " << PollEvents(rev);
  // A second writer opens and stays: the hang-up is over and nothing is readable yet.
  Child second = SpawnFixture("fifo", {path, "open:wronly", "post:0", "wait:1"});
  CheckpointWait(0);
  rev = PollNow(r.get(), POLLIN);
  EXPECT_EQ(rev & (POLLHUP | POLLIN), 0)
      << "expected neither POLLHUP nor POLLIN while a new writer holds the empty FIFO open, revents "
      << PollEvents(rev);
  CheckpointPost(1);
  ExpectCleanExit(second.Wait(), "second exec'd writer");
}

IPC_CASE(fifo, io, write_after_readers_close_raises_sigpipe,
         .title = "write to a FIFO whose only reader (an exec'd process) has closed raises SIGPIPE",
         .covers = {"write.sigpipe_without_reader"},
         .statement = "When a process tries to write to a FIFO that is not opened for read on the other side, "
                      "the process is sent a SIGPIPE signal. If all file descriptors referring to the read end "
                      "of a pipe have been closed, then a write(2) will cause a SIGPIPE signal to be generated "
                      "for the calling process.",
         .refs = {"fifo(7) NOTES", "pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 write() [EPIPE]"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  Child writer = ForkWriterOutlivingReaders(path, [](int w) {
    signal(SIGPIPE, SIG_DFL);
    const ssize_t n = write(w, "x", 1);
    ADD_FAILURE() << "expected write to a FIFO without readers to kill the writer with SIGPIPE, but write "
                  << (n < 0 ? "failed with " + ErrnoName(errno) : "returned " + std::to_string(n));
  });
  ExpectCleanExit(SpawnFixture("fifo", {path, "open:rdonly"}).Wait(), "exec'd reader (opens, then exits)");
  CheckpointPost(1);
  ExpectKilledBy(writer.Wait(), SIGPIPE, "the writer to a FIFO without readers");
}

IPC_CASE(fifo, io, write_after_readers_close_fails_epipe,
         .title = "with SIGPIPE ignored, write to a FIFO whose readers have all closed fails with EPIPE",
         .covers = {"write.EPIPE"},
         .statement = "If the calling process is ignoring this signal, then write(2) fails with the error "
                      "EPIPE. [EPIPE] An attempt is made to write to a pipe or FIFO that is not open for "
                      "reading by any process.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "write(2) EPIPE", "POSIX.1-2017 write() [EPIPE]"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  Child writer = ForkWriterOutlivingReaders(path, [](int w) {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ASSERT_THAT(sigaction(SIGPIPE, &ign, nullptr), SyscallSucceeds());
    EXPECT_THAT(write(w, "x", 1), SyscallFailsWithErrno(EPIPE));
  });
  // Two readers, an exec'd one and the case itself; both close before the write.
  Child reader = SpawnFixture("fifo", {path, "open:rdonly"});
  {
    UniqueFd r(OpenWithin(path, O_RDONLY));
    ASSERT_THAT(r.get(), SyscallSucceeds());
  }
  ExpectCleanExit(reader.Wait(), "exec'd reader (opens, then exits)");
  CheckpointPost(1);
  ExpectCleanExit(writer.Wait(), "writer ignoring SIGPIPE");
}

IPC_CASE(fifo, io, data_not_stored_in_filesystem,
         .title = "a FIFO's file size stays 0 while data is buffered in it (Linux)",
         .covers = {"fifo7.no_contents_in_filesystem"},
         .statement = "When processes are exchanging data via the FIFO, the kernel passes all data internally "
                      "without writing it to the filesystem. Thus, the FIFO special file has no contents on the "
                      "filesystem.",
         .refs = {"fifo(7)"}, .cls = Conformance::linux_specific) {
  const std::string path = MakeFifo();
  const Pipe ends = OpenBothEnds(path);
  ASSERT_THAT(write(ends.w.get(), "buffered", 8), SyscallSucceedsWithValue(8));
  struct stat st {};
  if (!ExpectFifoAt(path, "the filesystem entry to be a FIFO", &st)) return;
  EXPECT_EQ(st.st_size, 0) << "expected st_size 0 for the FIFO's filesystem entry while 8 bytes are buffered";
}

IPC_CASE(fifo, io, fstat_reports_fifo,
         .title = "fstat on both ends of an open FIFO reports a FIFO, the same file as the path",
         .covers = {"fstat.open_ends_are_the_fifo"},
         .statement = "The only difference between pipes and FIFOs is the manner in which they are created and "
                      "opened. S_ISFIFO(m): Test for a pipe or FIFO special file.",
         .refs = {"pipe(7)", "fstat(2)", "inode(7)", "POSIX.1-2017 <sys/stat.h> S_ISFIFO"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const Pipe ends = OpenBothEnds(path);
  struct stat by_path {
  }, rs{}, ws{};
  ASSERT_THAT(stat(path.c_str(), &by_path), SyscallSucceeds());
  ASSERT_THAT(fstat(ends.r.get(), &rs), SyscallSucceeds());
  ASSERT_THAT(fstat(ends.w.get(), &ws), SyscallSucceeds());
  EXPECT_TRUE(S_ISFIFO(rs.st_mode)) << "read end: expected a FIFO, saw a " << FileTypeName(rs.st_mode);
  EXPECT_TRUE(S_ISFIFO(ws.st_mode)) << "write end: expected a FIFO, saw a " << FileTypeName(ws.st_mode);
  EXPECT_TRUE(rs.st_dev == by_path.st_dev && rs.st_ino == by_path.st_ino)
      << "expected the read end to be the file named by the path (same st_dev and st_ino)";
  EXPECT_TRUE(ws.st_dev == by_path.st_dev && ws.st_ino == by_path.st_ino)
      << "expected the write end to be the file named by the path (same st_dev and st_ino)";
}

}  // namespace
