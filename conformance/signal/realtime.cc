// signal(7) "Queueing and delivery semantics for standard signals", "Real-time signals"; sigqueue(3).
#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "conformance/signal/signal_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::sigcase;

// Deliveries recorded by handlers, in order.
constexpr int kMaxRecords = 16;
constexpr int kSent = 5;  // real-time signals queued by realtime_signals_queue_in_order
struct Deliveries {
  volatile sig_atomic_t count = 0;
  volatile sig_atomic_t sig[kMaxRecords] = {};
  volatile int value[kMaxRecords] = {};
  volatile int code[kMaxRecords] = {};
};
Deliveries g_seen;

void RecordHandler(int sig) {
  if (g_seen.count < kMaxRecords) g_seen.sig[g_seen.count] = sig;
  g_seen.count = g_seen.count + 1;
}

void RecordInfoHandler(int sig, siginfo_t* info, void*) {
  if (g_seen.count < kMaxRecords) {
    g_seen.sig[g_seen.count] = sig;
    g_seen.value[g_seen.count] = info->si_value.sival_int;
    g_seen.code[g_seen.count] = info->si_code;
  }
  g_seen.count = g_seen.count + 1;
}

std::string SeenSignals() {
  std::string out;
  for (int i = 0; i < g_seen.count && i < kMaxRecords; ++i) {
    if (!out.empty()) out += ", ";
    out += SignalName(g_seen.sig[i]);
  }
  return "[" + out + "]";
}

// A child that blocks `sigs`, lets the parent send while they are blocked (`send` runs in the parent
// with the child's pid), then unblocks them all at once and runs `check`.
template <typename Setup, typename Send, typename Check>
void SendWhileBlocked(std::initializer_list<int> sigs, Setup setup, Send send, Check check) {
  std::vector<int> list(sigs);
  Child c = Fork([&] {
    setup();
    sigset_t set;
    sigemptyset(&set);
    for (int s : list) sigaddset(&set, s);
    IPCC_SETUP(sigprocmask(SIG_BLOCK, &set, nullptr));
    CheckpointPost(0);
    CheckpointWait(1);
    ASSERT_EQ(g_seen.count, 0) << "no signal may be delivered while blocked";
    IPCC_SETUP(sigprocmask(SIG_UNBLOCK, &set, nullptr));
    check();
  });
  CheckpointWait(0);
  send(c.pid());
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "receiving child");
}

IPC_CASE(signal, realtime, standard_signals_coalesce,
         .title = "a standard signal sent twice while blocked is delivered once",
         .statement = "Standard signals do not queue. If multiple instances of a standard signal are generated "
                      "while that signal is blocked, then only one instance of the signal is marked as pending "
                      "(and the signal will be delivered just once when it is unblocked).",
         .refs = {"signal(7) Queueing and delivery semantics for standard signals",
                  "POSIX.1-2017 XSH 2.4.1 Signal Generation and Delivery"},
         .cls = Conformance::posix) {
  SendWhileBlocked(
      {SIGUSR1}, [] { SetHandler(SIGUSR1, RecordHandler); },
      [](pid_t pid) {
        EXPECT_THAT(kill(pid, SIGUSR1), SyscallSucceeds()) << "first SIGUSR1";
        EXPECT_THAT(kill(pid, SIGUSR1), SyscallSucceeds()) << "second SIGUSR1";
      },
      [] {
        EXPECT_EQ(g_seen.count, 1) << "two SIGUSR1 sent while blocked should be delivered once; deliveries: "
                                   << SeenSignals();
        EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << "no second instance may remain pending";
      });
}

