// Waiting for signals: sigsuspend(2), pause(2), sigtimedwait(2)/sigwaitinfo(2), signalfd(2).
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conformance/signal/signal_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::sigcase;

volatile sig_atomic_t g_calls = 0;
sigset_t g_mask_in_handler;

void MaskProbeHandler(int) {
  sigprocmask(SIG_BLOCK, nullptr, &g_mask_in_handler);
  g_calls = g_calls + 1;
}

// --- sigsuspend(2) ---

IPC_CASE(signal, sigsuspend, replaces_mask_and_waits,
         .title = "sigsuspend waits with the given mask: a signal blocked before the call ends the wait",
         .statement = "sigsuspend() temporarily replaces the signal mask of the calling thread with the mask "
                      "given by mask and then suspends the thread until delivery of a signal whose action is to "
                      "invoke a signal handler or to terminate a process. ... sigsuspend() always returns -1, "
                      "with errno set to indicate the error (normally, EINTR).",
         .refs = {"sigsuspend(2)", "POSIX.1-2017 sigsuspend()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, MaskProbeHandler);
    Block({SIGUSR1});
    sigset_t temporary = SetOf({SIGUSR2});
    const int r = sigsuspend(&temporary);
    const int err = errno;
    EXPECT_EQ(r, -1) << "sigsuspend returns -1";
    EXPECT_EQ(err, EINTR) << "sigsuspend should fail with EINTR, not " << ErrnoName(err);
    EXPECT_EQ(g_calls, 1) << "the SIGUSR1 handler should have run during sigsuspend";
    EXPECT_TRUE(Has(g_mask_in_handler, SIGUSR2))
        << "the handler runs with sigsuspend's mask in force (SIGUSR2 blocked); the mask was "
        << Describe(g_mask_in_handler);
  });
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_rt_sigsuspend);
  c.Signal(SIGUSR1);  // blocked by the mask before the call, not by the one given to sigsuspend
  auto status = ExpectEnds(c, "child in sigsuspend sent SIGUSR1");
  if (status) ExpectCleanExit(*status, "child in sigsuspend");
}

IPC_CASE(signal, sigsuspend, restores_mask_on_return,
         .title = "after the handler returns, sigsuspend restores the mask in force before the call",
         .statement = "If the signal is caught, then sigsuspend() returns after the signal handler returns, and "
                      "the signal mask is restored to the state before the call to sigsuspend().",
         .refs = {"sigsuspend(2)", "POSIX.1-2017 sigsuspend()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, MaskProbeHandler);
    Block({SIGUSR1, SIGHUP});
    sigset_t temporary = SetOf({SIGUSR2});
    sigsuspend(&temporary);
    EXPECT_EQ(g_calls, 1) << "the SIGUSR1 handler should have run during sigsuspend";
    const sigset_t after = CurrentMask();
    EXPECT_TRUE(Has(after, SIGUSR1) && Has(after, SIGHUP) && !Has(after, SIGUSR2))
        << "after sigsuspend the mask should be {SIGHUP, SIGUSR1} again, but it is " << Describe(after);
  });
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_rt_sigsuspend);
  c.Signal(SIGUSR1);
  auto status = ExpectEnds(c, "child in sigsuspend sent SIGUSR1");
  if (status) ExpectCleanExit(*status, "child in sigsuspend");
}

IPC_CASE(signal, sigsuspend, pending_signal_ends_wait_at_once,
         .title = "a signal already pending and unblocked by sigsuspend's mask is handled at once, no wait",
         .statement = "Normally, sigsuspend() is used in conjunction with sigprocmask(2) in order to prevent "
                      "delivery of a signal during the execution of a critical code section. The caller first "
                      "blocks the signals with sigprocmask(2). When the critical code has completed, the caller "
                      "then waits for the signals by calling sigsuspend() with the signal mask that was "
                      "returned by sigprocmask(2).",
         .refs = {"sigsuspend(2) NOTES", "POSIX.1-2017 sigsuspend() (atomic mask change and wait)"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, MaskProbeHandler);
    sigset_t old;
    sigset_t usr1 = SetOf({SIGUSR1});
    ASSERT_THAT(sigprocmask(SIG_BLOCK, &usr1, &old), SyscallSucceeds());
    raise(SIGUSR1);  // arrives during the "critical section": stays pending
    ASSERT_EQ(g_calls, 0);
    const int r = sigsuspend(&old);
    const int err = errno;
    EXPECT_TRUE(r == -1 && err == EINTR) << "sigsuspend should return -1/EINTR at once, got " << r << "/"
                                         << ErrnoName(err);
    EXPECT_EQ(g_calls, 1) << "the pending SIGUSR1 should be handled inside sigsuspend";
  });
  auto status = ExpectEnds(c, "child calling sigsuspend with SIGUSR1 already pending");
  if (status) ExpectCleanExit(*status, "child calling sigsuspend");
}

