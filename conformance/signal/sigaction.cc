// sigaction(2) and signal(7) "Execution of signal handlers": installing actions, their flags, the mask
// in force while a handler runs, the siginfo_t a handler receives. Every change of disposition or mask
// happens in a forked child.
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "conformance/signal/signal_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::sigcase;

volatile sig_atomic_t g_calls = 0;
volatile sig_atomic_t g_depth = 0;
volatile sig_atomic_t g_max_depth = 0;
volatile sig_atomic_t g_calls_after_inner_raise = 0;
volatile sig_atomic_t g_last_sig = 0;
sigset_t g_mask_in_handler;
sigset_t g_pending_in_handler;
int g_notify_fd = -1;

void CountHandler(int sig) {
  g_last_sig = sig;
  g_calls = g_calls + 1;
}

// Writes one byte to g_notify_fd: tells another process that the handler ran.
void NotifyHandler(int) {
  char c = 'h';
  ssize_t n = write(g_notify_fd, &c, 1);
  (void)n;
}

// Records the mask while the handler runs.
void MaskProbeHandler(int) {
  sigprocmask(SIG_BLOCK, nullptr, &g_mask_in_handler);
  g_calls = g_calls + 1;
}

// On its first call, raises its own signal again and records what happened by the time raise returned.
void NestingHandler(int sig) {
  g_calls = g_calls + 1;
  g_depth = g_depth + 1;
  if (g_depth > g_max_depth) g_max_depth = g_depth;
  if (g_calls == 1) {
    sigprocmask(SIG_BLOCK, nullptr, &g_mask_in_handler);
    raise(sig);
    g_calls_after_inner_raise = g_calls;
    sigpending(&g_pending_in_handler);
  }
  g_depth = g_depth - 1;
}

// Pipe read interrupted by a signal: shared set-up of the SA_RESTART pair.
struct Interrupted {
  Pipe data = MakePipe();
  Pipe notify = MakePipe();
};

