// PIPE_BUF (pipe(7), POSIX limits.h) and fpathconf(_PC_PIPE_BUF) on a pipe.
#include <limits.h>
#include <unistd.h>

#include <cerrno>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;

IPC_CASE(pipe, limits, pipe_buf_at_least_512,
         .title = "PIPE_BUF, and fpathconf(_PC_PIPE_BUF) on a pipe, are at least 512", .covers = {"pipe7.PIPE_BUF"},
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
         .covers = {"pipe7.pipe_buf_is_4096"},
         .statement = "POSIX.1 requires PIPE_BUF to be at least 512 bytes. (On Linux, PIPE_BUF is 4096 bytes.)",
         .refs = {"pipe(7) PIPE_BUF", "fpathconf(3) _PC_PIPE_BUF"}, .cls = Conformance::implementation_defined) {
  EXPECT_EQ(PIPE_BUF, 4096) << "PIPE_BUF in <limits.h>";
  Pipe p = MakePipe();
  EXPECT_THAT(fpathconf(p.r.get(), _PC_PIPE_BUF), SyscallSucceedsWithValue(4096L));
}

}  // namespace
