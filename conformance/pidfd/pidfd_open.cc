// pidfd_open(2): a file descriptor that refers to a process, and what it can be used for.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pidfd.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::pidfd;
using ipcc::pipes::PollEvents;

// poll() of one pidfd for POLLIN, waiting up to timeout_ms; revents (a failing poll is a harness error).
short PollIn(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int r = poll(&p, 1, timeout_ms);
    if (r >= 0) return p.revents;
    if (errno != EINTR) ThrowHarnessError("poll of a pidfd: " + ErrnoName(errno));
  }
}

IPC_CASE(pidfd, pidfd_open, child_pidfd_tracks_that_child_only,
         .title = "a pidfd opened for a child reports that child's end and not the end of another child",
         .covers = {"refers_to_child"}, .cls = Conformance::linux_specific) {
  Held other;
  Held target;
  const int raw = pidfd_open(target.pid(), 0);
  ASSERT_THAT(raw, SyscallSucceeds()) << "pidfd_open of a running child";
  UniqueFd fd(raw);
  other.Release();
  ExpectCleanExit(other.child.Wait(), "the other child");
  short rev = PollIn(fd.get(), 0);
  EXPECT_FALSE(rev & POLLIN) << "revents = " << PollEvents(rev)
                             << ": another child ended, but the pidfd refers to a child that still runs";
  target.Release();
  rev = PollIn(fd.get(), static_cast<int>(kDefaultWait.count()));
  EXPECT_TRUE(rev & POLLIN) << "revents = " << PollEvents(rev) << " after the child the pidfd refers to ended";
  ExpectCleanExit(target.child.Wait(), "the child the pidfd refers to");
}

IPC_CASE(pidfd, pidfd_open, self_pidfd_signal_reaches_caller,
         .title = "a process may open a pidfd for itself; a signal sent through it reaches the caller",
         .covers = {"refers_to_self"}, .cls = Conformance::linux_specific) {
  InChild("process signalling itself through its own pidfd", [] {
    signals::Block({SIGUSR1});
    const int raw = pidfd_open(getpid(), 0);
    ASSERT_THAT(raw, SyscallSucceeds()) << "pidfd_open(getpid(), 0)";
    UniqueFd fd(raw);
    ASSERT_THAT(pidfd_send_signal(fd.get(), SIGUSR1, nullptr, 0), SyscallSucceeds());
    const auto info = signals::ExpectAccepted(SIGUSR1, "the signal sent through the caller's own pidfd");
    if (!info) return;
    EXPECT_EQ(info->si_pid, getpid()) << "si_pid of the signal the process sent itself";
  });
}

IPC_CASE(pidfd, pidfd_open, sets_close_on_exec, .title = "the descriptor pidfd_open returns has FD_CLOEXEC set",
         .covers = {"cloexec_set"}, .cls = Conformance::linux_specific) {
  Held target;
  const int raw = pidfd_open(target.pid(), 0);
  ASSERT_THAT(raw, SyscallSucceeds());
  UniqueFd fd(raw);
  const int flags = fcntl(fd.get(), F_GETFD);
  ASSERT_THAT(flags, SyscallSucceeds()) << "fcntl(F_GETFD) of the pidfd";
  EXPECT_TRUE(flags & FD_CLOEXEC) << "F_GETFD gives " << flags << ": pidfd_open must set the close-on-exec flag";
  target.Release();
  ExpectCleanExit(target.child.Wait(), "child");
}

IPC_CASE(pidfd, pidfd_open, nonblock_flag_sets_o_nonblock,
         .title = "PIDFD_NONBLOCK gives a descriptor whose status flags hold O_NONBLOCK; flags 0 does not",
         .covers = {"PIDFD_NONBLOCK"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 10)) {
  Held target;
  const int nb = pidfd_open(target.pid(), PIDFD_NONBLOCK);
  ASSERT_THAT(nb, SyscallSucceeds()) << "pidfd_open(pid, PIDFD_NONBLOCK)";
  UniqueFd nonblocking(nb);
  UniqueFd blocking = Open(target.pid());
  const int nb_flags = fcntl(nonblocking.get(), F_GETFL);
  const int bl_flags = fcntl(blocking.get(), F_GETFL);
  ASSERT_THAT(nb_flags, SyscallSucceeds());
  ASSERT_THAT(bl_flags, SyscallSucceeds());
  EXPECT_TRUE(nb_flags & O_NONBLOCK) << "F_GETFL of the PIDFD_NONBLOCK pidfd gives " << std::hex << nb_flags
                                     << ": a nonblocking descriptor has O_NONBLOCK";
  EXPECT_FALSE(bl_flags & O_NONBLOCK) << "F_GETFL of a pidfd opened with flags 0 gives " << std::hex << bl_flags;
  target.Release();
  ExpectCleanExit(target.child.Wait(), "child");
}

