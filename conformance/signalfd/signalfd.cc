// signalfd(2): the signalfd() call (errors, flags, masks) and what the page says about the descriptor:
// SIGKILL and SIGSTOP, unblocked signals, several descriptors, fdinfo, fork, descriptor passing, execve,
// threads, epoll and synchronously generated signals.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"
#include "harness/caselib/ipc/signalfd.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;
namespace sfd = ipcc::signalfd;

// The flag bits signalfd accepts.
constexpr int kKnownFlags = SFD_NONBLOCK | SFD_CLOEXEC;
// The size of the kernel's signal set (sizemask of the raw system calls): _NSIG - 1 signals, one bit each.
constexpr std::size_t kKernelSigsetSize = (_NSIG - 1) / 8;

// The lowest descriptor number not in use by the calling process (single-threaded: nothing else opens one).
int LowestFreeDescriptor() {
  const int fd = IPCC_SETUP(open("/dev/null", O_RDONLY | O_CLOEXEC));  // open takes the lowest free number
  close(fd);
  return fd;
}

// ---------------------------------------------------------------------------------------------- errors

IPC_CASE(signalfd, signalfd, closed_descriptor_fails_ebadf,
         .title = "signalfd with fd set to a descriptor number that is not open fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  InChild("child", [] {
    const int closed = LowestFreeDescriptor();
    const sigset_t set = SetOf({SIGUSR1});
    EXPECT_THAT(::signalfd(closed, &set, 0), SyscallFailsWithErrno(EBADF))
        << "fd " << closed << " is the lowest descriptor number not open";
  });
}

IPC_CASE(signalfd, signalfd, negative_descriptor_fails_ebadf,
         .title = "signalfd with fd set to a negative number other than -1 fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  const sigset_t set = SetOf({SIGUSR1});
  for (int fd : {-2, -100}) {
    EXPECT_THAT(::signalfd(fd, &set, 0), SyscallFailsWithErrno(EBADF))
        << "fd " << fd << " is neither -1 (make a new descriptor) nor an open descriptor";
  }
}

IPC_CASE(signalfd, signalfd, unknown_flag_fails_einval,
         .title = "signalfd with any flag bit other than SFD_NONBLOCK and SFD_CLOEXEC fails with EINVAL",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  const sigset_t set = SetOf({SIGUSR1});
  for (int bit = 0; bit < 31; ++bit) {
    const int flag = 1 << bit;
    if ((flag & kKnownFlags) != 0) continue;
    const int fd = ::signalfd(-1, &set, flag);
    EXPECT_THAT(fd, SyscallFailsWithErrno(EINVAL))
        << "flags " << std::hex << std::showbase << flag << " holds neither SFD_NONBLOCK nor SFD_CLOEXEC";
    if (fd >= 0) close(fd);
  }
}

IPC_CASE(signalfd, signalfd, non_signalfd_descriptor_fails_einval,
         .title = "signalfd with fd set to an open descriptor that is not a signalfd (a pipe) fails with EINVAL",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  const sigset_t set = SetOf({SIGUSR1});
  EXPECT_THAT(::signalfd(p.r.get(), &set, 0), SyscallFailsWithErrno(EINVAL)) << "fd is the read end of a pipe";
}

IPC_CASE(signalfd, signalfd, descriptor_limit_fails_emfile,
         .title = "signalfd(-1, ...) fails with EMFILE when no descriptor number is free under RLIMIT_NOFILE",
         .covers = {"EMFILE"}, .cls = Conformance::linux_specific) {
  InChild("child at its descriptor limit", [] {
    Pipe spare = MakePipe();
    rlimit lim{64, 64};
    IPCC_SETUP(setrlimit(RLIMIT_NOFILE, &lim));
    std::vector<UniqueFd> taken;
    for (int fd; (fd = dup(spare.r.get())) >= 0;) taken.emplace_back(fd);
    if (errno != EMFILE) ThrowHarnessError("set-up: dup while using up descriptors: " + ErrnoName(errno));
    const sigset_t set = SetOf({SIGUSR1});
    const int fd = ::signalfd(-1, &set, SFD_CLOEXEC);
    EXPECT_THAT(fd, SyscallFailsWithErrno(EMFILE)) << "every descriptor number below RLIMIT_NOFILE (64) is in use";
    if (fd >= 0) close(fd);
    if (taken.empty()) ThrowHarnessError("set-up: no descriptor was free below RLIMIT_NOFILE to begin with");
    taken.pop_back();
    UniqueFd again(::signalfd(-1, &set, SFD_CLOEXEC));
    EXPECT_TRUE(again.valid()) << "with one descriptor number free again, signalfd(-1, ...) should succeed, but it "
                               << "failed with " << ErrnoName(errno);
  });
}

