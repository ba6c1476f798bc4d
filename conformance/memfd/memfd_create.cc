// memfd_create(2): the anonymous file, its descriptor, its name, its flags and its errors; sharing it
// with a forked child, an exec'd program, an unrelated process (/proc/<pid>/fd) and over SCM_RIGHTS.
#include <asm-generic/hugetlb_encode.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

// <linux/memfd.h> defines MFD_HUGE_2MB as this encoding; that header redefines the MFD_* macros of
// <sys/mman.h>, so the encoding is taken from the header it uses.
constexpr unsigned kMfdHuge2MB = HUGETLB_FLAG_ENCODE_2MB;

// The target of the /proc/self/fd link of fd (set-up: readlink failing is a harness error).
std::string FdLink(int fd) {
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  char buf[4096];
  const ssize_t n = readlink(link.c_str(), buf, sizeof buf);
  if (n < 0) ThrowHarnessError("set-up: readlink(" + link + "): " + ErrnoName(errno));
  return std::string(buf, static_cast<std::size_t>(n));
}

// The default huge page size, from the Hugepagesize line of /proc/meminfo (set-up).
long long DefaultHugePageSize() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  long long kb = 0;
  std::string unit;
  while (in >> key) {
    if (key == "Hugepagesize:" && in >> kb >> unit) return kb * 1024;
    std::getline(in, unit);
  }
  ThrowHarnessError("set-up: /proc/meminfo has no Hugepagesize line");
}

