// sem_open(3), POSIX sem_open(): creating and opening named semaphores.
#include <fcntl.h>
#include <semaphore.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

// The permission bits of the named semaphore's file, or -1 (a failure recorded) when stat fails.
int ModeOf(const NamedSem& sem) {
  struct stat st {};
  const std::string path = SemFilePath(sem.str());
  EXPECT_THAT(stat(path.c_str(), &st), SyscallSucceeds()) << "stat of " << path;
  return st.st_mode == 0 ? -1 : static_cast<int>(st.st_mode & 07777);
}

IPC_CASE(posix_sem, sem_open, creat_makes_semaphore_with_value,
         .title = "sem_open with O_CREAT of a free name makes a semaphore whose value is the value argument",
         .covers = {"O_CREAT"}) {
  NamedSem sem("creat");
  sem_t* s = sem_open(sem.name(), O_CREAT, 0600, 3U);
  ASSERT_THAT(s, SyscallSucceeds()) << "sem_open(O_CREAT, 0600, 3) of the free name " << sem.str();
  sem.set(s);
  EXPECT_EQ(ValueOf(s), 3) << "the initial value of the semaphore O_CREAT made";
}

IPC_CASE(posix_sem, sem_open, creat_on_existing_ignores_mode_and_value,
         .title = "sem_open with O_CREAT of an existing name opens it, ignoring the mode and value given",
         .covers = {"creat_on_existing_ignores_mode_and_value"}) {
  const ScopedUmask no_umask(0);
  NamedSem sem("existing", 2, 0600);
  OpenSem again(sem_open(sem.name(), O_CREAT, 0666, 9U));
  ASSERT_THAT(again.get(), SyscallSucceeds()) << "sem_open(O_CREAT, 0666, 9) of the existing " << sem.str();
  EXPECT_EQ(ValueOf(again.get()), 2) << "the existing semaphore's value, not the 9 of the second O_CREAT";
  EXPECT_EQ(ModeOf(sem), 0600) << "the existing semaphore's mode, not the 0666 of the second O_CREAT";
}

IPC_CASE(posix_sem, sem_open, excl_existing_fails_eexist,
         .title = "sem_open with O_CREAT|O_EXCL of an existing name fails with EEXIST",
         .covers = {"EEXIST", "O_EXCL"}) {
  NamedSem sem("excl", 1);
  ExpectOpenFails(sem.str(), O_CREAT | O_EXCL, 5, EEXIST, "O_CREAT|O_EXCL of the existing " + sem.str());
  EXPECT_EQ(ValueOf(sem.get()), 1) << "the refused O_CREAT|O_EXCL must leave the existing semaphore as it was";
}

IPC_CASE(posix_sem, sem_open, excl_race_has_one_winner,
         .title = "of four processes racing with O_CREAT|O_EXCL for one name, exactly one creates it",
         .covers = {"O_EXCL"}) {
  constexpr int kRacers = 4;
  struct Tally {
    std::atomic<int> created{0};
    std::atomic<int> eexist{0};
  };
  SharedPage<Tally> tally;
  NamedSem sem("race");
  std::vector<Child> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.push_back(Fork([&] {
      CheckpointWait(0);  // the start: every racer is forked
      sem_t* s = sem_open(sem.name(), O_CREAT | O_EXCL, 0600, 0U);
      const int err = errno;
      if (s != SEM_FAILED) {
        tally->created.fetch_add(1);
        sem_close(s);
        return;
      }
      EXPECT_EQ(err, EEXIST) << "a racer that did not create the name should fail with EEXIST, it failed with "
                             << ErrnoName(err);
      if (err == EEXIST) tally->eexist.fetch_add(1);
    }));
  }
  sem.Adopt();
  CheckpointPost(0);
  for (Child& c : racers) ExpectCleanExit(c.Wait(), "a racing sem_open(O_CREAT|O_EXCL)");
  EXPECT_EQ(tally->created.load(), 1) << "racers whose O_CREAT|O_EXCL succeeded: the test and the creation are one "
                                         "atomic step, so exactly one may create the name";
  EXPECT_EQ(tally->eexist.load(), kRacers - 1) << "racers refused with EEXIST";
}

