// semctl(2): control operations on System V semaphore sets.
#include <sys/timerfd.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;

// The four limit fields of an IPC_INFO or SEM_INFO answer (`what`) against /proc/sys/kernel/sem.
void ExpectLimitsAsInProcSem(const seminfo& info, const SemLimits& file, const char* what) {
  EXPECT_EQ(info.semmsl, file.semmsl) << what << " semmsl vs the 1st field of " << kProcSem;
  EXPECT_EQ(info.semmns, file.semmns) << what << " semmns vs the 2nd field of " << kProcSem;
  EXPECT_EQ(info.semopm, file.semopm) << what << " semopm vs the 3rd field of " << kProcSem;
  EXPECT_EQ(info.semmni, file.semmni) << what << " semmni vs the 4th field of " << kProcSem;
}

// The GETNCNT and GETZCNT cases: on a set of 2 at `initial`, two processes block in `first` and `second` on
// semaphore 0. `counted` (semncnt, or with `zero` semzcnt) must count both there, the other count neither,
// and `counted` none on semaphore 1; `release` lets both through, after which `counted` is 0 again.
void ExpectBothWaitersCounted(std::vector<unsigned short> initial, sembuf first, sembuf second, sembuf release,
                              bool zero) {
  const auto counted = zero ? GetZcnt : GetNcnt;
  const auto other = zero ? GetNcnt : GetZcnt;
  const char* name = zero ? "semzcnt" : "semncnt";
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SetAll(set.id(), std::move(initial));
  EXPECT_EQ(counted(set.id(), 0), 0) << name << " with nobody waiting";
  Child one = ForkSemop(set.id(), {first});
  Child two = ForkSemop(set.id(), {second});
  IPCC_ASSERT_BLOCKED(one.pid(), IPCC_SEMOP_SYSCALLS);
  IPCC_ASSERT_BLOCKED(two.pid(), IPCC_SEMOP_SYSCALLS);
  EXPECT_EQ(counted(set.id(), 0), 2) << name << " of semaphore 0 with two processes blocked on it";
  EXPECT_EQ(other(set.id(), 0), 0) << (zero ? "semncnt" : "semzcnt") << " of semaphore 0: nobody waits for that";
  EXPECT_EQ(counted(set.id(), 1), 0) << name << " of semaphore 1, which nobody waits on";
  ASSERT_THAT(Semop(set.id(), {release}), SyscallSucceeds());
  ExpectCleanExit(one.Wait(), "the first waiter");
  ExpectCleanExit(two.Wait(), "the second waiter");
  EXPECT_EQ(counted(set.id(), 0), 0) << name << " after both waiters went through";
}

IPC_CASE(sysv_sem, semctl, setall_getall_round_trip,
         .title = "SETALL sets every value of the set and GETALL reads them back",
         .covers = {"SETALL", "GETALL", "GETVAL"},
         .statement = "SETALL Set the semval values for all semaphores of the set using arg.array ... GETALL Return "
                      "semval (i.e., the current value) for all semaphores of the set into arg.array.",
         .refs = {"semctl(2) SETALL, GETALL", "POSIX.1-2017 semctl() GETALL, SETALL"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 5, IPC_CREAT | 0600);
  std::vector<unsigned short> in{0, 1, 32767, 300, 7};
  ASSERT_THAT(semctl(set.id(), 0, SETALL, SemUn{.array = in.data()}), SyscallSucceeds());
  std::vector<unsigned short> out(5, 0xbeef);
  ASSERT_THAT(semctl(set.id(), 0, GETALL, SemUn{.array = out.data()}), SyscallSucceeds());
  EXPECT_EQ(out, in) << "GETALL after SETALL {0, 1, 32767, 300, 7}";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(GetVal(set.id(), i), in[i]) << "GETVAL of semaphore " << i;
}

IPC_CASE(sysv_sem, semctl, setval_sets_one_semaphore,
         .title = "SETVAL sets the value of the named semaphore only, and GETVAL reads it back",
         .covers = {"SETVAL", "GETVAL"},
         .statement = "SETVAL Set the semaphore value (semval) to arg.val for the semnum-th semaphore of the set "
                      "... GETVAL Return semval (i.e., the semaphore value) for the semnum-th semaphore of the set.",
         .refs = {"semctl(2) SETVAL, GETVAL", "POSIX.1-2017 semctl() GETVAL, SETVAL"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  SetAll(set.id(), {1, 2, 3});
  ASSERT_THAT(semctl(set.id(), 1, SETVAL, SemUn{.val = 42}), SyscallSucceeds());
  EXPECT_THAT(semctl(set.id(), 1, GETVAL, SemUn{.val = 0}), SyscallSucceedsWithValue(42));
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{1, 42, 3})) << "the other semaphores must be untouched";
}