// --- pause(2) ---

IPC_CASE(signal, pause, returns_eintr_after_handler,
         .title = "pause sleeps until a signal is caught, then returns -1 with EINTR",
         .statement = "pause() causes the calling process (or thread) to sleep until a signal is delivered that "
                      "either terminates the process or causes the invocation of a signal-catching function. ... "
                      "pause() returns only when a signal was caught and the signal-catching function "
                      "returned. In this case, pause() returns -1, and errno is set to EINTR.",
         .refs = {"pause(2)", "POSIX.1-2017 pause()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, MaskProbeHandler);
    const int r = pause();
    const int err = errno;
    EXPECT_TRUE(r == -1 && err == EINTR) << "pause should return -1/EINTR, got " << r << "/" << ErrnoName(err);
    EXPECT_EQ(g_calls, 1) << "the handler should have run before pause returned";
  });
#ifdef SYS_pause
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_pause, SYS_ppoll);
#else
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_ppoll);
#endif
  c.Signal(SIGUSR1);
  auto status = ExpectEnds(c, "child in pause sent SIGUSR1");
  if (status) ExpectCleanExit(*status, "child in pause");
}

// --- sigtimedwait(2), sigwaitinfo(2) ---

IPC_CASE(signal, sigtimedwait, timeout_fails_eagain,
         .title = "sigtimedwait fails with EAGAIN when no signal of the set arrives within the timeout",
         .statement = "EAGAIN No signal in set became pending within the timeout period specified to "
                      "sigtimedwait().",
         .refs = {"sigtimedwait(2) ERRORS", "POSIX.1-2017 sigtimedwait() [EAGAIN]"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    Block({SIGUSR1});
    sigset_t set = SetOf({SIGUSR1});
    siginfo_t info{};
    timespec one_ms{0, 1000000};
    EXPECT_THAT(sigtimedwait(&set, &info, &one_ms), SyscallFailsWithErrno(EAGAIN));
  });
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigtimedwait, zero_timeout_polls,
         .title = "sigtimedwait with a zero timeout polls: EAGAIN when nothing is pending, the signal when it is",
         .statement = "If both fields of this structure are specified as 0, a poll is performed: sigtimedwait() "
                      "returns immediately, either with information about a signal that was pending for the "
                      "caller, or with an error if none of the signals in set was pending.",
         .refs = {"sigtimedwait(2)", "POSIX.1-2017 sigtimedwait()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    Block({SIGUSR2});
    sigset_t set = SetOf({SIGUSR2});
    siginfo_t info{};
    timespec zero{0, 0};
    EXPECT_THAT(sigtimedwait(&set, &info, &zero), SyscallFailsWithErrno(EAGAIN)) << "nothing pending yet";
    raise(SIGUSR2);
    EXPECT_THAT(sigtimedwait(&set, &info, &zero), SyscallSucceedsWithValue(SIGUSR2)) << "SIGUSR2 is pending";
    EXPECT_EQ(info.si_signo, SIGUSR2);
  });
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigtimedwait, accepts_pending_signal,
         .title = "sigtimedwait accepts a pending blocked signal: returns its number with siginfo, unpends it",
         .statement = "sigwaitinfo() removes the signal from the set of pending signals and returns the signal "
                      "number as its function result. If the info argument is not NULL, then the buffer that it "
                      "points to is used to return a structure of type siginfo_t ... sigtimedwait() operates in "
                      "exactly the same way as sigwaitinfo() except that it has an additional argument, "
                      "timeout.",
         .refs = {"sigtimedwait(2)", "POSIX.1-2017 sigtimedwait()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    Block({SIGUSR1});
    CheckpointPost(0);
    CheckpointWait(1);  // sent
    ASSERT_TRUE(Has(PendingSet(), SIGUSR1)) << "the SIGUSR1 sent while blocked should be pending";
    sigset_t set = SetOf({SIGUSR1});
    siginfo_t info{};
    timespec bound{5, 0};
    EXPECT_THAT(sigtimedwait(&set, &info, &bound), SyscallSucceedsWithValue(SIGUSR1));
    EXPECT_EQ(info.si_signo, SIGUSR1) << "si_signo";
    EXPECT_EQ(info.si_code, SI_USER) << "si_code is " << SiCodeName(info.si_code);
    EXPECT_EQ(info.si_pid, getppid()) << "si_pid should be the sender (the parent)";
    EXPECT_EQ(info.si_uid, getuid()) << "si_uid should be the sender's real uid";
    EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << "the accepted signal should no longer be pending";
  });
  CheckpointWait(0);
  EXPECT_THAT(kill(c.pid(), SIGUSR1), SyscallSucceeds());
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigtimedwait, invalid_timeout_fails_einval,
         .title = "sigtimedwait with tv_nsec of 1000000000 or more fails with EINVAL",
         .statement = "EINVAL timeout was invalid.",
         .refs = {"sigtimedwait(2) ERRORS", "POSIX.1-2017 sigtimedwait() [EINVAL]"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    Block({SIGUSR1});
    sigset_t set = SetOf({SIGUSR1});
    siginfo_t info{};
    timespec bad{0, 1000000000};
    EXPECT_THAT(sigtimedwait(&set, &info, &bad), SyscallFailsWithErrno(EINVAL)) << "tv_nsec = 1000000000";
    timespec negative{0, -1};
    EXPECT_THAT(sigtimedwait(&set, &info, &negative), SyscallFailsWithErrno(EINVAL)) << "tv_nsec = -1";
  });
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigwaitinfo, waits_for_blocked_signal,
         .title = "sigwaitinfo suspends until a signal of the set is sent, then returns it with its siginfo",
         .statement = "sigwaitinfo() suspends execution of the calling thread until one of the signals in set is "
                      "pending ... sigwaitinfo() removes the signal from the set of pending signals and returns "
                      "the signal number as its function result.",
         .refs = {"sigwaitinfo(2)", "POSIX.1-2017 sigwaitinfo()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    Block({SIGRTMIN});
    sigset_t set = SetOf({SIGRTMIN});
    siginfo_t info{};
    EXPECT_THAT(sigwaitinfo(&set, &info), SyscallSucceedsWithValue(SIGRTMIN));
    EXPECT_EQ(info.si_code, SI_QUEUE) << "si_code is " << SiCodeName(info.si_code);
    EXPECT_EQ(info.si_value.sival_int, 4711) << "si_value should carry the sigqueue() value";
    EXPECT_EQ(info.si_pid, getppid()) << "si_pid should be the sender (the parent)";
  });
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_rt_sigtimedwait);
  union sigval v {};
  v.sival_int = 4711;
  EXPECT_THAT(sigqueue(c.pid(), SIGRTMIN, v), SyscallSucceeds());
  auto status = ExpectEnds(c, "child in sigwaitinfo sent SIGRTMIN");
  if (status) ExpectCleanExit(*status, "child in sigwaitinfo");
}

