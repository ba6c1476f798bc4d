// fifo(7), unlink(2), POSIX close(): the FIFO node against the pipe object behind it.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/fifo.h"

namespace {

using namespace ipcc;
using namespace ipcc::fifo;
using namespace ipcc::pipes;

IPC_CASE(fifo, lifetime, node_outlives_creating_process,
         .title = "a FIFO created by a process that has exited is still there and usable by others",
         .covers = {"mkfifo.node_outlives_creator"},
         .statement = "A FIFO special file is entered into the filesystem by calling mkfifo(). Once you have "
                      "created a FIFO special file in this way, any process can open it for reading or "
                      "writing, in the same way as an ordinary file.",
         .refs = {"mkfifo(3)", "fifo(7)", "POSIX.1-2017 mkfifo()"}, .cls = Conformance::posix) {
  const std::string path = TempPath("fifo");
  // An unrelated process creates the FIFO, uses both ends, and exits.
  Child creator =
      SpawnFixture("fifo", {path, "mkfifo:600", "open:rdonly-nonblock", "open:wronly-nonblock", "write:x", "read:x"});
  ExpectCleanExit(creator.Wait(), "exec'd creator");
  if (!ExpectFifoAt(path, "the node to still be a FIFO once its creator has exited")) return;
  // Other processes can still meet through it.
  EXPECT_EQ(ReadFromUnrelatedWriter(path, {"still works"}), "still works")
      << "expected data through the FIFO after its creator exited";
}

IPC_CASE(fifo, lifetime, data_discarded_after_last_close,
         .title = "data left in a FIFO is discarded when every process has closed it",
         .covers = {"close.data_discarded_after_last_close"},
         .statement = "When all file descriptors associated with a pipe or FIFO special file are closed, any "
                      "data remaining in the pipe or FIFO shall be discarded. (fifo(7): the FIFO special file "
                      "has no contents on the filesystem; the kernel maintains exactly one pipe object for each "
                      "FIFO special file that is opened by at least one process.)",
         .refs = {"POSIX.1-2017 close()", "fifo(7)"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  {
    const UniqueFd r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
    // An unrelated writer leaves unread data behind and exits; then the case closes the read end too.
    WriteAsUnrelatedProcess(path, "stale data");
    const short rev = PollNow(r.get(), POLLIN);
    ASSERT_TRUE(rev & POLLIN) << "set-up: the writer's data should be in the FIFO before it is closed, revents "
                              << PollEvents(rev);
  }
  const Pipe ends = OpenBothEnds(path);
  char buf[32];
  const ssize_t n = read(ends.r.get(), buf, sizeof buf);
  const int err = errno;
  EXPECT_TRUE(n < 0 && err == EAGAIN)
      << "expected the reopened FIFO to be empty (read with a writer present fails with EAGAIN), saw "
      << (n < 0 ? "read fail with " + ErrnoName(err)
                : fmt::format("{} bytes \"{}\"", n, std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0))));
}

IPC_CASE(fifo, lifetime, unlinked_fifo_keeps_working,
         .title = "a FIFO unlinked while open keeps carrying data between the processes that have it open",
         .covers = {"unlink.open_fifo_keeps_working"},
         .statement = "If one or more processes have the file open when the last link is removed, the link "
                      "shall be removed before unlink() returns, but the removal of the contents shall be "
                      "postponed until all references to the file are closed. (fifo(7): the filesystem entry "
                      "merely serves as a reference point so that processes can access the pipe using a name.)",
         .refs = {"POSIX.1-2017 unlink()", "unlink(2)", "fifo(7)"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const UniqueFd r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  // The unrelated writer opens, waits for the unlink, then writes through its descriptor.
  Child writer = SpawnFixture("fifo", {path, "open:wronly", "post:0", "wait:1", "write:after unlink"});
  CheckpointWait(0);
  ASSERT_THAT(unlink(path.c_str()), SyscallSucceeds());
  struct stat st {};
  EXPECT_THAT(stat(path.c_str(), &st), SyscallFailsWithErrno(ENOENT)) << "the name is gone after unlink";
  CheckpointPost(1);
  ExpectCleanExit(writer.Wait(), "exec'd writer");
  ASSERT_THAT(fcntl(r.get(), F_SETFL, 0), SyscallSucceeds());
  EXPECT_EQ(ReadAll(r.get()), "after unlink")
      << "expected the data written after the unlink, then end-of-file when the writer exited";
}

IPC_CASE(fifo, lifetime, recreated_path_is_new_fifo,
         .title = "a FIFO created at the path of an unlinked, still open FIFO is a different pipe",
         .covers = {"fifo7.one_pipe_per_fifo_file", "open.ENXIO"},
         .statement = "The kernel maintains exactly one pipe object for each FIFO special file that is opened "
                      "by at least one process. A process can open a FIFO in nonblocking mode. In this case, "
                      "... opening for write-only fails with ENXIO unless the other end has already been opened.",
         .refs = {"fifo(7)", "open(2) ENXIO", "POSIX.1-2017 unlink()"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const UniqueFd old_r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  ASSERT_THAT(unlink(path.c_str()), SyscallSucceeds());
  ASSERT_THAT(mkfifo(path.c_str(), 0600), SyscallSucceeds()) << "creating a new FIFO at the same path";
  // The new FIFO has no reader even though the old one (same name, once) still has one.
  UniqueFd w(open(path.c_str(), O_WRONLY | O_NONBLOCK));
  EXPECT_THAT(w.get(), SyscallFailsWithErrno(ENXIO))
      << "the reader of the unlinked FIFO must not count as a reader of the new one";
}

IPC_CASE(fifo, lifetime, opens_share_one_pipe,
         .title = "separate opens of one FIFO, by unrelated processes, all reach the same pipe",
         .covers = {"fifo7.one_pipe_per_fifo_file"},
         .statement = "The kernel maintains exactly one pipe object for each FIFO special file that is opened "
                      "by at least one process. It can be opened by multiple processes for reading or writing.",
         .refs = {"fifo(7)"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const UniqueFd r1 = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  const UniqueFd r2 = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  // Two unrelated writers, each with its own open, one after the other.
  WriteAsUnrelatedProcess(path, "ab", "first exec'd writer");
  WriteAsUnrelatedProcess(path, "cd", "second exec'd writer");
  // Each read takes the next bytes of the one stream, whichever descriptor it uses.
  EXPECT_EQ(ReadExactly(r1.get(), 1), "a") << "first byte through the first read descriptor";
  EXPECT_EQ(ReadExactly(r2.get(), 2), "bc") << "next bytes through the second read descriptor";
  EXPECT_EQ(ReadExactly(r1.get(), 1), "d") << "last byte through the first read descriptor";
}

}  // namespace
