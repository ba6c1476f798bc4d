// proc(5) /proc/sys/kernel/sem (SEMMSL SEMMNS SEMOPM SEMMNI), set in the case's own IPC namespace.
#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;

// Every case here sets one field of /proc/sys/kernel/sem (the others as they are) for its scope, in its own
// IPC namespace, and puts the old text back at scope end. The write is set-up (the runner proved the file
// writable there); that the kernel then holds the values is the page's statement, so the read-back is an
// expectation.
class ScopedSemLimit {
 public:
  ScopedSemLimit(long SemLimits::*field, long value) : want_(With(field, value)), set_(kProcSem, ProcSemText(want_)) {
    const auto now = ReadProcSem();
    if (!now) {
      ADD_FAILURE() << kProcSem << " cannot be read back after writing \"" << ProcSemText(want_) << "\"";
      return;
    }
    EXPECT_EQ(ProcSemText(*now), ProcSemText(want_)) << kProcSem << " after writing it";
  }

 private:
  static SemLimits With(long SemLimits::*field, long value) {
    SemLimits l = ReadProcSemOrThrow();
    l.*field = value;
    return l;
  }
  const SemLimits want_;
  const ScopedSysctl set_;
};

IPC_CASE(sysv_sem, limits, small_semmsl_makes_semget_fail_einval,
         .title = "after SEMMSL is set to 4 in /proc/sys/kernel/sem, creating a set of 5 fails with EINVAL",
         .covers = {"semget.SEMMSL", "semget.EINVAL", "proc5.kernel_sem_sets_limits"},
         .statement = "SEMMSL Maximum number of semaphores per semaphore ID. ... On Linux, this limit can be read "
                      "and modified via the first field of /proc/sys/kernel/sem. ... EINVAL nsems is less than 0 or "
                      "greater than the limit on the number of semaphores per semaphore set (SEMMSL).",
         .refs = {"semget(2) Semaphore limits, EINVAL", "proc(5) /proc/sys/kernel/sem", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/sem")) {
  SemSet probe = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);  // the mechanism is there
  const ScopedSemLimit limit(&SemLimits::semmsl, 4);
  const SemSet five = ExpectSemget(IPC_PRIVATE, 5, IPC_CREAT | 0600, EINVAL, "a set of 5 with SEMMSL 4");
  const SemSet four = ExpectSemget(IPC_PRIVATE, 4, IPC_CREAT | 0600, 0, "a set of 4 with SEMMSL 4");
}

IPC_CASE(sysv_sem, limits, small_semopm_makes_semop_fail_e2big,
         .title = "after SEMOPM is set to 3 in /proc/sys/kernel/sem, a semop of 4 operations fails with E2BIG",
         .covers = {"semop.SEMOPM", "semop.E2BIG", "proc5.kernel_sem_sets_limits"},
         .statement = "SEMOPM Maximum number of operations allowed for one semop() call. ... On Linux, this limit "
                      "can be read and modified via the third field of /proc/sys/kernel/sem. ... E2BIG The argument "
                      "nsops is greater than SEMOPM.",
         .refs = {"semop(2) Semaphore limits, E2BIG", "proc(5) /proc/sys/kernel/sem", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/sem")) {
  SemSet set = NewSet(IPC_PRIVATE, 4, IPC_CREAT | 0600);
  const ScopedSemLimit limit(&SemLimits::semopm, 3);
  EXPECT_THAT(Semop(set.id(), {Op(0, 1), Op(1, 1), Op(2, 1), Op(3, 1)}), SyscallFailsWithErrno(E2BIG))
      << "4 operations with SEMOPM 3";
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{0, 0, 0, 0})) << "values after the refused call";
  EXPECT_THAT(Semop(set.id(), {Op(0, 1), Op(1, 1), Op(2, 1)}), SyscallSucceeds()) << "3 operations with SEMOPM 3";
}

IPC_CASE(sysv_sem, limits, semmni_reached_fails_enospc,
         .title = "with SEMMNI set to 2, a third set cannot be created: ENOSPC",
         .covers = {"semget.SEMMNI", "semget.ENOSPC", "proc5.kernel_sem_sets_limits"},
         .statement = "SEMMNI System-wide limit on the number of semaphore sets. ... On Linux, this limit can be read "
                      "and modified via the fourth field of /proc/sys/kernel/sem. ... ENOSPC A semaphore set has to "
                      "be created but the system limit for the maximum number of semaphore sets (SEMMNI) ... would "
                      "be exceeded.",
         .refs = {"semget(2) Semaphore limits, ENOSPC", "proc(5) /proc/sys/kernel/sem", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/sem")) {
  SemSet first = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  const ScopedSemLimit limit(&SemLimits::semmni, 2);
  SemSet second = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  const SemSet third =
      ExpectSemget(IPC_PRIVATE, 1, IPC_CREAT | 0600, ENOSPC, "a third set with SEMMNI 2 (the namespace holds 2)");
  // Removing one makes room again.
  second.Reset();
  const SemSet again =
      ExpectSemget(IPC_PRIVATE, 1, IPC_CREAT | 0600, 0, "a second set after one of the two was removed");
}

IPC_CASE(sysv_sem, limits, semmns_reached_fails_enospc,
         .title = "with SEMMNS set to 5, semaphores beyond 5 in all sets cannot be created: ENOSPC",
         .covers = {"semget.SEMMNS", "semget.ENOSPC", "proc5.kernel_sem_sets_limits"},
         .statement = "SEMMNS System-wide limit on the number of semaphores ... (on Linux, this limit can be read "
                      "and modified via the second field of /proc/sys/kernel/sem). ... ENOSPC A semaphore set has "
                      "to be created but ... the system wide maximum number of semaphores (SEMMNS), would be "
                      "exceeded.",
         .refs = {"semget(2) Semaphore limits, ENOSPC", "proc(5) /proc/sys/kernel/sem", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/sem")) {
  SemSet three = NewSet(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  const ScopedSemLimit limit(&SemLimits::semmns, 5);
  const SemSet another_three =
      ExpectSemget(IPC_PRIVATE, 3, IPC_CREAT | 0600, ENOSPC, "3 more semaphores with 3 in use and SEMMNS 5");
  const SemSet two = ExpectSemget(IPC_PRIVATE, 2, IPC_CREAT | 0600, 0, "2 more semaphores with 3 in use and SEMMNS 5");
}

}  // namespace
