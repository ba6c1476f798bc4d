// The semaphore limits in /proc/sys/kernel/sem (SEMMSL SEMMNS SEMOPM SEMMNI), changed inside the case's
// own IPC namespace (ipc_namespaces(7): the file is distinct in each IPC namespace).
#include "sem_util.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;

// Every case here sets /proc/sys/kernel/sem (ScopedSysctl: put back at scope end) in its own IPC
// namespace. The write is set-up (the runner proved the file writable there); that the kernel then
// holds the values is the page's statement, so the read-back is an expectation.
void ExpectProcSemHolds(const SemLimits& l) {
  const auto now = ReadProcSem();
  ASSERT_TRUE(now.has_value()) << kProcSem << " cannot be read back after writing \"" << ProcSemText(l) << "\"";
  EXPECT_EQ(ProcSemText(*now), ProcSemText(l)) << kProcSem << " after writing it";
}

IPC_CASE(sysv_sem, limits, small_semmsl_makes_semget_fail_einval,
         .title = "after SEMMSL is set to 4 in /proc/sys/kernel/sem, creating a set of 5 fails with EINVAL",
         .statement = "SEMMSL Maximum number of semaphores per semaphore ID. ... On Linux, this limit can be read "
                      "and modified via the first field of /proc/sys/kernel/sem. ... EINVAL nsems is less than 0 or "
                      "greater than the limit on the number of semaphores per semaphore set (SEMMSL).",
         .refs = {"semget(2) Semaphore limits, EINVAL", "proc(5) /proc/sys/kernel/sem", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/sem")) {
  IPCC_NEW_SEM_SET(probe, IPC_PRIVATE, 1, IPC_CREAT | 0600);  // the mechanism is there
  SemLimits l = ReadProcSemOrThrow();
  l.semmsl = 4;
  const ScopedSysctl restore(kProcSem, ProcSemText(l));
  ExpectProcSemHolds(l);
  const int five = semget(IPC_PRIVATE, 5, IPC_CREAT | 0600);
  SemSet five_guard(five);
  EXPECT_THAT(five, SyscallFailsWithErrno(EINVAL)) << "a set of 5 with SEMMSL 4";
  const int four = semget(IPC_PRIVATE, 4, IPC_CREAT | 0600);
  SemSet four_guard(four);
  EXPECT_THAT(four, SyscallSucceeds()) << "a set of 4 with SEMMSL 4";
}

IPC_CASE(sysv_sem, limits, small_semopm_makes_semop_fail_e2big,
         .title = "after SEMOPM is set to 3 in /proc/sys/kernel/sem, a semop of 4 operations fails with E2BIG",
         .statement = "SEMOPM Maximum number of operations allowed for one semop() call. ... On Linux, this limit "
                      "can be read and modified via the third field of /proc/sys/kernel/sem. ... E2BIG The argument "
                      "nsops is greater than SEMOPM.",
         .refs = {"semop(2) Semaphore limits, E2BIG", "proc(5) /proc/sys/kernel/sem", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/sem")) {
  IPCC_NEW_SEM_SET(set, IPC_PRIVATE, 4, IPC_CREAT | 0600);
  SemLimits l = ReadProcSemOrThrow();
  l.semopm = 3;
  const ScopedSysctl restore(kProcSem, ProcSemText(l));
  ExpectProcSemHolds(l);
  EXPECT_THAT(Semop(set.id(), {Op(0, 1), Op(1, 1), Op(2, 1), Op(3, 1)}), SyscallFailsWithErrno(E2BIG))
      << "4 operations with SEMOPM 3";
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{0, 0, 0, 0})) << "values after the refused call";
  EXPECT_THAT(Semop(set.id(), {Op(0, 1), Op(1, 1), Op(2, 1)}), SyscallSucceeds()) << "3 operations with SEMOPM 3";
}

IPC_CASE(sysv_sem, limits, semmni_reached_fails_enospc,
         .title = "with SEMMNI set to 2, a third set cannot be created: ENOSPC",
         .statement = "SEMMNI System-wide limit on the number of semaphore sets. ... On Linux, this limit can be read "
                      "and modified via the fourth field of /proc/sys/kernel/sem. ... ENOSPC A semaphore set has to "
                      "be created but the system limit for the maximum number of semaphore sets (SEMMNI) ... would "
                      "be exceeded.",
         .refs = {"semget(2) Semaphore limits, ENOSPC", "proc(5) /proc/sys/kernel/sem", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/sem")) {
  IPCC_NEW_SEM_SET(first, IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SemLimits l = ReadProcSemOrThrow();
  l.semmni = 2;
  const ScopedSysctl restore(kProcSem, ProcSemText(l));
  ExpectProcSemHolds(l);
  IPCC_NEW_SEM_SET(second, IPC_PRIVATE, 1, IPC_CREAT | 0600);
  const int third = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SemSet third_guard(third);
  EXPECT_THAT(third, SyscallFailsWithErrno(ENOSPC)) << "a third set with SEMMNI 2 (the namespace holds 2)";
  // Removing one makes room again.
  second.Reset();
  const int again = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SemSet again_guard(again);
  EXPECT_THAT(again, SyscallSucceeds()) << "a second set after one of the two was removed";
}

IPC_CASE(sysv_sem, limits, semmns_reached_fails_enospc,
         .title = "with SEMMNS set to 5, semaphores beyond 5 in all sets cannot be created: ENOSPC",
         .statement = "SEMMNS System-wide limit on the number of semaphores ... (on Linux, this limit can be read "
                      "and modified via the second field of /proc/sys/kernel/sem). ... ENOSPC A semaphore set has "
                      "to be created but ... the system wide maximum number of semaphores (SEMMNS), would be "
                      "exceeded.",
         .refs = {"semget(2) Semaphore limits, ENOSPC", "proc(5) /proc/sys/kernel/sem", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/sem")) {
  IPCC_NEW_SEM_SET(three, IPC_PRIVATE, 3, IPC_CREAT | 0600);
  SemLimits l = ReadProcSemOrThrow();
  l.semmns = 5;
  const ScopedSysctl restore(kProcSem, ProcSemText(l));
  ExpectProcSemHolds(l);
  const int another_three = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  SemSet another_guard(another_three);
  EXPECT_THAT(another_three, SyscallFailsWithErrno(ENOSPC)) << "3 more semaphores with 3 in use and SEMMNS 5";
  const int two = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SemSet two_guard(two);
  EXPECT_THAT(two, SyscallSucceeds()) << "2 more semaphores with 3 in use and SEMMNS 5";
}

}  // namespace
