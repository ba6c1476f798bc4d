// shm_open(3), shm_overview(7), POSIX shm_open(): creating and opening shared memory objects.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

// A new object of root's with `mode`, which the second identity's shm_open with each of `oflags` is to be
// refused with EACCES.
void ExpectOpenRefused(mode_t mode, const std::vector<int>& oflags) {
  const Identity nobody = SecondIdentity();
  const ShmObject obj("refused", PageSize(), mode);
  RunAs(nobody, [&] {
    for (int oflag : oflags) {
      UniqueFd fd(shm_open(obj.name.c_str(), oflag, 0));
      EXPECT_THAT(fd.get(), SyscallFailsWithErrno(EACCES))
          << (oflag == O_RDONLY ? "O_RDONLY" : "O_RDWR") << " open of a 0" << std::oct << mode
          << " object of another user";
    }
  });
}

IPC_CASE(posix_shm, shm_open, unrelated_processes_share,
         .title = "an unrelated process that opens the same name maps the same memory",
         .covers = {"unrelated_processes_share_object"},
         .statement = "A POSIX shared memory object is in effect a handle which can be used by unrelated "
                      "processes to mmap(2) the same region of shared memory.",
         .refs = {"shm_open(3)", "shm_overview(7)", "POSIX.1-2017 shm_open()"}) {
  const std::size_t size = 2 * PageSize();
  ShmObject obj("unrelated", size);
  Mapping m = MapShared(obj, size);
  ASSERT_THAT(m.get(), SyscallSucceeds());
  WriteBytes(m, 0, "from-the-case");
  // The fixture opens the name, checks the size and our bytes, and stores its reply in the second page.
  Child peer = SpawnFixture("posix-shm-peer", {obj.name.str(), std::to_string(size), "from-the-case",
                                               std::to_string(PageSize()), "from-the-fixture"});
  ExpectCleanExit(peer.Wait(), "ipcconform-fixture posix-shm-peer");
  EXPECT_EQ(ReadBytes(m, PageSize(), 16), "from-the-fixture")
      << "the case's mapping should show what the unrelated process stored through its own mapping";
}

IPC_CASE(posix_shm, shm_open, new_object_has_size_zero, .title = "a newly created shared memory object has size 0",
         .covers = {"new_object_has_size_zero", "O_CREAT"},
         .statement = "A new shared memory object initially has zero length--the size of the object can be set "
                      "using ftruncate(2).",
         .refs = {"shm_open(3) O_CREAT", "shm_overview(7)", "POSIX.1-2017 shm_open() (new object size 0)"}) {
  ShmName name(UniqueShmName("new"));
  UniqueFd fd(shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600));
  ASSERT_THAT(fd.get(), SyscallSucceeds()) << "shm_open O_CREAT|O_EXCL";
  ExpectSize(fd.get(), 0, "a new shared memory object should have st_size 0");
}

IPC_CASE(posix_shm, shm_open, excl_existing_fails_eexist,
         .title = "shm_open with O_CREAT|O_EXCL of an existing name fails with EEXIST", .covers = {"EEXIST", "O_EXCL"},
         .statement = "EEXIST Both O_CREAT and O_EXCL were specified to shm_open() and the shared memory object "
                      "specified by name already exists.",
         .refs = {"shm_open(3) EEXIST", "POSIX.1-2017 shm_open() [EEXIST]"}) {
  ShmObject obj("excl");
  UniqueFd again(shm_open(obj.name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600));
  EXPECT_THAT(again.get(), SyscallFailsWithErrno(EEXIST));
}

