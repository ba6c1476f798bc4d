// sigprocmask(2), sigpending(2), pthread_sigmask(3), signal(7) "Signal mask and pending signals".
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <optional>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

IPC_CASE(signal, mask, blocked_signal_stays_pending_until_unblocked,
         .title = "a blocked signal stays pending (sigpending) and is delivered when unblocked",
         .covers = {"sigpending.reports_blocked_pending_signals",
                    "sigprocmask.unblocked_pending_delivered_before_return"},
         .statement = "A signal may be blocked, which means that it will not be delivered until it is later "
                      "unblocked. Between the time when it is generated and when it is delivered a signal is "
                      "said to be pending. ... sigpending() returns the set of signals that are pending for "
                      "delivery to the calling thread.",
         .refs = {"signal(7) Signal mask and pending signals", "sigpending(2)", "sigprocmask(2)",
                  "POSIX.1-2017 sigprocmask() (delivery before return)", "POSIX.1-2017 sigpending()"},
         .cls = Conformance::posix) {
  SendToWaitingChild(
      [] {
        SetHandler(SIGUSR1, CountingHandler);
        Block({SIGUSR1});
      },
      [](pid_t pid) { EXPECT_THAT(kill(pid, SIGUSR1), SyscallSucceeds()); },
      [] {
        EXPECT_EQ(g_handled.calls, 0) << "a blocked signal must not be delivered";
        EXPECT_TRUE(Has(PendingSet(), SIGUSR1)) << "the blocked SIGUSR1 should be reported by sigpending(); "
                                                << "pending is " << Describe(PendingSet());
        Unblock({SIGUSR1});
        EXPECT_EQ(g_handled.calls, 1) << "the pending SIGUSR1 should be delivered before sigprocmask() returns";
        EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << "a delivered signal is no longer pending";
      },
      "child that blocked SIGUSR1");
}

IPC_CASE(signal, mask, sigkill_sigstop_cannot_be_blocked,
         .title = "sigprocmask silently leaves SIGKILL and SIGSTOP out of the mask",
         .covers = {"sigprocmask.sigkill_sigstop_not_blockable"},
         .statement = "It is not possible to block SIGKILL or SIGSTOP. Attempts to do so are silently ignored.",
         .refs = {"sigprocmask(2) NOTES", "signal(7) Standard signals", "POSIX.1-2017 sigprocmask()"},
         .cls = Conformance::posix) {
  InChild("child", [] {
    sigset_t all;
    sigfillset(&all);
    ASSERT_THAT(sigprocmask(SIG_SETMASK, &all, nullptr), SyscallSucceeds()) << "SIG_SETMASK with every signal";
    sigset_t now = CurrentMask();
    EXPECT_FALSE(Has(now, SIGKILL) || Has(now, SIGSTOP))
        << "SIGKILL and SIGSTOP cannot be blocked, but the mask is " << Describe(now);
    EXPECT_TRUE(Has(now, SIGUSR1) && Has(now, SIGTERM)) << "other signals should be blocked: " << Describe(now);
    sigset_t none;
    sigemptyset(&none);
    ASSERT_THAT(sigprocmask(SIG_SETMASK, &none, nullptr), SyscallSucceeds());
    sigset_t kill_stop = SetOf({SIGKILL, SIGSTOP});
    EXPECT_THAT(sigprocmask(SIG_BLOCK, &kill_stop, nullptr), SyscallSucceeds())
        << "the attempt is silently ignored, not an error";
    now = CurrentMask();
    EXPECT_FALSE(Has(now, SIGKILL) || Has(now, SIGSTOP))
        << "SIG_BLOCK of SIGKILL and SIGSTOP must leave them unblocked, but the mask is " << Describe(now);
  });
}

// A child that tried to block every signal (SIGKILL and SIGSTOP included) and then waits in read() on
// `hold`; returned once it has tried, nullopt when it ended first (it said why).
std::optional<Child> EverythingBlocked(Pipe& hold) {
  Child c = HeldChild(hold, [] {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    CheckpointPost(0);
  });
  if (!AwaitCheckpoint(c, 0)) return std::nullopt;
  return c;
}