// memfd_create(name, flags), the call under test: a refusal fails the case. Gives the owned descriptor.
#define ASSERT_MEMFD_CREATE(var, name, flags)                                                          \
  const int var##_raw = memfd_create((name), (flags));                                                 \
  ASSERT_THAT(var##_raw, SyscallSucceeds()) << "memfd_create(\"" << (name) << "\", " << #flags << ")"; \
  const UniqueFd var(var##_raw)

IPC_CASE(memfd, memfd_create, new_file_is_empty, .title = "a new memfd file is 0 bytes long",
         .covers = {"initial_size_zero"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "empty", 0);
  struct stat st {};
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_EQ(st.st_size, 0) << "st_size of the file memfd_create just made";
  char c;
  EXPECT_THAT(read(fd.get(), &c, 1), SyscallSucceedsWithValue(0)) << "a read of the new file should find end-of-file";
}

IPC_CASE(memfd, memfd_create, descriptor_is_o_rdwr, .title = "the memfd descriptor is opened O_RDWR",
         .covers = {"descriptor_is_read_write"}, .refs = {"fcntl(2) F_GETFL"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "rdwr", 0);
  const int fl = IPCC_SETUP(fcntl(fd.get(), F_GETFL));
  EXPECT_EQ(fl & O_ACCMODE, O_RDWR) << "access mode of the new descriptor (F_GETFL " << fl << ")";
  EXPECT_THAT(write(fd.get(), "rw", 2), SyscallSucceedsWithValue(2)) << "the descriptor must be writable";
  char buf[2];
  EXPECT_THAT(pread(fd.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(2)) << "the descriptor must be readable";
}

IPC_CASE(memfd, memfd_create, large_offsets_allowed,
         .title = "O_LARGEFILE is set: the memfd can be written beyond 2 GiB", .covers = {"descriptor_is_read_write"},
         .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "large", 0);
  // Without O_LARGEFILE a write past 2^31 - 1 fails with EFBIG. The file is sparse: one page is stored.
  const off_t offset = (off_t{3} << 30);
  EXPECT_THAT(pwrite(fd.get(), "L", 1, offset), SyscallSucceedsWithValue(1)) << "a 1-byte pwrite at offset 3 GiB";
  EXPECT_EQ(FileSize(fd.get()), offset + 1) << "the file should now end just after the byte at 3 GiB";
  EXPECT_EQ(ReadAt(fd.get(), 1, offset), "L") << "pread of the byte written at 3 GiB";
}

IPC_CASE(memfd, memfd_create, behaves_as_regular_file,
         .title = "the memfd file is a regular file: written bytes read back, ftruncate sets its size",
         .covers = {"behaves_like_regular_file"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "regular", 0);
  struct stat st {};
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "fstat should report a regular file, mode 0" << std::oct << st.st_mode;
  const std::string text = "regular file contents";
  EXPECT_THAT(write(fd.get(), text.data(), text.size()), SyscallSucceedsWithValue(static_cast<ssize_t>(text.size())));
  EXPECT_EQ(ReadAt(fd.get(), 64), text) << "pread from offset 0 should give back what was written";
  EXPECT_THAT(ftruncate(fd.get(), 8), SyscallSucceeds());
  EXPECT_EQ(FileSize(fd.get()), 8) << "after ftruncate(8)";
  EXPECT_EQ(ReadAt(fd.get(), 64), text.substr(0, 8)) << "ftruncate(8) should keep only the first 8 bytes";
}

IPC_CASE(memfd, memfd_create, proc_fd_link_shows_memfd_name,
         .title = "the /proc/self/fd link of a memfd reads \"/memfd:<name> (deleted)\"",
         .covers = {"proc_fd_link_shows_name"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "ipcc-link-name", 0);
  EXPECT_EQ(FdLink(fd.get()), "/memfd:ipcc-link-name (deleted)") << "target of /proc/self/fd/" << fd.get();
}

IPC_CASE(memfd, memfd_create, same_name_gives_separate_files,
         .title = "two memfd files made with the same name are separate files", .covers = {"same_name_distinct_files"},
         .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(a, "twin", 0);
  ASSERT_MEMFD_CREATE(b, "twin", 0);
  struct stat sa {
  }, sb{};
  ASSERT_THAT(fstat(a.get(), &sa), SyscallSucceeds());
  ASSERT_THAT(fstat(b.get(), &sb), SyscallSucceeds());
  EXPECT_FALSE(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
      << "both files have dev " << sa.st_dev << " ino " << sa.st_ino << ": the same name gave the same file";
  ASSERT_THAT(write(a.get(), "first", 5), SyscallSucceedsWithValue(5));
  EXPECT_EQ(FileSize(b.get()), 0) << "writing the first file must not change the second one";
}

IPC_CASE(memfd, memfd_create, name_of_249_bytes_accepted,
         .title = "memfd_create accepts a name of exactly 249 bytes and shows it whole in /proc/self/fd",
         .covers = {"name_of_249_bytes_accepted", "proc_fd_link_shows_name"}, .cls = Conformance::linux_specific) {
  const std::string name(249, 'n');
  ASSERT_MEMFD_CREATE(fd, name.c_str(), 0);
  EXPECT_EQ(FdLink(fd.get()), "/memfd:" + name + " (deleted)") << "the 249-byte name should be kept whole";
}

IPC_CASE(memfd, memfd_create, name_of_250_bytes_fails_einval,
         .title = "memfd_create with a name of 250 bytes fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  const std::string name(250, 'n');
  EXPECT_THAT(memfd_create(name.c_str(), 0), SyscallFailsWithErrno(EINVAL))
      << "the limit is 249 bytes without the terminating null byte";
}

IPC_CASE(memfd, memfd_create, unknown_flag_fails_einval,
         .title = "memfd_create with an unknown flag bit fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  // Bit 20 is no MFD_ flag of the page, and (without MFD_HUGETLB) no huge page size either.
  EXPECT_THAT(memfd_create("unknown-flag", 1u << 20), SyscallFailsWithErrno(EINVAL)) << "flags 0x100000";
}

IPC_CASE(memfd, memfd_create, bad_name_address_fails_efault,
         .title = "memfd_create with a name in a PROT_NONE page fails with EFAULT", .covers = {"EFAULT"},
         .cls = Conformance::linux_specific) {
  void* page = mmap(nullptr, PageSize(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) ThrowHarnessError("set-up: mmap(PROT_NONE): " + ErrnoName(errno));
  const Mapping owner(page, PageSize());
  EXPECT_THAT(memfd_create(static_cast<const char*>(page), 0), SyscallFailsWithErrno(EFAULT));
}

IPC_CASE(memfd, memfd_create, no_free_descriptor_fails_emfile,
         .title = "memfd_create fails with EMFILE when every descriptor below RLIMIT_NOFILE is in use",
         .covers = {"EMFILE"}, .cls = Conformance::linux_specific) {
  InChild("process at its RLIMIT_NOFILE", [] {
    // The lowest free number: every descriptor below it is open, so a limit equal to it leaves no room.
    const int lowest = IPCC_SETUP(open("/dev/null", O_RDONLY));
    IPCC_SETUP(close(lowest));
    const rlimit limit{static_cast<rlim_t>(lowest), static_cast<rlim_t>(lowest)};
    IPCC_SETUP(setrlimit(RLIMIT_NOFILE, &limit));
    EXPECT_THAT(memfd_create("emfile", 0), SyscallFailsWithErrno(EMFILE))
        << "descriptors 0.." << lowest - 1 << " are open and RLIMIT_NOFILE is " << lowest;
  });
}

IPC_CASE(memfd, memfd_create, cloexec_sets_fd_cloexec, .title = "MFD_CLOEXEC sets FD_CLOEXEC on the new descriptor",
         .covers = {"MFD_CLOEXEC"}, .refs = {"fcntl(2) F_GETFD"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(with, "cloexec", MFD_CLOEXEC);
  ASSERT_MEMFD_CREATE(without, "no-cloexec", 0);
  EXPECT_THAT(fcntl(with.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC)) << "descriptor made with MFD_CLOEXEC";
  EXPECT_THAT(fcntl(without.get(), F_GETFD), SyscallSucceedsWithValue(0)) << "descriptor made with flags 0";
}

// Execs the memfd-fd fixture with fd inherited (or closed by close-on-exec): it checks that fd is (or is
// not) still the file, which starts with `text`.
void ExpectFileAfterExec(int fd, const std::string& text, const char* state) {
  struct stat st {};
  IPCC_SETUP(fstat(fd, &st));
  Child fixture =
      SpawnFixture("memfd-fd", {std::to_string(fd), std::to_string(st.st_dev), std::to_string(st.st_ino), state, text});
  ExpectCleanExit(fixture.Wait(), "exec'd memfd-fd fixture");
}

IPC_CASE(memfd, memfd_create, cloexec_closed_across_execve,
         .title = "a descriptor made with MFD_CLOEXEC is closed in a program started with execve",
         .covers = {"MFD_CLOEXEC"}, .refs = {"execve(2) DESCRIPTION"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "cloexec-exec", MFD_CLOEXEC);
  ASSERT_THAT(write(fd.get(), "gone", 4), SyscallSucceedsWithValue(4));
  ExpectFileAfterExec(fd.get(), "gone", "closed");
}

IPC_CASE(memfd, memfd_create, descriptor_survives_execve,
         .title = "a memfd descriptor made without MFD_CLOEXEC is open on the same file after execve",
         .covers = {"descriptor_survives_execve"}, .refs = {"execve(2) DESCRIPTION"},
         .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "exec-kept", 0);
  ASSERT_THAT(write(fd.get(), "kept across exec", 16), SyscallSucceedsWithValue(16));
  ExpectFileAfterExec(fd.get(), "kept across exec", "open");
}

IPC_CASE(memfd, memfd_create, allow_sealing_starts_with_no_seal,
         .title = "a file made with MFD_ALLOW_SEALING starts with no seal (F_GET_SEALS is 0)",
         .covers = {"MFD_ALLOW_SEALING", "fcntl.F_GET_SEALS"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "sealable", MFD_ALLOW_SEALING);
  const int seals = fcntl(fd.get(), F_GET_SEALS);
  EXPECT_THAT(seals, SyscallSucceedsWithValue(0)) << "seals: " << SealNames(seals);
}

IPC_CASE(memfd, memfd_create, allow_sealing_lets_seals_be_added,
         .title = "on a file made with MFD_ALLOW_SEALING, F_ADD_SEALS succeeds",
         .covers = {"MFD_ALLOW_SEALING", "fcntl.F_ADD_SEALS"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "sealable", MFD_ALLOW_SEALING);
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), SyscallSucceeds());
  const int seals = fcntl(fd.get(), F_GET_SEALS);
  EXPECT_THAT(seals, SyscallSucceedsWithValue(F_SEAL_SHRINK | F_SEAL_GROW)) << "seals: " << SealNames(seals);
}

IPC_CASE(memfd, memfd_create, without_allow_sealing_starts_with_seal_seal,
         .title = "a file made without MFD_ALLOW_SEALING starts with the seal F_SEAL_SEAL",
         .covers = {"MFD_ALLOW_SEALING", "fcntl.F_GET_SEALS"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "unsealable", 0);
  const int seals = fcntl(fd.get(), F_GET_SEALS);
  EXPECT_THAT(seals, SyscallSucceedsWithValue(F_SEAL_SEAL)) << "seals: " << SealNames(seals);
}

IPC_CASE(memfd, memfd_create, without_allow_sealing_add_seals_fails_eperm,
         .title = "F_ADD_SEALS on a file made without MFD_ALLOW_SEALING fails with EPERM",
         .covers = {"MFD_ALLOW_SEALING", "fcntl.EPERM"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "unsealable", 0);
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallFailsWithErrno(EPERM))
      << "the initial F_SEAL_SEAL forbids adding any seal";
  EXPECT_EQ(SealNames(SealsOf(fd.get())), "F_SEAL_SEAL") << "the refused F_ADD_SEALS must add nothing";
}

IPC_CASE(memfd, memfd_create, fork_child_shares_file,
         .title = "a forked child's inherited memfd descriptor refers to the same file, both ways",
         .covers = {"fork_child_shares_file"}, .cls = Conformance::linux_specific) {
  ASSERT_MEMFD_CREATE(fd, "forked", 0);
  ASSERT_THAT(pwrite(fd.get(), "parent", 6, 0), SyscallSucceedsWithValue(6));
  InChild("child holding the inherited memfd", [&] {
    EXPECT_EQ(ReadAt(fd.get(), 6), "parent") << "the child should read what the parent wrote before fork";
    EXPECT_THAT(pwrite(fd.get(), "child", 5, 6), SyscallSucceedsWithValue(5));
  });
  EXPECT_EQ(ReadAt(fd.get(), 64), "parentchild") << "the parent should read what the child wrote";
}

IPC_CASE(memfd, memfd_create, proc_pid_fd_reopened_by_unrelated_process,
         .title = "an unrelated process opening /proc/<pid>/fd/<fd> reaches the memfd, its data and seals",
         .covers = {"proc_pid_fd_reopens_file"}, .cls = Conformance::linux_specific) {
  // MFD_CLOEXEC: the exec'd fixture inherits no descriptor of the file; it can reach it only by the path.
  ASSERT_MEMFD_CREATE(fd, "reopened", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  const std::string text = "from the creator";
  ASSERT_THAT(pwrite(fd.get(), text.data(), text.size(), 0),
              SyscallSucceedsWithValue(static_cast<ssize_t>(text.size())));
  ASSERT_THAT(ftruncate(fd.get(), 64), SyscallSucceeds());
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), SyscallSucceeds());
  Child fixture = SpawnFixture("memfd-reopen", {std::to_string(getpid()), std::to_string(fd.get()), text,
                                                std::to_string(F_SEAL_SHRINK | F_SEAL_GROW), "+reply"});
  ExpectCleanExit(fixture.Wait(), "exec'd memfd-reopen fixture");
  EXPECT_EQ(ReadAt(fd.get(), text.size() + 6), text + "+reply")
      << "the creator should read what the unrelated process wrote through /proc/" << getpid() << "/fd/" << fd.get();
}