// ----------------------------------------------------------------------------------------------- flags

IPC_CASE(signalfd, signalfd, sfd_cloexec_sets_fd_cloexec,
         .title = "a signalfd made with SFD_CLOEXEC has FD_CLOEXEC set", .covers = {"SFD_CLOEXEC"},
         .cls = Conformance::linux_specific) {
  UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_CLOEXEC);
  ASSERT_TRUE(fd.valid());
  const int fdflags = fcntl(fd.get(), F_GETFD);
  ASSERT_THAT(fdflags, SyscallSucceeds());
  EXPECT_TRUE(fdflags & FD_CLOEXEC) << "F_GETFD gives " << fdflags << ", expected FD_CLOEXEC set by SFD_CLOEXEC";
}

IPC_CASE(signalfd, signalfd, sfd_cloexec_descriptor_closed_by_exec,
         .title = "a signalfd made with SFD_CLOEXEC is no longer open in a program started with execve",
         .covers = {"SFD_CLOEXEC"}, .cls = Conformance::linux_specific) {
  InChild("child exec'ing the signalfd-fd fixture", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ExecFixture("signalfd-fd", {std::to_string(fd.get()), sfd::MaskHex({SIGUSR1}), "closed"});
  });
}

IPC_CASE(signalfd, signalfd, sfd_nonblock_sets_o_nonblock,
         .title = "a signalfd made with SFD_NONBLOCK has O_NONBLOCK set on its open file description",
         .covers = {"SFD_NONBLOCK"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
  ASSERT_TRUE(fd.valid());
  const int fl = fcntl(fd.get(), F_GETFL);
  ASSERT_THAT(fl, SyscallSucceeds());
  EXPECT_TRUE(fl & O_NONBLOCK) << "F_GETFL gives " << std::oct << std::showbase << fl
                               << ", expected O_NONBLOCK set by SFD_NONBLOCK";
}

IPC_CASE(signalfd, signalfd, zero_flags_sets_neither_flag,
         .title = "a signalfd made with flags 0 has neither O_NONBLOCK nor FD_CLOEXEC",
         .covers = {"zero_flags_sets_neither"}, .cls = Conformance::linux_specific) {
  UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1}), 0);
  ASSERT_TRUE(fd.valid());
  const int fl = fcntl(fd.get(), F_GETFL);
  const int fdflags = fcntl(fd.get(), F_GETFD);
  ASSERT_THAT(fl, SyscallSucceeds());
  ASSERT_THAT(fdflags, SyscallSucceeds());
  EXPECT_FALSE(fl & O_NONBLOCK) << "F_GETFL gives " << std::oct << std::showbase << fl
                                << ": O_NONBLOCK set though flags was 0";
  EXPECT_FALSE(fdflags & FD_CLOEXEC) << "F_GETFD gives " << fdflags << ": FD_CLOEXEC set though flags was 0";
}

// ------------------------------------------------------------------------------ new and existing masks

IPC_CASE(signalfd, signalfd, minus_one_makes_new_descriptor_each_call,
         .title = "each signalfd(-1, ...) returns a new descriptor, not one already open, with its own mask",
         .covers = {"minus_one_creates_descriptor"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    Block({SIGUSR1, SIGUSR2});
    const int lowest = LowestFreeDescriptor();
    UniqueFd one = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
    UniqueFd two = sfd::NewSignalfd(SetOf({SIGUSR2}), SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(one.valid() && two.valid());
    EXPECT_NE(one.get(), two.get()) << "two calls with fd -1 returned the same descriptor";
    EXPECT_GE(one.get(), lowest) << "the first new descriptor is a number that was already open";
    EXPECT_GE(two.get(), lowest) << "the second new descriptor is a number that was already open";
    ASSERT_THAT(kill(getpid(), SIGUSR2), SyscallSucceeds());
    EXPECT_TRUE(sfd::Readable(two.get())) << "the descriptor made for {SIGUSR2} is not readable with SIGUSR2 pending";
    EXPECT_FALSE(sfd::Readable(one.get()))
        << "the descriptor made for {SIGUSR1} is readable with only SIGUSR2 pending: the masks are not separate";
  });
}

