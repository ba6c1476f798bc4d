// semop(2), semtimedop(2): operations on System V semaphore sets.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"
#include "harness/caselib/ipc/sysv_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;

// The statement of the two EINVAL cases.
constexpr const char* kEinvalStatement =
    "EINVAL: The semaphore set doesn't exist, or semid is less than zero, or nsops has a nonpositive value.";

// The "blocks until" cases, on semaphore 0 of a one-semaphore set at `start`: a process blocks in semop
// `op`; `partial` changes the value to `between` without letting it through (it stays blocked, counted by
// semzcnt for a wait-for-zero `op`, else semncnt); `last` lets it through, and the value is then `end`.
struct BlockedUntil {
  int start;
  short op, partial, last;
  int between, end;
};
void ExpectBlockedUntil(const BlockedUntil& b) {
  const bool zero = b.op == 0;
  const auto counted = zero ? GetZcnt : GetNcnt;
  const char* name = zero ? "semzcnt" : "semncnt";
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetVal(set.id(), 0, b.start);
  Child waiter = ForkSemop(set.id(), {Op(0, b.op)});
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEMOP_SYSCALLS);
  ASSERT_THAT(Semop(set.id(), {Op(0, b.partial)}), SyscallSucceeds());
  // Not yet enough: the waiter must still be asleep, and nothing of its operation applied.
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEMOP_SYSCALLS);
  EXPECT_EQ(GetVal(set.id(), 0), b.between) << "the value while the waiter still waits";
  EXPECT_EQ(counted(set.id(), 0), 1) << name << " while one process waits";
  ASSERT_THAT(Semop(set.id(), {Op(0, b.last)}), SyscallSucceeds());
  ExpectCleanExit(waiter.Wait(), "the waiting semop");
  EXPECT_EQ(GetVal(set.id(), 0), b.end) << "the value after the waiter went through";
  EXPECT_EQ(counted(set.id(), 0), 0) << name << " after the waiter was released";
}

IPC_CASE(sysv_sem, semop, multi_op_is_atomic,
         .title = "a semop with several operations applies none of them while one would block, then all at once",
         .covers = {"operations_are_atomic"},
         .statement = "The set of operations contained in sops is performed in array order, and atomically, that "
                      "is, the operations are performed either as a complete unit, or not at all.",
         .refs = {"semop(2) DESCRIPTION", "POSIX.1-2017 semop()"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  SetAll(set.id(), {5, 5, 0});
  // Take one from semaphores 0 and 1 (both could go ahead) and one from semaphore 2 (0: must wait).
  Child taker = ForkSemop(set.id(), {Op(0, -1), Op(1, -1), Op(2, -1)});
  IPCC_ASSERT_BLOCKED(taker.pid(), IPCC_SEMOP_SYSCALLS);
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{5, 5, 0}))
      << "while the three-operation semop waits on semaphore 2, none of its operations may have been applied";
  EXPECT_EQ(GetNcnt(set.id(), 2), 1) << "semncnt of semaphore 2 while the taker waits on it";
  ASSERT_THAT(Semop(set.id(), {Op(2, 1)}), SyscallSucceeds());
  ExpectCleanExit(taker.Wait(), "the three-operation semop");
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{4, 4, 0}))
      << "once it could proceed, all three operations must have been applied together";
}

IPC_CASE(sysv_sem, semop, no_lost_updates,
         .title = "a semaphore used as a lock gives N processes x M increments of a shared counter exactly N*M",
         .covers = {"semaphore_excludes_concurrent_holders"},
         .statement = "If sem_op is less than zero ... If semval is greater than or equal to the absolute value of "
                      "sem_op, the operation can proceed immediately ... Otherwise ... the thread sleeps until "
                      "semval becomes greater than or equal to the absolute value of sem_op.",
         .refs = {"semop(2) DESCRIPTION", "sysvipc(7) Semaphore sets", "POSIX.1-2017 semop()"},
         .cls = Conformance::xsi) {
  constexpr int kProcs = 4;
  constexpr int kRounds = 200;
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetVal(set.id(), 0, 1);  // the lock is free
  SharedPage<long> counter;
  std::vector<Child> workers;
  for (int p = 0; p < kProcs; ++p) {
    workers.push_back(Fork([&] {
      CheckpointWait(0);  // start together
      volatile long* c = counter.get();
      for (int i = 0; i < kRounds; ++i) {
        ASSERT_THAT(Semop(set.id(), {Op(0, -1)}), SyscallSucceeds()) << "lock, round " << i;
        const long seen = *c;  // a plain, non-atomic read-modify-write under the lock
        sched_yield();         // widen the window another worker would hit without mutual exclusion
        *c = seen + 1;
        ASSERT_THAT(Semop(set.id(), {Op(0, 1)}), SyscallSucceeds()) << "unlock, round " << i;
      }
    }));
  }
  CheckpointPost(0);
  for (auto& w : workers) ExpectCleanExit(w.Wait(), "worker");
  EXPECT_EQ(*counter, long{kProcs} * kRounds)
      << "increments were lost: the semaphore did not exclude the other " << kProcs - 1 << " workers";
  EXPECT_EQ(GetVal(set.id(), 0), 1) << "the lock must be free again after balanced -1/+1 pairs";
}

