// pread(2) on a pipe: ESPIPE.
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

IPC_CASE(pipe, pread, fails_espipe, .title = "pread on the read end of a pipe fails with ESPIPE", .covers = {"ESPIPE"},
         .statement = "ESPIPE fd is associated with a pipe. [pread] The pread() function shall fail if: [ESPIPE] "
                      "fildes is associated with a pipe or FIFO.",
         .refs = {"pread(2) ESPIPE", "POSIX.1-2017 pread() [ESPIPE]"}) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  char buf[3];
  EXPECT_THAT(pread(p.r.get(), buf, sizeof buf, 0), SyscallFailsWithErrno(ESPIPE));
  EXPECT_EQ(ReadExactly(p.r.get(), 3), "abc") << "the failed pread must not have consumed data";
}

}  // namespace