// --- signalfd(2) ---

// A signalfd for `sigs`. signalfd is the interface under test, so a refusal (ENOSYS included: a system
// whose signals work but whose signalfd does not implements the page in part) is recorded as a failure
// naming the call; the caller stops on the invalid descriptor.
UniqueFd MakeSignalfd(std::initializer_list<int> sigs, int flags) {
  sigset_t set = SetOf(sigs);
  int fd = signalfd(-1, &set, flags | SFD_CLOEXEC);
  if (fd < 0)
    ADD_FAILURE() << "signalfd(-1, " << Describe(set) << ", flags " << flags << ") failed with " << ErrnoName(errno)
                  << "; expected a new signalfd descriptor";
  return UniqueFd(fd);
}

IPC_CASE(signal, signalfd, read_returns_siginfo,
         .title = "reading a signalfd returns a signalfd_siginfo for the pending signal (ssi_signo, ssi_pid)",
         .statement = "If one or more of the signals specified in mask is pending for the process, then the "
                      "buffer supplied to read(2) is used to return one or more signalfd_siginfo structures ... "
                      "ssi_signo Signal number ... ssi_pid PID of sender ... ssi_uid Real UID of sender.",
         .refs = {"signalfd(2) read(2), The signalfd_siginfo structure"}, .cls = Conformance::linux_specific) {
  Child c = Fork([] {
    Block({SIGUSR1});
    UniqueFd fd = MakeSignalfd({SIGUSR1}, 0);
    ASSERT_TRUE(fd.valid());
    CheckpointPost(0);
    CheckpointWait(1);  // sent
    signalfd_siginfo si{};
    ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(static_cast<ssize_t>(sizeof si)));
    EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "ssi_signo";
    EXPECT_EQ(si.ssi_code, SI_USER) << "ssi_code is " << SiCodeName(si.ssi_code);
    EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(getppid())) << "ssi_pid should be the sender (the parent)";
    EXPECT_EQ(si.ssi_uid, static_cast<uint32_t>(getuid())) << "ssi_uid should be the sender's real uid";
  });
  CheckpointWait(0);
  EXPECT_THAT(kill(c.pid(), SIGUSR1), SyscallSucceeds());
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "child reading its signalfd");
}