IPC_CASE(signalfd, signalfd, existing_descriptor_returns_same_fd,
         .title = "signalfd on an existing signalfd returns that descriptor and opens no new one",
         .covers = {"existing_fd_returns_fd"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    const int lowest = LowestFreeDescriptor();
    const sigset_t other = SetOf({SIGUSR2});
    EXPECT_THAT(::signalfd(fd.get(), &other, 0), SyscallSucceedsWithValue(fd.get()))
        << "signalfd(" << fd.get() << ", {SIGUSR2}, 0) on an existing signalfd";
    EXPECT_EQ(LowestFreeDescriptor(), lowest) << "the call on an existing signalfd opened a new descriptor";
  });
}

IPC_CASE(signalfd, signalfd, replaced_mask_no_longer_reads_old_signal,
         .title = "after signalfd(fd, new mask), a signal only in the old mask is not read and stays pending",
         .covers = {"existing_fd_replaces_mask"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    Block({SIGUSR1, SIGUSR2});
    UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    const sigset_t other = SetOf({SIGUSR2});
    ASSERT_THAT(::signalfd(fd.get(), &other, 0), SyscallSucceedsWithValue(fd.get()));
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    signalfd_siginfo si{};
    EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN))
        << "SIGUSR1 is pending but was replaced by SIGUSR2 in the descriptor's mask";
    EXPECT_TRUE(Has(PendingSet(), SIGUSR1)) << "SIGUSR1 should still be pending";
  });
}

IPC_CASE(signalfd, signalfd, replaced_mask_reads_new_signal,
         .title = "after signalfd(fd, new mask), a signal of the new mask is read through the descriptor",
         .covers = {"existing_fd_replaces_mask"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    Block({SIGUSR1, SIGUSR2});
    UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    const sigset_t other = SetOf({SIGUSR2});
    ASSERT_THAT(::signalfd(fd.get(), &other, 0), SyscallSucceedsWithValue(fd.get()));
    ASSERT_THAT(kill(getpid(), SIGUSR2), SyscallSucceeds());
    const auto si = sfd::ReadOne(fd.get(), "SIGUSR2 pending after the mask was replaced by {SIGUSR2}");
    if (si) {
      EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR2)) << "read " << sfd::Describe(*si);
    }
  });
}

// -------------------------------------------------------------------------------------- SIGKILL, SIGSTOP

IPC_CASE(signalfd, signalfd, sigkill_sigstop_dropped_from_mask,
         .title = "signalfd accepts a mask with SIGKILL and SIGSTOP and leaves both out of the descriptor's set",
         .covers = {"sigkill_sigstop_ignored_in_mask", "fdinfo_shows_mask"}, .cls = Conformance::linux_specific) {
  const sigset_t set = SetOf({SIGKILL, SIGSTOP, SIGUSR1});
  UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC));
  ASSERT_TRUE(fd.valid()) << "signalfd(-1, {SIGKILL, SIGSTOP, SIGUSR1}, SFD_CLOEXEC) failed with " << ErrnoName(errno)
                          << "; the two should be ignored silently";
  const auto mask = sfd::FdinfoMask(fd.get());
  ASSERT_TRUE(mask.has_value()) << "/proc/self/fdinfo/" << fd.get() << " has no sigmask field";
  EXPECT_EQ(*mask, sfd::MaskHex({SIGUSR1})) << "the descriptor's mask (fdinfo sigmask) should hold SIGUSR1 only";
}

IPC_CASE(signalfd, signalfd, mask_of_only_sigkill_sigstop_accepted_empty,
         .title = "signalfd accepts a mask of only SIGKILL and SIGSTOP and makes a descriptor with an empty set",
         .covers = {"sigkill_sigstop_ignored_in_mask", "fdinfo_shows_mask"}, .cls = Conformance::linux_specific) {
  const sigset_t set = SetOf({SIGKILL, SIGSTOP});
  UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC));
  ASSERT_TRUE(fd.valid()) << "signalfd(-1, {SIGKILL, SIGSTOP}, SFD_CLOEXEC) failed with " << ErrnoName(errno)
                          << "; the two should be ignored silently";
  const auto mask = sfd::FdinfoMask(fd.get());
  ASSERT_TRUE(mask.has_value()) << "/proc/self/fdinfo/" << fd.get() << " has no sigmask field";
  EXPECT_EQ(*mask, sfd::MaskHex({})) << "the descriptor's mask (fdinfo sigmask) should be empty";
}