IPC_CASE(signal, sigaction, sa_restart_restarts_pipe_read,
         .title = "with SA_RESTART, a pipe read interrupted by a handler is restarted and returns later data",
         .statement = "If a blocked call to one of the following interfaces is interrupted by a signal "
                      "handler, then the call is automatically restarted after the signal handler returns if "
                      "the SA_RESTART flag was used ...: read(2) ... on \"slow\" devices ... pipe.",
         .refs = {"signal(7) Interruption of system calls and library functions by signal handlers",
                  "sigaction(2) SA_RESTART", "POSIX.1-2017 sigaction() SA_RESTART"},
         .cls = Conformance::posix) {
  Interrupted p;
  Child reader = Fork([&] {
    g_notify_fd = p.notify.w.get();
    SetHandler(SIGUSR1, NotifyHandler, SA_RESTART);
    p.data.w.reset();
    char buf[8] = {};
    ssize_t n = read(p.data.r.get(), buf, sizeof buf);
    EXPECT_THAT(n, SyscallSucceedsWithValue(3))
        << "with SA_RESTART the interrupted read must be restarted and return the data written after the "
           "handler ran";
    EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "abc");
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  reader.Signal(SIGUSR1);
  ASSERT_TRUE(WaitReadable(p.notify.r.get())) << "the SIGUSR1 handler did not run within 5 s of kill()";
  char c;
  ASSERT_THAT(read(p.notify.r.get(), &c, 1), SyscallSucceedsWithValue(1));
  // The handler has returned or is returning: the restarted read blocks again on the empty pipe.
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  ASSERT_THAT(write(p.data.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ExpectCleanExit(reader.Wait(), "reader");
}

IPC_CASE(signal, sigaction, no_sa_restart_read_fails_eintr,
         .title = "without SA_RESTART, a pipe read interrupted by a handler fails with EINTR",
         .statement = "If a blocked call to one of the following interfaces is interrupted by a signal "
                      "handler, then the call is automatically restarted after the signal handler returns if "
                      "the SA_RESTART flag was used; otherwise the call fails with the error EINTR: read(2) "
                      "... on \"slow\" devices ... pipe.",
         .refs = {"signal(7) Interruption of system calls and library functions by signal handlers", "read(2) EINTR",
                  "POSIX.1-2017 read() [EINTR]"},
         .cls = Conformance::posix) {
  Interrupted p;
  Child reader = Fork([&] {
    g_notify_fd = p.notify.w.get();
    SetHandler(SIGUSR1, NotifyHandler, 0);
    p.data.w.reset();
    char buf[8] = {};
    EXPECT_THAT(read(p.data.r.get(), buf, sizeof buf), SyscallFailsWithErrno(EINTR))
        << "without SA_RESTART the read interrupted by the SIGUSR1 handler must fail with EINTR (data "
           "written after the handler ran must not be returned by it)";
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  reader.Signal(SIGUSR1);
  ASSERT_TRUE(WaitReadable(p.notify.r.get())) << "the SIGUSR1 handler did not run within 5 s of kill()";
  // The handler ran, so whether the read fails or restarts is already decided; this data can only be
  // returned by a read that was (wrongly) restarted.
  ASSERT_THAT(write(p.data.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ExpectCleanExit(reader.Wait(), "reader");
}

IPC_CASE(signal, sigaction, sigkill_cannot_be_caught_or_ignored,
         .title = "sigaction refuses a handler or SIG_IGN for SIGKILL with EINVAL, and SIGKILL still kills",
         .statement = "EINVAL An invalid signal was specified. This will also be generated if an attempt is "
                      "made to change the action for SIGKILL or SIGSTOP, which cannot be caught or ignored.",
         .refs = {"sigaction(2) ERRORS", "signal(7) The signals SIGKILL and SIGSTOP cannot be caught",
                  "POSIX.1-2017 sigaction() [EINVAL]"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    struct sigaction catch_it {};
    catch_it.sa_handler = CountHandler;
    EXPECT_THAT(sigaction(SIGKILL, &catch_it, nullptr), SyscallFailsWithErrno(EINVAL))
        << "installing a handler for SIGKILL";
    struct sigaction ignore_it {};
    ignore_it.sa_handler = SIG_IGN;
    EXPECT_THAT(sigaction(SIGKILL, &ignore_it, nullptr), SyscallFailsWithErrno(EINVAL)) << "setting SIGKILL to SIG_IGN";
    CheckpointPost(0);
    CheckpointWait(1);
  });
  CheckpointWait(0);
  c.Signal(SIGKILL);
  auto status = ExpectEnds(c, "child sent SIGKILL after trying to catch and ignore it");
  if (status) ExpectKilledBy(*status, SIGKILL, "child sent SIGKILL after trying to catch and ignore it");
}

IPC_CASE(signal, sigaction, sigstop_cannot_be_caught_or_ignored,
         .title = "sigaction refuses a handler or SIG_IGN for SIGSTOP with EINVAL, and SIGSTOP still stops",
         .statement = "EINVAL An invalid signal was specified. This will also be generated if an attempt is "
                      "made to change the action for SIGKILL or SIGSTOP, which cannot be caught or ignored.",
         .refs = {"sigaction(2) ERRORS", "signal(7) The signals SIGKILL and SIGSTOP cannot be caught",
                  "POSIX.1-2017 sigaction() [EINVAL]"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    struct sigaction catch_it {};
    catch_it.sa_handler = CountHandler;
    EXPECT_THAT(sigaction(SIGSTOP, &catch_it, nullptr), SyscallFailsWithErrno(EINVAL))
        << "installing a handler for SIGSTOP";
    struct sigaction ignore_it {};
    ignore_it.sa_handler = SIG_IGN;
    EXPECT_THAT(sigaction(SIGSTOP, &ignore_it, nullptr), SyscallFailsWithErrno(EINVAL)) << "setting SIGSTOP to SIG_IGN";
    CheckpointPost(0);
    CheckpointWait(1);
    EXPECT_EQ(g_calls, 0) << "no handler may run for SIGSTOP";
  });
  CheckpointWait(0);
  c.Signal(SIGSTOP);
  auto status = c.WaitFor(WUNTRACED, kDefaultWait);
  ASSERT_TRUE(status.has_value()) << "the child did not stop within 5 s after SIGSTOP";
  EXPECT_TRUE(WIFSTOPPED(*status) && WSTOPSIG(*status) == SIGSTOP)
      << "expected the child to be stopped by SIGSTOP, but it " << DescribeWaitStatus(*status);
  if (!WIFSTOPPED(*status)) return;
  c.Signal(SIGCONT);
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "child stopped and continued");
}

IPC_CASE(signal, sigaction, sa_resethand_resets_to_default,
         .title = "SA_RESETHAND: the handler runs once, then the action is SIG_DFL and the default applies",
         .statement = "SA_RESETHAND Restore the signal action to the default upon entry to the signal "
                      "handler.",
         .refs = {"sigaction(2) SA_RESETHAND", "POSIX.1-2017 sigaction() SA_RESETHAND"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountHandler, SA_RESETHAND);
    ASSERT_EQ(QueryAction(SIGUSR1).sa_handler, CountHandler) << "the handler was not installed";
    raise(SIGUSR1);
    EXPECT_EQ(g_calls, 1) << "the SA_RESETHAND handler should have run once for the first SIGUSR1";
    EXPECT_EQ(QueryAction(SIGUSR1).sa_handler, SIG_DFL)
        << "after one delivery with SA_RESETHAND, sigaction() should report SIG_DFL";
    raise(SIGUSR1);  // the default action (Term) now applies
    _exit(0);
  });
  auto status = ExpectEnds(c, "child that raised SIGUSR1 twice with SA_RESETHAND");
  if (status) {
    ExpectKilledBy(*status, SIGUSR1,
                   "second SIGUSR1 after the SA_RESETHAND handler ran once (default action: terminate)");
  }
}

struct ResetHandReport {
  volatile sig_atomic_t ran = 0;
  volatile sig_atomic_t had_info = 0;
  volatile sig_atomic_t info_signo = 0;
  volatile sig_atomic_t query_ok = 0;
  volatile sig_atomic_t handler_is_dfl = 0;
  volatile int flags_in_handler = 0;
};
ResetHandReport g_reset;

void ResetHandInfoHandler(int, siginfo_t* info, void*) {
  g_reset.ran = 1;
  g_reset.had_info = info != nullptr;
  if (info != nullptr) g_reset.info_signo = info->si_signo;
  struct sigaction now {};
  if (sigaction(SIGUSR1, nullptr, &now) == 0) {
    g_reset.query_ok = 1;
    g_reset.handler_is_dfl = now.sa_handler == SIG_DFL;
    g_reset.flags_in_handler = now.sa_flags;
  }
}

IPC_CASE(signal, sigaction, sa_resethand_keeps_sa_siginfo_flag,
         .title = "SA_RESETHAND|SA_SIGINFO: Linux resets only the handler; a sigaction query still reports "
                  "SA_SIGINFO",
         .statement = "SA_RESETHAND Restore the signal action to the default upon entry to the signal "
                      "handler. (Linux resets sa_handler to SIG_DFL on entry and leaves sa_flags as "
                      "installed, so SA_SIGINFO is still reported; POSIX instead says the SA_SIGINFO flag "
                      "shall be cleared on entry to the handler.)",
         .refs = {"sigaction(2) SA_RESETHAND, SA_SIGINFO",
                  "POSIX.1-2017 sigaction() SA_RESETHAND (differs: clears SA_SIGINFO)"},
         .cls = Conformance::linux_specific) {
  Child c = Fork([] {
    SetInfoHandler(SIGUSR1, ResetHandInfoHandler, SA_RESETHAND);
    raise(SIGUSR1);
    ASSERT_EQ(g_reset.ran, 1) << "the SA_SIGINFO|SA_RESETHAND handler did not run";
    EXPECT_TRUE(g_reset.had_info && g_reset.info_signo == SIGUSR1)
        << "the SA_SIGINFO handler should receive a siginfo_t with si_signo SIGUSR1";
    ASSERT_EQ(g_reset.query_ok, 1) << "sigaction(SIGUSR1, NULL, &old) failed inside the handler";
    EXPECT_EQ(g_reset.handler_is_dfl, 1) << "inside the handler the action should already be SIG_DFL";
    EXPECT_NE(g_reset.flags_in_handler & SA_SIGINFO, 0)
        << "Linux leaves SA_SIGINFO set when SA_RESETHAND resets the handler; the query inside the handler "
           "reported sa_flags 0x"
        << std::hex << g_reset.flags_in_handler;
    struct sigaction after = QueryAction(SIGUSR1);
    EXPECT_EQ(after.sa_handler, SIG_DFL) << "after the handler returned the action should be SIG_DFL";
    EXPECT_NE(after.sa_flags & SA_SIGINFO, 0)
        << "after the handler returned, Linux still reports SA_SIGINFO; sa_flags are 0x" << std::hex << after.sa_flags;
  });
  ExpectCleanExit(c.Wait(), "child with an SA_RESETHAND|SA_SIGINFO handler");
}

IPC_CASE(signal, sigaction, sa_nodefer_allows_nested_delivery,
         .title = "SA_NODEFER: the signal raised inside its own handler is delivered at once (nested)",
         .statement = "SA_NODEFER Do not add the signal to the thread's signal mask while the handler is "
                      "executing, unless the signal is specified in act.sa_mask. Consequently, a further "
                      "instance of the signal may be delivered to the thread while it is executing the "
                      "handler.",
         .refs = {"sigaction(2) SA_NODEFER", "POSIX.1-2017 sigaction() SA_NODEFER"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, NestingHandler, SA_NODEFER);
    raise(SIGUSR1);
    EXPECT_FALSE(Has(g_mask_in_handler, SIGUSR1))
        << "with SA_NODEFER, SIGUSR1 must not be blocked in its handler; the mask was " << Describe(g_mask_in_handler);
    EXPECT_EQ(g_calls_after_inner_raise, 2)
        << "the SIGUSR1 raised inside the SA_NODEFER handler should be handled (nested) before raise() "
           "returns";
    EXPECT_EQ(g_max_depth, 2) << "expected the handler to be entered a second time while the first ran";
    EXPECT_EQ(g_calls, 2);
  });
  ExpectCleanExit(c.Wait(), "child with an SA_NODEFER handler");
}