IPC_CASE(posix_shm, shm_open, missing_without_creat_fails_enoent,
         .title = "shm_open without O_CREAT of a name that does not exist fails with ENOENT", .covers = {"ENOENT"},
         .statement = "ENOENT An attempt was made to shm_open() a name that did not exist, and O_CREAT was not "
                      "specified.",
         .refs = {"shm_open(3) ENOENT", "POSIX.1-2017 shm_open() [ENOENT]"}) {
  const std::string name = UniqueShmName("missing");
  UniqueFd fd(shm_open(name.c_str(), O_RDWR, 0));
  EXPECT_THAT(fd.get(), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(posix_shm, shm_open, trunc_truncates_existing_object,
         .title = "shm_open with O_TRUNC of an existing object truncates it to 0 bytes", .covers = {"O_TRUNC"},
         .statement = "O_TRUNC If the shared memory object already exists, truncate it to zero bytes.",
         .refs = {"shm_open(3) O_TRUNC", "POSIX.1-2017 shm_open() O_TRUNC"}) {
  ShmObject obj("trunc", 3 * PageSize());
  UniqueFd again(shm_open(obj.name.c_str(), O_RDWR | O_TRUNC, 0));
  ASSERT_THAT(again.get(), SyscallSucceeds()) << "shm_open O_RDWR|O_TRUNC";
  ExpectSize(obj.fd.get(), 0, "after O_TRUNC the object (seen through the first descriptor) should have size 0");
}

IPC_CASE(posix_shm, shm_open, descriptor_has_close_on_exec,
         .title = "the descriptor returned by shm_open has FD_CLOEXEC set", .covers = {"descriptor_has_close_on_exec"},
         .statement = "The FD_CLOEXEC flag (see fcntl(2)) is set for the file descriptor.",
         .refs = {"shm_open(3)", "POSIX.1-2017 shm_open() (FD_CLOEXEC is set)"}) {
  ShmName name(UniqueShmName("cloexec"));
  UniqueFd fd(shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600));
  ASSERT_THAT(fd.get(), SyscallSucceeds()) << "shm_open";
  const int flags = fcntl(fd.get(), F_GETFD);
  ASSERT_THAT(flags, SyscallSucceeds());
  EXPECT_NE(flags & FD_CLOEXEC, 0) << "FD_CLOEXEC should be set on a descriptor from shm_open";
}

IPC_CASE(posix_shm, shm_open, creation_mode_masked_by_umask,
         .title = "a new object's permission bits are mode with the umask bits cleared",
         .covers = {"new_object_mode_masked_by_umask"},
         .statement = "the object's permission bits are set according to the low-order 9 bits of mode, except "
                      "that those bits set in the process file mode creation mask (see umask(2)) are cleared "
                      "for the new object.",
         .refs = {"shm_open(3) O_CREAT", "umask(2)", "POSIX.1-2017 shm_open() O_CREAT"}) {
  const ScopedUmask mask(027);
  ShmName name(UniqueShmName("umask"));
  UniqueFd fd(shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0666));
  ASSERT_THAT(fd.get(), SyscallSucceeds()) << "shm_open";
  struct stat st {};
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "mode 0666 under umask 027 should give 0640, saw 0" << std::oct
                                      << (st.st_mode & 0777);
}

IPC_CASE(posix_shm, shm_open, permission_denied_eacces,
         .title = "an unprivileged user cannot open a 0600 object owned by root (EACCES)", .covers = {"EACCES"},
         .statement = "EACCES Permission was denied to shm_open() name in the specified mode.",
         .refs = {"shm_open(3) EACCES", "POSIX.1-2017 shm_open() [EACCES]"}, .needs = kNeedSecondUid) {
  ExpectOpenRefused(0600, {O_RDONLY, O_RDWR});
}

IPC_CASE(posix_shm, shm_open, read_permission_allows_rdonly,
         .title = "read permission lets an unprivileged user open O_RDONLY and map the object for reading",
         .covers = {"O_RDONLY"},
         .statement = "O_RDONLY Open the object for read access. A shared memory object opened in this way can be "
                      "mmap(2)ed only for read (PROT_READ) access.",
         .refs = {"shm_open(3) O_RDONLY", "POSIX.1-2017 shm_open() O_RDONLY"}, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  ShmObject obj("readable", PageSize(), 0644);
  Mapping m = MapShared(obj, PageSize());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  WriteBytes(m, 0, "readable");
  RunAs(nobody, [&] {
    UniqueFd ro(shm_open(obj.name.c_str(), O_RDONLY, 0));
    ASSERT_THAT(ro.get(), SyscallSucceeds()) << "O_RDONLY open of a 0644 object by another user";
    Mapping cm = Map(PageSize(), PROT_READ, MAP_SHARED, ro.get());
    ASSERT_THAT(cm.get(), SyscallSucceeds());
    EXPECT_EQ(ReadBytes(cm, 0, 8), "readable");
  });
}

IPC_CASE(posix_shm, shm_open, rdwr_without_write_permission_fails_eacces,
         .title = "an unprivileged user without write permission cannot open the object O_RDWR (EACCES)",
         .covers = {"EACCES"},
         .statement = "EACCES Permission was denied to shm_open() name in the specified mode, or O_TRUNC was "
                      "specified and the caller does not have write permission on the object.",
         .refs = {"shm_open(3) EACCES", "POSIX.1-2017 shm_open() [EACCES]"}, .needs = kNeedSecondUid) {
  ExpectOpenRefused(0644, {O_RDWR});
}