IPC_CASE(memfd, memfd_create, scm_rights_receiver_maps_same_file,
         .title = "a process that got the memfd with SCM_RIGHTS maps the same file and shares its bytes",
         .covers = {"scm_rights_passes_file"}, .refs = {"mmap(2) MAP_SHARED"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  const std::size_t page = PageSize();
  ASSERT_MEMFD_CREATE(fd, "passed", 0);
  ASSERT_THAT(ftruncate(fd.get(), static_cast<off_t>(page)), SyscallSucceeds());
  ASSERT_THAT(pwrite(fd.get(), "sender", 6, 0), SyscallSucceedsWithValue(6));
  InOtherHolder(
      Holder::kScmRightsReceiver, fd.get(), [] {},
      [&](int received) {
        void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, received, 0);
        ASSERT_THAT(p, SyscallSucceeds()) << "the receiver maps the received descriptor";
        const Mapping m(p, page);
        EXPECT_EQ(std::string(m.get(), 6), "sender") << "the receiver's mapping should show the sender's bytes";
        std::memcpy(m.get() + 6, "+receiver", 9);
      });
  EXPECT_EQ(ReadAt(fd.get(), 15), "sender+receiver")
      << "the sender should read what the receiver stored in its mapping";
}

IPC_CASE(memfd, memfd_create, hugetlb_file_is_on_hugetlbfs,
         .title = "MFD_HUGETLB makes the file on hugetlbfs, with the default huge page as its block size",
         .covers = {"MFD_HUGETLB"}, .cls = Conformance::linux_specific,
         .needs = need::KernelConfig("CONFIG_HUGETLBFS")) {
  ASSERT_MEMFD_CREATE(fd, "huge", MFD_HUGETLB);
  struct statfs fs {};
  ASSERT_THAT(fstatfs(fd.get(), &fs), SyscallSucceeds());
  EXPECT_EQ(static_cast<unsigned long>(fs.f_type), static_cast<unsigned long>(HUGETLBFS_MAGIC))
      << "f_type of the MFD_HUGETLB file should be HUGETLBFS_MAGIC (0x958458f6), is 0x" << std::hex << fs.f_type;
  struct stat st {};
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_EQ(static_cast<long long>(st.st_blksize), DefaultHugePageSize())
      << "st_blksize of a hugetlbfs file is its huge page size; /proc/meminfo gives the default";
}

