// mmap(2), POSIX mmap(): shared and private mappings of files, shared memory objects and anonymous
// memory; faults on protection and beyond the end of the object; argument errors.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "conformance/posix_shm/shm_helpers.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

// A regular file in the case's private folder, `size` bytes long, optionally starting with `content`.
UniqueFd MakeFile(const std::string& path, std::size_t size, const std::string& content = "") {
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600));
  if (!fd.valid()) ThrowHarnessError("creating " + path + ": " + ErrnoName(errno));
  if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0) ThrowHarnessError("ftruncate: " + ErrnoName(errno));
  if (!content.empty() && pwrite(fd.get(), content.data(), content.size(), 0) != static_cast<ssize_t>(content.size())) {
    ThrowHarnessError("pwrite: " + ErrnoName(errno));
  }
  return fd;
}

std::string PreadString(int fd, std::size_t len, off_t offset) {
  std::string buf(len, '\0');
  ssize_t n = pread(fd, buf.data(), len, offset);
  if (n < 0) ThrowHarnessError("pread: " + ErrnoName(errno));
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

IPC_CASE(posix_shm, mmap, map_shared_write_visible_to_read,
         .title = "a store through a MAP_SHARED file mapping is seen by read() of the file",
         .statement = "MAP_SHARED: Share this mapping. Updates to the mapping are visible to other processes "
                      "mapping the same region, and (in the case of file-backed mappings) are carried through "
                      "to the underlying file.",
         .refs = {"mmap(2) MAP_SHARED", "POSIX.1-2017 mmap() MAP_SHARED"}) {
  const std::size_t page = PageSize();
  const std::string path = TempPath("mapped");
  UniqueFd fd = MakeFile(path, page);
  Mapping m = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  WriteBytes(m, 100, "shared-write");
  EXPECT_EQ(PreadString(fd.get(), 12, 100), "shared-write")
      << "read() of the file should return the bytes stored through the MAP_SHARED mapping";
}

IPC_CASE(posix_shm, mmap, map_shared_write_visible_to_other_process,
         .title = "MAP_SHARED mappings of one file in two processes see each other's stores",
         .statement = "MAP_SHARED: Share this mapping. Updates to the mapping are visible to other processes "
                      "mapping the same region.",
         .refs = {"mmap(2) MAP_SHARED", "POSIX.1-2017 mmap() MAP_SHARED"}) {
  const std::size_t page = PageSize();
  const std::string path = TempPath("mapped");
  UniqueFd fd = MakeFile(path, page);
  // The child opens and maps the file on its own, after the fork.
  Child other = Fork([&] {
    UniqueFd own(open(path.c_str(), O_RDWR));
    ASSERT_TRUE(own.valid()) << "child open: " << ErrnoName(errno);
    Mapping cm = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, own.get());
    ASSERT_THAT(cm.get(), SyscallSucceeds());
    CheckpointPost(0);  // mapped
    CheckpointWait(1);  // parent stored
    EXPECT_EQ(ReadBytes(cm, 0, 6), "parent")
        << "the child's MAP_SHARED mapping should show the parent's store to its own mapping";
    WriteBytes(cm, 64, "child");
    CheckpointPost(2);
  });
  Mapping m = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  CheckpointWait(0);
  WriteBytes(m, 0, "parent");
  CheckpointPost(1);
  CheckpointWait(2);
  EXPECT_EQ(ReadBytes(m, 64, 5), "child")
      << "the parent's MAP_SHARED mapping should show the child's store to its own mapping";
  ExpectCleanExit(other.Wait(), "child mapping the same file");
}

