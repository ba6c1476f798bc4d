// Pipes and the calls that need a seekable or regular file: lseek, pread, pwrite; fstat; the PIPE_BUF
// limit.
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "conformance/pipe/pipe_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipe_cases;

IPC_CASE(pipe, lseek, either_end_fails_espipe, .title = "lseek on either end of a pipe fails with ESPIPE",
         .statement = "It is not possible to apply lseek(2) to a pipe. ESPIPE fd is associated with a pipe, "
                      "socket, or FIFO.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "lseek(2) ESPIPE", "POSIX.1-2017 lseek() [ESPIPE]"}) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  EXPECT_THAT(lseek(p.r.get(), 0, SEEK_CUR), SyscallFailsWithErrno(ESPIPE)) << "read end, SEEK_CUR";
  EXPECT_THAT(lseek(p.r.get(), 1, SEEK_SET), SyscallFailsWithErrno(ESPIPE)) << "read end, SEEK_SET";
  EXPECT_THAT(lseek(p.w.get(), 0, SEEK_END), SyscallFailsWithErrno(ESPIPE)) << "write end, SEEK_END";
  EXPECT_EQ(ReadExactly(p.r.get(), 3), "abc") << "the failed seeks must not have moved or lost data";
}

IPC_CASE(pipe, pread, fails_espipe, .title = "pread on the read end of a pipe fails with ESPIPE",
         .statement = "ESPIPE fd is associated with a pipe. [pread] The pread() function shall fail if: [ESPIPE] "
                      "fildes is associated with a pipe or FIFO.",
         .refs = {"pread(2) ESPIPE", "POSIX.1-2017 pread() [ESPIPE]"}) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  char buf[3];
  EXPECT_THAT(pread(p.r.get(), buf, sizeof buf, 0), SyscallFailsWithErrno(ESPIPE));
  EXPECT_EQ(ReadExactly(p.r.get(), 3), "abc") << "the failed pread must not have consumed data";
}

IPC_CASE(pipe, pwrite, fails_espipe, .title = "pwrite on the write end of a pipe fails with ESPIPE",
         .statement = "ESPIPE fd is associated with a pipe. [pwrite] The pwrite() function shall fail if: "
                      "[ESPIPE] fildes is associated with a pipe or FIFO.",
         .refs = {"pwrite(2) ESPIPE", "POSIX.1-2017 pwrite() [ESPIPE]"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  EXPECT_THAT(pwrite(p.w.get(), "abc", 3, 0), SyscallFailsWithErrno(ESPIPE));
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallFailsWithErrno(EAGAIN)) << "the failed pwrite must not have written";
}

IPC_CASE(pipe, fstat, either_end_is_fifo, .title = "fstat on either end of a pipe reports a FIFO (S_ISFIFO)",
         .statement = "S_ISFIFO(m) FIFO (named pipe)? [POSIX fstat:] ... If fildes references a pipe, the "
                      "st_mode field shall indicate a FIFO (S_IFIFO).",
         .refs = {"inode(7) S_ISFIFO", "fstat(2)", "POSIX.1-2017 sys/stat.h S_ISFIFO", "POSIX.1-2017 fstat()"}) {
  Pipe p = MakePipe();
  for (int fd : {p.r.get(), p.w.get()}) {
    struct stat st {};
    ASSERT_THAT(fstat(fd, &st), SyscallSucceeds());
    EXPECT_TRUE(S_ISFIFO(st.st_mode)) << (fd == p.r.get() ? "read" : "write") << " end: st_mode is 0" << std::oct
                                      << st.st_mode << ", expected the S_IFIFO (0010000) file type";
  }
}

IPC_CASE(pipe, limits, pipe_buf_at_least_512,
         .title = "PIPE_BUF, and fpathconf(_PC_PIPE_BUF) on a pipe, are at least 512",
         .statement = "POSIX.1 requires PIPE_BUF to be at least 512 bytes.",
         .refs = {"pipe(7) PIPE_BUF", "POSIX.1-2017 limits.h {_POSIX_PIPE_BUF}", "POSIX.1-2017 fpathconf()"}) {
  static_assert(PIPE_BUF >= 512, "PIPE_BUF in <limits.h> is below the POSIX minimum of 512");
  EXPECT_GE(PIPE_BUF, 512);
  Pipe p = MakePipe();
  errno = 0;
  const long v = fpathconf(p.w.get(), _PC_PIPE_BUF);
  if (v == -1 && errno == 0) return;  // no limit: atomic writes of any size
  ASSERT_THAT(v, SyscallSucceeds());
  EXPECT_GE(v, 512) << "fpathconf(write end, _PC_PIPE_BUF)";
}

IPC_CASE(pipe, limits, pipe_buf_is_4096_on_linux,
         .title = "PIPE_BUF is 4096 bytes, as fpathconf(_PC_PIPE_BUF) reports for a pipe",
         .statement = "POSIX.1 requires PIPE_BUF to be at least 512 bytes. (On Linux, PIPE_BUF is 4096 bytes.)",
         .refs = {"pipe(7) PIPE_BUF", "fpathconf(3) _PC_PIPE_BUF"}, .cls = Conformance::implementation_defined) {
  EXPECT_EQ(PIPE_BUF, 4096) << "PIPE_BUF in <limits.h>";
  Pipe p = MakePipe();
  EXPECT_THAT(fpathconf(p.r.get(), _PC_PIPE_BUF), SyscallSucceedsWithValue(4096L));
}

}  // namespace