IPC_CASE(memfd, memfd_create, huge_2mb_selects_2mb_pages,
         .title = "MFD_HUGETLB|MFD_HUGE_2MB makes a hugetlbfs file of 2 MB pages", .covers = {"MFD_HUGE_2MB"},
         .cls = Conformance::linux_specific, .needs = need::KernelConfig("CONFIG_HUGETLBFS")) {
  ASSERT_MEMFD_CREATE(fd, "huge-2mb", MFD_HUGETLB | kMfdHuge2MB);
  struct stat st {};
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_EQ(static_cast<long long>(st.st_blksize), 2LL << 20) << "st_blksize is the file's huge page size";
}

IPC_CASE(memfd, memfd_create, hugetlb_with_allow_sealing_starts_unsealed,
         .title = "MFD_HUGETLB|MFD_ALLOW_SEALING is accepted and the file starts with no seal",
         .covers = {"hugetlb_with_sealing_accepted"}, .cls = Conformance::linux_specific,
         .needs = need::KernelConfig("CONFIG_HUGETLBFS")) {
  ASSERT_MEMFD_CREATE(fd, "huge-sealable", MFD_HUGETLB | MFD_ALLOW_SEALING);
  const int seals = fcntl(fd.get(), F_GET_SEALS);
  EXPECT_THAT(seals, SyscallSucceedsWithValue(0)) << "seals: " << SealNames(seals);
}