IPC_CASE(posix_sem, sem_open, missing_without_creat_fails_enoent,
         .title = "sem_open without O_CREAT of a name no semaphore has fails with ENOENT", .covers = {"ENOENT"}) {
  const std::string name = UniqueSemName("missing");
  ExpectOpenFails(name, 0, 0, ENOENT, "sem_open(" + name + ", 0) of a name never created");
}

IPC_CASE(posix_sem, sem_open, malformed_name_with_creat_fails_enoent,
         .title = "sem_open with O_CREAT of a name with a second slash (not well formed) fails with ENOENT",
         .covers = {"ENOENT"}, .refs = {"sem_overview(7) Named semaphores"}, .cls = Conformance::linux_specific) {
  // sem_overview(7): after the initial slash come "one or more characters, none of which are slashes".
  const std::string name = UniqueSemName("outer") + "/inner";
  ExpectOpenFails(name, O_CREAT, 0, ENOENT,
                  "sem_open(\"" + name +
                      "\", O_CREAT): sem_open(3) names ENOENT for O_CREAT with a name that is "
                      "not well formed");
}

IPC_CASE(posix_sem, sem_open, slash_only_name_fails_einval, .title = "sem_open of the name \"/\" fails with EINVAL",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  ExpectOpenFails("/", 0, 0, EINVAL, "sem_open(\"/\", 0)");
  ExpectOpenFails("/", O_CREAT, 0, EINVAL, "sem_open(\"/\", O_CREAT, 0600, 0)");
}

IPC_CASE(posix_sem, sem_open, value_above_max_fails_einval,
         .title = "sem_open with O_CREAT and a value above SEM_VALUE_MAX fails with EINVAL and creates nothing",
         .covers = {"EINVAL", "SEM_VALUE_MAX"}) {
  const std::string name = UniqueSemName("toobig");
  const unsigned above = static_cast<unsigned>(SEM_VALUE_MAX) + 1U;
  ExpectOpenFails(name, O_CREAT | O_EXCL, above, EINVAL, fmt::format("O_CREAT|O_EXCL with value {}", above));
  ExpectOpenFails(name, 0, 0, ENOENT, "the refused creation must leave no semaphore of the name " + name);
}

IPC_CASE(posix_sem, sem_open, value_sem_value_max_accepted,
         .title = "sem_open with O_CREAT accepts SEM_VALUE_MAX itself as the initial value",
         .covers = {"SEM_VALUE_MAX"}) {
  NamedSem sem("max");
  ASSERT_THAT(sem.TryCreate(static_cast<unsigned>(SEM_VALUE_MAX)), SyscallSucceeds())
      << "O_CREAT|O_EXCL with value SEM_VALUE_MAX (" << SEM_VALUE_MAX << ")";
  EXPECT_EQ(ValueOf(sem.get()), SEM_VALUE_MAX) << "the initial value of the new semaphore";
}

IPC_CASE(posix_sem, sem_open, name_of_251_characters_accepted,
         .title = "a name with NAME_MAX-4 (251) characters after its slash is accepted", .covers = {"NAME_MAX"},
         .cls = Conformance::linux_specific) {
  NamedSem sem = NamedSem::Exactly(NameOfLength("long", 251));
  EXPECT_THAT(sem.TryCreate(0), SyscallSucceeds()) << "O_CREAT|O_EXCL of a name with 251 characters after the slash";
}

IPC_CASE(posix_sem, sem_open, name_of_252_characters_fails_enametoolong,
         .title = "a name with 252 characters after its slash, one above NAME_MAX-4, fails with ENAMETOOLONG",
         .covers = {"ENAMETOOLONG", "NAME_MAX"}, .cls = Conformance::linux_specific) {
  ExpectOpenFails(NameOfLength("long", 252), O_CREAT | O_EXCL, 0, ENAMETOOLONG,
                  "O_CREAT|O_EXCL of a name with 252 characters after the slash");
}