IPC_CASE(sysv_sem, semop, operations_apply_in_array_order, .title = "the operations of one semop apply in array order",
         .covers = {"operations_in_array_order"},
         .statement = "The set of operations contained in sops is performed in array order, and atomically.",
         .refs = {"semop(2) DESCRIPTION", "POSIX.1-2017 semop()"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  // From 0: "+1 then -1" is valid only in this order (taken the other way the -1 would have to wait).
  EXPECT_THAT(Semop(set.id(), {Op(0, 1), Op(0, -1, IPC_NOWAIT)}), SyscallSucceeds())
      << "+1 then -1 on a semaphore at 0: after the +1 the -1 can proceed";
  EXPECT_EQ(GetVal(set.id(), 0), 0) << "value after +1 then -1";
  // From 0: "+1 then wait-for-zero" cannot proceed in array order (after the +1 the value is 1).
  EXPECT_THAT(Semop(set.id(), {Op(0, 1), Op(0, 0, IPC_NOWAIT)}), SyscallFailsWithErrno(EAGAIN))
      << "+1 then wait-for-zero on a semaphore at 0: the wait-for-zero sees 1";
  EXPECT_EQ(GetVal(set.id(), 0), 0) << "value after the refused +1 then wait-for-zero";
  // From 0: "wait-for-zero then +1" proceeds (the example of semop(2)).
  EXPECT_THAT(Semop(set.id(), {Op(0, 0, IPC_NOWAIT), Op(0, 1)}), SyscallSucceeds())
      << "wait-for-zero then +1 on a semaphore at 0";
  EXPECT_EQ(GetVal(set.id(), 0), 1) << "value after wait-for-zero then +1";
}

IPC_CASE(sysv_sem, semop, wait_for_zero_blocks_until_zero,
         .title = "sem_op 0 on a nonzero semaphore blocks until the value becomes 0",
         .covers = {"wait_for_zero_blocks_until_zero"},
         .statement = "If sem_op is zero ... if semval is zero, the operation can immediately proceed. Otherwise "
                      "... semzcnt ... is incremented by one and the thread sleeps until ... semval becomes 0, at "
                      "which time the value of semzcnt is decremented.",
         .refs = {"semop(2) DESCRIPTION", "POSIX.1-2017 semop()"}, .cls = Conformance::xsi) {
  // From 2, a wait-for-zero: 2 -> 1 is still not zero, 1 -> 0 releases it.
  ExpectBlockedUntil({.start = 2, .op = 0, .partial = -1, .last = -1, .between = 1, .end = 0});
}

IPC_CASE(sysv_sem, semop, decrement_blocks_until_value_suffices,
         .title = "a decrement larger than the value blocks until the value is large enough",
         .covers = {"decrement_blocks_until_value_suffices"},
         .statement = "If the absolute value of sem_op is greater than semval ... semncnt ... is incremented by one "
                      "and the thread sleeps until ... semval becomes greater than or equal to the absolute value "
                      "of sem_op: the operation now proceeds.",
         .refs = {"semop(2) DESCRIPTION", "POSIX.1-2017 semop()"}, .cls = Conformance::xsi) {
  // From 0, a -2: 0 -> 1 is still not enough (no partial decrement), 1 -> 2 lets it take both.
  ExpectBlockedUntil({.start = 0, .op = -2, .partial = 1, .last = 1, .between = 1, .end = 0});
}

IPC_CASE(sysv_sem, semop, nowait_fails_eagain_unchanged,
         .title = "IPC_NOWAIT on an operation that would block fails with EAGAIN and applies nothing",
         .covers = {"EAGAIN", "IPC_NOWAIT", "failed_call_applies_nothing"},
         .statement = "If the absolute value of sem_op is greater than semval, and IPC_NOWAIT is specified in "
                      "sem_flg, semop() fails, with errno set to EAGAIN (and none of the operations in sops is "
                      "performed).",
         .refs = {"semop(2) DESCRIPTION, EAGAIN", "POSIX.1-2017 semop() [EAGAIN]"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  SetAll(set.id(), {3, 1, 0});
  EXPECT_THAT(Semop(set.id(), {Op(0, -1), Op(1, 1), Op(2, -1, IPC_NOWAIT)}), SyscallFailsWithErrno(EAGAIN))
      << "decrement of a semaphore at 0 with IPC_NOWAIT";
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{3, 1, 0})) << "values after the refused decrement";
  EXPECT_THAT(Semop(set.id(), {Op(2, 1), Op(1, 0, IPC_NOWAIT)}), SyscallFailsWithErrno(EAGAIN))
      << "wait-for-zero of a semaphore at 1 with IPC_NOWAIT";
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{3, 1, 0})) << "values after the refused wait-for-zero";
  EXPECT_EQ(GetNcnt(set.id(), 2), 0) << "semncnt: a refused IPC_NOWAIT call does not count as waiting";
  EXPECT_EQ(GetZcnt(set.id(), 1), 0) << "semzcnt: a refused IPC_NOWAIT call does not count as waiting";
}

