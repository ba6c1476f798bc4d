// signal(7) "Queueing and delivery semantics for standard signals", "Real-time signals".
#include <signal.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

constexpr int kSent = 5;  // real-time signals queued by realtime_signals_queue_in_order

IPC_CASE(signal, realtime, standard_signals_coalesce,
         .title = "a standard signal sent twice while blocked is delivered once",
         .covers = {"signal7.standard_signals_do_not_queue"},
         .statement = "Standard signals do not queue. If multiple instances of a standard signal are generated "
                      "while that signal is blocked, then only one instance of the signal is marked as pending "
                      "(and the signal will be delivered just once when it is unblocked).",
         .refs = {"signal(7) Queueing and delivery semantics for standard signals",
                  "POSIX.1-2017 XSH 2.4.1 Signal Generation and Delivery"},
         .cls = Conformance::posix) {
  DeliverAfterUnblock(
      {SIGUSR1}, [] { SetHandler(SIGUSR1, RecordDelivery); },
      [](pid_t pid) {
        EXPECT_THAT(kill(pid, SIGUSR1), SyscallSucceeds()) << "first SIGUSR1";
        EXPECT_THAT(kill(pid, SIGUSR1), SyscallSucceeds()) << "second SIGUSR1";
      },
      [] {
        EXPECT_EQ(g_deliveries.count, 1) << "two SIGUSR1 sent while blocked should be delivered once; deliveries: "
                                         << g_deliveries.Signals();
        EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << "no second instance may remain pending";
      });
}

IPC_CASE(signal, realtime, realtime_signals_queue_in_order,
         .title = "real-time signals sigqueue()d while blocked are all delivered, in order, each with its value",
         .covers = {"signal7.realtime_signals_queue_in_order", "sigaction.SI_QUEUE"},
         .statement = "Multiple instances of real-time signals can be queued. ... Real-time signals are "
                      "delivered in a guaranteed order. Multiple real-time signals of the same type are "
                      "delivered in the order they were sent. ... If the signal is sent using sigqueue(3), an "
                      "accompanying value ... can be sent with the signal.",
         .refs = {"signal(7) Real-time signals", "sigqueue(3)",
                  "POSIX.1-2017 XSH 2.4.2 Realtime Signal "
                  "Generation and Delivery",
                  "POSIX.1-2017 sigqueue()"},
         .cls = Conformance::posix) {
  DeliverAfterUnblock(
      {SIGRTMIN}, [] { SetInfoHandler(SIGRTMIN, RecordInfoDelivery); },
      [](pid_t pid) {
        for (int i = 0; i < kSent; ++i) {
          union sigval v {};
          v.sival_int = 1000 + i;
          EXPECT_THAT(sigqueue(pid, SIGRTMIN, v), SyscallSucceeds()) << "sigqueue of value " << 1000 + i;
        }
      },
      [] {
        ASSERT_EQ(g_deliveries.count, kSent)
            << "each of the 5 queued SIGRTMIN should be delivered; deliveries: " << g_deliveries.Signals();
        for (int i = 0; i < kSent; ++i) {
          EXPECT_EQ(g_deliveries.value[i], 1000 + i)
              << "delivery #" << i << " should carry the value of sigqueue() #" << i << " (" << 1000 + i
              << "): real-time signals of one number are delivered in the order sent";
          EXPECT_EQ(g_deliveries.code[i], SI_QUEUE)
              << "delivery " << i << ": si_code " << SiCodeName(g_deliveries.code[i]);
        }
      });
}

IPC_CASE(signal, realtime, lower_numbered_delivered_first,
         .title = "pending real-time signals are delivered lowest-numbered first, whatever the sending order",
         .covers = {"signal7.lowest_realtime_delivered_first"},
         .statement = "If different real-time signals are sent to a process, they are delivered starting with "
                      "the lowest-numbered signal. (I.e., low-numbered signals have highest priority.)",
         .refs = {"signal(7) Real-time signals", "POSIX.1-2017 XSH 2.4.2 (lowest numbered first)"},
         .cls = Conformance::posix) {
  const int r0 = SIGRTMIN, r1 = SIGRTMIN + 1, r2 = SIGRTMIN + 2, r3 = SIGRTMIN + 3;
  DeliverAfterUnblock(
      {r0, r1, r2, r3},
      [&] {
        // Each handler blocks the whole group, so one handler ends before the next signal is delivered.
        for (int s : {r0, r1, r2, r3}) SetHandler(s, RecordDelivery, 0, SetOf({r0, r1, r2, r3}));
      },
      [&](pid_t pid) {
        for (int s : {r3, r1, r2, r0}) EXPECT_THAT(kill(pid, s), SyscallSucceeds()) << SignalName(s);
      },
      [&] {
        ASSERT_EQ(g_deliveries.count, 4) << "all four real-time signals should be delivered; deliveries: "
                                         << g_deliveries.Signals();
        EXPECT_TRUE(g_deliveries.sig[0] == r0 && g_deliveries.sig[1] == r1 && g_deliveries.sig[2] == r2 &&
                    g_deliveries.sig[3] == r3)
            << "sent in the order SIGRTMIN+3, +1, +2, +0; expected delivery SIGRTMIN, +1, +2, +3, but saw "
            << g_deliveries.Signals();
      });
}

IPC_CASE(signal, realtime, standard_signal_keeps_first_siginfo,
         .title = "a standard signal generated again while pending keeps the siginfo of its first instance",
         .covers = {"signal7.standard_signal_keeps_first_siginfo"},
         .statement = "In the case where a standard signal is already pending, the siginfo_t structure ... "
                      "associated with that signal is not overwritten on arrival of subsequent instances of "
                      "the same signal. Thus, the process will receive the information associated with the "
                      "first instance of the signal.",
         .refs = {"signal(7) Queueing and delivery semantics for standard signals"},
         .cls = Conformance::linux_specific) {
  DeliverAfterUnblock(
      {SIGUSR2}, [] { SetInfoHandler(SIGUSR2, RecordInfoDelivery); },
      [](pid_t pid) {
        for (int v : {111, 222}) {
          union sigval val {};
          val.sival_int = v;
          EXPECT_THAT(sigqueue(pid, SIGUSR2, val), SyscallSucceeds()) << "sigqueue of value " << v;
        }
      },
      [] {
        ASSERT_EQ(g_deliveries.count, 1) << "a standard signal is delivered once; deliveries: "
                                         << g_deliveries.Signals();
        EXPECT_EQ(g_deliveries.value[0], 111) << "the delivery should carry the first instance's value 111";
      });
}

IPC_CASE(signal, realtime, at_least_eight_realtime_signals,
         .title = "SIGRTMIN..SIGRTMAX offers at least _POSIX_RTSIG_MAX (8) real-time signals",
         .covers = {"signal7.RTSIG_MAX"},
         .statement = "The range of supported real-time signals is defined by the macros SIGRTMIN and "
                      "SIGRTMAX. POSIX.1-2001 requires that an implementation support at least "
                      "_POSIX_RTSIG_MAX (8) real-time signals.",
         .refs = {"signal(7) Real-time signals", "POSIX.1-2017 <limits.h> _POSIX_RTSIG_MAX"},
         .cls = Conformance::posix) {
  EXPECT_GE(SIGRTMAX - SIGRTMIN + 1, 8) << "SIGRTMIN is " << SIGRTMIN << ", SIGRTMAX is " << SIGRTMAX;
  EXPECT_LT(SIGRTMAX, NSIG);
}

}  // namespace