IPC_CASE(pidfd, pidfd_open, unknown_flag_fails_einval,
         .title = "pidfd_open with a flag bit it does not define fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  Held target;
  const int r = pidfd_open(target.pid(), 1u << 30);
  EXPECT_THAT(r, SyscallFailsWithErrno(EINVAL)) << "flags 1 << 30, a bit no kernel defines for pidfd_open";
  UniqueFd opened(r);  // closed again should a deviating kernel have opened one
  target.Release();
  ExpectCleanExit(target.child.Wait(), "child");
}

IPC_CASE(pidfd, pidfd_open, nonpositive_pid_fails_einval,
         .title = "pidfd_open of pid 0 or of a negative pid fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  int r = pidfd_open(0, 0);
  EXPECT_THAT(r, SyscallFailsWithErrno(EINVAL)) << "pid 0 names no single process";
  UniqueFd zero(r);
  r = pidfd_open(-1, 0);
  EXPECT_THAT(r, SyscallFailsWithErrno(EINVAL)) << "pid -1 names no single process";
  UniqueFd negative(r);
}

IPC_CASE(pidfd, pidfd_open, reaped_pid_fails_esrch,
         .title = "pidfd_open of the pid of a child that ended and was waited for fails with ESRCH",
         .covers = {"ESRCH"}, .cls = Conformance::linux_specific) {
  const pid_t gone = signals::ReapedPid();
  const int r = pidfd_open(gone, 0);
  EXPECT_THAT(r, SyscallFailsWithErrno(ESRCH)) << "pid " << gone << " ended and was reaped: no process has it";
  UniqueFd opened(r);
}

IPC_CASE(pidfd, pidfd_open, no_free_descriptor_fails_emfile,
         .title = "pidfd_open with every descriptor below RLIMIT_NOFILE in use fails with EMFILE", .covers = {"EMFILE"},
         .cls = Conformance::linux_specific) {
  InChild("process at its RLIMIT_NOFILE", [] {
    UseUpDescriptors();
    const int r = pidfd_open(getpid(), 0);
    EXPECT_THAT(r, SyscallFailsWithErrno(EMFILE)) << "no descriptor number below the soft limit is free";
    UniqueFd opened(r);
  });
}

IPC_CASE(pidfd, pidfd_open, terminated_unreaped_child_gives_zombie_pidfd,
         .title = "pidfd_open of a terminated child not yet waited for refers to the zombie: readable, and waitid "
                  "on it reports the exit",
         .covers = {"zombie_child_still_referenced"}, .cls = Conformance::linux_specific,
         .needs = need::MinKernel(5, 4)) {
  Child c = Fork([] { _exit(7); });
  AwaitWaitableOrThrow(c.pid(), WEXITED, "the child did not terminate");
  const int raw = pidfd_open(c.pid(), 0);
  ASSERT_THAT(raw, SyscallSucceeds()) << "pidfd_open of a zombie child (terminated, not waited for)";
  UniqueFd fd(raw);
  const short rev = PollIn(fd.get(), 0);
  EXPECT_TRUE(rev & POLLIN) << "revents = " << PollEvents(rev) << ": the pidfd of a zombie is readable at once";
  siginfo_t si = Garbage();
  ASSERT_THAT(waitid(P_PIDFD, static_cast<id_t>(fd.get()), &si, WEXITED | WNOHANG), SyscallSucceeds());
  const pid_t pid = c.pid();
  if (si.si_pid == pid) c.Release();  // reaped here
  ExpectReport(si, pid, CLD_EXITED, 7, "waitid(P_PIDFD) on the zombie's pidfd");
}