IPC_CASE(signalfd, signalfd, sigkill_kills_process_reading_signalfd,
         .title = "SIGKILL kills a process blocked reading a signalfd whose mask names SIGKILL",
         .covers = {"sigkill_sigstop_never_read"}, .cls = Conformance::linux_specific) {
  Child reader = Fork([] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGKILL, SIGUSR1}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    const ssize_t n = read(fd.get(), &si, sizeof si);
    ADD_FAILURE() << "the read of the signalfd returned " << n
                  << (n == sfd::kSiginfoSize ? " with " + sfd::Describe(si) : std::string())
                  << "; the process should have been killed by SIGKILL";
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  ASSERT_THAT(kill(reader.pid(), SIGKILL), SyscallSucceeds());
  ExpectKilled(reader, SIGKILL, "child reading a signalfd for {SIGKILL, SIGUSR1}, sent SIGKILL");
}

IPC_CASE(signalfd, signalfd, sigstop_stops_process_reading_signalfd,
         .title = "SIGSTOP stops a process blocked reading a signalfd whose mask names SIGSTOP; the read goes on",
         .covers = {"sigkill_sigstop_never_read"}, .cls = Conformance::linux_specific) {
  Child reader = Fork([] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGSTOP, SIGUSR1}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(sfd::kSiginfoSize));
    EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR1))
        << "read " << sfd::Describe(si) << "; SIGSTOP must not be read, the SIGUSR1 sent after it should be";
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  ExpectStopsAndContinues(
      reader, [&] { EXPECT_THAT(kill(reader.pid(), SIGUSR1), SyscallSucceeds()); },
      "child reading a signalfd for {SIGSTOP, SIGUSR1}");
}

// --------------------------------------------------------------------------------- unblocked signals

IPC_CASE(signalfd, signalfd, unblocked_signal_runs_handler_not_read,
         .title = "a signal of the mask that is not blocked runs its handler and is not left for the signalfd",
         .covers = {"unblocked_signal_not_read"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    SetHandler(SIGUSR1, CountingHandler);
    UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    EXPECT_EQ(g_handled.calls, 1) << "the unblocked SIGUSR1 sent to self should have run its handler once";
    signalfd_siginfo si{};
    EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN))
        << "the handled SIGUSR1 must not also be readable from the signalfd";
  });
}