IPC_CASE(sysv_sem, semop, semtimedop_times_out_with_eagain,
         .title = "semtimedop that cannot proceed fails with EAGAIN once its timeout has passed, applying nothing",
         .covers = {"semtimedop.EAGAIN", "semtimedop.timeout_bounds_wait"},
         .statement = "If the specified time limit has been reached, semtimedop() fails with errno set to EAGAIN "
                      "(and none of the operations in sops is performed).",
         .refs = {"semop(2) semtimedop()"}, .cls = Conformance::linux_specific) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SetAll(set.id(), {4, 0});
  const timespec timeout{0, 20 * 1000 * 1000};  // the call's own 20 ms limit
  timespec t0{};
  timespec t1{};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  EXPECT_THAT(Semtimedop(set.id(), {Op(0, -1), Op(1, -1)}, &timeout), SyscallFailsWithErrno(EAGAIN));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const long long elapsed_ns =
      (static_cast<long long>(t1.tv_sec) - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  EXPECT_GE(elapsed_ns, 20LL * 1000 * 1000)
      << "semtimedop gave EAGAIN after " << elapsed_ns / 1000 << " us, before its 20 ms limit was reached";
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{4, 0})) << "values after the timed-out semtimedop";
  EXPECT_EQ(GetNcnt(set.id(), 1), 0) << "semncnt after the timed-out waiter left";
}

void NoteSignal(int) {}

IPC_CASE(sysv_sem, semop, signal_interrupts_with_eintr_despite_sa_restart,
         .title = "a caught signal ends a blocked semop with EINTR even when the handler has SA_RESTART",
         .covers = {"EINTR", "never_restarted_after_handler", "interrupted_wait_leaves_count"},
         .statement = "The calling thread catches a signal: the value of semncnt is decremented and semop() fails, "
                      "with errno set to EINTR. ... semop() is never automatically restarted after being "
                      "interrupted by a signal handler, regardless of the setting of the SA_RESTART flag.",
         .refs = {"semop(2) DESCRIPTION, NOTES", "signal(7) Interruption of system calls",
                  "POSIX.1-2017 semop() [EINTR]"},
         .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  Child taker = Fork([&] {
    signals::SetHandler(SIGUSR1, NoteSignal, SA_RESTART);
    EXPECT_THAT(Semop(set.id(), {Op(0, -1)}), SyscallFailsWithErrno(EINTR))
        << "semop interrupted by a SIGUSR1 handler installed with SA_RESTART";
  });
  IPCC_ASSERT_BLOCKED(taker.pid(), IPCC_SEMOP_SYSCALLS);
  EXPECT_EQ(GetNcnt(set.id(), 0), 1) << "semncnt while the taker waits";
  taker.Signal(SIGUSR1);
  // Still blocked at the bound: the call was restarted after the handler instead of failing.
  const auto ended = ExpectEnds(taker, "semop after its SA_RESTART handler ran (restarted instead of EINTR?)");
  if (!ended) return;
  ExpectCleanExit(*ended, "the interrupted semop");
  EXPECT_EQ(GetNcnt(set.id(), 0), 0) << "semncnt after the interrupted waiter left";
  EXPECT_EQ(GetVal(set.id(), 0), 0) << "value after the interrupted decrement";
}

