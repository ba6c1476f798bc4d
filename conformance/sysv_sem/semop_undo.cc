// semop(2) SEM_UNDO: semaphore adjustments applied when a process terminates.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;

// How long a process waiting for a unit that a dead holder's undo gives back may take to be woken. The
// undo is applied before the holder is reaped, so this only bounds a system that never applies it.
constexpr std::chrono::milliseconds kUndoWait{3000};

constexpr const char* kUndoStatement =
    "A semaphore adjustment (semadj) value is a per-process, per-semaphore integer that is the negated sum of "
    "all operations performed on a semaphore specifying the SEM_UNDO flag. ... When a process terminates, each "
    "of its per-semaphore semadj values is added to the corresponding semaphore, thus undoing the effect of "
    "that process's operations on the semaphore.";

constexpr const char* kForkExecStatement =
    "The sem_undo structures of a process aren't inherited by the child produced by fork(2), but they are "
    "inherited across an execve(2) system call.";

// A process that makes the SEM_UNDO operations `ops` on `id` and then stays alive, holding their
// adjustments, until Exit() lets it end normally (and reaps it) or the case kills it. Constructed once the
// operations are made.
class Holder {
 public:
  Holder(int id, std::vector<sembuf> ops)
      : child_(Fork([&] {
          EXPECT_THAT(semop(id, ops.data(), ops.size()), SyscallSucceeds()) << "the holder's SEM_UNDO operations";
          CheckpointPost(0);
          CheckpointWait(1, 1, std::chrono::seconds(30));  // released, or killed, long before this expires
        })) {
    CheckpointWait(0);
  }
  Child& child() { return child_; }
  pid_t pid() const { return child_.pid(); }
  // Lets the holder end normally, and reaps it: its exit, and so its undo, is complete.
  void Exit() {
    CheckpointPost(1);
    ExpectCleanExit(child_.Wait(), "SEM_UNDO holder");
  }

 private:
  Child child_;
};

IPC_CASE(sysv_sem, semop_undo, applied_at_normal_exit,
         .title = "SEM_UNDO operations are undone when the process exits normally",
         .covers = {"semop.SEM_UNDO", "semop.undo_applied_at_exit"}, .statement = kUndoStatement,
         .refs = {"semop(2) NOTES", "POSIX.1-2017 semop() SEM_UNDO", "POSIX.1-2017 _exit() (semadj)"},
         .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SetAll(set.id(), {5, 0});
  Holder holder(set.id(), {Op(0, -2, SEM_UNDO), Op(1, 3, SEM_UNDO)});
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{3, 3})) << "values while the process that changed them lives";
  holder.Exit();
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{5, 0}))
      << "values after the holder exited and was reaped (still [3, 3]: SEM_UNDO not applied at exit)";
}