IPC_CASE(signalfd, signalfd, unblocked_signal_takes_default_action,
         .title = "an unblocked SIGTERM in the mask of a signalfd being read kills the reader (default action)",
         .covers = {"unblocked_signal_not_read"}, .cls = Conformance::linux_specific) {
  Child reader = Fork([] {
    UniqueFd fd = sfd::NewSignalfd(SetOf({SIGTERM}), SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    const ssize_t n = read(fd.get(), &si, sizeof si);
    ADD_FAILURE() << "the read of the signalfd returned " << n
                  << (n == sfd::kSiginfoSize ? " with " + sfd::Describe(si) : std::string())
                  << "; the unblocked SIGTERM should have killed the process";
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  ASSERT_THAT(kill(reader.pid(), SIGTERM), SyscallSucceeds());
  ExpectKilled(reader, SIGTERM, "child reading a signalfd for {SIGTERM} without blocking it, sent SIGTERM");
}

// ------------------------------------------------------------------------------- the raw system calls

IPC_CASE(signalfd, signalfd, wrong_sizemask_fails_einval,
         .title = "the signalfd4 system call refuses a sizemask other than the kernel's signal set size with EINVAL",
         .covers = {"sizemask_must_match"}, .cls = Conformance::linux_specific,
         .raw_syscalls = "signalfd4 with an explicit sizemask: the glibc wrapper always passes the right size, so a "
                         "wrong one can only be given through syscall()") {
  const sigset_t set = SetOf({SIGUSR1});
  for (std::size_t size : {kKernelSigsetSize / 2, kKernelSigsetSize * 2, std::size_t{0}}) {
    const long fd = syscall(SYS_signalfd4, -1, &set, size, 0);
    EXPECT_THAT(fd, SyscallFailsWithErrno(EINVAL))
        << "sizemask " << size << " where the kernel's signal set is " << kKernelSigsetSize << " bytes";
    if (fd >= 0) close(static_cast<int>(fd));
  }
  UniqueFd right(static_cast<int>(syscall(SYS_signalfd4, -1, &set, kKernelSigsetSize, SFD_CLOEXEC)));
  EXPECT_TRUE(right.valid()) << "with sizemask " << kKernelSigsetSize << " (the kernel's size) signalfd4 failed with "
                             << ErrnoName(errno);
}

#ifdef SYS_signalfd
IPC_CASE(signalfd, signalfd, signalfd_syscall_makes_descriptor_without_flags,
         .title = "the older signalfd system call (no flags) makes a blocking descriptor without FD_CLOEXEC that reads",
         .covers = {"signalfd_syscall_takes_no_flags"}, .cls = Conformance::linux_specific,
         .raw_syscalls = "signalfd (the system call without flags): glibc's wrapper always calls signalfd4, so the "
                         "older call can only be made through syscall()") {
  InChild("child", [] {
    const sigset_t set = Block({SIGUSR1});
    UniqueFd fd(static_cast<int>(syscall(SYS_signalfd, -1, &set, kKernelSigsetSize)));
    ASSERT_TRUE(fd.valid()) << "syscall(SYS_signalfd, -1, {SIGUSR1}, " << kKernelSigsetSize << ") failed with "
                            << ErrnoName(errno);
    const int fl = fcntl(fd.get(), F_GETFL);
    const int fdflags = fcntl(fd.get(), F_GETFD);
    ASSERT_THAT(fl, SyscallSucceeds());
    ASSERT_THAT(fdflags, SyscallSucceeds());
    EXPECT_FALSE(fl & O_NONBLOCK) << "F_GETFL gives " << std::oct << std::showbase << fl << ": O_NONBLOCK set";
    EXPECT_FALSE(fdflags & FD_CLOEXEC) << "F_GETFD gives " << fdflags << ": FD_CLOEXEC set";
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    const auto si = sfd::ReadOne(fd.get(), "SIGUSR1 pending, read through the descriptor of the older system call");
    if (si) {
      EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
    }
  });
}
#endif

// ------------------------------------------------------------------------------ several descriptors

IPC_CASE(signalfd, signalfd, signal_in_two_masks_read_once,
         .title = "a signal in the masks of two signalfds is read from the first one only; the other has nothing",
         .covers = {"signal_in_several_masks_read_once"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    Block({SIGUSR1});
    UniqueFd first = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
    UniqueFd second = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(first.valid() && second.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    const auto si = sfd::ReadOne(first.get(), "SIGUSR1 pending, read through the first descriptor");
    ASSERT_TRUE(si.has_value());
    EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
    signalfd_siginfo again{};
    EXPECT_THAT(read(second.get(), &again, sizeof again), SyscallFailsWithErrno(EAGAIN))
        << "the one SIGUSR1 was read through the first descriptor; the second should have nothing";
  });
}

IPC_CASE(signalfd, signalfd, separate_masks_make_only_their_descriptor_ready,
         .title = "with signalfds for SIGUSR1 and SIGUSR2, a pending SIGUSR2 makes only the second one ready",
         .covers = {"separate_descriptors_separate_readiness"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    Block({SIGUSR1, SIGUSR2});
    UniqueFd usr1 = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
    UniqueFd usr2 = sfd::NewSignalfd(SetOf({SIGUSR2}), SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(usr1.valid() && usr2.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR2), SyscallSucceeds());
    pollfd p[2] = {{usr1.get(), POLLIN, 0}, {usr2.get(), POLLIN, 0}};
    ASSERT_THAT(poll(p, 2, 0), SyscallSucceedsWithValue(1)) << "one of the two descriptors should be ready";
    EXPECT_FALSE(p[0].revents & POLLIN) << "the {SIGUSR1} descriptor is ready with only SIGUSR2 pending";
    EXPECT_TRUE(p[1].revents & POLLIN) << "the {SIGUSR2} descriptor is not ready with SIGUSR2 pending";
  });
}

IPC_CASE(signalfd, signalfd, fdinfo_shows_mask,
         .title = "/proc/self/fdinfo of a signalfd shows its mask in the sigmask field",
         .covers = {"fdinfo_shows_mask"}, .cls = Conformance::linux_specific) {
  const int rt = SIGRTMIN + 1;
  UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1, SIGTERM, rt}), SFD_CLOEXEC);
  ASSERT_TRUE(fd.valid());
  const auto mask = sfd::FdinfoMask(fd.get());
  ASSERT_TRUE(mask.has_value()) << "/proc/self/fdinfo/" << fd.get() << " has no sigmask field";
  EXPECT_EQ(*mask, sfd::MaskHex({SIGUSR1, SIGTERM, rt}))
      << "the sigmask field should have bit sig-1 set for SIGUSR1, SIGTERM and " << SignalName(rt);
}