IPC_CASE(posix_sem, sem_open, other_users_semaphore_fails_eacces,
         .title = "an unprivileged user cannot open root's 0600 semaphore, with or without O_CREAT (EACCES)",
         .covers = {"EACCES"}, .needs = kNeedSecondUid) {
  const ScopedUmask no_umask(0);
  NamedSem sem("private", 0, 0600);
  RunUnprivileged([&] {
    ExpectOpenFails(sem.str(), 0, 0, EACCES, "opening another user's 0600 semaphore");
    ExpectOpenFails(sem.str(), O_CREAT, 0, EACCES, "O_CREAT of another user's existing 0600 semaphore");
  });
}

IPC_CASE(posix_sem, sem_open, read_or_write_permission_alone_refused,
         .title = "a user with only read or only write permission on a semaphore cannot open it; with both it can",
         .covers = {"needs_read_and_write_permission", "EACCES"}, .cls = Conformance::linux_specific,
         .needs = kNeedSecondUid) {
  const ScopedUmask no_umask(0);
  NamedSem readable("readable", 0, 0644);
  NamedSem writable("writable", 0, 0622);
  NamedSem both("both", 0, 0666);
  RunUnprivileged([&] {
    ExpectOpenFails(readable.str(), 0, 0, EACCES, "opening another user's 0644 semaphore (read permission only)");
    ExpectOpenFails(writable.str(), 0, 0, EACCES, "opening another user's 0622 semaphore (write permission only)");
    OpenSem s(sem_open(both.name(), 0));
    EXPECT_THAT(s.get(), SyscallSucceeds()) << "opening another user's 0666 semaphore (read and write permission)";
  });
}

IPC_CASE(posix_sem, sem_open, owner_is_creators_effective_ids,
         .title = "a semaphore created with effective ids other than the real ones belongs to the effective ids",
         .covers = {"owner_is_effective_ids"}, .needs = kNeedSecondUid) {
  const Identity other = SecondIdentity();
  NamedSem sem("owner");
  InChild("the creator, real ids root and effective ids those of the second identity", [&] {
    IPCC_SETUP(setegid(other.gid));
    IPCC_SETUP(seteuid(other.uid));
    sem_t* s = sem_open(sem.name(), O_CREAT | O_EXCL, 0600, 0U);
    ASSERT_THAT(s, SyscallSucceeds()) << "creating " << sem.str() << " with effective uid " << other.uid;
    sem_close(s);
  });
  sem.Adopt();
  struct stat st {};
  const std::string path = SemFilePath(sem.str());
  ASSERT_THAT(stat(path.c_str(), &st), SyscallSucceeds()) << "stat of " << path;
  EXPECT_EQ(st.st_uid, other.uid) << "the owner should be the creator's effective uid, not its real uid 0";
  EXPECT_EQ(st.st_gid, other.gid) << "the group should be the creator's effective gid, not its real gid";
}

IPC_CASE(posix_sem, sem_open, mode_masked_by_umask,
         .title = "a semaphore created with mode 0666 under umask 027 gets permission bits 0640",
         .covers = {"mode_masked_by_umask"}) {
  const ScopedUmask mask(027);
  NamedSem sem("umask", 0, 0666);
  EXPECT_EQ(ModeOf(sem), 0640) << "mode 0666 with the umask's bits 027 cleared";
}

IPC_CASE(posix_sem, sem_open, nofile_limit_fails_emfile,
         .title = "sem_open with every descriptor RLIMIT_NOFILE allows in use fails with EMFILE",
         .covers = {"EMFILE"}) {
  NamedSem sem("nofile", 0);
  InChild("a process with RLIMIT_NOFILE at its lowest free descriptor", [&] {
    const int lowest = IPCC_SETUP(open("/dev/null", O_RDONLY));
    close(lowest);
    rlimit lim{};
    IPCC_SETUP(getrlimit(RLIMIT_NOFILE, &lim));
    lim.rlim_cur = static_cast<rlim_t>(lowest);
    IPCC_SETUP(setrlimit(RLIMIT_NOFILE, &lim));
    sem_t* s = sem_open(sem.name(), 0);
    EXPECT_THAT(s, SyscallFailsWithErrno(EMFILE))
        << "descriptors 0 to " << lowest - 1 << " are open and RLIMIT_NOFILE is " << lowest;
    if (s != SEM_FAILED) sem_close(s);
  });
}