IPC_CASE(signal, sigaction, signal_blocked_during_own_handler,
         .title = "without SA_NODEFER, the signal is blocked while its handler runs and delivered after",
         .statement = "sa_mask specifies a mask of signals which should be blocked ... during execution of the "
                      "signal handler. In addition, the signal which triggered the handler will be blocked, "
                      "unless the SA_NODEFER flag is used.",
         .refs = {"sigaction(2) sa_mask", "signal(7) Execution of signal handlers (1.4)", "POSIX.1-2017 sigaction()"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, NestingHandler, 0);
    raise(SIGUSR1);
    EXPECT_TRUE(Has(g_mask_in_handler, SIGUSR1))
        << "SIGUSR1 should be blocked while its handler runs; the mask was " << Describe(g_mask_in_handler);
    EXPECT_EQ(g_calls_after_inner_raise, 1)
        << "the SIGUSR1 raised inside its own handler must not be delivered while the handler runs";
    EXPECT_TRUE(Has(g_pending_in_handler, SIGUSR1))
        << "the SIGUSR1 raised inside its own handler should be pending; pending was "
        << Describe(g_pending_in_handler);
    EXPECT_EQ(g_max_depth, 1) << "the handler must not be entered again while it runs";
    EXPECT_EQ(g_calls, 2) << "the pending SIGUSR1 should be delivered once the handler returned";
  });
  ExpectCleanExit(c.Wait(), "child with a handler without SA_NODEFER");
}

