// pidfd_getfd(2): duplicating a descriptor of another process.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pidfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::pidfd;

// The other process of a pidfd_getfd case: a child that makes a descriptor with `make`, publishes its
// number in *fdno, posts checkpoint 0, waits for checkpoint 1 (the case has duplicated it), then runs
// `after(fd)`.
Child ForkTarget(SharedPage<int>& fdno, const std::function<int()>& make, const std::function<void(int)>& after = {}) {
  return Fork([&] {
    const int fd = make();
    *fdno = fd;
    CheckpointPost(0);
    CheckpointWait(1);
    if (after) after(fd);
  });
}

// A file in the case's folder holding `text`, opened with `flags` (set-up).
int OpenFileWith(const std::string& path, const std::string& text, int flags) {
  const int fd = IPCC_SETUP(open(path.c_str(), flags | O_CREAT, 0600));
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    ThrowHarnessError("set-up: writing " + path + ": " + ErrnoName(errno));
  }
  return fd;
}

IPC_CASE(pidfd, pidfd_getfd, duplicate_shares_file_offset,
         .title = "the duplicate shares the target descriptor's file offset, both ways",
         .covers = {"same_open_file_description"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  const std::string path = TempPath("getfd-offset");
  SharedPage<int> fdno;
  Child target = ForkTarget(
      fdno, [&] { return OpenFileWith(path, "0123456789", O_RDWR); },
      [](int fd) {
        EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 3)
            << "the target's offset after the duplicating process moved the duplicate's offset to 3";
      });
  if (!AwaitCheckpoint(target, 0)) return;
  UniqueFd pidfd = Open(target.pid());
  const int dup = pidfd_getfd(pidfd.get(), *fdno, 0);
  ASSERT_THAT(dup, SyscallSucceeds()) << "pidfd_getfd of the target's descriptor " << *fdno;
  UniqueFd copy(dup);
  EXPECT_EQ(lseek(copy.get(), 0, SEEK_CUR), 10) << "the duplicate's offset, after the target wrote 10 bytes";
  IPCC_SETUP(lseek(copy.get(), 3, SEEK_SET));
  CheckpointPost(1);
  ExpectCleanExit(target.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_getfd, duplicate_shares_status_flags,
         .title = "the duplicate shares the target descriptor's file status flags, both ways",
         .covers = {"same_open_file_description"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  const std::string path = TempPath("getfd-flags");
  SharedPage<int> fdno;
  Child target = ForkTarget(
      fdno, [&] { return OpenFileWith(path, "x", O_WRONLY | O_APPEND); },
      [](int fd) {
        const int fl = fcntl(fd, F_GETFL);
        EXPECT_TRUE(fl >= 0 && (fl & O_NONBLOCK)) << "F_GETFL in the target gives " << std::hex << fl
                                                  << " after the duplicating process set O_NONBLOCK on the duplicate";
      });
  if (!AwaitCheckpoint(target, 0)) return;
  UniqueFd pidfd = Open(target.pid());
  const int dup = pidfd_getfd(pidfd.get(), *fdno, 0);
  ASSERT_THAT(dup, SyscallSucceeds()) << "pidfd_getfd of the target's descriptor " << *fdno;
  UniqueFd copy(dup);
  const int fl = IPCC_SETUP(fcntl(copy.get(), F_GETFL));
  EXPECT_TRUE(fl & O_APPEND) << "F_GETFL of the duplicate gives " << std::hex << fl
                             << ": the target opened its descriptor O_APPEND";
  IPCC_SETUP(fcntl(copy.get(), F_SETFL, fl | O_NONBLOCK));
  CheckpointPost(1);
  ExpectCleanExit(target.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_getfd, duplicate_binds_target_socket,
         .title = "binding a socket through the duplicate binds the target's socket",
         .covers = {"operates_on_same_object"}, .cls = Conformance::linux_specific,
         .needs = need::MinKernel(5, 6) | need::Feature("unix_socket")) {
  const std::string path = TempPath("getfd.sock");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) ThrowHarnessError("set-up: socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  SharedPage<int> fdno;
  Child target = ForkTarget(
      fdno, [] { return IPCC_SETUP(socket(AF_UNIX, SOCK_STREAM, 0)); },
      [&](int fd) {
        sockaddr_un got{};
        socklen_t len = sizeof got;
        ASSERT_THAT(getsockname(fd, reinterpret_cast<sockaddr*>(&got), &len), SyscallSucceeds());
        EXPECT_STREQ(got.sun_path, path.c_str())
            << "the target's socket, bound by another process through a pidfd_getfd duplicate";
      });
  if (!AwaitCheckpoint(target, 0)) return;
  UniqueFd pidfd = Open(target.pid());
  const int dup = pidfd_getfd(pidfd.get(), *fdno, 0);
  ASSERT_THAT(dup, SyscallSucceeds()) << "pidfd_getfd of the target's socket " << *fdno;
  UniqueFd copy(dup);
  ASSERT_THAT(bind(copy.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr), SyscallSucceeds())
      << "bind through the duplicate";
  CheckpointPost(1);
  ExpectCleanExit(target.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_getfd, duplicate_has_close_on_exec,
         .title = "the descriptor pidfd_getfd returns has FD_CLOEXEC set though the target's has not",
         .covers = {"cloexec_set"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  SharedPage<int> fdno;
  Child target = ForkTarget(fdno, [] {
    const int fd = IPCC_SETUP(open("/dev/null", O_RDONLY));
    if (fcntl(fd, F_GETFD) != 0) ThrowHarnessError("set-up: the target's descriptor has FD_CLOEXEC");
    return fd;
  });
  if (!AwaitCheckpoint(target, 0)) return;
  UniqueFd pidfd = Open(target.pid());
  const int dup = pidfd_getfd(pidfd.get(), *fdno, 0);
  ASSERT_THAT(dup, SyscallSucceeds()) << "pidfd_getfd of the target's descriptor " << *fdno;
  UniqueFd copy(dup);
  const int flags = fcntl(copy.get(), F_GETFD);
  ASSERT_THAT(flags, SyscallSucceeds());
  EXPECT_TRUE(flags & FD_CLOEXEC) << "F_GETFD of the duplicate gives " << flags;
  CheckpointPost(1);
  ExpectCleanExit(target.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_getfd, stopped_target_descriptor_duplicated,
         .title = "pidfd_getfd duplicates a descriptor of a target that is stopped and so does nothing",
         .covers = {"no_cooperation_needed"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  const std::string path = TempPath("getfd-stopped");
  const int fd = OpenFileWith(path, "s", O_WRONLY);
  UniqueFd ours(fd);
  Held target;  // holds its copy of `fd`
  ours.reset();
  StopAndAwait(target.pid());
  UniqueFd pidfd = Open(target.pid());
  const int dup = pidfd_getfd(pidfd.get(), fd, 0);
  EXPECT_THAT(dup, SyscallSucceeds()) << "pidfd_getfd of descriptor " << fd << " of the stopped target";
  UniqueFd copy(dup);
  if (copy.valid()) {
    struct stat got {};
    struct stat file {};
    IPCC_SETUP(fstat(copy.get(), &got));
    IPCC_SETUP(stat(path.c_str(), &file));
    EXPECT_TRUE(got.st_ino == file.st_ino && got.st_dev == file.st_dev)
        << "the duplicate must be the target's open file " << path;
  }
  IPCC_SETUP(kill(target.pid(), SIGCONT));
  target.Release();
  ExpectCleanExit(target.child.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_getfd, fd_not_open_in_target_fails_ebadf,
         .title = "pidfd_getfd of a descriptor number the target has closed fails with EBADF, though the caller "
                  "has it open",
         .covers = {"EBADF"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  Pipe p = MakePipe();
  const int number = p.r.get();
  SharedPage<int> fdno;
  Child target = ForkTarget(fdno, [&] {
    IPCC_SETUP(close(number));
    return number;
  });
  if (!AwaitCheckpoint(target, 0)) return;
  UniqueFd pidfd = Open(target.pid());
  const int r = pidfd_getfd(pidfd.get(), number, 0);
  EXPECT_THAT(r, SyscallFailsWithErrno(EBADF)) << "descriptor " << number << " is closed in the target";
  UniqueFd opened(r);
  CheckpointPost(1);
  ExpectCleanExit(target.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_getfd, non_pidfd_fails_ebadf,
         .title = "pidfd_getfd given a descriptor that is not a pidfd (a pipe) fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  Pipe p = MakePipe(O_CLOEXEC);
  const int r = pidfd_getfd(p.r.get(), p.w.get(), 0);
  EXPECT_THAT(r, SyscallFailsWithErrno(EBADF)) << "the read end of a pipe as pidfd";
  UniqueFd opened(r);
}

IPC_CASE(pidfd, pidfd_getfd, nonzero_flags_fail_einval,
         .title = "pidfd_getfd with flags other than 0 fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  Pipe p = MakePipe(O_CLOEXEC);  // a descriptor the caller itself has, duplicated through its own pidfd
  UniqueFd self = Open(getpid());
  int r = pidfd_getfd(self.get(), p.r.get(), 1);
  EXPECT_THAT(r, SyscallFailsWithErrno(EINVAL)) << "flags 1";
  UniqueFd one(r);
  r = pidfd_getfd(self.get(), p.r.get(), 1u << 30);
  EXPECT_THAT(r, SyscallFailsWithErrno(EINVAL)) << "flags 1 << 30";
  UniqueFd high(r);
}

IPC_CASE(pidfd, pidfd_getfd, no_free_descriptor_fails_emfile,
         .title = "pidfd_getfd with every descriptor below the caller's RLIMIT_NOFILE in use fails with EMFILE",
         .covers = {"EMFILE"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  Pipe p = MakePipe();  // open in the target too
  Held target;
  UniqueFd pidfd = Open(target.pid());
  InChild("caller at its RLIMIT_NOFILE", [&] {
    UseUpDescriptors();
    const int r = pidfd_getfd(pidfd.get(), p.r.get(), 0);
    EXPECT_THAT(r, SyscallFailsWithErrno(EMFILE)) << "no descriptor number below the soft limit is free";
    UniqueFd opened(r);
  });
  target.Release();
  ExpectCleanExit(target.child.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_getfd, unprivileged_caller_fails_eperm,
         .title = "an unprivileged caller duplicating a descriptor of another uid's process fails with EPERM",
         .covers = {"EPERM"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6) | kNeedSecondUid) {
  Pipe p = MakePipe();  // open in the target
  Held target;          // root's
  UniqueFd pidfd = Open(target.pid());
  const Identity nobody = SecondIdentity();
  RunAs(nobody, "unprivileged caller", [&] {
    const int r = pidfd_getfd(pidfd.get(), p.r.get(), 0);
    EXPECT_THAT(r, SyscallFailsWithErrno(EPERM))
        << "uid " << nobody.uid << " has no PTRACE_MODE_ATTACH_REALCREDS access to a process of uid 0";
    UniqueFd opened(r);
  });
  target.Release();
  ExpectCleanExit(target.child.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_getfd, reaped_target_fails_esrch,
         .title = "pidfd_getfd from a process that terminated and was waited for fails with ESRCH", .covers = {"ESRCH"},
         .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 6)) {
  Pipe p = MakePipe(O_CLOEXEC);
  Child c = Fork([] {});
  UniqueFd pidfd = Open(c.pid());
  ExpectCleanExit(c.Wait(), "child");
  const int r = pidfd_getfd(pidfd.get(), p.r.get(), 0);
  EXPECT_THAT(r, SyscallFailsWithErrno(ESRCH)) << "the process the pidfd refers to has terminated and been reaped";
  UniqueFd opened(r);
}

}  // namespace