IPC_CASE(posix_shm, mmap, map_private_writes_not_shared,
         .title = "a store to a MAP_PRIVATE mapping is seen neither by read() nor by another process's mapping",
         .statement = "MAP_PRIVATE: Create a private copy-on-write mapping. Updates to the mapping are not "
                      "visible to other processes mapping the same file, and are not carried through to the "
                      "underlying file.",
         .refs = {"mmap(2) MAP_PRIVATE", "POSIX.1-2017 mmap() MAP_PRIVATE"}) {
  const std::size_t page = PageSize();
  const std::string path = TempPath("mapped");
  UniqueFd fd = MakeFile(path, page, "original");
  Child other = Fork([&] {
    UniqueFd own(open(path.c_str(), O_RDWR));
    ASSERT_TRUE(own.valid()) << "child open: " << ErrnoName(errno);
    Mapping cm = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, own.get());
    ASSERT_THAT(cm.get(), SyscallSucceeds());
    CheckpointPost(0);
    CheckpointWait(1);  // the parent stored into its private mapping
    EXPECT_EQ(ReadBytes(cm, 0, 8), "original")
        << "another process's MAP_SHARED mapping of the file must not see a store to a MAP_PRIVATE mapping";
  });
  Mapping priv = Map(page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get());
  ASSERT_THAT(priv.get(), SyscallSucceeds());
  CheckpointWait(0);
  WriteBytes(priv, 0, "modified");
  ASSERT_EQ(ReadBytes(priv, 0, 8), "modified") << "the private mapping should show its own store";
  EXPECT_EQ(PreadString(fd.get(), 8, 0), "original")
      << "read() of the file must not see a store made to a MAP_PRIVATE mapping";
  CheckpointPost(1);
  ExpectCleanExit(other.Wait(), "child with a MAP_SHARED mapping of the file");
}

IPC_CASE(posix_shm, mmap, anonymous_shared_region_shared_across_fork,
         .title = "an anonymous MAP_SHARED region is shared between parent and child in both directions",
         .statement = "MAP_SHARED: Share this mapping. Updates to the mapping are visible to other processes "
                      "mapping the same region. ... Support for MAP_ANONYMOUS in conjunction with MAP_SHARED "
                      "was added in Linux 2.4. (fork(2): the child inherits the parent's memory mappings.)",
         .refs = {"mmap(2) MAP_SHARED, MAP_ANONYMOUS", "fork(2)", "POSIX.1-2017 mmap() MAP_SHARED"}) {
  const std::size_t page = PageSize();
  Mapping m = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
  ASSERT_THAT(m.get(), SyscallSucceeds());
  Child child = Fork([&] {
    CheckpointWait(0);
    EXPECT_EQ(ReadBytes(m, 0, 4), "down") << "the child should see the parent's store made after the fork";
    WriteBytes(m, 8, "up");
    CheckpointPost(1);
  });
  WriteBytes(m, 0, "down");
  CheckpointPost(0);
  CheckpointWait(1);
  EXPECT_EQ(ReadBytes(m, 8, 2), "up") << "the parent should see the child's store to the shared region";
  ExpectCleanExit(child.Wait(), "child");
}

IPC_CASE(posix_shm, mmap, anonymous_private_copy_on_write_across_fork,
         .title = "an anonymous MAP_PRIVATE region is copied on write across fork, in both directions",
         .statement = "MAP_PRIVATE: Create a private copy-on-write mapping. Updates to the mapping are not "
                      "visible to other processes mapping the same file. (fork(2): memory writes performed by "
                      "one of the processes do not affect the other.)",
         .refs = {"mmap(2) MAP_PRIVATE, MAP_ANONYMOUS", "fork(2)", "POSIX.1-2017 mmap() MAP_PRIVATE"}) {
  const std::size_t page = PageSize();
  Mapping m = Map(page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  ASSERT_THAT(m.get(), SyscallSucceeds());
  WriteBytes(m, 0, "before");
  Child child = Fork([&] {
    EXPECT_EQ(ReadBytes(m, 0, 6), "before") << "the child should inherit the contents at the time of the fork";
    WriteBytes(m, 0, "child!");
    CheckpointPost(0);  // the child stored
    CheckpointWait(1);  // the parent stored
    EXPECT_EQ(ReadBytes(m, 0, 6), "child!")
        << "the parent's store after the fork must not reach the child's private copy";
  });
  CheckpointWait(0);
  EXPECT_EQ(ReadBytes(m, 0, 6), "before") << "the child's store must not reach the parent's private copy";
  WriteBytes(m, 0, "parent");
  CheckpointPost(1);
  ExpectCleanExit(child.Wait(), "child");
  EXPECT_EQ(ReadBytes(m, 0, 6), "parent") << "the parent should keep its own store";
}

IPC_CASE(posix_shm, mmap, anonymous_mapping_zero_filled,
         .title = "anonymous mappings, shared or private, start filled with zeros",
         .statement = "MAP_ANONYMOUS: The mapping is not backed by any file; its contents are initialized to "
                      "zero.",
         .refs = {"mmap(2) MAP_ANONYMOUS"}, .cls = Conformance::linux_specific) {
  const std::size_t len = 2 * PageSize();
  for (int flags : {MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS}) {
    Mapping m = Map(len, PROT_READ | PROT_WRITE, flags, -1);
    ASSERT_THAT(m.get(), SyscallSucceeds());
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < len; ++i) nonzero += m.bytes()[i] != 0 ? 1 : 0;
    EXPECT_EQ(nonzero, 0u) << "a new " << ((flags & MAP_SHARED) != 0 ? "MAP_SHARED" : "MAP_PRIVATE")
                           << "|MAP_ANONYMOUS mapping should read as zeros; " << nonzero << " bytes were not";
  }
}