IPC_CASE(signal, sigaction, sa_mask_blocked_during_handler,
         .title = "the signals in sa_mask are blocked while the handler runs",
         .statement = "sa_mask specifies a mask of signals which should be blocked (i.e., added to the signal "
                      "mask of the thread in which the signal handler is invoked) during execution of the "
                      "signal handler.",
         .refs = {"sigaction(2) sa_mask", "signal(7) Execution of signal handlers (1.4)",
                  "POSIX.1-2017 sigaction() sa_mask"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, MaskProbeHandler, 0, SetOf({SIGUSR2, SIGRTMIN + 1}));
    ASSERT_FALSE(Has(CurrentMask(), SIGUSR2)) << "SIGUSR2 should not be blocked before the handler runs";
    raise(SIGUSR1);
    ASSERT_EQ(g_calls, 1) << "the handler did not run";
    EXPECT_TRUE(Has(g_mask_in_handler, SIGUSR2) && Has(g_mask_in_handler, SIGRTMIN + 1))
        << "SIGUSR2 and SIGRTMIN+1 (sa_mask) should be blocked in the handler; the mask was "
        << Describe(g_mask_in_handler);
  });
  ExpectCleanExit(c.Wait(), "child with an sa_mask");
}

void BlockingHandler(int) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigprocmask(SIG_BLOCK, &s, nullptr);  // undone by the return from the handler
  g_calls = g_calls + 1;
}