IPC_CASE(signal, realtime, realtime_signals_queue_in_order,
         .title = "real-time signals sigqueue()d while blocked are all delivered, in order, each with its value",
         .statement = "Multiple instances of real-time signals can be queued. ... Real-time signals are "
                      "delivered in a guaranteed order. Multiple real-time signals of the same type are "
                      "delivered in the order they were sent. ... If the signal is sent using sigqueue(3), an "
                      "accompanying value ... can be sent with the signal.",
         .refs = {"signal(7) Real-time signals", "sigqueue(3)",
                  "POSIX.1-2017 XSH 2.4.2 Realtime Signal "
                  "Generation and Delivery",
                  "POSIX.1-2017 sigqueue()"},
         .cls = Conformance::posix) {
  SendWhileBlocked(
      {SIGRTMIN}, [] { SetInfoHandler(SIGRTMIN, RecordInfoHandler); },
      [](pid_t pid) {
        for (int i = 0; i < kSent; ++i) {
          union sigval v {};
          v.sival_int = 1000 + i;
          EXPECT_THAT(sigqueue(pid, SIGRTMIN, v), SyscallSucceeds()) << "sigqueue of value " << 1000 + i;
        }
      },
      [] {
        ASSERT_EQ(g_seen.count, kSent) << "each of the 5 queued SIGRTMIN should be delivered; deliveries: "
                                       << SeenSignals();
        for (int i = 0; i < kSent; ++i) {
          EXPECT_EQ(g_seen.value[i], 1000 + i)
              << "delivery #" << i << " should carry the value of sigqueue() #" << i << " (" << 1000 + i
              << "): real-time signals of one number are delivered in the order sent";
          EXPECT_EQ(g_seen.code[i], SI_QUEUE) << "delivery " << i << ": si_code " << SiCodeName(g_seen.code[i]);
        }
      });
}

IPC_CASE(signal, realtime, lower_numbered_delivered_first,
         .title = "pending real-time signals are delivered lowest-numbered first, whatever the sending order",
         .statement = "If different real-time signals are sent to a process, they are delivered starting with "
                      "the lowest-numbered signal. (I.e., low-numbered signals have highest priority.)",
         .refs = {"signal(7) Real-time signals", "POSIX.1-2017 XSH 2.4.2 (lowest numbered first)"},
         .cls = Conformance::posix) {
  const int r0 = SIGRTMIN, r1 = SIGRTMIN + 1, r2 = SIGRTMIN + 2, r3 = SIGRTMIN + 3;
  SendWhileBlocked(
      {r0, r1, r2, r3},
      [&] {
        // Each handler blocks the whole group, so one handler ends before the next signal is delivered.
        for (int s : {r0, r1, r2, r3}) SetHandler(s, RecordHandler, 0, SetOf({r0, r1, r2, r3}));
      },
      [&](pid_t pid) {
        for (int s : {r3, r1, r2, r0}) EXPECT_THAT(kill(pid, s), SyscallSucceeds()) << SignalName(s);
      },
      [&] {
        ASSERT_EQ(g_seen.count, 4) << "all four real-time signals should be delivered; deliveries: " << SeenSignals();
        EXPECT_TRUE(g_seen.sig[0] == r0 && g_seen.sig[1] == r1 && g_seen.sig[2] == r2 && g_seen.sig[3] == r3)
            << "sent in the order SIGRTMIN+3, +1, +2, +0; expected delivery SIGRTMIN, +1, +2, +3, but saw "
            << SeenSignals();
      });
}

IPC_CASE(signal, realtime, standard_signal_keeps_first_siginfo,
         .title = "a standard signal generated again while pending keeps the siginfo of its first instance",
         .statement = "In the case where a standard signal is already pending, the siginfo_t structure ... "
                      "associated with that signal is not overwritten on arrival of subsequent instances of "
                      "the same signal. Thus, the process will receive the information associated with the "
                      "first instance of the signal.",
         .refs = {"signal(7) Queueing and delivery semantics for standard signals"},
         .cls = Conformance::linux_specific) {
  SendWhileBlocked(
      {SIGUSR2}, [] { SetInfoHandler(SIGUSR2, RecordInfoHandler); },
      [](pid_t pid) {
        for (int v : {111, 222}) {
          union sigval val {};
          val.sival_int = v;
          EXPECT_THAT(sigqueue(pid, SIGUSR2, val), SyscallSucceeds()) << "sigqueue of value " << v;
        }
      },
      [] {
        ASSERT_EQ(g_seen.count, 1) << "a standard signal is delivered once; deliveries: " << SeenSignals();
        EXPECT_EQ(g_seen.value[0], 111) << "the delivery should carry the first instance's value 111";
      });
}