IPC_CASE(sysv_sem, semctl, ipc_stat_reports_key_nsems_owner_mode,
         .title = "IPC_STAT reports the set's key, sem_nsems, owner and mode",
         .covers = {"IPC_STAT", "ipc_stat_reports_set", "ipc_stat_reports_key"},
         .statement = "IPC_STAT Copy information from the kernel data structure associated with semid into the "
                      "semid_ds structure pointed to by arg.buf. ... sem_nsems Number of semaphores in the set.",
         .refs = {"semctl(2) IPC_STAT, The semid_ds data structure", "POSIX.1-2017 semctl() IPC_STAT",
                  "POSIX.1-2017 <sys/sem.h>"},
         .cls = Conformance::xsi) {
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 7, IPC_CREAT | IPC_EXCL | 0640);
  semid_ds ds{};
  ASSERT_THAT(semctl(set.id(), 0, IPC_STAT, SemUn{.buf = &ds}), SyscallSucceeds());
  EXPECT_EQ(ds.sem_nsems, 7u) << "sem_nsems";
  EXPECT_EQ(ds.sem_perm.__key, k.key) << "sem_perm.__key: the key given to semget";
  EXPECT_EQ(ds.sem_perm.uid, geteuid()) << "sem_perm.uid";
  EXPECT_EQ(ds.sem_perm.cuid, geteuid()) << "sem_perm.cuid";
  EXPECT_EQ(ds.sem_perm.gid, getegid()) << "sem_perm.gid";
  EXPECT_EQ(ds.sem_perm.mode & 0777, 0640)
      << "sem_perm.mode permission bits (octal " << std::oct << (ds.sem_perm.mode & 0777) << ")";
}

IPC_CASE(sysv_sem, semctl, ipc_set_changes_mode_and_owner,
         .title = "IPC_SET changes sem_perm.uid, gid and mode, but not the creator",
         .covers = {"IPC_SET", "ipc_set_updates_fields", "ipc_set_keeps_creator"},
         .statement = "IPC_SET Write the values of some members of the semid_ds structure pointed to by arg.buf to "
                      "the kernel data structure ... The following members of the structure are updated: "
                      "sem_perm.uid, sem_perm.gid, and (the least significant 9 bits of) sem_perm.mode.",
         .refs = {"semctl(2) IPC_SET", "POSIX.1-2017 semctl() IPC_SET"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();  // a second mapped uid/gid to hand the set to
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  semid_ds ds = Stat(set.id());
  ds.sem_perm.uid = nobody.uid;
  ds.sem_perm.gid = nobody.gid;
  ds.sem_perm.mode = 0604;
  ASSERT_THAT(semctl(set.id(), 0, IPC_SET, SemUn{.buf = &ds}), SyscallSucceeds());
  const semid_ds after = Stat(set.id());
  EXPECT_EQ(after.sem_perm.uid, nobody.uid) << "sem_perm.uid after IPC_SET";
  EXPECT_EQ(after.sem_perm.gid, nobody.gid) << "sem_perm.gid after IPC_SET";
  EXPECT_EQ(after.sem_perm.mode & 0777, 0604)
      << "mode after IPC_SET (octal " << std::oct << (after.sem_perm.mode & 0777) << ")";
  EXPECT_EQ(after.sem_perm.cuid, geteuid()) << "sem_perm.cuid is not changed by IPC_SET";
  EXPECT_EQ(after.sem_perm.cgid, getegid()) << "sem_perm.cgid is not changed by IPC_SET";
  EXPECT_EQ(after.sem_nsems, 1u) << "sem_nsems is not changed by IPC_SET";
}

// sem_ctime has a resolution of one second: to see it move, the calls under test must happen in a later
// second than the sets' creation. Waits (about one second at most) until the clock the kernel stamps
// semaphore times with has passed `t`: it stamps a probe set with a semop and reads that sem_otime back.
// This waits for the clock to reach an absolute instant (a timer, not a fixed sleep), never for another
// process, and decides nothing by itself: the loop ends only once a stamp later than `t` has been seen.
void WaitForRealtime(const timespec& when) {
  UniqueFd timer(IPCC_SETUP(timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC)));
  itimerspec spec{};
  spec.it_value = when;
  IPCC_SETUP(timerfd_settime(timer.get(), TFD_TIMER_ABSTIME, &spec, nullptr));
  std::uint64_t expirations = 0;
  while (read(timer.get(), &expirations, sizeof expirations) < 0) {
    if (errno != EINTR) ThrowHarnessError("set-up: read(timerfd): " + ErrnoName(errno));
  }
}