IPC_CASE(signalfd, signalfd, duplicate_keeps_object_after_close,
         .title = "after the descriptor signalfd returned is closed, a dup of it still reads the signals of the mask",
         .covers = {"object_lives_until_last_close"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    UniqueFd copy(IPCC_SETUP(fcntl(fd.get(), F_DUPFD_CLOEXEC, 0)));
    fd.reset();
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    const auto si = sfd::ReadOne(copy.get(), "SIGUSR1 pending, read through a dup of the closed descriptor");
    if (si) {
      EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
    }
  });
}

// ------------------------------------------------------------------------------------------------ fork

IPC_CASE(signalfd, signalfd, fork_child_reads_signal_sent_to_it,
         .title = "a forked child blocked reading its inherited signalfd gets the signal sent to the child",
         .covers = {"fork_child_reads_own_signals"}, .cls = Conformance::linux_specific) {
  InChild("parent process", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    const pid_t parent = getpid();
    Child child = Fork([&] {
      signalfd_siginfo si{};
      ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(sfd::kSiginfoSize));
      EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(si);
      EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(parent))
          << "read " << sfd::Describe(si) << "; the parent (pid " << parent << ") sent it";
    });
    IPCC_ASSERT_BLOCKED(child.pid(), SYS_read);
    ASSERT_THAT(kill(child.pid(), SIGUSR1), SyscallSucceeds());
    ExpectEndsCleanly(child, "child blocked reading its inherited signalfd, sent SIGUSR1");
    EXPECT_FALSE(sfd::Readable(fd.get())) << "the signal sent to the child made the parent's descriptor readable";
  });
}

IPC_CASE(signalfd, signalfd, fork_child_does_not_read_parents_pending_signal,
         .title = "a signal pending for the parent is not readable through a forked child's inherited signalfd",
         .covers = {"fork_child_not_parent_signals"}, .cls = Conformance::linux_specific) {
  InChild("parent process", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    InChild("forked child", [&] {
      EXPECT_FALSE(sfd::Readable(fd.get())) << "the child's copy is readable with SIGUSR1 pending only for the parent";
      signalfd_siginfo si{};
      EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN))
          << "the child's copy should not read the SIGUSR1 pending for the parent";
    });
    const auto si = sfd::ReadOne(fd.get(), "the parent's own SIGUSR1, after the child");
    if (si) {
      EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
    }
  });
}

// ---------------------------------------------------------------------------------- descriptor passing

IPC_CASE(signalfd, signalfd, passed_descriptor_reads_receivers_signal,
         .title = "a signalfd received over a Unix domain socket reads the signals of the receiving process",
         .covers = {"passed_descriptor_reads_receiver_signals"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  InChild("receiving process", [] {
    Block({SIGUSR1});
    auto pair = unix_socket::MakeSocketPair(SOCK_STREAM);
    Child maker = Fork([&] {
      UniqueFd fd = sfd::NewSignalfd(SetOf({SIGUSR1}), SFD_NONBLOCK | SFD_CLOEXEC);
      ASSERT_TRUE(fd.valid());
      EXPECT_THAT(unix_socket::SendFds(pair.b.get(), {fd.get()}), SyscallSucceedsWithValue(1))
          << "sending the signalfd with SCM_RIGHTS";
    });
    ExpectCleanExit(maker.Wait(), "child that made the signalfd and sent it");
    auto got = unix_socket::RecvFds(pair.a.get(), 1);
    if (got.result < 0) ThrowHarnessError("set-up: recvmsg of the message carrying the signalfd: " + got.Describe());
    // The page promises that a signalfd can be passed like any descriptor: one that does not arrive fails.
    ASSERT_EQ(got.fds.size(), 1u) << "the message sent with the signalfd in SCM_RIGHTS arrived (recvmsg "
                                  << got.Describe() << ") with " << got.fds.size() << " descriptors";
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    const auto si = sfd::ReadOne(got.fds[0].get(), "SIGUSR1 sent to self, read through the received signalfd");
    ASSERT_TRUE(si.has_value());
    EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
    EXPECT_EQ(si->ssi_pid, static_cast<uint32_t>(getpid()))
        << "read " << sfd::Describe(*si) << "; the receiving process sent it to itself";
  });
}

// ---------------------------------------------------------------------------------------------- execve

IPC_CASE(signalfd, signalfd, exec_keeps_descriptor_and_mask,
         .title = "a signalfd without close-on-exec is still a signalfd with the same mask after execve",
         .covers = {"exec_keeps_descriptor"}, .cls = Conformance::linux_specific) {
  InChild("child exec'ing the signalfd-fd fixture", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1, SIGUSR2}, 0);
    ASSERT_TRUE(fd.valid());
    ExecFixture("signalfd-fd", {std::to_string(fd.get()), sfd::MaskHex({SIGUSR1, SIGUSR2}), "open"});
  });
}

