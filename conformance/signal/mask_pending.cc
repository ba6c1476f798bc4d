// sigprocmask(2), sigpending(2), pthread_sigmask(3), signal(7) "Signal mask and pending signals".
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "conformance/signal/signal_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::sigcase;

volatile sig_atomic_t g_calls = 0;
void CountHandler(int) {
  g_calls = g_calls + 1;
}

IPC_CASE(signal, mask, blocked_signal_stays_pending_until_unblocked,
         .title = "a blocked signal stays pending (sigpending) and is delivered when unblocked",
         .statement = "A signal may be blocked, which means that it will not be delivered until it is later "
                      "unblocked. Between the time when it is generated and when it is delivered a signal is "
                      "said to be pending. ... sigpending() returns the set of signals that are pending for "
                      "delivery to the calling thread.",
         .refs = {"signal(7) Signal mask and pending signals", "sigpending(2)", "sigprocmask(2)",
                  "POSIX.1-2017 sigprocmask() (delivery before return)", "POSIX.1-2017 sigpending()"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountHandler);
    Block({SIGUSR1});
    CheckpointPost(0);
    CheckpointWait(1);  // the parent has sent SIGUSR1
    EXPECT_EQ(g_calls, 0) << "a blocked signal must not be delivered";
    EXPECT_TRUE(Has(PendingSet(), SIGUSR1)) << "the blocked SIGUSR1 should be reported by sigpending(); "
                                            << "pending is " << Describe(PendingSet());
    Unblock({SIGUSR1});
    EXPECT_EQ(g_calls, 1) << "the pending SIGUSR1 should be delivered before sigprocmask() returns";
    EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << "a delivered signal is no longer pending";
  });
  CheckpointWait(0);
  EXPECT_THAT(kill(c.pid(), SIGUSR1), SyscallSucceeds());
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "child that blocked SIGUSR1");
}

IPC_CASE(signal, mask, sigkill_sigstop_cannot_be_blocked,
         .title = "sigprocmask silently leaves SIGKILL and SIGSTOP out of the mask",
         .statement = "It is not possible to block SIGKILL or SIGSTOP. Attempts to do so are silently ignored.",
         .refs = {"sigprocmask(2) NOTES", "signal(7) Standard signals", "POSIX.1-2017 sigprocmask()"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
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
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, mask, blocked_sigkill_still_kills,
         .title = "a process that tried to block SIGKILL is still killed by it",
         .statement = "The signals SIGKILL and SIGSTOP cannot be caught, blocked, or ignored.",
         .refs = {"signal(7) Standard signals", "sigprocmask(2) NOTES", "POSIX.1-2017 sigprocmask()"},
         .cls = Conformance::posix) {
  Pipe hold = MakePipe();
  Child c = Fork([&] {
    hold.w.reset();
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    CheckpointPost(0);
    char b;
    ssize_t n = read(hold.r.get(), &b, 1);  // until killed (or released if SIGKILL failed)
    (void)n;
  });
  CheckpointWait(0);
  c.Signal(SIGKILL);
  auto status = c.TryWait(kDefaultWait);
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
         .statement = "The signals SIGKILL and SIGSTOP cannot be caught, blocked, or ignored.",
         .refs = {"signal(7) Standard signals", "sigprocmask(2) NOTES", "POSIX.1-2017 sigprocmask()"},
         .cls = Conformance::posix) {
  Pipe hold = MakePipe();
  Child c = Fork([&] {
    hold.w.reset();
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    CheckpointPost(0);
    char b;
    EXPECT_THAT(read(hold.r.get(), &b, 1), SyscallSucceedsWithValue(0));
  });
  CheckpointWait(0);
  c.Signal(SIGSTOP);
  auto status = c.WaitFor(WUNTRACED, kDefaultWait);
  ASSERT_TRUE(status.has_value()) << "a process with every signal blocked must still be stopped by SIGSTOP, "
                                     "but waitpid(WUNTRACED) reported nothing within 5 s";
  EXPECT_TRUE(WIFSTOPPED(*status) && WSTOPSIG(*status) == SIGSTOP)
      << "expected the child to be stopped by SIGSTOP, but it " << DescribeWaitStatus(*status);
  if (!WIFSTOPPED(*status)) return;
  c.Signal(SIGCONT);
  hold.w.reset();
  ExpectCleanExit(c.Wait(), "child stopped and continued");
}

IPC_CASE(signal, mask, ignored_blocked_signal_discarded_when_unblocked,
         .title = "an ignored signal generated while blocked is discarded, never acted on, once unblocked",
         .statement = "If the action associated with a blocked signal is to ignore the signal and if that signal "
                      "is generated for the process, it is unspecified whether the signal is discarded "
                      "immediately upon generation or remains pending. ... If the action associated with a "
                      "signal is SIG_IGN, delivery of the signal shall have no effect on the process.",
         .refs = {"POSIX.1-2017 XSH 2.4.1 Signal Generation and Delivery", "POSIX.1-2017 XSH 2.4.3 (SIG_IGN)",
                  "signal(7) Signal dispositions", "sigpending(2) NOTES"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGTERM, SIG_IGN);
    Block({SIGTERM});
    EXPECT_THAT(kill(getpid(), SIGTERM), SyscallSucceeds());
    // Pending or already discarded: both are allowed (Linux keeps it pending: the disposition could still
    // change before it is unblocked).
    Unblock({SIGTERM});
    EXPECT_FALSE(Has(PendingSet(), SIGTERM))
        << "once unblocked, the ignored SIGTERM must be gone, but it is still pending";
  });
  ExpectCleanExit(c.Wait(), "child that ignored and blocked SIGTERM, then unblocked it");
}