void WaitForStampClockPast(time_t t, int probe_id) {
  for (int round = 0;; ++round) {
    if (Semop(probe_id, {Op(0, 1)}) != 0) {
      ThrowHarnessError("set-up: semop on the clock probe set: " + ErrnoName(errno));
    }
    if (Stat(probe_id).sem_otime > t) return;
    if (round > 200) ThrowHarnessError("set-up: the semaphore time stamps never passed the creation second");
    // A little after the boundary each round: a coarse clock lags a fine one by up to a tick.
    WaitForRealtime(timespec{t + 1, std::min(999, 10 + 10 * round) * 1000 * 1000L});
  }
}

IPC_CASE(sysv_sem, semctl, setval_setall_ipc_set_update_ctime,
         .title = "SETVAL, SETALL and IPC_SET each set sem_ctime to the current time",
         .covers = {"ipc_set_updates_ctime", "set_values_update_ctime"},
         .statement = "sem_ctime Time of creation of semaphore set or time of last semctl() IPCSET, SETVAL, or "
                      "SETALL operation.",
         .refs = {"semctl(2) sem_ctime, IPC_SET, SETVAL, SETALL", "POSIX.1-2017 <sys/sem.h> sem_ctime"},
         .cls = Conformance::xsi) {
  SemSet a = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SemSet b = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SemSet c = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  SemSet probe = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  const time_t created = std::max({Stat(a.id()).sem_ctime, Stat(b.id()).sem_ctime, Stat(c.id()).sem_ctime});
  WaitForStampClockPast(created, probe.id());
  SetVal(a.id(), 0, 3);
  SetAll(b.id(), {1, 2});
  semid_ds ds = Stat(c.id());
  ds.sem_perm.mode = 0660;
  ASSERT_THAT(semctl(c.id(), 0, IPC_SET, SemUn{.buf = &ds}), SyscallSucceeds());
  const time_t latest = LatestStamp();
  auto check = [&](int id, const char* what) {
    const time_t ctime = Stat(id).sem_ctime;
    EXPECT_GT(ctime, created) << "sem_ctime after " << what << " is " << ctime << ", still the creation time "
                              << created << " although the stamp clock had passed it before the " << what;
    EXPECT_LE(ctime, latest) << "sem_ctime after " << what << " is in the future (now " << latest << ")";
  };
  check(a.id(), "SETVAL");
  check(b.id(), "SETALL");
  check(c.id(), "IPC_SET");
}

IPC_CASE(sysv_sem, semctl, getncnt_counts_processes_waiting_for_increase,
         .title = "GETNCNT counts the processes blocked waiting for the value to increase", .covers = {"GETNCNT"},
         .statement = "GETNCNT Return the semncnt value for the semnum-th semaphore of the set (i.e., the number of "
                      "processes waiting for the semaphore's value to increase).",
         .refs = {"semctl(2) GETNCNT", "POSIX.1-2017 semctl() GETNCNT"}, .cls = Conformance::xsi) {
  // Two processes decrementing semaphore 0 (at 0) by 1 and 2; a +3 releases both.
  ExpectBothWaitersCounted({0, 0}, Op(0, -1), Op(0, -2), Op(0, 3), false);
}

IPC_CASE(sysv_sem, semctl, getzcnt_counts_processes_waiting_for_zero,
         .title = "GETZCNT counts the processes blocked waiting for the value to become 0", .covers = {"GETZCNT"},
         .statement = "GETZCNT Return the semzcnt value for the semnum-th semaphore of the set (i.e., the number of "
                      "processes waiting for the semaphore value to become 0).",
         .refs = {"semctl(2) GETZCNT", "POSIX.1-2017 semctl() GETZCNT"}, .cls = Conformance::xsi) {
  // Two processes waiting for semaphore 0 (at 1) to become zero; a -1 releases both.
  ExpectBothWaitersCounted({1, 1}, Op(0, 0), Op(0, 0), Op(0, -1), true);
}