IPC_CASE(sysv_sem, semop_undo, applied_when_killed,
         .title = "SEM_UNDO operations are undone when the process is killed by SIGKILL",
         .covers = {"semop.undo_applied_when_killed"}, .statement = kUndoStatement,
         .refs = {"semop(2) NOTES", "POSIX.1-2017 semop() SEM_UNDO"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetVal(set.id(), 0, 3);
  Holder holder(set.id(), {Op(0, -1, SEM_UNDO)});
  EXPECT_EQ(GetVal(set.id(), 0), 2) << "value while the holder lives";
  holder.child().Signal(SIGKILL);
  const int status = holder.child().Wait();
  ASSERT_TRUE(KilledBy(status, SIGKILL)) << "the holder should have been killed by SIGKILL, but it "
                                         << DescribeWaitStatus(status);
  EXPECT_EQ(GetVal(set.id(), 0), 3)
      << "value after the holder was killed and reaped: SEM_UNDO not applied at exit if it is still 2";
}

IPC_CASE(sysv_sem, semop_undo, exit_adjustment_wakes_waiter,
         .title = "the undo applied at a holder's death wakes a process waiting for the semaphore",
         .covers = {"semop.undo_at_exit_wakes_waiters"},
         .statement = "When a process terminates, each of its per-semaphore semadj values is added to the "
                      "corresponding semaphore ... the thread sleeps until ... semval becomes greater than or "
                      "equal to the absolute value of sem_op: the operation now proceeds.",
         .refs = {"semop(2) NOTES, DESCRIPTION", "POSIX.1-2017 semop()"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetVal(set.id(), 0, 1);
  Holder holder(set.id(), {Op(0, -1, SEM_UNDO)});
  Child waiter = ForkSemop(set.id(), {Op(0, -1)});
  IPCC_ASSERT_BLOCKED(waiter.pid(), IPCC_SEMOP_SYSCALLS);
  holder.child().Kill();  // killed and reaped: its exit, and so its undo, is complete
  // Without the undo the unit never comes back and the waiter would sleep for ever: its wait is
  // bounded here, well inside the case's timeout, and then the case fails saying so.
  const auto ended = waiter.TryWait(kUndoWait);
  if (!ended) {
    const int val = GetVal(set.id(), 0);
    const int ncnt = GetNcnt(set.id(), 0);
    waiter.Kill();
    FAIL() << "SEM_UNDO not applied at exit: the holder of the unit was killed and reaped, but its adjustment "
              "(+1) did not wake the waiter within "
           << kUndoWait.count() << " ms (semval " << val << ", semncnt " << ncnt << ")";
  }
  ExpectCleanExit(*ended, "waiter released by the dead holder's undo");
  EXPECT_EQ(GetVal(set.id(), 0), 0) << "the waiter took the unit the holder's undo gave back";
}

IPC_CASE(sysv_sem, semop_undo, adjustment_is_negated_sum_of_undo_ops,
         .title = "only SEM_UNDO operations are undone at exit, as their negated sum",
         .covers = {"semop.semadj_is_negated_sum_of_undo_ops"}, .statement = kUndoStatement,
         .refs = {"semop(2) NOTES", "POSIX.1-2017 semop() SEM_UNDO"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetVal(set.id(), 0, 10);
  Child worker = Fork([&] {
    ASSERT_THAT(Semop(set.id(), {Op(0, 3, SEM_UNDO)}), SyscallSucceeds());   // 13, semadj -3
    ASSERT_THAT(Semop(set.id(), {Op(0, -1, SEM_UNDO)}), SyscallSucceeds());  // 12, semadj -2
    ASSERT_THAT(Semop(set.id(), {Op(0, -4)}), SyscallSucceeds());            // 8, not undone
    EXPECT_EQ(GetVal(set.id(), 0), 8);
  });
  ExpectCleanExit(worker.Wait(), "worker");
  EXPECT_EQ(GetVal(set.id(), 0), 6) << "10 +3(undo) -1(undo) -4 = 8, then the exit adds the semadj -2: "
                                       "expected 6 (8: SEM_UNDO not applied at exit)";
}

IPC_CASE(sysv_sem, semop_undo, not_applied_when_thread_exits,
         .title = "a thread's exit does not apply the process's SEM_UNDO adjustments; the process exit does",
         .covers = {"semop.semadj_is_per_process"},
         .statement = "If an operation specifies SEM_UNDO, it will be automatically undone when the process "
                      "terminates. ... Each process has a list of semadj values.",
         .refs = {"semop(2) DESCRIPTION, NOTES", "clone(2) CLONE_SYSVSEM", "POSIX.1-2017 semop() SEM_UNDO"},
         .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  Child proc = Fork([&] {
    int rc = 0;
    int err = 0;
    std::thread t([&] {
      rc = Semop(set.id(), {Op(0, 2, SEM_UNDO)});
      err = errno;
    });
    t.join();
    ASSERT_EQ(rc, 0) << "semop +2 SEM_UNDO in the thread failed with " << ErrnoName(err);
    EXPECT_EQ(GetVal(set.id(), 0), 2) << "value after the thread that did +2 SEM_UNDO exited "
                                         "(the process still lives, so nothing may be undone yet)";
  });
  ExpectCleanExit(proc.Wait(), "process whose thread did the SEM_UNDO operation");
  EXPECT_EQ(GetVal(set.id(), 0), 0)
      << "value after the whole process exited: the +2 must be undone (2: SEM_UNDO not applied at exit)";
}

IPC_CASE(sysv_sem, semop_undo, setval_clears_adjustment,
         .title = "SETVAL clears the semaphore's adjustments, so a later exit undoes nothing",
         .covers = {"semctl.setval_clears_semadj"},
         .statement = "When a semaphore's value is directly set using the SETVAL or SETALL request to semctl(2), "
                      "the corresponding semadj values in all processes are cleared.",
         .refs = {"semop(2) NOTES", "semctl(2) SETVAL", "POSIX.1-2017 semctl() SETVAL"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  Holder holder(set.id(), {Op(0, 1, SEM_UNDO)});
  SetVal(set.id(), 0, 5);
  holder.Exit();
  EXPECT_EQ(GetVal(set.id(), 0), 5) << "after SETVAL 5 the holder's old -1 adjustment must be gone "
                                       "(4 means the exit still applied it)";
}

IPC_CASE(sysv_sem, semop_undo, setall_clears_adjustment,
         .title = "SETALL clears the adjustments of the semaphores it sets", .covers = {"semctl.setall_clears_semadj"},
         .statement = "SETALL ... Undo entries (see semop(2)) are cleared for altered semaphores in all processes.",
         .refs = {"semctl(2) SETALL", "semop(2) NOTES", "POSIX.1-2017 semctl() SETALL"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SetAll(set.id(), {4, 4});
  Holder holder(set.id(), {Op(0, -1, SEM_UNDO), Op(1, 2, SEM_UNDO)});
  SetAll(set.id(), {7, 7});
  holder.Exit();
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{7, 7})) << "after SETALL the holder's adjustments must be gone";
}

IPC_CASE(sysv_sem, semop_undo, not_inherited_by_fork_child,
         .title = "a fork child does not inherit its parent's adjustments",
         .covers = {"semop.semadj_not_inherited_by_fork"}, .statement = kForkExecStatement,
         .refs = {"semop(2) NOTES", "fork(2)", "POSIX.1-2017 fork() (semadj values are cleared)"},
         .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetVal(set.id(), 0, 5);
  Child parent = Fork([&] {
    ASSERT_THAT(Semop(set.id(), {Op(0, -1, SEM_UNDO)}), SyscallSucceeds());
    Child grandchild = Fork([] {});
    ExpectCleanExit(grandchild.Wait(), "fork child");
    EXPECT_EQ(GetVal(set.id(), 0), 4) << "the fork child's exit undid its parent's -1: the adjustment was inherited";
  });
  ExpectCleanExit(parent.Wait(), "the process that did the SEM_UNDO operation");
  EXPECT_EQ(GetVal(set.id(), 0), 5)
      << "after the process itself exited, its -1 is undone (4: SEM_UNDO not applied at exit)";
}

IPC_CASE(sysv_sem, semop_undo, kept_across_execve,
         .title = "adjustments are kept across execve and applied when the new program exits",
         .covers = {"semop.semadj_kept_across_execve"}, .statement = kForkExecStatement,
         .refs = {"semop(2) NOTES", "execve(2)", "POSIX.1-2017 exec (semadj values are inherited)"},
         .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SetVal(set.id(), 0, 5);
  Child execer = Fork([&] {
    ASSERT_THAT(Semop(set.id(), {Op(0, -1, SEM_UNDO)}), SyscallSucceeds());
    // The new program checks that the -1 is still in force (not undone at exec), then exits.
    ExecFixture("sysv-sem-expect-value", {std::to_string(set.id()), "0", "4"});
  });
  ExpectCleanExit(execer.Wait(), "the exec'd program");
  EXPECT_EQ(GetVal(set.id(), 0), 5) << "after the exec'd program exited, the -1 made before execve must be "
                                       "undone (4: SEM_UNDO not applied)";
}

IPC_CASE(sysv_sem, semop_undo, exit_adjustment_clamped_at_zero,
         .title = "an exit adjustment that would make a value negative leaves it at 0 (Linux)",
         .covers = {"semop.undo_clamped_at_zero"},
         .statement = "If one (or more) of these semaphore adjustments would result in an attempt to decrease a "
                      "semaphore's value below zero ... Linux adopts a third approach: decreasing the semaphore "
                      "value as far as possible (i.e., to zero) and allowing process termination to proceed "
                      "immediately.",
         .refs = {"semop(2) BUGS"}, .cls = Conformance::linux_specific) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  Holder holder(set.id(), {Op(0, 3, SEM_UNDO)});
  ASSERT_THAT(Semop(set.id(), {Op(0, -2)}), SyscallSucceeds());  // 1
  holder.Exit();
  EXPECT_EQ(GetVal(set.id(), 0), 0) << "1 + semadj(-3) clamped at zero (1: SEM_UNDO not applied at exit)";
}

IPC_CASE(sysv_sem, semop_undo, exit_adjustment_sets_sempid,
         .title = "the adjustment applied at exit sets sempid to the exiting process (Linux)",
         .covers = {"semop.undo_at_exit_sets_sempid"},
         .statement = "Linux also updates sempid for SETVAL operations and semaphore adjustments.",
         .refs = {"semctl(2) NOTES The sempid value"}, .cls = Conformance::linux_specific) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  Holder holder(set.id(), {Op(0, 2, SEM_UNDO)});
  ASSERT_THAT(Semop(set.id(), {Op(0, 1)}), SyscallSucceeds());
  ASSERT_EQ(GetPid(set.id(), 0), getpid()) << "sempid after this process's own semop";
  holder.Exit();
  EXPECT_EQ(GetVal(set.id(), 0), 1) << "the holder's +2 undone (3: SEM_UNDO not applied at exit)";
  EXPECT_EQ(GetPid(set.id(), 0), holder.pid()) << "sempid after the holder's exit adjustment";
}

}  // namespace