IPC_CASE(memfd, memfd_create, hugetlb_unprivileged_fails_eperm,
         .title = "MFD_HUGETLB by a caller without CAP_IPC_LOCK outside hugetlb_shm_group fails with EPERM",
         .covers = {"EPERM"}, .refs = {"proc(5) /proc/sys/vm/sysctl_hugetlb_shm_group"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid | need::KernelConfig("CONFIG_HUGETLBFS")) {
  const Identity nobody = SecondIdentity();
  std::ifstream group_file("/proc/sys/vm/hugetlb_shm_group");
  long long group = -1;
  if (!(group_file >> group)) ThrowHarnessError("set-up: /proc/sys/vm/hugetlb_shm_group cannot be read");
  if (static_cast<long long>(nobody.gid) == group) {
    ThrowHarnessError("set-up: the unprivileged identity's gid " + std::to_string(nobody.gid) +
                      " is hugetlb_shm_group, which allows huge pages");
  }
  RunAs(nobody, "unprivileged child", [&] {
    const int fd = memfd_create("huge-unprivileged", MFD_HUGETLB);
    const UniqueFd owner(fd);
    EXPECT_THAT(fd, SyscallFailsWithErrno(EPERM))
        << "uid " << getuid() << " gid " << getgid() << " without CAP_IPC_LOCK; hugetlb_shm_group is " << group;
  });
}

}  // namespace
