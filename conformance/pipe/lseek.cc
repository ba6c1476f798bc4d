// lseek(2) on a pipe: ESPIPE (pipe(7) I/O on pipes and FIFOs).
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

IPC_CASE(pipe, lseek, either_end_fails_espipe, .title = "lseek on either end of a pipe fails with ESPIPE",
         .covers = {"ESPIPE"},
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

}  // namespace