IPC_CASE(signal, sigaction, mask_restored_after_handler_returns,
         .title = "when a handler returns, the mask in force before it ran is restored",
         .statement = "When the signal handler returns ... The thread's signal mask and alternate signal "
                      "stack settings are restored as part of this procedure.",
         .refs = {"signal(7) Execution of signal handlers (5)", "sigreturn(2)", "POSIX.1-2017 sigaction()"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, BlockingHandler, 0, SetOf({SIGUSR2}));
    const sigset_t before = CurrentMask();
    raise(SIGUSR1);
    ASSERT_EQ(g_calls, 1) << "the handler did not run";
    const sigset_t after = CurrentMask();
    EXPECT_FALSE(Has(after, SIGUSR1) || Has(after, SIGUSR2) || Has(after, SIGTERM))
        << "the mask before the handler was " << Describe(before) << " and should be again after it, but "
        << "it is " << Describe(after) << " (SIGUSR1: the delivered signal, SIGUSR2: sa_mask, SIGTERM: "
        << "blocked by the handler itself)";
  });
  ExpectCleanExit(c.Wait(), "child whose handler changed the mask");
}

// What an SA_SIGINFO handler received, in shared memory so the parent can check it.
struct InfoRecord {
  std::atomic<int> calls{0};
  int signo = 0;
  int code = 0;
  pid_t pid = 0;
  uid_t uid = 0;
  int value = 0;
};
InfoRecord* g_info = nullptr;

void RecordInfoHandler(int, siginfo_t* info, void*) {
  g_info->signo = info->si_signo;
  g_info->code = info->si_code;
  g_info->pid = info->si_pid;
  g_info->uid = info->si_uid;
  g_info->value = info->si_value.sival_int;
  g_info->calls.fetch_add(1);
}

// A receiver with an SA_SIGINFO handler for `sig` and a separate sender that sends it with `send`;
// both run as the unprivileged identity when there is one, so that si_uid is not simply 0. Returns the
// sender's pid and real uid.
template <typename Send>
std::pair<pid_t, uid_t> SendToInfoHandler(InfoRecord* rec, int sig, Send send) {
  const std::optional<Identity> who = UnprivilegedIdentity();
  Child receiver = Fork([&] {
    g_info = rec;
    SetInfoHandler(sig, RecordInfoHandler);
    Block({sig});
    if (who) DropPrivileges(*who);
    CheckpointPost(0);
    CheckpointWait(1);  // the signal has been sent: it is pending
    Unblock({sig});     // delivered before sigprocmask returns
  });
  Child sender = Fork([&] {
    if (who) DropPrivileges(*who);
    CheckpointWait(0);
    send(receiver.pid());
    CheckpointPost(1);
  });
  ExpectCleanExit(sender.Wait(), "sender");
  ExpectCleanExit(receiver.Wait(), "receiver");
  return {sender.pid(), who ? who->uid : getuid()};
}

IPC_CASE(signal, sigaction, siginfo_from_kill_has_si_user_pid_uid,
         .title = "an SA_SIGINFO handler for a kill()ed signal gets si_signo, si_code SI_USER, si_pid, si_uid",
         .statement = "si_signo, si_errno and si_code are defined for all signals. ... Signals sent with "
                      "kill(2) and sigqueue(3) fill in si_pid and si_uid. ... SI_USER kill(2).",
         .refs = {"sigaction(2) The siginfo_t argument to a SA_SIGINFO handler", "sigaction(2) SI_USER",
                  "POSIX.1-2017 <signal.h> siginfo_t, SI_USER"},
         .cls = Conformance::posix) {
  Shared<InfoRecord> rec;
  auto [sender_pid, sender_uid] =
      SendToInfoHandler(&*rec, SIGUSR1, [](pid_t target) { EXPECT_THAT(kill(target, SIGUSR1), SyscallSucceeds()); });
  ASSERT_EQ(rec->calls.load(), 1) << "the SA_SIGINFO handler should have run once";
  EXPECT_EQ(rec->signo, SIGUSR1) << "si_signo";
  EXPECT_EQ(rec->code, SI_USER) << "si_code should be SI_USER for kill(), but it is " << SiCodeName(rec->code);
  EXPECT_EQ(rec->pid, sender_pid) << "si_pid should be the sender's pid";
  EXPECT_EQ(rec->uid, sender_uid) << "si_uid should be the sender's real uid";
}

