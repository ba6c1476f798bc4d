// sigwaitinfo(2): suspending until a blocked signal is pending, and accepting it.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

IPC_CASE(signal, sigwaitinfo, waits_for_blocked_signal,
         .title = "sigwaitinfo suspends until a signal of the set is sent, then returns it with its siginfo",
         .covers = {"suspends_until_signal_pending", "sigaction.SI_QUEUE"},
         .statement = "sigwaitinfo() suspends execution of the calling thread until one of the signals in set is "
                      "pending ... sigwaitinfo() removes the signal from the set of pending signals and returns "
                      "the signal number as its function result.",
         .refs = {"sigwaitinfo(2)", "POSIX.1-2017 sigwaitinfo()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    const sigset_t set = Block({SIGRTMIN});
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
  ExpectEndsCleanly(c, "child in sigwaitinfo sent SIGRTMIN");
}

}  // namespace