IPC_CASE(signal, mask, sigprocmask_block_unblock_setmask,
         .title = "sigprocmask: SIG_BLOCK adds, SIG_UNBLOCK removes, SIG_SETMASK replaces, oldset gets the "
                  "previous mask",
         .statement = "SIG_BLOCK The set of blocked signals is the union of the current set and the set "
                      "argument. SIG_UNBLOCK The signals in set are removed from the current set of blocked "
                      "signals. ... SIG_SETMASK The set of blocked signals is set to the argument set. If "
                      "oldset is non-NULL, the previous value of the signal mask is stored in oldset.",
         .refs = {"sigprocmask(2)", "POSIX.1-2017 sigprocmask()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
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
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, mask, invalid_how_fails_einval,
         .title = "sigprocmask with an invalid how fails with EINVAL and leaves the mask unchanged",
         .statement = "EINVAL Either the value specified in how was invalid or the kernel does not support the "
                      "size passed in sigsetsize.",
         .refs = {"sigprocmask(2) ERRORS", "POSIX.1-2017 sigprocmask() [EINVAL]"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    sigset_t s = SetOf({SIGUSR1});
    EXPECT_THAT(sigprocmask(SIG_BLOCK + SIG_UNBLOCK + SIG_SETMASK + 40, &s, nullptr), SyscallFailsWithErrno(EINVAL));
    EXPECT_FALSE(Has(CurrentMask(), SIGUSR1)) << "a failed call must not change the mask: " << Describe(CurrentMask());
  });
  ExpectCleanExit(c.Wait(), "child");
}

thread_local int t_tag = 0;
std::atomic<int> g_handled_tag{0};
int g_notify_fd = -1;

void TagHandler(int) {
  g_handled_tag.store(t_tag);
  char c = 'h';
  ssize_t n = write(g_notify_fd, &c, 1);
  (void)n;
}

IPC_CASE(signal, mask, process_signal_delivered_to_unblocking_thread,
         .title = "a process-directed signal is delivered to the one thread that does not block it",
         .statement = "Each thread in a process has an independent signal mask ... A process-directed signal "
                      "may be delivered to any one of the threads that does not currently have the signal "
                      "blocked.",
         .refs = {"signal(7) Signal mask and pending signals", "pthread_sigmask(3)", "POSIX.1-2017 pthread_sigmask()",
                  "POSIX.1-2017 XSH 2.4.1"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    Pipe notify = MakePipe();
    Pipe hold = MakePipe();
    Pipe ready = MakePipe();
    g_notify_fd = notify.w.get();
    SetHandler(SIGUSR1, TagHandler);
    Block({SIGUSR1});  // the main thread blocks it; the new thread starts with a copy of this mask
    t_tag = 1;
    std::thread worker([&] {
      t_tag = 2;
      sigset_t usr1 = SetOf({SIGUSR1});
      EXPECT_THAT(pthread_sigmask(SIG_UNBLOCK, &usr1, nullptr), ReturnsErrno(0));
      char b = 'r';
      ssize_t w = write(ready.w.get(), &b, 1);
      (void)w;
      ssize_t n = read(hold.r.get(), &b, 1);  // interrupted by the handler, or ended below
      (void)n;
    });
    const bool started = WaitReadable(ready.r.get());
    bool ran = false;
    if (started) {
      EXPECT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
      ran = WaitReadable(notify.r.get());
    }
    hold.w.reset();
    worker.join();
    if (!started) ThrowHarnessError("the second thread did not start within 5 s");
    ASSERT_TRUE(ran) << "the process-directed SIGUSR1 was not handled within 5 s";
    EXPECT_EQ(g_handled_tag.load(), 2) << "the handler should run in the only thread not blocking SIGUSR1 "
                                          "(tag 2), but it ran in tag "
                                       << g_handled_tag.load();
  });
  ExpectCleanExit(c.Wait(), "child with two threads");
}

}  // namespace