IPC_CASE(posix_shm, shm_open, rdonly_descriptor_cannot_map_shared_writable,
         .title = "an object opened O_RDONLY cannot be mapped MAP_SHARED with PROT_WRITE (EACCES)",
         .covers = {"O_RDONLY", "mmap.EACCES"},
         .statement = "O_RDONLY Open the object for read access. A shared memory object opened in this way can be "
                      "mmap(2)ed only for read (PROT_READ) access. (mmap(2): EACCES MAP_SHARED was requested and "
                      "PROT_WRITE is set, but fd is not open in read/write (O_RDWR) mode.)",
         .refs = {"shm_open(3) O_RDONLY", "mmap(2) EACCES", "POSIX.1-2017 mmap() [EACCES]"}) {
  ShmObject obj("rdonly", PageSize(), 0600);
  UniqueFd ro(IPCC_SETUP(shm_open(obj.name.c_str(), O_RDONLY, 0)));
  ExpectSharedWritableMapRefused(ro.get());
}

IPC_CASE(posix_shm, shm_open, name_with_inner_slash_fails_einval,
         .title = "shm_open of a name with a slash after the leading one fails with EINVAL", .covers = {"EINVAL"},
         .statement = "a shared memory object should be identified by a name of the form /somename; that is, a "
                      "null-terminated string of up to NAME_MAX (i.e., 255) characters consisting of an initial "
                      "slash, followed by one or more characters, none of which are slashes. ... EINVAL The name "
                      "argument to shm_open() was invalid.",
         .refs = {"shm_open(3) EINVAL", "POSIX.1-2017 shm_open() (other slashes: implementation-defined)"},
         .cls = Conformance::linux_specific) {
  const std::string name = UniqueShmName("outer") + "/inner";
  UniqueFd fd(shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600));
  EXPECT_THAT(fd.get(), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(posix_shm, shm_open, overlong_name_refused,
         .title = "shm_open of a name longer than NAME_MAX fails (ENAMETOOLONG, or EINVAL for a name not supported)",
         .covers = {"overlong_name_refused_not_truncated"},
         .statement = "ENAMETOOLONG The length of name exceeds PATH_MAX. ... EINVAL The name argument to "
                      "shm_open() was invalid. (POSIX: [ENAMETOOLONG] may be given for a name component longer "
                      "than {NAME_MAX}; [EINVAL] The shm_open() operation is not supported for the given name.)",
         .refs = {"shm_open(3) ENAMETOOLONG, EINVAL", "POSIX.1-2017 shm_open() [ENAMETOOLONG], [EINVAL]"}) {
  const std::string name = "/" + std::string(300, 'n');
  UniqueFd fd(shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600));
  EXPECT_THAT(fd.get(), SyscallFailsWithAnyErrno(std::vector<int>{ENAMETOOLONG, EINVAL}))
      << "a 300-character name must be refused, not truncated";
  if (fd.valid()) shm_unlink(name.c_str());
}

IPC_CASE(posix_shm, shm_open, object_visible_in_dev_shm,
         .title = "a shared memory object appears as a file under /dev/shm", .covers = {"object_visible_in_dev_shm"},
         .statement = "On Linux, shared memory objects are created in a (tmpfs(5)) virtual filesystem, normally "
                      "mounted under /dev/shm.",
         .refs = {"shm_overview(7) Accessing shared memory objects via the filesystem", "shm_open(3) NOTES"},
         .cls = Conformance::linux_specific) {
  // A missing /dev/shm is the deviation this case is about, not a reason to give up.
  struct stat dir {};
  ASSERT_THAT(stat("/dev/shm", &dir), SyscallSucceeds()) << "/dev/shm, where shm_overview(7) says the objects live";
  ShmObject obj("devshm", 3 * PageSize(), 0640);
  const std::string path = "/dev/shm" + obj.name.str();
  struct stat by_path {};
  ASSERT_THAT(stat(path.c_str(), &by_path), SyscallSucceeds()) << "stat " << path;
  struct stat by_fd {};
  ASSERT_THAT(fstat(obj.fd.get(), &by_fd), SyscallSucceeds());
  EXPECT_TRUE(by_path.st_dev == by_fd.st_dev && by_path.st_ino == by_fd.st_ino)
      << path << " should be the object itself (same device and inode as the shm_open descriptor)";
  EXPECT_EQ(by_path.st_size, static_cast<off_t>(3 * PageSize())) << "size of " << path;
  EXPECT_EQ(by_path.st_mode & 0777, 0640u) << "permission bits of " << path;
  ASSERT_THAT(shm_unlink(obj.name.c_str()), SyscallSucceeds());
  obj.name.Forget();
  EXPECT_THAT(access(path.c_str(), F_OK), SyscallFailsWithErrno(ENOENT)) << path << " after shm_unlink";
}

}  // namespace