IPC_CASE(signalfd, signalfd, exec_keeps_pending_signal_readable,
         .title = "a signal pending before execve is read by the new program through the inherited signalfd",
         .covers = {"exec_keeps_pending_signals"}, .cls = Conformance::linux_specific) {
  InChild("child exec'ing the signalfd-read fixture", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, 0);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    ExecFixture("signalfd-read", {std::to_string(fd.get()), std::to_string(SIGUSR1), "now"});
  });
}

IPC_CASE(signalfd, signalfd, exec_new_program_reads_signal_of_mask,
         .title = "a signal sent to a program after execve is read through the signalfd it inherited",
         .covers = {"exec_keeps_mask"}, .cls = Conformance::linux_specific) {
  Child program = Fork([] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR2}, 0);
    ASSERT_TRUE(fd.valid());
    ExecFixture("signalfd-read", {std::to_string(fd.get()), std::to_string(SIGUSR2), "wait"});
  });
  // The fixture polls the inherited descriptor: seen asleep there, it runs the new program.
  IPCC_ASSERT_BLOCKED(program.pid(), SYS_poll, SYS_ppoll);
  ASSERT_THAT(kill(program.pid(), SIGUSR2), SyscallSucceeds());
  ExpectEndsCleanly(program, "exec'd signalfd-read fixture polling its inherited signalfd, sent SIGUSR2");
}

// --------------------------------------------------------------------------------------------- threads

// In a forked child: SIGUSR1 blocked (the second thread inherits the mask), a nonblocking signalfd for it,
// and a second thread. Once the second thread runs, `main_part(fd, its tid)` runs in the calling thread;
// then the second thread runs `in_thread(fd)` and is joined.
void WithSecondThread(const std::function<void(int fd, pid_t tid)>& main_part,
                      const std::function<void(int fd)>& in_thread) {
  InChild("two-thread process", [&] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    Pipe ready = MakePipe();
    Pipe go = MakePipe();
    std::atomic<pid_t> tid{0};
    std::thread second([&] {
      tid = gettid();
      char b = 'r';
      if (write(ready.w.get(), &b, 1) != 1) return;
      if (read(go.r.get(), &b, 1) == 1) in_thread(fd.get());
    });
    char b = 0;
    const bool started = ReadableWithin(ready.r.get(), kDefaultWait) && read(ready.r.get(), &b, 1) == 1;
    if (started) main_part(fd.get(), tid.load());
    b = 'g';
    const bool let_go = started && write(go.w.get(), &b, 1) == 1;
    go.w.reset();  // a thread that did not get 'g' sees end of file and skips in_thread
    second.join();
    if (!started) ThrowHarnessError("set-up: the second thread did not start within 5 s");
    if (!let_go) ThrowHarnessError("set-up: writing to the pipe that lets the second thread go failed");
  });
}