IPC_CASE(signal, sigaction, siginfo_from_sigqueue_has_si_queue_pid_uid,
         .title = "an SA_SIGINFO handler for a sigqueue()d signal gets si_code SI_QUEUE, si_pid, si_uid, si_value",
         .statement = "Signals sent with kill(2) and sigqueue(3) fill in si_pid and si_uid. In addition, "
                      "signals sent with sigqueue(3) fill in si_int and si_ptr with the values specified by "
                      "the sender of the signal ... SI_QUEUE sigqueue(3).",
         .refs = {"sigaction(2) The siginfo_t argument to a SA_SIGINFO handler", "sigqueue(3)",
                  "POSIX.1-2017 sigqueue()", "POSIX.1-2017 <signal.h> SI_QUEUE"},
         .cls = Conformance::posix) {
  Shared<InfoRecord> rec;
  auto [sender_pid, sender_uid] = SendToInfoHandler(&*rec, SIGUSR2, [](pid_t target) {
    union sigval v {};
    v.sival_int = 31337;
    EXPECT_THAT(sigqueue(target, SIGUSR2, v), SyscallSucceeds());
  });
  ASSERT_EQ(rec->calls.load(), 1) << "the SA_SIGINFO handler should have run once";
  EXPECT_EQ(rec->signo, SIGUSR2) << "si_signo";
  EXPECT_EQ(rec->code, SI_QUEUE) << "si_code should be SI_QUEUE for sigqueue(), but it is " << SiCodeName(rec->code);
  EXPECT_EQ(rec->pid, sender_pid) << "si_pid should be the sender's pid";
  EXPECT_EQ(rec->uid, sender_uid) << "si_uid should be the sender's real uid";
  EXPECT_EQ(rec->value, 31337) << "si_value.sival_int should be the value given to sigqueue()";
}

IPC_CASE(signal, sigaction, oldact_reports_installed_action,
         .title = "sigaction's oldact reports the handler, sa_mask and flags that were installed",
         .statement = "If act is non-NULL, the new action for signal signum is installed from act. If oldact "
                      "is non-NULL, the previous action is saved in oldact. ... sigaction() can be called "
                      "with a NULL second argument to query the current signal handler.",
         .refs = {"sigaction(2) DESCRIPTION, NOTES", "POSIX.1-2017 sigaction()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountHandler, SA_RESTART, SetOf({SIGUSR2}));
    struct sigaction q = QueryAction(SIGUSR1);
    EXPECT_EQ(q.sa_handler, CountHandler) << "the query should report the installed handler";
    EXPECT_NE(q.sa_flags & SA_RESTART, 0) << "the query should report SA_RESTART";
    EXPECT_TRUE(Has(q.sa_mask, SIGUSR2)) << "the query should report sa_mask " << Describe(q.sa_mask);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    struct sigaction old {};
    ASSERT_THAT(sigaction(SIGUSR1, &ign, &old), SyscallSucceeds());
    EXPECT_EQ(old.sa_handler, CountHandler) << "oldact should hold the action being replaced";
    EXPECT_EQ(QueryAction(SIGUSR1).sa_handler, SIG_IGN) << "the new action should be SIG_IGN";
    EXPECT_EQ(g_calls, 0) << "installing or querying an action must not run the handler";
  });
  ExpectCleanExit(c.Wait(), "child installing and querying actions");
}