IPC_CASE(pidfd, pidfd_open, poll_blocks_until_exit_then_pollin,
         .title = "poll for POLLIN on a pidfd blocks while the process runs and returns POLLIN once it has ended",
         .covers = {"readable_when_process_terminates"}, .cls = Conformance::linux_specific) {
  Held target;
  UniqueFd fd = Open(target.pid());
  Child poller = Fork([&] {
    pollfd p{fd.get(), POLLIN, 0};
    EXPECT_THAT(poll(&p, 1, static_cast<int>(kDefaultWait.count())), SyscallSucceedsWithValue(1))
        << "poll of the pidfd must return once the process it refers to has ended";
    EXPECT_TRUE(p.revents & POLLIN) << "revents = " << PollEvents(p.revents) << " after the process ended";
  });
  IPCC_ASSERT_BLOCKED(poller.pid(), SYS_poll, SYS_ppoll);
  target.Release();
  ExpectReleased(poller, "poller blocked in poll on the pidfd, after the process ended");
  ExpectCleanExit(target.child.Wait(), "the process the pidfd refers to");
}

IPC_CASE(pidfd, pidfd_open, epoll_reports_epollin_after_exit,
         .title = "epoll reports nothing for a pidfd while its process runs and EPOLLIN once it has ended",
         .covers = {"readable_when_process_terminates"}, .refs = {"epoll(7)"}, .cls = Conformance::linux_specific) {
  Held target;
  UniqueFd fd = Open(target.pid());
  UniqueFd ep(IPCC_SETUP(epoll_create1(EPOLL_CLOEXEC)));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd.get();
  IPCC_SETUP(epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd.get(), &ev));
  epoll_event out{};
  EXPECT_THAT(epoll_wait(ep.get(), &out, 1, 0), SyscallSucceedsWithValue(0))
      << "epoll_wait (timeout 0) while the process the pidfd refers to still runs";
  target.Release();
  out = {};
  EXPECT_THAT(epoll_wait(ep.get(), &out, 1, static_cast<int>(kDefaultWait.count())), SyscallSucceedsWithValue(1))
      << "epoll_wait once the process has ended";
  EXPECT_TRUE(out.events & EPOLLIN) << "events = " << std::hex << out.events << ", expected EPOLLIN";
  ExpectCleanExit(target.child.Wait(), "the process the pidfd refers to");
}

IPC_CASE(pidfd, pidfd_open, select_reports_readable_after_exit,
         .title = "select reports a pidfd not readable while its process runs and readable once it has ended",
         .covers = {"readable_when_process_terminates"}, .refs = {"select(2)"}, .cls = Conformance::linux_specific) {
  Held target;
  UniqueFd fd = Open(target.pid());
  if (fd.get() >= FD_SETSIZE) ThrowHarnessError("set-up: the pidfd is above FD_SETSIZE");
  fd_set set;
  FD_ZERO(&set);
  FD_SET(fd.get(), &set);
  timeval zero{0, 0};
  EXPECT_THAT(select(fd.get() + 1, &set, nullptr, nullptr, &zero), SyscallSucceedsWithValue(0))
      << "select (timeout 0) while the process the pidfd refers to still runs";
  target.Release();
  FD_ZERO(&set);
  FD_SET(fd.get(), &set);
  timeval bound{static_cast<time_t>(kDefaultWait.count() / 1000), 0};
  EXPECT_THAT(select(fd.get() + 1, &set, nullptr, nullptr, &bound), SyscallSucceedsWithValue(1))
      << "select once the process has ended";
  EXPECT_TRUE(FD_ISSET(fd.get(), &set)) << "the pidfd must be in the readable set once its process has ended";
  ExpectCleanExit(target.child.Wait(), "the process the pidfd refers to");
}

IPC_CASE(pidfd, pidfd_open, read_fails_einval, .title = "read on a pidfd fails with EINVAL",
         .covers = {"read_fails_einval"}, .cls = Conformance::linux_specific) {
  Held target;
  UniqueFd fd = Open(target.pid());
  // Bounded: a kernel that let read wait for the process would leave it blocked.
  ExpectReturnsWithin("read of a pidfd", [&] {
    char buf[16];
    EXPECT_THAT(read(fd.get(), buf, sizeof buf), SyscallFailsWithErrno(EINVAL)) << "nothing can be read from a pidfd";
  });
  target.Release();
  ExpectCleanExit(target.child.Wait(), "the process the pidfd refers to");
}

