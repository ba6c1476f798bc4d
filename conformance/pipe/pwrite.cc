// pwrite(2) on a pipe: ESPIPE.
#include <fcntl.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;

IPC_CASE(pipe, pwrite, fails_espipe, .title = "pwrite on the write end of a pipe fails with ESPIPE",
         .covers = {"ESPIPE"},
         .statement = "ESPIPE fd is associated with a pipe. [pwrite] The pwrite() function shall fail if: "
                      "[ESPIPE] fildes is associated with a pipe or FIFO.",
         .refs = {"pwrite(2) ESPIPE", "POSIX.1-2017 pwrite() [ESPIPE]"}) {
  Pipe p = MakePipe(O_NONBLOCK);
  EXPECT_THAT(pwrite(p.w.get(), "abc", 3, 0), SyscallFailsWithErrno(ESPIPE));
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallFailsWithErrno(EAGAIN)) << "the failed pwrite must not have written";
}

}  // namespace
