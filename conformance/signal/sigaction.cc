// sigaction(2), signal(7) "Execution of signal handlers": actions, flags, the handler's mask and siginfo_t.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

int g_notify_fd = -1;

// Writes one byte to g_notify_fd: tells another process that the handler ran.
void NotifyHandler(int) {
  char c = 'h';
  ssize_t n = write(g_notify_fd, &c, 1);
  (void)n;
}

// A reader child with a SIGUSR1 handler installed with `flags`, blocked in read() on an empty pipe: the
// case process sends SIGUSR1 and waits until the handler ran (with SA_RESTART, also until the restarted
// read blocks again), then writes "abc". `read_in_child(fd)` is the read under test and its checks.
void InterruptRead(int flags, const std::function<void(int)>& read_in_child) {
  Pipe data = MakePipe();
  Pipe notify = MakePipe();
  Child reader = Fork([&] {
    g_notify_fd = notify.w.get();
    SetHandler(SIGUSR1, NotifyHandler, flags);
    data.w.reset();
    read_in_child(data.r.get());
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  reader.Signal(SIGUSR1);
  ASSERT_TRUE(ReadableWithin(notify.r.get(), kDefaultWait)) << "the SIGUSR1 handler did not run within 5 s of kill()";
  if (flags & SA_RESTART) {
    char c;
    ASSERT_THAT(read(notify.r.get(), &c, 1), SyscallSucceedsWithValue(1));
    // The handler has returned or is returning: the restarted read blocks again on the empty pipe.
    IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  }
  // The handler ran, so whether the read fails or restarts is already decided: only a restarted read can
  // return this data.
  ASSERT_THAT(write(data.w.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ExpectCleanExit(reader.Wait(), "reader");
}

IPC_CASE(signal, sigaction, sa_restart_restarts_pipe_read,
         .title = "with SA_RESTART, a pipe read interrupted by a handler is restarted and returns later data",
         .covers = {"SA_RESTART"},
         .statement = "If a blocked call to one of the following interfaces is interrupted by a signal "
                      "handler, then the call is automatically restarted after the signal handler returns if "
                      "the SA_RESTART flag was used ...: read(2) ... on \"slow\" devices ... pipe.",
         .refs = {"signal(7) Interruption of system calls and library functions by signal handlers",
                  "sigaction(2) SA_RESTART", "POSIX.1-2017 sigaction() SA_RESTART"},
         .cls = Conformance::posix) {
  InterruptRead(SA_RESTART, [](int fd) {
    char buf[8] = {};
    ssize_t n = read(fd, buf, sizeof buf);
    EXPECT_THAT(n, SyscallSucceedsWithValue(3))
        << "with SA_RESTART the interrupted read must be restarted and return the data written after the "
           "handler ran";
    EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "abc");
  });
}

IPC_CASE(signal, sigaction, no_sa_restart_read_fails_eintr,
         .title = "without SA_RESTART, a pipe read interrupted by a handler fails with EINTR",
         .covers = {"signal7.slow_call_fails_eintr_without_sa_restart"},
         .statement = "If a blocked call to one of the following interfaces is interrupted by a signal "
                      "handler, then the call is automatically restarted after the signal handler returns if "
                      "the SA_RESTART flag was used; otherwise the call fails with the error EINTR: read(2) "
                      "... on \"slow\" devices ... pipe.",
         .refs = {"signal(7) Interruption of system calls and library functions by signal handlers", "read(2) EINTR",
                  "POSIX.1-2017 read() [EINTR]"},
         .cls = Conformance::posix) {
  InterruptRead(0, [](int fd) {
    char buf[8] = {};
    EXPECT_THAT(read(fd, buf, sizeof buf), SyscallFailsWithErrno(EINTR))
        << "without SA_RESTART the read interrupted by the SIGUSR1 handler must fail with EINTR (data "
           "written after the handler ran must not be returned by it)";
  });
}

// A child that expects sigaction to refuse a handler and SIG_IGN for `sig` with EINVAL, then waits for
// checkpoint 1 and runs `after`. Returned once it has tried, nullopt when it ended first (it said why).
std::optional<Child> RefusingChild(int sig, const std::function<void()>& after = {}) {
  Child c = Fork([sig, after] {
    struct sigaction catch_it {};
    catch_it.sa_handler = CountingHandler;
    EXPECT_THAT(sigaction(sig, &catch_it, nullptr), SyscallFailsWithErrno(EINVAL))
        << "installing a handler for " << SignalName(sig);
    struct sigaction ignore_it {};
    ignore_it.sa_handler = SIG_IGN;
    EXPECT_THAT(sigaction(sig, &ignore_it, nullptr), SyscallFailsWithErrno(EINVAL))
        << "setting " << SignalName(sig) << " to SIG_IGN";
    CheckpointPost(0);
    CheckpointWait(1);
    if (after) after();
  });
  if (!AwaitCheckpoint(c, 0)) return std::nullopt;
  return c;
}

IPC_CASE(signal, sigaction, sigkill_cannot_be_caught_or_ignored,
         .title = "sigaction refuses a handler or SIG_IGN for SIGKILL with EINVAL, and SIGKILL still kills",
         .covers = {"EINVAL"},
         .statement = "EINVAL An invalid signal was specified. This will also be generated if an attempt is "
                      "made to change the action for SIGKILL or SIGSTOP, which cannot be caught or ignored.",
         .refs = {"sigaction(2) ERRORS", "signal(7) The signals SIGKILL and SIGSTOP cannot be caught",
                  "POSIX.1-2017 sigaction() [EINVAL]"},
         .cls = Conformance::posix) {
  std::optional<Child> c = RefusingChild(SIGKILL);
  if (!c) return;
  c->Signal(SIGKILL);
  ExpectKilled(*c, SIGKILL, "child sent SIGKILL after trying to catch and ignore it");
}

IPC_CASE(signal, sigaction, sigstop_cannot_be_caught_or_ignored,
         .title = "sigaction refuses a handler or SIG_IGN for SIGSTOP with EINVAL, and SIGSTOP still stops",
         .covers = {"EINVAL"},
         .statement = "EINVAL An invalid signal was specified. This will also be generated if an attempt is "
                      "made to change the action for SIGKILL or SIGSTOP, which cannot be caught or ignored.",
         .refs = {"sigaction(2) ERRORS", "signal(7) The signals SIGKILL and SIGSTOP cannot be caught",
                  "POSIX.1-2017 sigaction() [EINVAL]"},
         .cls = Conformance::posix) {
  std::optional<Child> c =
      RefusingChild(SIGSTOP, [] { EXPECT_EQ(g_handled.calls, 0) << "no handler may run for SIGSTOP"; });
  if (!c) return;
  ExpectStopsAndContinues(
      *c, [] { CheckpointPost(1); }, "child sent SIGSTOP after trying to catch and ignore it");
}

IPC_CASE(signal, sigaction, sa_resethand_resets_to_default,
         .title = "SA_RESETHAND: the handler runs once, then the action is SIG_DFL and the default applies",
         .covers = {"SA_RESETHAND"},
         .statement = "SA_RESETHAND Restore the signal action to the default upon entry to the signal "
                      "handler.",
         .refs = {"sigaction(2) SA_RESETHAND", "POSIX.1-2017 sigaction() SA_RESETHAND"}, .cls = Conformance::posix) {
  Child c = Fork([] {
    SetHandler(SIGUSR1, CountingHandler, SA_RESETHAND);
    ASSERT_EQ(QueryAction(SIGUSR1).sa_handler, CountingHandler) << "the handler was not installed";
    raise(SIGUSR1);
    EXPECT_EQ(g_handled.calls, 1) << "the SA_RESETHAND handler should have run once for the first SIGUSR1";
    EXPECT_EQ(QueryAction(SIGUSR1).sa_handler, SIG_DFL)
        << "after one delivery with SA_RESETHAND, sigaction() should report SIG_DFL";
    raise(SIGUSR1);  // the default action (Term) now applies
    _exit(0);
  });
  ExpectKilled(c, SIGUSR1, "second SIGUSR1 after the SA_RESETHAND handler ran once (default action: terminate)");
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
         .covers = {"SA_RESETHAND", "sa_resethand_leaves_sa_siginfo_set"},
         .statement = "SA_RESETHAND Restore the signal action to the default upon entry to the signal "
                      "handler. (Linux resets sa_handler to SIG_DFL on entry and leaves sa_flags as "
                      "installed, so SA_SIGINFO is still reported; POSIX instead says the SA_SIGINFO flag "
                      "shall be cleared on entry to the handler.)",
         .refs = {"sigaction(2) SA_RESETHAND, SA_SIGINFO",
                  "POSIX.1-2017 sigaction() SA_RESETHAND (differs: clears SA_SIGINFO)"},
         .cls = Conformance::linux_specific) {
  InChild("child with an SA_RESETHAND|SA_SIGINFO handler", [] {
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
}

// What NestingHandler saw: on its first call it raises its own signal again and records the mask, how many
// calls had begun by the time raise returned, and the pending set.
struct Nesting {
  volatile sig_atomic_t calls = 0;
  volatile sig_atomic_t depth = 0;
  volatile sig_atomic_t max_depth = 0;
  volatile sig_atomic_t calls_after_inner_raise = 0;
  sigset_t mask{};
  sigset_t pending{};
};
Nesting g_nest;

void NestingHandler(int sig) {
  g_nest.calls = g_nest.calls + 1;
  g_nest.depth = g_nest.depth + 1;
  if (g_nest.depth > g_nest.max_depth) g_nest.max_depth = g_nest.depth;
  if (g_nest.calls == 1) {
    sigprocmask(SIG_BLOCK, nullptr, &g_nest.mask);
    raise(sig);
    g_nest.calls_after_inner_raise = g_nest.calls;
    sigpending(&g_nest.pending);
  }
  g_nest.depth = g_nest.depth - 1;
}

IPC_CASE(signal, sigaction, sa_nodefer_allows_nested_delivery,
         .title = "SA_NODEFER: the signal raised inside its own handler is delivered at once (nested)",
         .covers = {"SA_NODEFER"},
         .statement = "SA_NODEFER Do not add the signal to the thread's signal mask while the handler is "
                      "executing, unless the signal is specified in act.sa_mask. Consequently, a further "
                      "instance of the signal may be delivered to the thread while it is executing the "
                      "handler.",
         .refs = {"sigaction(2) SA_NODEFER", "POSIX.1-2017 sigaction() SA_NODEFER"}, .cls = Conformance::posix) {
  InChild("child with an SA_NODEFER handler", [] {
    SetHandler(SIGUSR1, NestingHandler, SA_NODEFER);
    raise(SIGUSR1);
    EXPECT_FALSE(Has(g_nest.mask, SIGUSR1))
        << "with SA_NODEFER, SIGUSR1 must not be blocked in its handler; the mask was " << Describe(g_nest.mask);
    EXPECT_EQ(g_nest.calls_after_inner_raise, 2)
        << "the SIGUSR1 raised inside the SA_NODEFER handler should be handled (nested) before raise() "
           "returns";
    EXPECT_EQ(g_nest.max_depth, 2) << "expected the handler to be entered a second time while the first ran";
    EXPECT_EQ(g_nest.calls, 2);
  });
}

IPC_CASE(signal, sigaction, signal_blocked_during_own_handler,
         .title = "without SA_NODEFER, the signal is blocked while its handler runs and delivered after",
         .covers = {"signal_blocked_during_own_handler"},
         .statement = "sa_mask specifies a mask of signals which should be blocked ... during execution of the "
                      "signal handler. In addition, the signal which triggered the handler will be blocked, "
                      "unless the SA_NODEFER flag is used.",
         .refs = {"sigaction(2) sa_mask", "signal(7) Execution of signal handlers (1.4)", "POSIX.1-2017 sigaction()"},
         .cls = Conformance::posix) {
  InChild("child with a handler without SA_NODEFER", [] {
    SetHandler(SIGUSR1, NestingHandler, 0);
    raise(SIGUSR1);
    EXPECT_TRUE(Has(g_nest.mask, SIGUSR1))
        << "SIGUSR1 should be blocked while its handler runs; the mask was " << Describe(g_nest.mask);
    EXPECT_EQ(g_nest.calls_after_inner_raise, 1)
        << "the SIGUSR1 raised inside its own handler must not be delivered while the handler runs";
    EXPECT_TRUE(Has(g_nest.pending, SIGUSR1))
        << "the SIGUSR1 raised inside its own handler should be pending; pending was " << Describe(g_nest.pending);
    EXPECT_EQ(g_nest.max_depth, 1) << "the handler must not be entered again while it runs";
    EXPECT_EQ(g_nest.calls, 2) << "the pending SIGUSR1 should be delivered once the handler returned";
  });
}

IPC_CASE(signal, sigaction, sa_mask_blocked_during_handler,
         .title = "the signals in sa_mask are blocked while the handler runs",
         .covers = {"sa_mask_blocked_during_handler"},
         .statement = "sa_mask specifies a mask of signals which should be blocked (i.e., added to the signal "
                      "mask of the thread in which the signal handler is invoked) during execution of the "
                      "signal handler.",
         .refs = {"sigaction(2) sa_mask", "signal(7) Execution of signal handlers (1.4)",
                  "POSIX.1-2017 sigaction() sa_mask"},
         .cls = Conformance::posix) {
  InChild("child with an sa_mask", [] {
    SetHandler(SIGUSR1, CountingHandler, 0, SetOf({SIGUSR2, SIGRTMIN + 1}));
    ASSERT_FALSE(Has(CurrentMask(), SIGUSR2)) << "SIGUSR2 should not be blocked before the handler runs";
    raise(SIGUSR1);
    ASSERT_EQ(g_handled.calls, 1) << "the handler did not run";
    EXPECT_TRUE(Has(g_handled.mask, SIGUSR2) && Has(g_handled.mask, SIGRTMIN + 1))
        << "SIGUSR2 and SIGRTMIN+1 (sa_mask) should be blocked in the handler; the mask was "
        << Describe(g_handled.mask);
  });
}

void BlockingHandler(int sig) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigprocmask(SIG_BLOCK, &s, nullptr);  // undone by the return from the handler
  CountingHandler(sig);
}

IPC_CASE(signal, sigaction, mask_restored_after_handler_returns,
         .title = "when a handler returns, the mask in force before it ran is restored",
         .covers = {"signal7.mask_restored_when_handler_returns"},
         .statement = "When the signal handler returns ... The thread's signal mask and alternate signal "
                      "stack settings are restored as part of this procedure.",
         .refs = {"signal(7) Execution of signal handlers (5)", "sigreturn(2)", "POSIX.1-2017 sigaction()"},
         .cls = Conformance::posix) {
  InChild("child whose handler changed the mask", [] {
    SetHandler(SIGUSR1, BlockingHandler, 0, SetOf({SIGUSR2}));
    const sigset_t before = CurrentMask();
    raise(SIGUSR1);
    ASSERT_EQ(g_handled.calls, 1) << "the handler did not run";
    const sigset_t after = CurrentMask();
    EXPECT_FALSE(Has(after, SIGUSR1) || Has(after, SIGUSR2) || Has(after, SIGTERM))
        << "the mask before the handler was " << Describe(before) << " and should be again after it, but "
        << "it is " << Describe(after) << " (SIGUSR1: the delivered signal, SIGUSR2: sa_mask, SIGTERM: "
        << "blocked by the handler itself)";
  });
}

// What an SA_SIGINFO handler received, in shared memory so the case process can check it.
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

// A receiver with an SA_SIGINFO handler for `sig` and a separate sender that sends it with `send`; both run
// as the unprivileged identity when there is one, so that si_uid is not simply 0. Expects the handler to
// have run once with si_signo `sig`, si_code `code`, and the sender's pid and real uid.
void ExpectSiginfoFromSender(InfoRecord& rec, int sig, int code, const std::function<void(pid_t)>& send) {
  const std::optional<Identity> who = UnprivilegedIdentity();
  Child receiver = Fork([&] {
    g_info = &rec;
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
  ASSERT_EQ(rec.calls.load(), 1) << "the SA_SIGINFO handler should have run once";
  EXPECT_EQ(rec.signo, sig) << "si_signo";
  EXPECT_EQ(rec.code, code) << "si_code should be " << SiCodeName(code) << ", but it is " << SiCodeName(rec.code);
  EXPECT_EQ(rec.pid, sender.pid()) << "si_pid should be the sender's pid";
  EXPECT_EQ(rec.uid, who ? who->uid : getuid()) << "si_uid should be the sender's real uid";
}

IPC_CASE(signal, sigaction, siginfo_from_kill_has_si_user_pid_uid,
         .title = "an SA_SIGINFO handler for a kill()ed signal gets si_signo, si_code SI_USER, si_pid, si_uid",
         .covers = {"SA_SIGINFO", "SI_USER", "siginfo_has_sender_pid_uid"},
         .statement = "si_signo, si_errno and si_code are defined for all signals. ... Signals sent with "
                      "kill(2) and sigqueue(3) fill in si_pid and si_uid. ... SI_USER kill(2).",
         .refs = {"sigaction(2) The siginfo_t argument to a SA_SIGINFO handler", "sigaction(2) SI_USER",
                  "POSIX.1-2017 <signal.h> siginfo_t, SI_USER"},
         .cls = Conformance::posix) {
  SharedPage<InfoRecord> rec;
  ExpectSiginfoFromSender(*rec, SIGUSR1, SI_USER,
                          [](pid_t target) { EXPECT_THAT(kill(target, SIGUSR1), SyscallSucceeds()); });
}

IPC_CASE(signal, sigaction, siginfo_from_sigqueue_has_si_queue_pid_uid,
         .title = "an SA_SIGINFO handler for a sigqueue()d signal gets si_code SI_QUEUE, si_pid, si_uid, si_value",
         .covers = {"SI_QUEUE", "siginfo_has_sender_pid_uid", "sigqueue.value_arrives_in_si_value"},
         .statement = "Signals sent with kill(2) and sigqueue(3) fill in si_pid and si_uid. In addition, "
                      "signals sent with sigqueue(3) fill in si_int and si_ptr with the values specified by "
                      "the sender of the signal ... SI_QUEUE sigqueue(3).",
         .refs = {"sigaction(2) The siginfo_t argument to a SA_SIGINFO handler", "sigqueue(3)",
                  "POSIX.1-2017 sigqueue()", "POSIX.1-2017 <signal.h> SI_QUEUE"},
         .cls = Conformance::posix) {
  SharedPage<InfoRecord> rec;
  ASSERT_NO_FATAL_FAILURE(ExpectSiginfoFromSender(*rec, SIGUSR2, SI_QUEUE, [](pid_t target) {
    union sigval v {};
    v.sival_int = 31337;
    EXPECT_THAT(sigqueue(target, SIGUSR2, v), SyscallSucceeds());
  }));
  EXPECT_EQ(rec->value, 31337) << "si_value.sival_int should be the value given to sigqueue()";
}

IPC_CASE(signal, sigaction, oldact_reports_installed_action,
         .title = "sigaction's oldact reports the handler, sa_mask and flags that were installed",
         .covers = {"oldact_returns_previous_action"},
         .statement = "If act is non-NULL, the new action for signal signum is installed from act. If oldact "
                      "is non-NULL, the previous action is saved in oldact. ... sigaction() can be called "
                      "with a NULL second argument to query the current signal handler.",
         .refs = {"sigaction(2) DESCRIPTION, NOTES", "POSIX.1-2017 sigaction()"}, .cls = Conformance::posix) {
  InChild("child installing and querying actions", [] {
    SetHandler(SIGUSR1, CountingHandler, SA_RESTART, SetOf({SIGUSR2}));
    struct sigaction q = QueryAction(SIGUSR1);
    EXPECT_EQ(q.sa_handler, CountingHandler) << "the query should report the installed handler";
    EXPECT_NE(q.sa_flags & SA_RESTART, 0) << "the query should report SA_RESTART";
    EXPECT_TRUE(Has(q.sa_mask, SIGUSR2)) << "the query should report sa_mask " << Describe(q.sa_mask);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    struct sigaction old {};
    ASSERT_THAT(sigaction(SIGUSR1, &ign, &old), SyscallSucceeds());
    EXPECT_EQ(old.sa_handler, CountingHandler) << "oldact should hold the action being replaced";
    EXPECT_EQ(QueryAction(SIGUSR1).sa_handler, SIG_IGN) << "the new action should be SIG_IGN";
    EXPECT_EQ(g_handled.calls, 0) << "installing or querying an action must not run the handler";
  });
}

IPC_CASE(signal, sigaction, invalid_signal_fails_einval,
         .title = "sigaction on signal number 0, a negative number or NSIG fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL An invalid signal was specified.",
         .refs = {"sigaction(2) ERRORS", "POSIX.1-2017 sigaction() [EINVAL]"}, .cls = Conformance::posix) {
  InChild("child", [] {
    struct sigaction act {};
    act.sa_handler = SIG_IGN;
    for (int sig : {0, -1, NSIG, NSIG + 100}) {
      EXPECT_THAT(sigaction(sig, &act, nullptr), SyscallFailsWithErrno(EINVAL)) << "signal number " << sig;
    }
  });
}

// In a child: `sig`, handled and blocked, is made pending; setting `disposition` (`name`) must discard it,
// so that with the handler back and `sig` unblocked nothing is delivered.
void ExpectPendingDiscardedBy(int sig, void (*disposition)(int), const char* name) {
  InChild("child", [=] {
    SetHandler(sig, CountingHandler);
    Block({sig});
    raise(sig);
    ASSERT_TRUE(Has(PendingSet(), sig)) << "the blocked " << SignalName(sig) << " should be pending";
    SetHandler(sig, disposition);
    EXPECT_FALSE(Has(PendingSet(), sig)) << name << " should discard the pending " << SignalName(sig);
    SetHandler(sig, CountingHandler);
    Unblock({sig});
    EXPECT_EQ(g_handled.calls, 0) << "the discarded " << SignalName(sig) << " must not be delivered when unblocked";
  });
}

IPC_CASE(signal, sigaction, sig_ign_discards_pending_signal,
         .title = "setting SIG_IGN for a blocked, pending signal discards it", .covers = {"sig_ign_discards_pending"},
         .statement = "Setting a signal action to SIG_IGN for a signal that is pending shall cause the pending "
                      "signal to be discarded, whether or not it is blocked.",
         .refs = {"POSIX.1-2017 XSH 2.4.3 Signal Actions (SIG_IGN)", "sigaction(2)"}, .cls = Conformance::posix) {
  ExpectPendingDiscardedBy(SIGUSR1, SIG_IGN, "SIG_IGN");
}

IPC_CASE(signal, sigaction, sig_dfl_discards_pending_ignored_by_default,
         .title = "setting SIG_DFL for a pending signal whose default is to ignore it discards it",
         .covers = {"sig_dfl_discards_pending_if_default_ignores"},
         .statement = "Setting a signal action to SIG_DFL for a signal that is pending, and whose default "
                      "action is to ignore the signal (for example, SIGCHLD), shall cause the pending signal "
                      "to be discarded, whether or not it is blocked.",
         .refs = {"POSIX.1-2017 XSH 2.4.3 Signal Actions (SIG_DFL)", "signal(7) Standard signals (SIGURG Ign)"},
         .cls = Conformance::posix) {
  ExpectPendingDiscardedBy(SIGURG, SIG_DFL, "SIG_DFL (default: ignore)");
}

IPC_CASE(signal, sigaction, sig_ign_ignores_signal,
         .title = "a signal whose disposition is SIG_IGN does not terminate the process", .covers = {"SIG_IGN"},
         .statement = "Using these system calls, a process can elect one of the following behaviors to occur "
                      "on delivery of the signal: perform the default action; ignore the signal; or catch the "
                      "signal with a signal handler.",
         .refs = {"signal(7) Signal dispositions", "sigaction(2) SIG_IGN", "POSIX.1-2017 sigaction()"},
         .cls = Conformance::posix) {
  SendToWaitingChild(
      [] {
        SetHandler(SIGTERM, SIG_IGN);
        SetHandler(SIGUSR1, SIG_IGN);
      },
      [](pid_t pid) { IPCC_SETUP(kill(pid, SIGUSR1)); },
      [] {
        EXPECT_THAT(kill(getpid(), SIGTERM), SyscallSucceeds());
        EXPECT_FALSE(Has(PendingSet(), SIGUSR1) || Has(PendingSet(), SIGTERM)) << "ignored signals are discarded";
      },
      "child ignoring SIGTERM and SIGUSR1");
}

IPC_CASE(signal, sigaction, handler_receives_signal_number,
         .title = "a handler installed for two signals receives the number of the signal being delivered",
         .covers = {"handler_gets_signal_number"},
         .statement = "sa_handler specifies the action to be associated with signum and can be ... A pointer "
                      "to a signal handling function. This function receives the signal number as its only "
                      "argument.",
         .refs = {"sigaction(2) sa_handler", "POSIX.1-2017 sigaction()"}, .cls = Conformance::posix) {
  InChild("child", [] {
    SetHandler(SIGUSR1, CountingHandler);
    SetHandler(SIGUSR2, CountingHandler);
    raise(SIGUSR2);
    EXPECT_EQ(g_handled.last_sig, SIGUSR2) << "the handler should receive SIGUSR2 as its argument";
    raise(SIGUSR1);
    EXPECT_EQ(g_handled.last_sig, SIGUSR1) << "the handler should receive SIGUSR1 as its argument";
    EXPECT_EQ(g_handled.calls, 2);
  });
}

}  // namespace