IPC_CASE(pidfd, pidfd_open, proc_pid_directory_fd_not_waitable,
         .title = "waitid(P_PIDFD) refuses a descriptor of a /proc/<pid> directory, even for a terminated child",
         .covers = {"proc_pid_fd_not_waitable"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(5, 4)) {
  Held target;
  const std::string dir = "/proc/" + std::to_string(target.pid());
  UniqueFd procfd(IPCC_SETUP(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
  target.Release();
  AwaitWaitableOrThrow(target.pid(), WEXITED, "the child did not terminate");
  siginfo_t si = Garbage();
  const int r = waitid(P_PIDFD, static_cast<id_t>(procfd.get()), &si, WEXITED | WNOHANG);
  const int err = errno;
  EXPECT_EQ(r, -1) << "waitid(P_PIDFD) given a descriptor of " << dir
                   << " must fail: such a descriptor cannot be waited on; it returned " << r << " (" << Describe(si)
                   << ")";
  if (r == -1) {
    EXPECT_NE(err, ECHILD) << "waitid failed with ECHILD, as if it had taken the descriptor for a pidfd";
  } else if (si.si_pid == target.pid()) {
    target.child.Release();  // a deviating kernel reaped it
  }
  if (target.child.pid() > 0) ExpectCleanExit(target.child.Wait(), "child");
}

IPC_CASE(pidfd, pidfd_open, setns_joins_target_ipc_namespace,
         .title = "setns with a pidfd and CLONE_NEWIPC moves the caller into the IPC namespace of that process",
         .covers = {"setns_joins_namespaces"}, .refs = {"setns(2) DESCRIPTION"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("ipc_namespace") | need::MinKernel(5, 8)) {
  Gate gate;
  Child target = ForkHeld(gate, 0, [] {
    IPCC_SETUP(unshare(CLONE_NEWIPC));
    CheckpointPost(0);
  });
  if (!AwaitCheckpoint(target, 0)) return;
  UniqueFd fd = Open(target.pid());
  struct stat theirs {};
  struct stat ours {};
  IPCC_SETUP(stat(("/proc/" + std::to_string(target.pid()) + "/ns/ipc").c_str(), &theirs));
  IPCC_SETUP(stat("/proc/self/ns/ipc", &ours));
  if (theirs.st_ino == ours.st_ino) ThrowHarnessError("set-up: unshare(CLONE_NEWIPC) left the target in our namespace");
  InChild("process joining the target's IPC namespace", [&] {
    ASSERT_THAT(setns(fd.get(), CLONE_NEWIPC), SyscallSucceeds()) << "setns(pidfd, CLONE_NEWIPC)";
    struct stat now {};
    IPCC_SETUP(stat("/proc/self/ns/ipc", &now));
    EXPECT_TRUE(now.st_ino == theirs.st_ino && now.st_dev == theirs.st_dev)
        << "after setns(pidfd, CLONE_NEWIPC) /proc/self/ns/ipc is inode " << now.st_ino << ", the target's is "
        << theirs.st_ino;
  });
  gate.Open();
  ExpectCleanExit(target.Wait(), "the process in its own IPC namespace");
}

IPC_CASE(pidfd, pidfd_open, non_child_pidfd_waitid_fails_echild,
         .title = "waitid(P_PIDFD) on a pidfd of a process that is not a child of the caller fails with ECHILD",
         .covers = {"child_pidfd_waitable", "waitid.ECHILD"}, .cls = Conformance::linux_specific,
         .needs = need::MinKernel(5, 4)) {
  UniqueFd self = Open(getpid());
  UniqueFd parent = Open(getppid());
  siginfo_t si = Garbage();
  EXPECT_THAT(waitid(P_PIDFD, static_cast<id_t>(self.get()), &si, WEXITED | WNOHANG), SyscallFailsWithErrno(ECHILD))
      << "a pidfd of the caller itself";
  EXPECT_THAT(waitid(P_PIDFD, static_cast<id_t>(parent.get()), &si, WEXITED | WNOHANG), SyscallFailsWithErrno(ECHILD))
      << "a pidfd of the caller's parent";
}

}  // namespace
