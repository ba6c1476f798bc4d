// fstat(2) on shared memory objects.
#include <sys/stat.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

IPC_CASE(posix_shm, fstat, reports_size_owner_and_mode,
         .title = "fstat of a shared memory object gives its size, owner and permission bits",
         .covers = {"reports_size_owner_and_mode", "shm_open.new_object_owner_is_effective_ids",
                    "ftruncate.sets_object_size"},
         .statement = "fstat(2) Obtain a stat structure that describes the shared memory object. Among the "
                      "information returned by this call are the object's size (st_size), permissions "
                      "(st_mode), owner (st_uid), and group (st_gid).",
         .refs = {"shm_overview(7)", "fstat(2)", "POSIX.1-2017 fstat() (shared memory object)"}) {
  const ScopedUmask no_mask(0);
  ShmName name(UniqueShmName("stat"));
  UniqueFd fd = CreateShm(name, 0640);
  ASSERT_THAT(ftruncate(fd.get(), 12345), SyscallSucceeds());
  struct stat st {};
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_EQ(st.st_size, 12345) << "st_size should be the size set with ftruncate";
  EXPECT_EQ(st.st_mode & 07777, 0640u) << "permission bits should be the creation mode (umask 0)";
  EXPECT_EQ(st.st_uid, geteuid()) << "owner should be the creator's effective uid";
  // POSIX.1-2008 lets the group be the creator's effective gid or, for objects visible in the file
  // system, the group of the parent directory.
  struct stat dir {};
  const bool dir_known = stat("/dev/shm", &dir) == 0;
  EXPECT_TRUE(st.st_gid == getegid() || (dir_known && st.st_gid == dir.st_gid))
      << "group should be the creator's effective gid (" << getegid() << ") or that of /dev/shm; saw " << st.st_gid;
  // The same object through a second descriptor reports the same size.
  UniqueFd again(shm_open(name.c_str(), O_RDONLY, 0));
  ASSERT_THAT(again.get(), SyscallSucceeds()) << "shm_open O_RDONLY";
  ExpectSize(again.get(), 12345, "through a second descriptor");
}

}  // namespace
