// shm_unlink(3), POSIX shm_unlink(): removing shared memory object names.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

IPC_CASE(posix_shm, shm_unlink, removes_name,
         .title = "after shm_unlink, shm_open of the name without O_CREAT fails with ENOENT",
         .covers = {"removes_name"},
         .statement = "After a successful shm_unlink(), attempts to shm_open() an object with the same name fail "
                      "(unless O_CREAT was specified, in which case a new, distinct object is created).",
         .refs = {"shm_open(3) shm_unlink()", "POSIX.1-2017 shm_unlink()"}) {
  ShmObject obj("unlink");
  ASSERT_THAT(shm_unlink(obj.name.c_str()), SyscallSucceeds());
  obj.name.Forget();
  UniqueFd again(shm_open(obj.name.c_str(), O_RDWR, 0));
  EXPECT_THAT(again.get(), SyscallFailsWithErrno(ENOENT)) << "shm_open of an unlinked name";
}

IPC_CASE(posix_shm, shm_unlink, existing_mappings_keep_working,
         .title = "mappings made before shm_unlink keep working and stay shared between processes",
         .covers = {"contents_kept_until_last_reference"},
         .statement = "shm_unlink() ... removes a shared memory object name, and, once all processes have "
                      "unmapped the object, deallocates and destroys the contents of the associated memory "
                      "region.",
         .refs = {"shm_open(3) shm_unlink()", "POSIX.1-2017 shm_unlink() (removal postponed until all references "
                                              "are gone)"}) {
  const std::size_t page = PageSize();
  ShmObject obj("kept", page);
  Mapping m = MapShared(obj, page);
  IPCC_SETUP(m.get());
  WriteBytes(m, 0, "before-unlink");
  obj.fd.reset();
  Child child = Fork([&] {
    CheckpointWait(0);  // the name is gone now
    EXPECT_EQ(ReadBytes(m, 0, 13), "before-unlink") << "the child's inherited mapping after shm_unlink";
    WriteBytes(m, 32, "after-unlink");
    CheckpointPost(1);
  });
  ASSERT_THAT(shm_unlink(obj.name.c_str()), SyscallSucceeds());
  obj.name.Forget();
  CheckpointPost(0);
  if (!AwaitCheckpoint(child, 1)) return;
  EXPECT_EQ(ReadBytes(m, 32, 12), "after-unlink")
      << "a store by another process through its mapping after shm_unlink should still be seen";
  ExpectCleanExit(child.Wait(), "child using the mapping after shm_unlink");
}

IPC_CASE(posix_shm, shm_unlink, recreate_gives_distinct_object,
         .title = "shm_open O_CREAT of an unlinked name creates a new, empty object, distinct from the old one",
         .covers = {"recreate_gives_distinct_object"},
         .statement = "After a successful shm_unlink(), attempts to shm_open() an object with the same name fail "
                      "(unless O_CREAT was specified, in which case a new, distinct object is created).",
         .refs = {"shm_open(3) shm_unlink()", "POSIX.1-2017 shm_unlink() (reuse of the name)"}) {
  const std::size_t page = PageSize();
  ShmObject obj("reuse", page);
  Mapping old_map = MapShared(obj, page);
  IPCC_SETUP(old_map.get());
  WriteBytes(old_map, 0, "old");
  ASSERT_THAT(shm_unlink(obj.name.c_str()), SyscallSucceeds());
  UniqueFd new_fd(shm_open(obj.name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600));
  ASSERT_THAT(new_fd.get(), SyscallSucceeds()) << "O_CREAT|O_EXCL of the unlinked name";
  ExpectSize(new_fd.get(), 0, "the re-created object should be new (size 0), not the unlinked one");
  IPCC_SETUP(ftruncate(new_fd.get(), static_cast<off_t>(page)));
  Mapping new_map = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, new_fd.get());
  IPCC_SETUP(new_map.get());
  EXPECT_EQ(ReadBytes(new_map, 0, 3), std::string(3, '\0')) << "the new object must not hold the old contents";
  WriteBytes(new_map, 0, "new");
  EXPECT_EQ(ReadBytes(old_map, 0, 3), "old") << "stores to the new object must not reach the old one";
}

IPC_CASE(posix_shm, shm_unlink, missing_name_fails_enoent,
         .title = "shm_unlink of a name that does not exist fails with ENOENT", .covers = {"ENOENT"},
         .statement = "ENOENT An attempt was to made to shm_unlink() a name that does not exist.",
         .refs = {"shm_open(3) ENOENT", "POSIX.1-2017 shm_unlink() [ENOENT]"}) {
  const std::string name = UniqueShmName("nothing");
  EXPECT_THAT(shm_unlink(name.c_str()), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(posix_shm, shm_unlink, other_users_object_fails_eacces,
         .title = "an unprivileged user cannot shm_unlink root's object (EACCES) and the object stays",
         .covers = {"EACCES", "failure_changes_nothing"},
         .statement = "EACCES Permission to shm_unlink() the shared memory object was denied. (On Linux the "
                      "objects live in /dev/shm, a sticky, world-writable tmpfs directory: only the owner may "
                      "remove a name.)",
         .refs = {"shm_open(3) EACCES", "shm_overview(7)", "POSIX.1-2017 shm_unlink() [EACCES]"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  // The EACCES rests on /dev/shm being sticky; a /dev/shm that is missing or not sticky is seen and
  // reported as such, rather than as an unexpected successful unlink.
  struct stat dir {};
  ASSERT_THAT(stat("/dev/shm", &dir), SyscallSucceeds()) << "/dev/shm, where shm_overview(7) says the objects live";
  ASSERT_NE(dir.st_mode & S_ISVTX, 0u) << "/dev/shm should be a sticky directory (mode 1777); its mode is 0" << std::oct
                                       << (dir.st_mode & 07777);
  ShmObject obj("owned", 0, 0666);
  RunAs(nobody, [&] {
    EXPECT_THAT(shm_unlink(obj.name.c_str()), SyscallFailsWithErrno(EACCES))
        << "shm_unlink by another user of a root-owned object (even one with mode 0666)";
  });
  UniqueFd again(shm_open(obj.name.c_str(), O_RDWR, 0));
  EXPECT_THAT(again.get(), SyscallSucceeds()) << "the name should still exist after the refused shm_unlink";
}

}  // namespace
