// mkfifo(3), mkfifoat(3), mknod(2): creating FIFO special files.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <functional>
#include <string>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/fifo.h"

namespace {

using namespace ipcc;
using namespace ipcc::fifo;

// A fresh folder in which new files get exactly (mode & ~umask): a default ACL, inherited from a
// parent, would replace the umask, so any is removed from this private folder.
std::string UmaskOnlyDir() {
  const std::string dir = TempPath("umask-dir");
  if (mkdir(dir.c_str(), 0700) != 0) ThrowHarnessError("mkdir " + dir + ": " + ErrnoName(errno));
  if (removexattr(dir.c_str(), "system.posix_acl_default") != 0 && errno != ENODATA && errno != ENOTSUP) {
    ThrowHarnessError("removing the default ACL of " + dir + ": " + ErrnoName(errno));
  }
  return dir;
}

// Under umask `mask`, in a folder where only the umask applies, create(path) with mode 0666 (the call
// under test) must make a FIFO whose permissions are 0666 & ~mask.
void ExpectFifoModeUnderUmask(mode_t mask, const std::string& call, const std::function<int(const char*)>& create) {
  const std::string path = UmaskOnlyDir() + "/fifo";
  const mode_t old = umask(mask);
  ScopedCleanup restore([old] { umask(old); });
  ASSERT_THAT(create(path.c_str()), SyscallSucceeds()) << call;
  struct stat st {};
  if (!ExpectFifoAt(path, call + " to create a FIFO", &st)) return;
  const mode_t want = 0666 & ~mask;
  EXPECT_EQ(st.st_mode & 07777, want) << fmt::format("expected permissions 0666 & ~{:03o} = {:04o}, saw {:04o}", mask,
                                                     want, st.st_mode & 07777);
}

// A new, empty regular file in the case's folder, as set-up.
std::string MakeRegularFile() {
  const std::string path = TempPath("regular");
  UniqueFd fd(IPCC_SETUP(open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600)));
  return path;
}

IPC_CASE(fifo, mkfifo, creates_fifo_node, .title = "mkfifo creates a file that stat reports as a FIFO",
         .covers = {"creates_fifo_node"},
         .statement = "mkfifo() makes a FIFO special file with name pathname. FIFO special files ... are "
                      "indicated by ls -l with the file type 'p'.",
         .refs = {"mkfifo(3)", "fifo(7)", "POSIX.1-2017 mkfifo()", "POSIX.1-2017 <sys/stat.h> S_ISFIFO"},
         .cls = Conformance::posix) {
  const std::string path = TempPath("fifo");
  ASSERT_THAT(mkfifo(path.c_str(), 0600), SyscallSucceeds());
  ExpectFifoAt(path, "stat to report the new node as a FIFO");
}

IPC_CASE(fifo, mkfifo, mode_masked_by_umask,
         .title = "the permissions of a new FIFO are the requested mode with the umask bits cleared",
         .covers = {"mode_masked_by_umask"},
         .statement = "mode specifies the FIFO's permissions. It is modified by the process's umask in the "
                      "usual way: the permissions of the created file are (mode & ~umask).",
         .refs = {"mkfifo(3)", "umask(2)", "POSIX.1-2017 mkfifo()"}, .cls = Conformance::posix) {
  ExpectFifoModeUnderUmask(027, "mkfifo(path, 0666)", [](const char* path) { return mkfifo(path, 0666); });
}

IPC_CASE(fifo, mkfifo, existing_fifo_fails_eexist,
         .title = "mkfifo on a path where a FIFO already exists fails with EEXIST", .covers = {"EEXIST"},
         .statement = "EEXIST pathname already exists.", .refs = {"mkfifo(3) ERRORS", "POSIX.1-2017 mkfifo() [EEXIST]"},
         .cls = Conformance::posix) {
  const std::string path = TempPath("fifo");
  ASSERT_THAT(mkfifo(path.c_str(), 0600), SyscallSucceeds());
  EXPECT_THAT(mkfifo(path.c_str(), 0600), SyscallFailsWithErrno(EEXIST));
}

