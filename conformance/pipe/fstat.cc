// fstat(2) on a pipe: both ends are FIFOs (inode(7) S_ISFIFO).
#include <sys/stat.h>

#include <ios>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;

IPC_CASE(pipe, fstat, either_end_is_fifo, .title = "fstat on either end of a pipe reports a FIFO (S_ISFIFO)",
         .covers = {"either_end_is_fifo"},
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

}  // namespace