IPC_CASE(signal, sigaction, invalid_signal_fails_einval,
         .title = "sigaction on signal number 0, a negative number or NSIG fails with EINVAL",
         .statement = "EINVAL An invalid signal was specified.",
         .refs = {"sigaction(2) ERRORS", "POSIX.1-2017 sigaction() [EINVAL]"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    struct sigaction act {};
    act.sa_handler = SIG_IGN;
    for (int sig : {0, -1, NSIG, NSIG + 100}) {
      EXPECT_THAT(sigaction(sig, &act, nullptr), SyscallFailsWithErrno(EINVAL)) << "signal number " << sig;
    }
  });
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigaction, sig_ign_discards_pending_signal,
         .title = "setting SIG_IGN for a blocked, pending signal discards it",
         .statement = "Setting a signal action to SIG_IGN for a signal that is pending shall cause the pending "
                      "signal to be discarded, whether or not it is blocked.",
         .refs = {"POSIX.1-2017 XSH 2.4.3 Signal Actions (SIG_IGN)", "sigaction(2)"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountHandler);
    Block({SIGUSR1});
    raise(SIGUSR1);
    ASSERT_TRUE(Has(PendingSet(), SIGUSR1)) << "the blocked SIGUSR1 should be pending";
    SetHandler(SIGUSR1, SIG_IGN);
    EXPECT_FALSE(Has(PendingSet(), SIGUSR1)) << "SIG_IGN should discard the pending SIGUSR1";
    SetHandler(SIGUSR1, CountHandler);
    Unblock({SIGUSR1});
    EXPECT_EQ(g_calls, 0) << "the discarded SIGUSR1 must not be delivered when unblocked";
  });
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigaction, sig_dfl_discards_pending_ignored_by_default,
         .title = "setting SIG_DFL for a pending signal whose default is to ignore it discards it",
         .statement = "Setting a signal action to SIG_DFL for a signal that is pending, and whose default "
                      "action is to ignore the signal (for example, SIGCHLD), shall cause the pending signal "
                      "to be discarded, whether or not it is blocked.",
         .refs = {"POSIX.1-2017 XSH 2.4.3 Signal Actions (SIG_DFL)", "signal(7) Standard signals (SIGURG Ign)"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGURG, CountHandler);
    Block({SIGURG});
    raise(SIGURG);
    ASSERT_TRUE(Has(PendingSet(), SIGURG)) << "the blocked SIGURG should be pending";
    SetHandler(SIGURG, SIG_DFL);
    EXPECT_FALSE(Has(PendingSet(), SIGURG)) << "SIG_DFL (default: ignore) should discard the pending SIGURG";
    SetHandler(SIGURG, CountHandler);
    Unblock({SIGURG});
    EXPECT_EQ(g_calls, 0) << "the discarded SIGURG must not be delivered when unblocked";
  });
  ExpectCleanExit(c.Wait(), "child");
}

IPC_CASE(signal, sigaction, sig_ign_ignores_signal,
         .title = "a signal whose disposition is SIG_IGN does not terminate the process",
         .statement = "Using these system calls, a process can elect one of the following behaviors to occur "
                      "on delivery of the signal: perform the default action; ignore the signal; or catch the "
                      "signal with a signal handler.",
         .refs = {"signal(7) Signal dispositions", "sigaction(2) SIG_IGN", "POSIX.1-2017 sigaction()"},
         .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGTERM, SIG_IGN);
    SetHandler(SIGUSR1, SIG_IGN);
    CheckpointPost(0);
    CheckpointWait(1);
    EXPECT_THAT(kill(getpid(), SIGTERM), SyscallSucceeds());
    EXPECT_FALSE(Has(PendingSet(), SIGUSR1) || Has(PendingSet(), SIGTERM)) << "ignored signals are discarded";
  });
  CheckpointWait(0);
  c.Signal(SIGUSR1);
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "child ignoring SIGTERM and SIGUSR1");
}

IPC_CASE(signal, sigaction, handler_receives_signal_number,
         .title = "a handler installed for two signals receives the number of the signal being delivered",
         .statement = "sa_handler specifies the action to be associated with signum and can be ... A pointer "
                      "to a signal handling function. This function receives the signal number as its only "
                      "argument.",
         .refs = {"sigaction(2) sa_handler", "POSIX.1-2017 sigaction()"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountHandler);
    SetHandler(SIGUSR2, CountHandler);
    raise(SIGUSR2);
    EXPECT_EQ(g_last_sig, SIGUSR2) << "the handler should receive SIGUSR2 as its argument";
    raise(SIGUSR1);
    EXPECT_EQ(g_last_sig, SIGUSR1) << "the handler should receive SIGUSR1 as its argument";
    EXPECT_EQ(g_calls, 2);
  });
  ExpectCleanExit(c.Wait(), "child");
}

}  // namespace