IPC_CASE(sysv_sem, semop, stop_and_continue_fails_eintr,
         .title = "a semop blocked when the process is stopped and continued fails with EINTR (no handler)",
         .covers = {"eintr_after_stop_and_continue"},
         .statement = "On Linux, even in the absence of signal handlers, certain blocking interfaces can fail with "
                      "the error EINTR after the process is stopped by one of the stop signals and then resumed via "
                      "SIGCONT. ... semop(2), semtimedop(2).",
         .refs = {"signal(7) Interruption of system calls and library functions by stop signals"},
         .cls = Conformance::linux_specific) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  Child taker = ForkSemop(set.id(), {Op(0, -1)}, EINTR);
  IPCC_ASSERT_BLOCKED(taker.pid(), IPCC_SEMOP_SYSCALLS);
  taker.Signal(SIGSTOP);
  const auto stopped = taker.WaitFor(WUNTRACED, std::chrono::seconds(5));
  if (!stopped || !WIFSTOPPED(*stopped)) ThrowHarnessError("the child was not seen stopped after SIGSTOP");
  taker.Signal(SIGCONT);
  // Still blocked at the bound: the call was resumed instead of failing.
  const auto ended = ExpectEnds(taker, "semop after SIGSTOP and SIGCONT (resumed instead of EINTR?)");
  if (ended) ExpectCleanExit(*ended, "the stopped-and-continued semop");
}

IPC_CASE(sysv_sem, semop, sem_num_out_of_range_fails_efbig,
         .title = "semop naming a semaphore number not in the set fails with EFBIG",
         .covers = {"EFBIG", "failed_call_applies_nothing"},
         .statement = "EFBIG: For some operation the value of sem_num is less than 0 or greater than or equal to "
                      "the number of semaphores in the set.",
         .refs = {"semop(2) EFBIG", "POSIX.1-2017 semop() [EFBIG]"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  EXPECT_THAT(Semop(set.id(), {Op(0, 1), Op(2, 1)}), SyscallFailsWithErrno(EFBIG)) << "sem_num 2 in a set of 2";
  EXPECT_THAT(Semop(set.id(), {Op(65535, 1)}), SyscallFailsWithErrno(EFBIG)) << "sem_num 65535 in a set of 2";
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{0, 0})) << "values after the refused calls";
}

IPC_CASE(sysv_sem, semop, nsops_above_semopm_fails_e2big,
         .title = "semop with more operations than SEMOPM fails with E2BIG",
         .covers = {"E2BIG", "SEMOPM", "failed_call_applies_nothing"},
         .statement = "E2BIG: The argument nsops is greater than SEMOPM, the maximum number of operations allowed "
                      "per system call. ... On Linux, this limit can be read and modified via the third field of "
                      "/proc/sys/kernel/sem.",
         .refs = {"semop(2) E2BIG, Semaphore limits", "proc(5) /proc/sys/kernel/sem", "POSIX.1-2017 semop() [E2BIG]"},
         .cls = Conformance::xsi) {
  // SEMOPM from IPC_INFO where /proc/sys/kernel/sem cannot be read (that file's own statement is
  // semctl.ipc_info_matches_proc_sem's).
  const long semopm = SemLimit(&SemLimits::semopm, &seminfo::semopm);
  if (semopm > 100000)
    ThrowHarnessError(fmt::format("set-up: SEMOPM is {} here, too large to exceed in one call", semopm));
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  std::vector<sembuf> ops(static_cast<std::size_t>(semopm) + 1, Op(0, 1));
  EXPECT_THAT(semop(set.id(), ops.data(), ops.size()), SyscallFailsWithErrno(E2BIG))
      << "SEMOPM is " << semopm << ", nsops was " << ops.size();
  EXPECT_EQ(GetVal(set.id(), 0), 0) << "value after the refused call";
  // Exactly SEMOPM operations are allowed.
  ops.pop_back();
  EXPECT_THAT(semop(set.id(), ops.data(), ops.size()), SyscallSucceeds()) << "nsops equal to SEMOPM";
}