IPC_CASE(signal, mask, blocked_sigkill_still_kills,
         .title = "a process that tried to block SIGKILL is still killed by it",
         .covers = {"sigprocmask.sigkill_sigstop_not_blockable"},
         .statement = "The signals SIGKILL and SIGSTOP cannot be caught, blocked, or ignored.",
         .refs = {"signal(7) Standard signals", "sigprocmask(2) NOTES", "POSIX.1-2017 sigprocmask()"},
         .cls = Conformance::posix) {
  Pipe hold = MakePipe();
  std::optional<Child> c = EverythingBlocked(hold);  // until killed (or released if SIGKILL failed)
  if (!c) return;
  c->Signal(SIGKILL);
  auto status = c->TryWait(kDefaultWait);
  if (!status) {
    hold.w.reset();
    ADD_FAILURE() << "a process with every signal blocked must still be killed by SIGKILL, but it was still "
                     "running 5 s later";
    return;
  }
  ExpectKilledBy(*status, SIGKILL, "child that blocked every signal");
}

IPC_CASE(signal, mask, blocked_sigstop_still_stops,
         .title = "a process that tried to block SIGSTOP is still stopped by it",
         .covers = {"sigprocmask.sigkill_sigstop_not_blockable"},
         .statement = "The signals SIGKILL and SIGSTOP cannot be caught, blocked, or ignored.",
         .refs = {"signal(7) Standard signals", "sigprocmask(2) NOTES", "POSIX.1-2017 sigprocmask()"},
         .cls = Conformance::posix) {
  Pipe hold = MakePipe();
  std::optional<Child> c = EverythingBlocked(hold);
  if (!c) return;
  ExpectStopsAndContinues(
      *c, [&] { hold.w.reset(); }, "child with every signal blocked, sent SIGSTOP");
}

IPC_CASE(signal, mask, ignored_blocked_signal_discarded_when_unblocked,
         .title = "an ignored signal generated while blocked is discarded, never acted on, once unblocked",
         .covers = {"sigpending.ignored_blocked_signal_never_acted_on"},
         .statement = "If the action associated with a blocked signal is to ignore the signal and if that signal "
                      "is generated for the process, it is unspecified whether the signal is discarded "
                      "immediately upon generation or remains pending. ... If the action associated with a "
                      "signal is SIG_IGN, delivery of the signal shall have no effect on the process.",
         .refs = {"POSIX.1-2017 XSH 2.4.1 Signal Generation and Delivery", "POSIX.1-2017 XSH 2.4.3 (SIG_IGN)",
                  "signal(7) Signal dispositions", "sigpending(2) NOTES"},
         .cls = Conformance::posix) {
  InChild("child that ignored and blocked SIGTERM, then unblocked it", [] {
    SetHandler(SIGTERM, SIG_IGN);
    Block({SIGTERM});
    EXPECT_THAT(kill(getpid(), SIGTERM), SyscallSucceeds());
    // Pending or already discarded: both are allowed (Linux keeps it pending: the disposition could still
    // change before it is unblocked).
    Unblock({SIGTERM});
    EXPECT_FALSE(Has(PendingSet(), SIGTERM))
        << "once unblocked, the ignored SIGTERM must be gone, but it is still pending";
  });
}

