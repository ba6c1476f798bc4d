// pipe(2), POSIX pipe(): which descriptor is which end, their flags, failure, sharing across fork and exec.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

IPC_CASE(pipe, pipe, fds0_reads_what_fds1_writes,
         .title = "pipe() returns the read end in fds[0] and the write end in fds[1]",
         .covers = {"fds0_reads_what_fds1_writes"},
         .statement = "Data can be written to the file descriptor fildes[1] and read from the file descriptor "
                      "fildes[0]. A read on the file descriptor fildes[0] shall access data written to the file "
                      "descriptor fildes[1] on a first-in-first-out basis.",
         .refs = {"POSIX.1-2017 pipe()", "pipe(2) DESCRIPTION"}) {
  int fds[2] = {-1, -1};
  ASSERT_THAT(::pipe(fds), SyscallSucceeds());
  UniqueFd r(fds[0]), w(fds[1]);
  EXPECT_NE(fds[0], fds[1]);
  ASSERT_THAT(write(fds[1], "first", 5), SyscallSucceedsWithValue(5));
  ASSERT_THAT(write(fds[1], "second", 6), SyscallSucceedsWithValue(6));
  EXPECT_EQ(ReadExactly(fds[0], 11), "firstsecond") << "fds[0] should return what fds[1] took, first in first out";
}

IPC_CASE(pipe, pipe, ends_open_read_only_and_write_only,
         .title = "the read end is open O_RDONLY and the write end O_WRONLY (pipes are unidirectional)",
         .covers = {"ends_are_unidirectional"},
         .statement = "pipe() creates a pipe, a unidirectional data channel ... pipefd[0] refers to the read end "
                      "of the pipe. pipefd[1] refers to the write end of the pipe. On some systems (but not "
                      "Linux), pipes are bidirectional.",
         .refs = {"pipe(2) DESCRIPTION", "pipe(7) Portability notes", "fcntl(2) F_GETFL"},
         .cls = Conformance::linux_specific) {
  int fds[2] = {-1, -1};
  ASSERT_THAT(::pipe(fds), SyscallSucceeds());
  UniqueFd r(fds[0]), w(fds[1]);
  const int rfl = fcntl(fds[0], F_GETFL);
  const int wfl = fcntl(fds[1], F_GETFL);
  ASSERT_THAT(rfl, SyscallSucceeds());
  ASSERT_THAT(wfl, SyscallSucceeds());
  EXPECT_EQ(rfl & O_ACCMODE, O_RDONLY) << "fds[0] access mode (O_RDONLY=0, O_WRONLY=1, O_RDWR=2)";
  EXPECT_EQ(wfl & O_ACCMODE, O_WRONLY) << "fds[1] access mode (O_RDONLY=0, O_WRONLY=1, O_RDWR=2)";
}

IPC_CASE(pipe, pipe, nonblock_and_cloexec_clear,
         .title = "pipe() leaves O_NONBLOCK and FD_CLOEXEC clear on both descriptors",
         .covers = {"nonblock_and_cloexec_clear"},
         .statement = "The O_NONBLOCK and FD_CLOEXEC flags shall be clear on both file descriptors. (The fcntl() "
                      "function can be used to set both these flags.)",
         .refs = {"POSIX.1-2017 pipe()", "pipe(2) DESCRIPTION (flags is 0)"}) {
  int fds[2] = {-1, -1};
  ASSERT_THAT(::pipe(fds), SyscallSucceeds());
  UniqueFd r(fds[0]), w(fds[1]);
  ExpectFlagOnBothEnds(fds, kNonblockFlag, false, "pipe()");
  ExpectFlagOnBothEnds(fds, kCloexecFlag, false, "pipe()");
}

// Runs fn in a child that has lowered RLIMIT_NOFILE to 64 and taken every free descriptor number
// below it but one, so that a pipe (which needs two) cannot be made there.
void AtDescriptorLimit(const std::function<void()>& fn) {
  ExpectCleanExit(RunInChild([&] {
                    Pipe spare = MakePipe();
                    rlimit lim{64, 64};
                    IPCC_SETUP(setrlimit(RLIMIT_NOFILE, &lim));
                    std::vector<UniqueFd> taken;
                    for (int fd; (fd = dup(spare.r.get())) >= 0;) taken.emplace_back(fd);
                    if (errno != EMFILE) ThrowHarnessError("dup while using up descriptors: " + ErrnoName(errno));
                    if (!taken.empty()) taken.pop_back();  // one number free again (the spare pipe's stay taken)
                    fn();
                  }),
                  "child at its descriptor limit");
}