IPC_CASE(sysv_sem, semop, value_above_semvmx_fails_erange,
         .title = "semop that would raise a value above SEMVMX (32767) fails with ERANGE",
         .covers = {"ERANGE", "SEMVMX", "failed_call_applies_nothing"},
         .statement = "ERANGE: For some operation sem_op+semval is greater than SEMVMX, the implementation "
                      "dependent maximum value for semval. ... SEMVMX Maximum allowable value for semval: "
                      "implementation dependent (32767).",
         .refs = {"semop(2) ERANGE, Semaphore limits", "POSIX.1-2017 semop() [ERANGE]"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SetAll(set.id(), {32767, 5});
  EXPECT_THAT(Semop(set.id(), {Op(1, 1), Op(0, 1)}), SyscallFailsWithErrno(ERANGE)) << "32767 + 1";
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{32767, 5})) << "values after the refused call";
  SetVal(set.id(), 0, 32000);
  EXPECT_THAT(Semop(set.id(), {Op(0, 1000)}), SyscallFailsWithErrno(ERANGE)) << "32000 + 1000";
  EXPECT_THAT(Semop(set.id(), {Op(0, 767)}), SyscallSucceeds()) << "32000 + 767 reaches SEMVMX exactly";
  EXPECT_EQ(GetVal(set.id(), 0), 32767);
}

IPC_CASE(sysv_sem, semop, zero_nsops_fails_einval, .title = "semop with nsops 0 fails with EINVAL",
         .covers = {"EINVAL"}, .statement = kEinvalStatement, .refs = {"semop(2) EINVAL"},
         .cls = Conformance::linux_specific) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  sembuf op = Op(0, 1);
  EXPECT_THAT(semop(set.id(), &op, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(GetVal(set.id(), 0), 0);
}

IPC_CASE(sysv_sem, semop, negative_id_fails_einval, .title = "semop on a negative identifier fails with EINVAL",
         .covers = {"EINVAL"}, .statement = kEinvalStatement,
         .refs = {"semop(2) EINVAL", "POSIX.1-2017 semop() [EINVAL]"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);  // proves the mechanism is there
  EXPECT_THAT(Semop(-1, {Op(0, 1)}), SyscallFailsWithErrno(EINVAL)) << "semid -1";
  EXPECT_THAT(Semop(-12345, {Op(0, 0, IPC_NOWAIT)}), SyscallFailsWithErrno(EINVAL)) << "semid -12345";
}

IPC_CASE(sysv_sem, semop, sets_sempid_to_caller,
         .title = "a successful semop sets sempid (GETPID) of each semaphore it names to the caller's pid",
         .covers = {"sets_sempid", "semctl.GETPID"},
         .statement = "On successful completion, the sempid value for each semaphore specified in the array "
                      "pointed to by sops is set to the caller's process ID.",
         .refs = {"semop(2) DESCRIPTION", "semctl(2) GETPID", "POSIX.1-2017 semop()"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  Child op = ForkSemop(set.id(), {Op(0, 1), Op(2, 0)});
  ExpectCleanExit(op.Wait(), "the child's semop");
  EXPECT_EQ(GetPid(set.id(), 0), op.pid()) << "sempid of semaphore 0 after the child's semop";
  EXPECT_EQ(GetPid(set.id(), 2), op.pid()) << "sempid of semaphore 2 (a wait-for-zero operation)";
  EXPECT_NE(GetPid(set.id(), 1), op.pid()) << "sempid of semaphore 1, which no operation named";
  ASSERT_THAT(Semop(set.id(), {Op(0, -1)}), SyscallSucceeds());
  EXPECT_EQ(GetPid(set.id(), 0), getpid()) << "sempid of semaphore 0 after this process's semop";
  EXPECT_EQ(GetPid(set.id(), 2), op.pid()) << "sempid of semaphore 2, untouched by the second semop";
}

IPC_CASE(sysv_sem, semop, sets_sem_otime, .title = "a successful semop sets sem_otime to the current time",
         .covers = {"sets_otime"},
         .statement = "On successful completion ... the sem_otime is set to the current time.",
         .refs = {"semop(2) DESCRIPTION", "semctl(2) sem_otime", "POSIX.1-2017 semop()"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  ASSERT_EQ(Stat(set.id()).sem_otime, 0) << "sem_otime of a new set (semget(2): set to 0)";
  const time_t before = EarliestStamp();
  ASSERT_THAT(Semop(set.id(), {Op(0, 1)}), SyscallSucceeds());
  const time_t after = LatestStamp();
  const time_t otime = Stat(set.id()).sem_otime;
  EXPECT_GE(otime, before) << "sem_otime after a semop made between " << before << " and " << after;
  EXPECT_LE(otime, after) << "sem_otime after a semop made between " << before << " and " << after;
}

}  // namespace