IPC_CASE(posix_shm, mmap, write_to_prot_read_mapping_raises_sigsegv,
         .title = "a store to a PROT_READ mapping raises SIGSEGV",
         .statement = "Use of a mapped region can result in these signals: SIGSEGV Attempted write into a region "
                      "mapped as read-only.",
         .refs = {"mmap(2) SIGSEGV", "POSIX.1-2017 mmap() (PROT_READ; SIGSEGV on access violating protection)"}) {
  ShmName name(UniqueShmName("ro"));
  UniqueFd fd = CreateShm(name);
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(PageSize())));
  Mapping m = Map(PageSize(), PROT_READ, MAP_SHARED, fd.get());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  Child writer = Fork([&] {
    SuppressCoreDump();
    m.bytes()[0] = 'x';
    ADD_FAILURE() << "a store to a PROT_READ mapping completed instead of raising SIGSEGV";
  });
  ExpectKilledBy(writer.Wait(), SIGSEGV, "child storing to a PROT_READ mapping");
  EXPECT_EQ(m.bytes()[0], 0) << "the object must be unchanged";
}

IPC_CASE(posix_shm, mmap, access_beyond_object_end_raises_sigbus,
         .title = "touching a mapped page that lies wholly beyond the end of the object raises SIGBUS",
         .statement = "SIGBUS Attempted access to a page of the buffer that lies beyond the end of the mapped "
                      "file.",
         .refs = {"mmap(2) SIGBUS", "POSIX.1-2017 mmap() (references beyond the end of the object: SIGBUS)"}) {
  const std::size_t page = PageSize();
  ShmName name(UniqueShmName("sigbus"));
  UniqueFd fd = CreateShm(name);
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(page)));
  // Two pages mapped, one page of object.
  Mapping m = Map(2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  m.bytes()[page - 1] = 'y';  // inside the object: fine
  Child toucher = Fork([&] {
    SuppressCoreDump();
    char c = m.bytes()[page];
    ADD_FAILURE() << "reading the page beyond the end of the object returned " << static_cast<int>(c)
                  << " instead of raising SIGBUS";
  });
  ExpectKilledBy(toucher.Wait(), SIGBUS, "child reading a page beyond the end of the object");
}