IPC_CASE(sysv_sem, semctl, setval_and_setall_set_sempid,
         .title = "SETVAL and SETALL set sempid (GETPID) to the caller (Linux)", .covers = {"setval_setall_set_sempid"},
         .statement = "Linux also updates sempid for SETVAL operations and semaphore adjustments. However, somewhat "
                      "inconsistently, up to and including Linux 4.5, the kernel did not update sempid for SETALL "
                      "operations. This was rectified in Linux 4.6.",
         .refs = {"semctl(2) NOTES The sempid value"}, .cls = Conformance::linux_specific) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  Child setter = Fork([&] { SetVal(set.id(), 1, 4); });
  ExpectCleanExit(setter.Wait(), "SETVAL child");
  EXPECT_EQ(GetPid(set.id(), 1), setter.pid()) << "sempid of semaphore 1 after the child's SETVAL";
  Child all = Fork([&] { SetAll(set.id(), {2, 2}); });
  ExpectCleanExit(all.Wait(), "SETALL child");
  EXPECT_EQ(GetPid(set.id(), 0), all.pid()) << "sempid of semaphore 0 after the child's SETALL";
  EXPECT_EQ(GetPid(set.id(), 1), all.pid()) << "sempid of semaphore 1 after the child's SETALL";
}

IPC_CASE(sysv_sem, semctl, ipc_rmid_wakes_blocked_with_eidrm,
         .title = "IPC_RMID wakes every process blocked in semop on the set with EIDRM",
         .covers = {"IPC_RMID", "semop.EIDRM", "semop.wait_ends_with_eidrm_on_removal"},
         .statement = "IPC_RMID Immediately remove the semaphore set, awakening all processes blocked in semop(2) "
                      "calls on the set (with an error return and errno set to EIDRM).",
         .refs = {"semctl(2) IPC_RMID", "semop(2) EIDRM", "POSIX.1-2017 semop() [EIDRM]"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SetVal(set.id(), 1, 1);
  Child dec1 = ForkSemop(set.id(), {Op(0, -1)}, EIDRM);
  Child dec2 = ForkSemop(set.id(), {Op(0, -3)}, EIDRM);
  Child zero = ForkSemop(set.id(), {Op(1, 0)}, EIDRM);
  IPCC_ASSERT_BLOCKED(dec1.pid(), IPCC_SEMOP_SYSCALLS);
  IPCC_ASSERT_BLOCKED(dec2.pid(), IPCC_SEMOP_SYSCALLS);
  IPCC_ASSERT_BLOCKED(zero.pid(), IPCC_SEMOP_SYSCALLS);
  ASSERT_THAT(semctl(set.id(), 0, IPC_RMID), SyscallSucceeds());
  set.Forget();
  ExpectCleanExit(dec1.Wait(), "blocked -1");
  ExpectCleanExit(dec2.Wait(), "blocked -3");
  ExpectCleanExit(zero.Wait(), "blocked wait-for-zero");
}

IPC_CASE(sysv_sem, semctl, removed_set_id_fails_einval_or_eidrm,
         .title = "after IPC_RMID the old identifier gives EINVAL or EIDRM to semop and semctl",
         .covers = {"removed_set_id_refused", "semop.removed_set_id_refused"},
         .statement = "EIDRM The semaphore set was removed. ... EINVAL Invalid value for cmd or semid.",
         .refs = {"semctl(2) EIDRM, EINVAL", "semop(2) EIDRM, EINVAL", "POSIX.1-2017 semctl() [EINVAL]"},
         .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  const int id = set.id();
  ASSERT_THAT(semctl(id, 0, IPC_RMID), SyscallSucceeds());
  set.Forget();
  const std::vector<int> gone{EINVAL, EIDRM};
  semid_ds ds{};
  EXPECT_THAT(Semop(id, {Op(0, 1)}), SyscallFailsWithAnyErrno(gone)) << "semop on the removed id";
  EXPECT_THAT(semctl(id, 0, GETVAL), SyscallFailsWithAnyErrno(gone)) << "GETVAL on the removed id";
  EXPECT_THAT(semctl(id, 0, SETVAL, SemUn{.val = 1}), SyscallFailsWithAnyErrno(gone)) << "SETVAL on the removed id";
  EXPECT_THAT(semctl(id, 0, IPC_STAT, SemUn{.buf = &ds}), SyscallFailsWithAnyErrno(gone))
      << "IPC_STAT on the removed id";
  EXPECT_THAT(semctl(id, 0, IPC_RMID), SyscallFailsWithAnyErrno(gone)) << "a second IPC_RMID";
}

IPC_CASE(sysv_sem, semctl, setval_out_of_range_fails_erange,
         .title = "SETVAL or SETALL to a value above SEMVMX (32767) or below 0 fails with ERANGE",
         .covers = {"ERANGE", "SEMVMX"},
         .statement = "ERANGE The argument cmd has the value SETALL or SETVAL and the value to which semval is to be "
                      "set (for some semaphore of the set) is less than 0 or greater than the implementation limit "
                      "SEMVMX.",
         .refs = {"semctl(2) ERANGE", "POSIX.1-2017 semctl() [ERANGE]"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SetVal(set.id(), 0, 9);
  EXPECT_THAT(semctl(set.id(), 0, SETVAL, SemUn{.val = 32768}), SyscallFailsWithErrno(ERANGE)) << "SETVAL 32768";
  EXPECT_THAT(semctl(set.id(), 0, SETVAL, SemUn{.val = -1}), SyscallFailsWithErrno(ERANGE)) << "SETVAL -1";
  EXPECT_EQ(GetVal(set.id(), 0), 9) << "value after the refused SETVALs";
  std::vector<unsigned short> too_big{1, 40000};
  EXPECT_THAT(semctl(set.id(), 0, SETALL, SemUn{.array = too_big.data()}), SyscallFailsWithErrno(ERANGE))
      << "SETALL {1, 40000}";
  EXPECT_THAT(semctl(set.id(), 0, SETVAL, SemUn{.val = 32767}), SyscallSucceeds()) << "SETVAL 32767 (SEMVMX)";
}

IPC_CASE(sysv_sem, semctl, setval_wakes_blocked_waiters,
         .title = "SETVAL that lets blocked semop calls proceed wakes them", .covers = {"set_values_wake_waiters"},
         .statement = "SETVAL ... If the changes to semaphore values would permit blocked semop(2) calls in other "
                      "processes to proceed, then those processes are woken up.",
         .refs = {"semctl(2) SETVAL", "POSIX.1-2017 semctl() SETVAL"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  SetVal(set.id(), 1, 5);
  Child dec = ForkSemop(set.id(), {Op(0, -2)});
  Child zero = ForkSemop(set.id(), {Op(1, 0)});
  IPCC_ASSERT_BLOCKED(dec.pid(), IPCC_SEMOP_SYSCALLS);
  IPCC_ASSERT_BLOCKED(zero.pid(), IPCC_SEMOP_SYSCALLS);
  SetVal(set.id(), 0, 2);
  ExpectCleanExit(dec.Wait(), "-2 waiter after SETVAL 2");
  SetVal(set.id(), 1, 0);
  ExpectCleanExit(zero.Wait(), "wait-for-zero after SETVAL 0");
  EXPECT_EQ(GetAll(set.id()), (std::vector<int>{0, 0}));
}

IPC_CASE(sysv_sem, semctl, invalid_cmd_fails_einval, .title = "semctl with an unknown command fails with EINVAL",
         .covers = {"EINVAL"}, .statement = "EINVAL Invalid value for cmd or semid.",
         .refs = {"semctl(2) EINVAL", "POSIX.1-2017 semctl() [EINVAL]"}, .cls = Conformance::xsi) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  EXPECT_THAT(semctl(set.id(), 0, 4711, SemUn{.val = 0}), SyscallFailsWithErrno(EINVAL)) << "cmd 4711";
  EXPECT_THAT(semctl(-1, 0, GETVAL), SyscallFailsWithErrno(EINVAL)) << "semid -1";
}

IPC_CASE(sysv_sem, semctl, ipc_info_matches_proc_sem,
         .title = "IPC_INFO reports the limits in /proc/sys/kernel/sem and SEMVMX 32767", .covers = {"IPC_INFO"},
         .statement = "IPC_INFO (Linux-specific) Return information about system-wide semaphore limits and "
                      "parameters ... The semmsl, semmns, semopm, and semmni settings can be changed via "
                      "/proc/sys/kernel/sem.",
         .refs = {"semctl(2) IPC_INFO", "proc(5) /proc/sys/kernel/sem"}, .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {
  SemSet set = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  seminfo info{};
  ASSERT_THAT(semctl(0, 0, IPC_INFO, SemUn{.info = &info}), SyscallSucceeds());
  // The page documents the file: missing or unreadable, it is itself a deviation.
  const auto limits = ReadProcSem();
  ASSERT_TRUE(limits.has_value()) << kProcSem << " cannot be read as four numbers (" << ErrnoName(errno)
                                  << "); IPC_INFO reports " << info.semmsl << " " << info.semmns << " " << info.semopm
                                  << " " << info.semmni;
  ExpectLimitsAsInProcSem(info, *limits, "IPC_INFO");
  EXPECT_EQ(info.semvmx, 32767) << "semvmx (SEMVMX)";
}

IPC_CASE(sysv_sem, semctl, sem_info_counts_sets_and_semaphores,
         .title = "SEM_INFO reports the number of sets (semusz) and of semaphores (semaem) in use",
         .covers = {"SEM_INFO"},
         .statement = "SEM_INFO (Linux-specific) Return a seminfo structure containing the same information as for "
                      "IPC_INFO, except that ... the semusz field returns the number of semaphore sets that "
                      "currently exist on the system; and the semaem field returns the total number of semaphores "
                      "in all semaphore sets on the system.",
         .refs = {"semctl(2) SEM_INFO"}, .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {  // counts every semaphore set in its IPC namespace
  SemSet probe = NewSet(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  seminfo before{};
  ASSERT_THAT(semctl(0, 0, SEM_INFO, SemUn{.info = &before}), SyscallSucceeds());
  SemSet three = NewSet(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  SemSet four = NewSet(IPC_PRIVATE, 4, IPC_CREAT | 0600);
  seminfo after{};
  ASSERT_THAT(semctl(0, 0, SEM_INFO, SemUn{.info = &after}), SyscallSucceeds());
  EXPECT_EQ(after.semusz - before.semusz, 2) << "semusz (sets in use) should grow by the 2 sets made";
  EXPECT_EQ(after.semaem - before.semaem, 7) << "semaem (semaphores in use) should grow by 3 + 4";
  EXPECT_EQ(before.semusz, 1) << "semusz in the case's own IPC namespace, which holds one set";
  // The limit fields are as for IPC_INFO.
  if (const auto limits = ReadProcSem()) ExpectLimitsAsInProcSem(after, *limits, "SEM_INFO");
  EXPECT_EQ(before.semaem, 1) << "semaem in the case's own IPC namespace, which holds one semaphore";
}

IPC_CASE(sysv_sem, semctl, sem_stat_index_finds_set,
         .title = "SEM_STAT on an index up to IPC_INFO's highest index returns the id of a set",
         .covers = {"SEM_STAT", "info_returns_highest_index"},
         .statement = "SEM_STAT (Linux-specific) Return a semid_ds structure as for IPC_STAT. However, the semid "
                      "argument is not a semaphore identifier, but instead an index into the kernel's internal "
                      "array ... SEM_STAT the identifier of the semaphore set whose index was given in semid.",
         .refs = {"semctl(2) SEM_STAT, IPC_INFO RETURN VALUE"}, .cls = Conformance::linux_specific) {
  SemSet set = NewSet(IPC_PRIVATE, 6, IPC_CREAT | 0600);
  seminfo info{};
  const int highest = semctl(0, 0, IPC_INFO, SemUn{.info = &info});
  ASSERT_THAT(highest, SyscallSucceeds());
  bool found = false;
  for (int index = 0; index <= highest && !found; ++index) {
    semid_ds ds{};
    const int id = semctl(index, 0, SEM_STAT, SemUn{.buf = &ds});
    if (id == set.id()) {
      found = true;
      EXPECT_EQ(ds.sem_nsems, 6u) << "sem_nsems from SEM_STAT";
    }
  }
  EXPECT_TRUE(found) << "no index from 0 to " << highest << " gave the id " << set.id() << " of the new set";
}

}  // namespace
