// sigqueue(3): a signal with a value.
#include <signal.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

IPC_CASE(signal, sigqueue, value_arrives_in_si_value,
         .title = "the value given to sigqueue() arrives in the handler's si_value",
         .covers = {"value_arrives_in_si_value", "sigaction.SI_QUEUE"},
         .statement = "If the receiving process has installed a handler for this signal using the SA_SIGINFO "
                      "flag to sigaction(2), then it can obtain this data via the si_value field of the "
                      "siginfo_t structure passed as the second argument to the handler. Furthermore, the "
                      "si_code field of that structure will be set to SI_QUEUE.",
         .refs = {"sigqueue(3)", "POSIX.1-2017 sigqueue()"}, .cls = Conformance::posix) {
  DeliverAfterUnblock(
      {SIGRTMIN + 1}, [] { SetInfoHandler(SIGRTMIN + 1, RecordInfoDelivery); },
      [](pid_t pid) {
        union sigval v {};
        v.sival_int = 0x5a5a1234;
        EXPECT_THAT(sigqueue(pid, SIGRTMIN + 1, v), SyscallSucceeds());
      },
      [] {
        ASSERT_EQ(g_deliveries.count, 1) << "deliveries: " << g_deliveries.Signals();
        EXPECT_EQ(g_deliveries.value[0], 0x5a5a1234) << "si_value.sival_int";
        EXPECT_EQ(g_deliveries.code[0], SI_QUEUE) << "si_code is " << SiCodeName(g_deliveries.code[0]);
      });
}

IPC_CASE(signal, sigqueue, sig_zero_checks_existence,
         .title = "sigqueue(pid, 0, value) succeeds for an existing process and sends nothing",
         .covers = {"sig_zero_checks_existence"},
         .statement = "As with kill(2), the null signal (0) can be used to check if a process with a given PID "
                      "exists.",
         .refs = {"sigqueue(3)", "POSIX.1-2017 sigqueue()"}, .cls = Conformance::posix) {
  SendToWaitingChild(
      {}, [](pid_t pid) { EXPECT_THAT(sigqueue(pid, 0, sigval{}), SyscallSucceeds()); }, {}, "child");
}

IPC_CASE(signal, sigqueue, invalid_signal_fails_einval,
         .title = "sigqueue with an invalid signal number fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL sig was invalid.", .refs = {"sigqueue(3) ERRORS", "POSIX.1-2017 sigqueue() [EINVAL]"},
         .cls = Conformance::posix) {
  SendToWaitingChild(
      {},
      [](pid_t pid) {
        for (int sig : {-1, NSIG, NSIG + 100}) {
          EXPECT_THAT(sigqueue(pid, sig, sigval{}), SyscallFailsWithErrno(EINVAL)) << "signal number " << sig;
        }
      },
      {}, "child");
}

IPC_CASE(signal, sigqueue, nonexistent_pid_fails_esrch,
         .title = "sigqueue to the pid of a child that was waited for fails with ESRCH", .covers = {"ESRCH"},
         .statement = "ESRCH No process has a PID matching pid.",
         .refs = {"sigqueue(3) ERRORS", "POSIX.1-2017 sigqueue() [ESRCH]"}, .cls = Conformance::posix) {
  const pid_t gone = ReapedPid();
  EXPECT_THAT(sigqueue(gone, SIGRTMIN, sigval{}), SyscallFailsWithErrno(ESRCH)) << "reaped pid " << gone;
}

}  // namespace