IPC_CASE(posix_shm, mmap, partial_page_beyond_end_zero_filled,
         .title = "the rest of the last page beyond the end of a shared memory object reads as zeros",
         .statement = "If the size of the mapped file is not a multiple of the page size, the remaining bytes in "
                      "the partial page at the end of the mapping are zeroed when mapped. (POSIX: the system "
                      "shall always zero-fill any partial page at the end of an object.)",
         .refs = {"mmap(2) NOTES", "POSIX.1-2017 mmap() (partial page at the end of an object)"}) {
  const std::size_t page = PageSize();
  ShmName name(UniqueShmName("partial"));
  UniqueFd fd = CreateShm(name);
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(page)));
  {
    // Fill the whole page, then shrink the object to 100 bytes: the old bytes past 100 must not show.
    Mapping full = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
    ASSERT_THAT(full.get(), SyscallSucceeds());
    for (std::size_t i = 0; i < page; ++i) full.bytes()[i] = 'x';
  }
  IPCC_SETUP(ftruncate(fd.get(), 100));
  Mapping m = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  EXPECT_EQ(ReadBytes(m, 0, 100), std::string(100, 'x')) << "the bytes inside the object should be kept";
  std::size_t nonzero = 0;
  for (std::size_t i = 100; i < page; ++i) nonzero += m.bytes()[i] != 0 ? 1 : 0;
  EXPECT_EQ(nonzero, 0u) << "the " << page - 100 << " bytes of the last page past the end of the object "
                         << "should read as zeros; " << nonzero << " did not";
}

IPC_CASE(posix_shm, mmap, shared_changes_survive_munmap_and_remap,
         .title = "stores through a MAP_SHARED mapping of a shared memory object are there in a new mapping",
         .statement = "MAP_SHARED: Updates to the mapping are visible to other processes mapping the same "
                      "region. (shm_overview(7): a shared memory object exists until it is unlinked and "
                      "unmapped by all processes.)",
         .refs = {"mmap(2) MAP_SHARED", "shm_overview(7) Persistence", "POSIX.1-2017 mmap()"}) {
  const std::size_t page = PageSize();
  ShmName name(UniqueShmName("remap"));
  UniqueFd fd = CreateShm(name);
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(page)));
  {
    Mapping first = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
    ASSERT_THAT(first.get(), SyscallSucceeds());
    WriteBytes(first, 10, "persisted");
    ASSERT_THAT(munmap(first.get(), page), SyscallSucceeds());
    first.Forget();
  }
  fd.reset();
  UniqueFd again(shm_open(name.c_str(), O_RDONLY, 0));
  ASSERT_TRUE(again.valid()) << "reopening the object: " << ErrnoName(errno);
  Mapping second = Map(page, PROT_READ, MAP_SHARED, again.get());
  ASSERT_THAT(second.get(), SyscallSucceeds());
  EXPECT_EQ(ReadBytes(second, 10, 9), "persisted")
      << "a new mapping of the object should show what was stored through the earlier, unmapped mapping";
}

IPC_CASE(posix_shm, mmap, rdonly_fd_shared_prot_write_fails_eacces,
         .title = "a writable MAP_SHARED mapping of a descriptor opened O_RDONLY fails with EACCES",
         .statement = "EACCES ... MAP_SHARED was requested and PROT_WRITE is set, but fd is not open in "
                      "read/write (O_RDWR) mode.",
         .refs = {"mmap(2) EACCES", "POSIX.1-2017 mmap() [EACCES]"}) {
  const std::string path = TempPath("mapped");
  MakeFile(path, PageSize());
  UniqueFd ro(open(path.c_str(), O_RDONLY));
  ASSERT_TRUE(ro.valid()) << "open O_RDONLY: " << ErrnoName(errno);
  Mapping m = Map(PageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, ro.get());
  EXPECT_THAT(m.get(), SyscallFailsWithErrno(EACCES));
}

IPC_CASE(posix_shm, mmap, rdonly_fd_private_prot_write_allowed,
         .title = "a writable MAP_PRIVATE mapping of a descriptor opened O_RDONLY works and leaves the file alone",
         .statement = "EACCES ... MAP_SHARED was requested and PROT_WRITE is set, but fd is not open in "
                      "read/write (O_RDWR) mode. (Only MAP_SHARED needs write access: MAP_PRIVATE creates a "
                      "private copy-on-write mapping whose updates are not carried through to the file.)",
         .refs = {"mmap(2) EACCES, MAP_PRIVATE", "POSIX.1-2017 mmap() [EACCES]"}) {
  const std::string path = TempPath("mapped");
  UniqueFd rw = MakeFile(path, PageSize(), "file");
  UniqueFd ro(open(path.c_str(), O_RDONLY));
  ASSERT_TRUE(ro.valid()) << "open O_RDONLY: " << ErrnoName(errno);
  Mapping m = Map(PageSize(), PROT_READ | PROT_WRITE, MAP_PRIVATE, ro.get());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  EXPECT_EQ(ReadBytes(m, 0, 4), "file");
  WriteBytes(m, 0, "copy");
  EXPECT_EQ(ReadBytes(m, 0, 4), "copy") << "the private mapping should be writable";
  EXPECT_EQ(PreadString(rw.get(), 4, 0), "file") << "the file must be unchanged";
}