IPC_CASE(fifo, mkfifo, existing_regular_file_fails_eexist,
         .title = "mkfifo on the path of a regular file fails with EEXIST and leaves the file alone",
         .covers = {"EEXIST", "failure_creates_nothing"}, .statement = "EEXIST pathname already exists.",
         .refs = {"mkfifo(3) ERRORS", "POSIX.1-2017 mkfifo() [EEXIST]"}, .cls = Conformance::posix) {
  const std::string path = MakeRegularFile();
  EXPECT_THAT(mkfifo(path.c_str(), 0600), SyscallFailsWithErrno(EEXIST));
  struct stat st {};
  ASSERT_THAT(stat(path.c_str(), &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "expected the path to still be a regular file after the failed mkfifo, "
                                      "saw a "
                                   << FileTypeName(st.st_mode);
}

IPC_CASE(fifo, mkfifo, symlink_fails_eexist,
         .title = "mkfifo on a dangling symbolic link fails with EEXIST and creates nothing at the target",
         .covers = {"EEXIST", "symlink_not_followed"},
         .statement = "EEXIST pathname already exists. This includes the case where pathname is a symbolic "
                      "link, dangling or not.",
         .refs = {"mkfifo(3) ERRORS", "POSIX.1-2017 mkfifo() [EEXIST]"}, .cls = Conformance::posix) {
  const std::string target = TempPath("target");
  const std::string link = TempPath("link");
  ASSERT_THAT(symlink(target.c_str(), link.c_str()), SyscallSucceeds());
  EXPECT_THAT(mkfifo(link.c_str(), 0600), SyscallFailsWithErrno(EEXIST));
  struct stat st {};
  EXPECT_THAT(lstat(target.c_str(), &st), SyscallFailsWithErrno(ENOENT))
      << "mkfifo must not follow the symbolic link and create its target";
}

IPC_CASE(fifo, mkfifo, missing_directory_fails_enoent,
         .title = "mkfifo in a directory that does not exist fails with ENOENT", .covers = {"ENOENT"},
         .statement = "ENOENT A directory component in pathname does not exist or is a dangling symbolic link.",
         .refs = {"mkfifo(3) ERRORS", "POSIX.1-2017 mkfifo() [ENOENT]"}, .cls = Conformance::posix) {
  const std::string path = TempPath("no-such-dir") + "/fifo";
  EXPECT_THAT(mkfifo(path.c_str(), 0600), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(fifo, mkfifo, empty_path_fails_enoent, .title = "mkfifo with an empty path fails with ENOENT",
         .covers = {"ENOENT"},
         .statement = "[ENOENT] A component of the path prefix of path does not name an existing file or path "
                      "is an empty string.",
         .refs = {"POSIX.1-2017 mkfifo() [ENOENT]", "path_resolution(7)"}, .cls = Conformance::posix) {
  EXPECT_THAT(mkfifo("", 0600), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(fifo, mkfifo, component_not_directory_fails_enotdir,
         .title = "mkfifo below a regular file (used as a directory) fails with ENOTDIR", .covers = {"ENOTDIR"},
         .statement = "ENOTDIR A component used as a directory in pathname is not, in fact, a directory.",
         .refs = {"mkfifo(3) ERRORS", "POSIX.1-2017 mkfifo() [ENOTDIR]"}, .cls = Conformance::posix) {
  const std::string path = MakeRegularFile() + "/fifo";
  EXPECT_THAT(mkfifo(path.c_str(), 0600), SyscallFailsWithErrno(ENOTDIR));
}

IPC_CASE(fifo, mkfifo, mknod_s_ififo_creates_fifo,
         .title = "mknod with S_IFIFO and dev 0 creates a FIFO, with the umask applied",
         .covers = {"mknod.S_IFIFO", "mknod.mode_masked_by_umask"},
         .statement = "The file type must be one of S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, or S_IFSOCK to specify "
                      "a regular file ..., FIFO (named pipe), or UNIX domain socket. POSIX.1-2001 says: \"The "
                      "only portable use of mknod() is to create a FIFO-special file.\"",
         .refs = {"mknod(2)", "POSIX.1-2017 mknod()"}, .cls = Conformance::posix) {
  ExpectFifoModeUnderUmask(022, "mknod(path, S_IFIFO | 0666, 0)",
                           [](const char* path) { return mknod(path, S_IFIFO | 0666, 0); });
}

IPC_CASE(fifo, mkfifo, mkfifoat_relative_to_dirfd,
         .title = "mkfifoat resolves a relative path against the directory file descriptor",
         .covers = {"mkfifoat.relative_to_dirfd"},
         .statement = "If the pathname given in pathname is relative, then it is interpreted relative to the "
                      "directory referred to by the file descriptor dirfd (rather than relative to the "
                      "current working directory of the calling process).",
         .refs = {"mkfifo(3) mkfifoat()", "POSIX.1-2017 mkfifoat()"}, .cls = Conformance::posix) {
  const std::string dir = TempPath("dir");
  ASSERT_THAT(mkdir(dir.c_str(), 0700), SyscallSucceeds());
  UniqueFd dirfd(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(dirfd.get(), SyscallSucceeds());
  ASSERT_THAT(mkfifoat(dirfd.get(), "relative-fifo", 0600), SyscallSucceeds());
  ExpectFifoAt(dir + "/relative-fifo", "the FIFO inside the directory dirfd refers to");
}

}  // namespace