IPC_CASE(signal, realtime, at_least_eight_realtime_signals,
         .title = "SIGRTMIN..SIGRTMAX offers at least _POSIX_RTSIG_MAX (8) real-time signals",
         .statement = "The range of supported real-time signals is defined by the macros SIGRTMIN and "
                      "SIGRTMAX. POSIX.1-2001 requires that an implementation support at least "
                      "_POSIX_RTSIG_MAX (8) real-time signals.",
         .refs = {"signal(7) Real-time signals", "POSIX.1-2017 <limits.h> _POSIX_RTSIG_MAX"},
         .cls = Conformance::posix) {
  EXPECT_GE(SIGRTMAX - SIGRTMIN + 1, 8) << "SIGRTMIN is " << SIGRTMIN << ", SIGRTMAX is " << SIGRTMAX;
  EXPECT_LT(SIGRTMAX, NSIG);
}

// --- sigqueue(3) ---

IPC_CASE(signal, sigqueue, value_arrives_in_si_value,
         .title = "the value given to sigqueue() arrives in the handler's si_value",
         .statement = "If the receiving process has installed a handler for this signal using the SA_SIGINFO "
                      "flag to sigaction(2), then it can obtain this data via the si_value field of the "
                      "siginfo_t structure passed as the second argument to the handler. Furthermore, the "
                      "si_code field of that structure will be set to SI_QUEUE.",
         .refs = {"sigqueue(3)", "POSIX.1-2017 sigqueue()"}, .cls = Conformance::posix) {
  SendWhileBlocked(
      {SIGRTMIN + 1}, [] { SetInfoHandler(SIGRTMIN + 1, RecordInfoHandler); },
      [](pid_t pid) {
        union sigval v {};
        v.sival_int = 0x5a5a1234;
        EXPECT_THAT(sigqueue(pid, SIGRTMIN + 1, v), SyscallSucceeds());
      },
      [] {
        ASSERT_EQ(g_seen.count, 1) << "deliveries: " << SeenSignals();
        EXPECT_EQ(g_seen.value[0], 0x5a5a1234) << "si_value.sival_int";
        EXPECT_EQ(g_seen.code[0], SI_QUEUE) << "si_code is " << SiCodeName(g_seen.code[0]);
      });
}

IPC_CASE(signal, sigqueue, sig_zero_checks_existence,
         .title = "sigqueue(pid, 0, value) succeeds for an existing process and sends nothing",
         .statement = "As with kill(2), the null signal (0) can be used to check if a process with a given PID "
                      "exists.",
         .refs = {"sigqueue(3)", "POSIX.1-2017 sigqueue()"}, .cls = Conformance::posix) {
  Child c = Fork([] { CheckpointWait(0); });
  union sigval v {};
  EXPECT_THAT(sigqueue(c.pid(), 0, v), SyscallSucceeds());
  CheckpointPost(0);
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigqueue, invalid_signal_fails_einval,
         .title = "sigqueue with an invalid signal number fails with EINVAL", .statement = "EINVAL sig was invalid.",
         .refs = {"sigqueue(3) ERRORS", "POSIX.1-2017 sigqueue() [EINVAL]"}, .cls = Conformance::posix) {
  Child c = Fork([] { CheckpointWait(0); });
  union sigval v {};
  for (int sig : {-1, NSIG, NSIG + 100}) {
    EXPECT_THAT(sigqueue(c.pid(), sig, v), SyscallFailsWithErrno(EINVAL)) << "signal number " << sig;
  }
  CheckpointPost(0);
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigqueue, nonexistent_pid_fails_esrch,
         .title = "sigqueue to the pid of a child that was waited for fails with ESRCH",
         .statement = "ESRCH No process has a PID matching pid.",
         .refs = {"sigqueue(3) ERRORS", "POSIX.1-2017 sigqueue() [ESRCH]"}, .cls = Conformance::posix) {
  Child c = Fork([] {});
  ExpectCleanExit(c.Wait(), "child");
  union sigval v {};
  EXPECT_THAT(sigqueue(c.pid(), SIGRTMIN, v), SyscallFailsWithErrno(ESRCH)) << "reaped pid " << c.pid();
}

}  // namespace
