// sigwaitinfo(2) (sigtimedwait): accepting a blocked signal, with a timeout.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

// sigtimedwait(&set, info, &timeout), with a siginfo_t of its own when the caller does not look at it.
int TimedWait(const sigset_t& set, timespec timeout, siginfo_t* info = nullptr) {
  siginfo_t unused{};
  return sigtimedwait(&set, info != nullptr ? info : &unused, &timeout);
}

IPC_CASE(signal, sigtimedwait, timeout_fails_eagain,
         .title = "sigtimedwait fails with EAGAIN when no signal of the set arrives within the timeout",
         .covers = {"EAGAIN"},
         .statement = "EAGAIN No signal in set became pending within the timeout period specified to "
                      "sigtimedwait().",
         .refs = {"sigwaitinfo(2) ERRORS", "POSIX.1-2017 sigtimedwait() [EAGAIN]"}, .cls = Conformance::posix) {
  InChild("child", [] {
    const sigset_t set = Block({SIGUSR1});
    EXPECT_THAT(TimedWait(set, {0, 1000000}), SyscallFailsWithErrno(EAGAIN)) << "a timeout of 1 ms";
  });
}

IPC_CASE(signal, sigtimedwait, zero_timeout_polls,
         .title = "sigtimedwait with a zero timeout polls: EAGAIN when nothing is pending, the signal when it is",
         .covers = {"zero_timeout_polls"},
         .statement = "If both fields of this structure are specified as 0, a poll is performed: sigtimedwait() "
                      "returns immediately, either with information about a signal that was pending for the "
                      "caller, or with an error if none of the signals in set was pending.",
         .refs = {"sigwaitinfo(2)", "POSIX.1-2017 sigtimedwait()"}, .cls = Conformance::posix) {
  InChild("child", [] {
    const sigset_t set = Block({SIGUSR2});
    EXPECT_THAT(TimedWait(set, {0, 0}), SyscallFailsWithErrno(EAGAIN)) << "nothing pending yet";
    raise(SIGUSR2);
    siginfo_t info{};
    EXPECT_THAT(TimedWait(set, {0, 0}, &info), SyscallSucceedsWithValue(SIGUSR2)) << "SIGUSR2 is pending";
    EXPECT_EQ(info.si_signo, SIGUSR2);
  });
}

IPC_CASE(signal, sigtimedwait, accepts_pending_signal,
         .title = "sigtimedwait accepts a pending blocked signal: returns its number with siginfo, unpends it",
         .covers = {"returns_signal_and_unpends_it"},
         .statement = "sigwaitinfo() removes the signal from the set of pending signals and returns the signal "
                      "number as its function result. If the info argument is not NULL, then the buffer that it "
                      "points to is used to return a structure of type siginfo_t ... sigtimedwait() operates in "
                      "exactly the same way as sigwaitinfo() except that it has an additional argument, "
                      "timeout.",
         .refs = {"sigwaitinfo(2)", "POSIX.1-2017 sigtimedwait()"}, .cls = Conformance::posix) {
  SendToWaitingChild([] { Block({SIGUSR1}); }, [](pid_t pid) { EXPECT_THAT(kill(pid, SIGUSR1), SyscallSucceeds()); },
                     [] {
                       ASSERT_TRUE(Has(PendingSet(), SIGUSR1)) << "the SIGUSR1 sent while blocked should be pending";
                       siginfo_t info{};
                       EXPECT_THAT(TimedWait(SetOf({SIGUSR1}), {5, 0}, &info), SyscallSucceedsWithValue(SIGUSR1));
                       EXPECT_EQ(info.si_signo, SIGUSR1) << "si_signo";
                       EXPECT_EQ(info.si_code, SI_USER) << "si_code is " << SiCodeName(info.si_code);
                       EXPECT_EQ(info.si_pid, getppid()) << "si_pid should be the sender (the parent)";
                       EXPECT_EQ(info.si_uid, getuid()) << "si_uid should be the sender's real uid";
                       EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << "the accepted signal should no longer be pending";
                     },
                     "child");
}

IPC_CASE(signal, sigtimedwait, invalid_timeout_fails_einval,
         .title = "sigtimedwait with tv_nsec of 1000000000 or more fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL timeout was invalid.",
         .refs = {"sigwaitinfo(2) ERRORS", "POSIX.1-2017 sigtimedwait() [EINVAL]"}, .cls = Conformance::posix) {
  InChild("child", [] {
    const sigset_t set = Block({SIGUSR1});
    EXPECT_THAT(TimedWait(set, {0, 1000000000}), SyscallFailsWithErrno(EINVAL)) << "tv_nsec = 1000000000";
    EXPECT_THAT(TimedWait(set, {0, -1}), SyscallFailsWithErrno(EINVAL)) << "tv_nsec = -1";
  });
}

}  // namespace