IPC_CASE(signal, signalfd, read_consumes_signal, .title = "a signal read from a signalfd is no longer pending",
         .statement = "As a consequence of the read(2), the signals are consumed, so that they are no longer "
                      "pending for the process (i.e., will not be caught by signal handlers, and cannot be "
                      "accepted using sigwaitinfo(2)).",
         .refs = {"signalfd(2) read(2)"}, .cls = Conformance::linux_specific) {
  Child c = Fork([] {
    SetHandler(SIGUSR2, MaskProbeHandler);
    Block({SIGUSR2});
    UniqueFd fd = MakeSignalfd({SIGUSR2}, SFD_NONBLOCK);
    ASSERT_TRUE(fd.valid());
    raise(SIGUSR2);
    signalfd_siginfo si{};
    ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(static_cast<ssize_t>(sizeof si)));
    EXPECT_FALSE(Has(PendingSet(), SIGUSR2)) << "the signal read from the signalfd should not be pending";
    EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN)) << "nothing left to read";
    Unblock({SIGUSR2});
    EXPECT_EQ(g_calls, 0) << "a consumed signal must not be caught by the handler when unblocked";
  });
  ExpectCleanExit(c.Wait(), "child reading its signalfd");
}

IPC_CASE(signal, signalfd, read_blocks_until_signal,
         .title = "a read of a signalfd with nothing pending blocks until a signal of its mask arrives",
         .statement = "If none of the signals in mask is pending for the process, then the read(2) either blocks "
                      "until one of the signals in mask is generated for the process, or fails with the error "
                      "EAGAIN if the file descriptor has been made nonblocking.",
         .refs = {"signalfd(2) read(2)"}, .cls = Conformance::linux_specific) {
  Child c = Fork([] {
    Block({SIGUSR1});
    UniqueFd fd = MakeSignalfd({SIGUSR1}, 0);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(static_cast<ssize_t>(sizeof si)));
    EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "ssi_signo";
    EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(getppid())) << "ssi_pid should be the sender (the parent)";
  });
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_read);
  EXPECT_THAT(kill(c.pid(), SIGUSR1), SyscallSucceeds());
  auto status = ExpectEnds(c, "child blocked reading its signalfd, sent SIGUSR1");
  if (status) ExpectCleanExit(*status, "child reading its signalfd");
}

IPC_CASE(signal, signalfd, nonblock_empty_fails_eagain,
         .title = "a read of an SFD_NONBLOCK signalfd with nothing pending fails with EAGAIN",
         .statement = "If none of the signals in mask is pending for the process, then the read(2) either blocks "
                      "until one of the signals in mask is generated for the process, or fails with the error "
                      "EAGAIN if the file descriptor has been made nonblocking.",
         .refs = {"signalfd(2) read(2), SFD_NONBLOCK"}, .cls = Conformance::linux_specific) {
  Child c = Fork([] {
    Block({SIGUSR1});
    UniqueFd fd = MakeSignalfd({SIGUSR1}, SFD_NONBLOCK);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN));
    pollfd p{fd.get(), POLLIN, 0};
    EXPECT_THAT(poll(&p, 1, 0), SyscallSucceedsWithValue(0)) << "not readable while nothing is pending";
    raise(SIGUSR1);
    EXPECT_THAT(poll(&p, 1, 0), SyscallSucceedsWithValue(1)) << "readable (POLLIN) once SIGUSR1 is pending";
  });
  ExpectCleanExit(c.Wait(), "child reading its signalfd");
}

}  // namespace