IPC_CASE(pipe, pipe, fd_limit_fails_emfile,
         .title = "pipe() fails with EMFILE when fewer than two descriptors are free", .covers = {"EMFILE"},
         .statement = "[EMFILE] More than {OPEN_MAX} minus two file descriptors are already in use by this "
                      "process.",
         .refs = {"POSIX.1-2017 pipe() [EMFILE]", "pipe(2) EMFILE"}) {
  AtDescriptorLimit([] {
    int fds[2] = {-1, -1};
    EXPECT_THAT(::pipe(fds), SyscallFailsWithErrno(EMFILE))
        << "with at most one descriptor number free under RLIMIT_NOFILE";
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
  });
}

IPC_CASE(pipe, pipe, failure_leaves_pipefd_unchanged, .title = "a failed pipe() leaves the caller's array unchanged",
         .covers = {"failure_leaves_pipefd_unchanged", "EMFILE"},
         .statement = "On Linux (and other systems), pipe() does not modify pipefd on failure. A requirement "
                      "standardizing this behavior was added in POSIX.1-2008 TC2.",
         .refs = {"pipe(2) RETURN VALUE", "POSIX.1-2017 pipe() RETURN VALUE"}) {
  AtDescriptorLimit([] {
    int fds[2] = {-7, -9};
    ASSERT_THAT(::pipe(fds), SyscallFailsWithErrno(EMFILE));
    EXPECT_EQ(fds[0], -7) << "pipefd[0] was modified by the failed call";
    EXPECT_EQ(fds[1], -9) << "pipefd[1] was modified by the failed call";
  });
}

IPC_CASE(pipe, pipe, shared_across_fork, .title = "a pipe made before fork carries a child's writes to the parent",
         .covers = {"shared_across_fork"},
         .statement = "The child inherits a duplicate set of file descriptors that refer to the same pipe. Pipes "
                      "can be used to create a communication channel between related processes.",
         .refs = {"pipe(2) EXAMPLES", "pipe(7) DESCRIPTION", "POSIX.1-2017 pipe()"}) {
  Pipe p = MakePipe();
  Child child = ForkWriter(p, [&] {
    const std::string msg = "hello from pid " + std::to_string(getpid());
    ASSERT_THAT(write(p.w.get(), msg.data(), msg.size()), SyscallSucceedsWithValue(static_cast<ssize_t>(msg.size())));
  });
  p.w.reset();
  const std::string got = ReadAll(p.r.get());
  ExpectCleanExit(child.Wait(), "writer child");
  EXPECT_EQ(got, "hello from pid " + std::to_string(child.pid()));
}

IPC_CASE(pipe, pipe, fds_survive_exec,
         .title = "pipe descriptors without close-on-exec are still open in an exec'd program",
         .covers = {"fds_survive_exec"},
         .statement = "The O_NONBLOCK and FD_CLOEXEC flags shall be clear on both file descriptors. File "
                      "descriptors open in the calling process image shall remain open in the new process image, "
                      "except for those whose close-on-exec flag FD_CLOEXEC is set.",
         .refs = {"POSIX.1-2017 pipe()", "POSIX.1-2017 exec", "execve(2) (file descriptors)"}) {
  Pipe p = MakePipe();
  ExpectEndsAfterExec(p, "open");
}

IPC_CASE(pipe, pipe, exec_program_writes_to_inherited_pipe,
         .title = "an exec'd program writes into an inherited pipe and the parent reads it",
         .covers = {"fds_survive_exec"},
         .statement = "A pipe is created using pipe(2), which creates a new pipe and returns two file "
                      "descriptors, one referring to the read end of the pipe, the other referring to the write "
                      "end. Data written to the write end of a pipe can be read from the read end of the pipe.",
         .refs = {"pipe(7) DESCRIPTION", "POSIX.1-2017 pipe()", "execve(2) (file descriptors)"}) {
  const std::string text = "text from an exec'd program";
  Pipe p = MakePipe();
  Child fixture = SpawnFixture("pipe-write", {std::to_string(p.w.get()), text});
  p.w.reset();
  // The fixture holds the only write end (and a copy of the read end, which it does not use).
  const std::string got = ReadExactly(p.r.get(), text.size());
  ExpectCleanExit(fixture.Wait(), "exec'd pipe-write fixture");
  EXPECT_EQ(got, text);
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallSucceedsWithValue(0))
      << "once the exec'd writer has exited, no write end remains: end-of-file";
}

}  // namespace
