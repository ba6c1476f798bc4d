// sem_overview(7): what the overview page promises of named semaphores as a whole.
#include <endian.h>
#include <fcntl.h>
#include <semaphore.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_sem;

IPC_CASE(posix_sem, sem_overview, unrelated_process_opens_same_semaphore,
         .title = "an unrelated process that opens the same name operates on the same semaphore, both ways",
         .covers = {"same_name_same_semaphore"}) {
  NamedSem sem("unrelated", 0);
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  // The fixture opens the name, takes our post with sem_trywait (it fails if the post is not there), and
  // posts twice.
  Child peer = SpawnFixture("posix-sem-take-post", {sem.str()});
  ExpectCleanExit(peer.Wait(), "ipcconform-fixture posix-sem-take-post");
  EXPECT_EQ(ValueOf(sem.get()), 2) << "the unrelated process took our one post and posted twice on the semaphore it "
                                      "opened by the same name: the value here should be 2";
}

IPC_CASE(posix_sem, sem_overview, value_outlives_its_processes,
         .title = "a named semaphore keeps its value after the process that made and posted it has ended",
         .covers = {"kernel_persistence"}, .cls = Conformance::linux_specific) {
  NamedSem sem("persist");
  InChild("the creating process", [&] {
    sem_t* s = sem_open(sem.name(), O_CREAT | O_EXCL, 0600, 0U);
    ASSERT_THAT(s, SyscallSucceeds()) << "creating " << sem.str();
    for (int i = 0; i < 3; ++i) ASSERT_THAT(sem_post(s), SyscallSucceeds());
    // Ends without sem_close or sem_unlink.
  });
  sem.Adopt();
  OpenSem again(sem_open(sem.name(), 0));
  ASSERT_THAT(again.get(), SyscallSucceeds()) << "opening " << sem.str() << " after its creator ended";
  EXPECT_EQ(ValueOf(again.get()), 3) << "the three posts of the process that ended should still be on the semaphore";
}

IPC_CASE(posix_sem, sem_overview, named_semaphore_is_file_in_dev_shm,
         .title = "the named semaphore /name is the file /dev/shm/sem.name until it is unlinked",
         .covers = {"file_in_dev_shm"}, .cls = Conformance::linux_specific) {
  NamedSem sem("file", 0);
  const std::string path = SemFilePath(sem.str());
  struct stat st {};
  ASSERT_THAT(stat(path.c_str(), &st), SyscallSucceeds()) << "the file of " << sem.str() << ": " << path;
  EXPECT_TRUE(S_ISREG(st.st_mode)) << path << " should be a regular file, its mode is " << std::oct << st.st_mode;
  ASSERT_THAT(sem_unlink(sem.name()), SyscallSucceeds());
  sem.ForgetName();
  EXPECT_THAT(stat(path.c_str(), &st), SyscallFailsWithErrno(ENOENT))
      << path << " should be gone once " << sem.str() << " is unlinked";
}

// An access ACL in the form the kernel takes it as the system.posix_acl_access attribute
// (linux/posix_acl_xattr.h): owner rw, user `uid` rw, owning group nothing, mask rw, others nothing.
std::vector<char> AclGrantingReadWrite(uid_t uid) {
  constexpr std::uint16_t kUserObj = 0x01, kUser = 0x02, kGroupObj = 0x04, kMask = 0x10, kOther = 0x20;
  constexpr std::uint16_t kReadWrite = 0x04 | 0x02;
  constexpr std::uint32_t kUndefinedId = 0xffffffffU;
  struct Entry {
    std::uint16_t tag, perm;
    std::uint32_t id;
  };
  const Entry entries[] = {{kUserObj, kReadWrite, kUndefinedId},
                           {kUser, kReadWrite, static_cast<std::uint32_t>(uid)},
                           {kGroupObj, 0, kUndefinedId},
                           {kMask, kReadWrite, kUndefinedId},
                           {kOther, 0, kUndefinedId}};
  std::vector<char> buf(4 + sizeof entries);
  const std::uint32_t version = htole32(2);
  std::memcpy(buf.data(), &version, 4);
  std::size_t at = 4;
  for (const Entry& e : entries) {
    const Entry le{htole16(e.tag), htole16(e.perm), htole32(e.id)};
    std::memcpy(buf.data() + at, &le, sizeof le);
    at += sizeof le;
  }
  return buf;
}

IPC_CASE(posix_sem, sem_overview, acl_grants_another_user_access,
         .title = "an ACL on the semaphore's file under /dev/shm lets a user open it whom its mode 0600 refuses",
         .covers = {"acl_controls_access"}, .cls = Conformance::linux_specific,
         .needs = kNeedSecondUid | need::KernelConfig("CONFIG_TMPFS_POSIX_ACL")) {
  const Identity nobody = SecondIdentity();
  const ScopedUmask no_umask(0);
  NamedSem sem("acl", 0, 0600);
  RunUnprivileged([&] {
    ExpectOpenFails(sem.str(), 0, 0, EACCES, "opening another user's 0600 semaphore before any ACL is placed");
  });
  const std::string path = SemFilePath(sem.str());
  const std::vector<char> acl = AclGrantingReadWrite(nobody.uid);
  ASSERT_THAT(setxattr(path.c_str(), "system.posix_acl_access", acl.data(), acl.size(), 0), SyscallSucceeds())
      << "placing an access ACL (user " << nobody.uid << ": rw) on " << path;
  RunUnprivileged([&] {
    OpenSem mine(sem_open(sem.name(), 0));
    ASSERT_THAT(mine.get(), SyscallSucceeds()) << "opening the 0600 semaphore whose ACL grants this user rw";
    EXPECT_THAT(sem_post(mine.get()), SyscallSucceeds()) << "posting through the address the ACL let it open";
  });
  EXPECT_EQ(ValueOf(sem.get()), 1) << "the post of the user the ACL admitted";
}

IPC_CASE(posix_sem, sem_overview, refused_decrements_leave_zero,
         .title = "decrements refused at value 0 leave it at 0: one post afterwards makes it exactly 1",
         .covers = {"value_never_below_zero"}) {
  SharedSem sem(0);
  ExpectReturnsWithin("three sem_trywait calls on a semaphore at 0", [&] {
    for (int i = 0; i < 3; ++i) {
      EXPECT_THAT(sem_trywait(sem.get()), SyscallFailsWithErrno(EAGAIN)) << "attempt " << i + 1;
    }
  });
  EXPECT_EQ(ValueOf(sem.get()), 0) << "the value after three refused decrements";
  ASSERT_THAT(sem_post(sem.get()), SyscallSucceeds());
  EXPECT_EQ(ValueOf(sem.get()), 1)
      << "one post after the refused decrements: a value that had gone below zero would not read 1";
}

IPC_CASE(posix_sem, sem_overview, forked_child_shares_named_semaphore,
         .title = "a child made by fork posts the parent's open named semaphore through the inherited address",
         .covers = {"forked_child_shares_named"}) {
  NamedSem sem("fork", 0);
  InChild("the forked child", [&] {
    for (int i = 0; i < 2; ++i) EXPECT_THAT(sem_post(sem.get()), SyscallSucceeds()) << "post " << i + 1;
  });
  EXPECT_EQ(ValueOf(sem.get()), 2) << "the child's two posts through the semaphore it inherited open";
}

}  // namespace