// The size of this process's address space (VmSize of /proc/self/status), in bytes; a harness error when
// it cannot be read.
rlim_t AddressSpaceInUse() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    unsigned long kib = 0;
    if (std::sscanf(line.c_str(), "VmSize: %lu kB", &kib) == 1) return static_cast<rlim_t>(kib) * 1024;
  }
  ThrowHarnessError("set-up: no VmSize in /proc/self/status");
}

IPC_CASE(posix_sem, sem_open, address_space_limit_fails_enomem,
         .title = "sem_open of an existing semaphore fails with ENOMEM when RLIMIT_AS leaves no room to map it",
         .covers = {"ENOMEM"}) {
  NamedSem sem("nomem", 0);
  // Closed here, so the child does not inherit a mapping that sem_open would give it again.
  ASSERT_THAT(sem_close(sem.get()), SyscallSucceeds());
  sem.ForgetHandle();
  InChild("a process whose RLIMIT_AS is the address space it already uses", [&] {
    rlimit old_limit{};
    IPCC_SETUP(getrlimit(RLIMIT_AS, &old_limit));
    rlimit full = old_limit;
    full.rlim_cur = AddressSpaceInUse();
    IPCC_SETUP(setrlimit(RLIMIT_AS, &full));
    sem_t* s = sem_open(sem.name(), 0);
    const int err = errno;
    IPCC_SETUP(setrlimit(RLIMIT_AS, &old_limit));  // room again for what reports the result
    errno = err;
    EXPECT_THAT(s, SyscallFailsWithErrno(ENOMEM)) << "sem_open with no address space left for the semaphore";
    if (s != SEM_FAILED) sem_close(s);
  });
}

IPC_CASE(posix_sem, sem_open, full_storage_fails_enospc,
         .title = "sem_open with O_CREAT fails with ENOSPC when the tmpfs at /dev/shm is full", .covers = {"ENOSPC"},
         .needs = kNeedRoot) {
  InChild("a process with a private, full one-page tmpfs on /dev/shm", [&] {
    MountPrivateDevShm(fmt::format("mode=1777,size={}", PageSize()));
    const UniqueFd filler(IPCC_SETUP(open("/dev/shm/filler", O_WRONLY | O_CREAT | O_EXCL, 0600)));
    const std::string page(PageSize(), 'F');
    IPCC_SETUP(write(filler.get(), page.data(), page.size()));
    if (write(filler.get(), "F", 1) != -1 || errno != ENOSPC) {
      ThrowHarnessError("set-up: the one-page tmpfs on /dev/shm took more than one page: it is not full");
    }
    const std::string name = UniqueSemName("nospace");
    sem_t* s = sem_open(name.c_str(), O_CREAT | O_EXCL, 0600, 0U);
    EXPECT_THAT(s, SyscallFailsWithErrno(ENOSPC)) << "O_CREAT|O_EXCL of " << name << " on the full /dev/shm";
    if (s != SEM_FAILED) {
      sem_close(s);
      sem_unlink(name.c_str());
    }
  });
}

IPC_CASE(posix_sem, sem_open, same_name_gives_same_address,
         .title = "a second sem_open of an open name in the same process returns the same address",
         .covers = {"same_address_in_process"}) {
  NamedSem sem("address", 0);
  OpenSem again(sem_open(sem.name(), 0));
  ASSERT_THAT(again.get(), SyscallSucceeds()) << "the second sem_open of " << sem.str();
  EXPECT_EQ(static_cast<void*>(again.get()), static_cast<void*>(sem.get()))
      << "both successful sem_open calls of the open, linked name should return the same address";
}

}  // namespace