IPC_CASE(posix_shm, mmap, zero_length_fails_einval, .title = "mmap with length 0 fails with EINVAL",
         .statement = "EINVAL (since Linux 2.6.12) length was 0. (POSIX: [EINVAL] The value of len is zero.)",
         .refs = {"mmap(2) EINVAL", "POSIX.1-2017 mmap() [EINVAL]"}) {
  ShmName name(UniqueShmName("len0"));
  UniqueFd fd = CreateShm(name);
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(PageSize())));
  Mapping m = Map(0, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
  EXPECT_THAT(m.get(), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(posix_shm, mmap, unaligned_offset_fails_einval,
         .title = "mmap with an offset that is not a multiple of the page size fails with EINVAL",
         .statement = "offset must be a multiple of the page size as returned by sysconf(_SC_PAGE_SIZE). ... "
                      "EINVAL We don't like addr, length, or offset (e.g., they are too large, or not aligned "
                      "on a page boundary).",
         .refs = {"mmap(2) EINVAL", "POSIX.1-2017 mmap() [EINVAL]"}) {
  ShmName name(UniqueShmName("offset"));
  UniqueFd fd = CreateShm(name);
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(2 * PageSize())));
  Mapping m = Map(PageSize(), PROT_READ, MAP_SHARED, fd.get(), 1);
  EXPECT_THAT(m.get(), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(posix_shm, mmap, neither_shared_nor_private_fails_einval,
         .title = "mmap with neither MAP_SHARED nor MAP_PRIVATE in flags fails with EINVAL",
         .statement = "EINVAL flags contained none of MAP_PRIVATE, MAP_SHARED, or MAP_SHARED_VALIDATE.",
         .refs = {"mmap(2) EINVAL", "POSIX.1-2017 mmap() [EINVAL] (flags invalid)"}) {
  ShmName name(UniqueShmName("flags"));
  UniqueFd fd = CreateShm(name);
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(PageSize())));
  Mapping m = Map(PageSize(), PROT_READ, 0, fd.get());
  EXPECT_THAT(m.get(), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(posix_shm, mmap, mapping_survives_close_of_descriptor,
         .title = "a shared memory mapping keeps working, and stays shared, after its descriptor is closed",
         .statement = "After a call to mmap(2) the file descriptor may be closed without affecting the memory "
                      "mapping.",
         .refs = {"shm_open(3)", "mmap(2)", "POSIX.1-2017 mmap() (closing fildes does not unmap)"}) {
  const std::size_t page = PageSize();
  ShmName name(UniqueShmName("closed"));
  UniqueFd fd = CreateShm(name);
  IPCC_SETUP(ftruncate(fd.get(), static_cast<off_t>(page)));
  Mapping m = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  ASSERT_THAT(close(fd.release()), SyscallSucceeds());
  WriteBytes(m, 0, "after-close");
  // Another process opens the object by name and sees the store made after the close.
  Child reader = Fork([&] {
    UniqueFd own(shm_open(name.c_str(), O_RDWR, 0));
    ASSERT_TRUE(own.valid()) << "child shm_open: " << ErrnoName(errno);
    Mapping cm = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, own.get());
    ASSERT_THAT(cm.get(), SyscallSucceeds());
    EXPECT_EQ(ReadBytes(cm, 0, 11), "after-close")
        << "a store through a mapping whose descriptor was closed should still reach the object";
    WriteBytes(cm, 20, "reply");
  });
  ExpectCleanExit(reader.Wait(), "child mapping the object");
  EXPECT_EQ(ReadBytes(m, 20, 5), "reply") << "the mapping should still be shared after its descriptor was closed";
}

}  // namespace