IPC_CASE(signal, mask, sigprocmask_block_unblock_setmask,
         .title = "sigprocmask: SIG_BLOCK adds, SIG_UNBLOCK removes, SIG_SETMASK replaces, oldset gets the "
                  "previous mask",
         .covers = {"sigprocmask.SIG_BLOCK", "sigprocmask.SIG_UNBLOCK", "sigprocmask.SIG_SETMASK",
                    "sigprocmask.oldset_gets_previous_mask"},
         .statement = "SIG_BLOCK The set of blocked signals is the union of the current set and the set "
                      "argument. SIG_UNBLOCK The signals in set are removed from the current set of blocked "
                      "signals. ... SIG_SETMASK The set of blocked signals is set to the argument set. If "
                      "oldset is non-NULL, the previous value of the signal mask is stored in oldset.",
         .refs = {"sigprocmask(2)", "POSIX.1-2017 sigprocmask()"}, .cls = Conformance::posix) {
  InChild("child", [] {
    sigset_t a = SetOf({SIGUSR1});
    sigset_t b = SetOf({SIGUSR2, SIGRTMIN + 2});
    sigset_t old;
    ASSERT_THAT(sigprocmask(SIG_BLOCK, &a, &old), SyscallSucceeds());
    EXPECT_FALSE(Has(old, SIGUSR1)) << "oldset should be the empty starting mask: " << Describe(old);
    ASSERT_THAT(sigprocmask(SIG_BLOCK, &b, &old), SyscallSucceeds());
    EXPECT_TRUE(Has(old, SIGUSR1) && !Has(old, SIGUSR2)) << "oldset after the first SIG_BLOCK: " << Describe(old);
    sigset_t now = CurrentMask();
    EXPECT_TRUE(Has(now, SIGUSR1) && Has(now, SIGUSR2) && Has(now, SIGRTMIN + 2))
        << "SIG_BLOCK should form the union {SIGUSR1, SIGUSR2, SIGRTMIN+2}: " << Describe(now);
    sigset_t u = SetOf({SIGUSR1, SIGTERM});  // SIGTERM is not blocked: unblocking it is permitted
    ASSERT_THAT(sigprocmask(SIG_UNBLOCK, &u, nullptr), SyscallSucceeds());
    now = CurrentMask();
    EXPECT_TRUE(!Has(now, SIGUSR1) && Has(now, SIGUSR2) && Has(now, SIGRTMIN + 2) && !Has(now, SIGTERM))
        << "SIG_UNBLOCK of {SIGUSR1, SIGTERM} should leave {SIGUSR2, SIGRTMIN+2}: " << Describe(now);
    sigset_t s = SetOf({SIGHUP});
    ASSERT_THAT(sigprocmask(SIG_SETMASK, &s, &old), SyscallSucceeds());
    EXPECT_TRUE(Has(old, SIGUSR2) && Has(old, SIGRTMIN + 2)) << "oldset before SIG_SETMASK: " << Describe(old);
    now = CurrentMask();
    EXPECT_TRUE(Has(now, SIGHUP) && !Has(now, SIGUSR2) && !Has(now, SIGRTMIN + 2))
        << "SIG_SETMASK should make the mask exactly {SIGHUP}: " << Describe(now);
  });
}

IPC_CASE(signal, mask, invalid_how_fails_einval,
         .title = "sigprocmask with an invalid how fails with EINVAL and leaves the mask unchanged",
         .covers = {"sigprocmask.EINVAL"},
         .statement = "EINVAL Either the value specified in how was invalid or the kernel does not support the "
                      "size passed in sigsetsize.",
         .refs = {"sigprocmask(2) ERRORS", "POSIX.1-2017 sigprocmask() [EINVAL]"}, .cls = Conformance::posix) {
  InChild("child", [] {
    sigset_t s = SetOf({SIGUSR1});
    EXPECT_THAT(sigprocmask(SIG_BLOCK + SIG_UNBLOCK + SIG_SETMASK + 40, &s, nullptr), SyscallFailsWithErrno(EINVAL));
    EXPECT_FALSE(Has(CurrentMask(), SIGUSR1)) << "a failed call must not change the mask: " << Describe(CurrentMask());
  });
}

IPC_CASE(signal, mask, process_signal_delivered_to_unblocking_thread,
         .title = "a process-directed signal is delivered to the one thread that does not block it",
         .covers = {"signal7.process_signal_goes_to_unblocking_thread"},
         .statement = "Each thread in a process has an independent signal mask ... A process-directed signal "
                      "may be delivered to any one of the threads that does not currently have the signal "
                      "blocked.",
         .refs = {"signal(7) Signal mask and pending signals", "pthread_sigmask(3)", "POSIX.1-2017 pthread_sigmask()",
                  "POSIX.1-2017 XSH 2.4.1"},
         .cls = Conformance::posix) {
  InChild("child with two threads", [] {
    Block({SIGUSR1});  // the main thread blocks it; the new thread starts with a copy of this mask
    const int tag = ThreadThatHandled(
        [] {
          sigset_t usr1 = SetOf({SIGUSR1});
          EXPECT_THAT(pthread_sigmask(SIG_UNBLOCK, &usr1, nullptr), ReturnsErrno(0));
        },
        [](pthread_t) {
          EXPECT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
          return true;
        });
    ASSERT_NE(tag, 0) << "the process-directed SIGUSR1 was not handled within 5 s";
    EXPECT_EQ(tag, 2) << "the handler should run in the only thread not blocking SIGUSR1 (tag 2), but it ran in tag "
                      << tag;
  });
}

}  // namespace