IPC_CASE(signalfd, signalfd, thread_reads_signal_directed_at_it,
         .title = "a thread reads through a signalfd the signal sent to it with tgkill",
         .covers = {"thread_reads_own_and_process_signals"}, .cls = Conformance::linux_specific) {
  WithSecondThread([](int, pid_t tid) { ASSERT_THAT(tgkill(getpid(), tid, SIGUSR1), SyscallSucceeds()); },
                   [](int fd) {
                     const auto si = sfd::ReadOne(fd, "the second thread reading the SIGUSR1 sent to it with tgkill");
                     if (!si) return;
                     EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
                     EXPECT_EQ(si->ssi_code, SI_TKILL) << "read " << sfd::Describe(*si);
                   });
}

IPC_CASE(signalfd, signalfd, thread_reads_signal_directed_at_process,
         .title = "a second thread reads through a signalfd a signal sent to the whole process with kill",
         .covers = {"thread_reads_own_and_process_signals"}, .cls = Conformance::linux_specific) {
  WithSecondThread([](int, pid_t) { ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds()); },
                   [](int fd) {
                     const auto si = sfd::ReadOne(fd, "the second thread reading the SIGUSR1 sent to the process");
                     if (!si) return;
                     EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
                     EXPECT_EQ(si->ssi_code, SI_USER) << "read " << sfd::Describe(*si);
                   });
}

IPC_CASE(signalfd, signalfd, thread_cannot_read_other_threads_signal,
         .title = "a thread can neither read nor see as ready a signal sent with tgkill to another thread",
         .covers = {"thread_not_other_threads_signals"}, .cls = Conformance::linux_specific) {
  WithSecondThread(
      [](int fd, pid_t tid) {
        ASSERT_THAT(tgkill(getpid(), tid, SIGUSR1), SyscallSucceeds());
        EXPECT_FALSE(sfd::Readable(fd)) << "the main thread sees the signalfd ready with SIGUSR1 pending only for "
                                        << "the second thread";
        signalfd_siginfo si{};
        EXPECT_THAT(read(fd, &si, sizeof si), SyscallFailsWithErrno(EAGAIN))
            << "the main thread should not read the SIGUSR1 directed at the second thread";
      },
      [](int fd) {
        // The signal was there all along, for the thread it was sent to.
        const auto si = sfd::ReadOne(fd, "the second thread reading the SIGUSR1 sent to it");
        if (si) {
          EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
        }
      });
}

// ----------------------------------------------------------------------------------------------- epoll

IPC_CASE(signalfd, signalfd, epoll_does_not_report_fork_childs_signal,
         .title = "after fork, epoll_wait in the child does not report the inherited signalfd ready for the child's "
                  "signal, which is readable",
         .covers = {"epoll_only_for_adding_process"}, .cls = Conformance::linux_specific) {
  InChild("process that adds the signalfd to epoll", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    UniqueFd ep(IPCC_SETUP(epoll_create1(EPOLL_CLOEXEC)));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd.get();
    IPCC_SETUP(epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd.get(), &ev));
    InChild("forked child", [&] {
      ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
      epoll_event out{};
      EXPECT_THAT(epoll_wait(ep.get(), &out, 1, 0), SyscallSucceedsWithValue(0))
          << "epoll_wait in the child reported the signalfd ready for the child's own SIGUSR1; the page says it "
          << "reports only signals of the process that added it";
      const auto si = sfd::ReadOne(fd.get(), "the child's SIGUSR1, read through the inherited signalfd");
      if (si) {
        EXPECT_EQ(si->ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "read " << sfd::Describe(*si);
      }
    });
  });
}

// ------------------------------------------------------------------------------ synchronous signals

IPC_CASE(signalfd, signalfd, synchronous_sigsegv_kills_instead_of_being_read,
         .title = "a SIGSEGV from an invalid access kills the process even with SIGSEGV blocked and in a signalfd's "
                  "mask",
         .covers = {"synchronous_signals_not_received"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  void* p = mmap(nullptr, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) ThrowHarnessError("set-up: mmap(PROT_NONE): " + ErrnoName(errno));
  ScopedCleanup unmap([&] { munmap(p, page); });
  Child toucher = Fork([&] {
    // No core file (slow, and a file left behind, whatever core_pattern says).
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    UniqueFd fd = sfd::BlockedSignalfd({SIGSEGV}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    *static_cast<volatile char*>(p) = 1;
    ADD_FAILURE() << "the store into a PROT_NONE page returned; it should have raised SIGSEGV";
  });
  ExpectKilled(toucher, SIGSEGV, "child storing into a PROT_NONE page with SIGSEGV blocked and in a signalfd's mask");
}

}  // namespace
