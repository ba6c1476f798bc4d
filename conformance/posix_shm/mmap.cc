// mmap(2), POSIX mmap(): shared, private and anonymous mappings, their faults and argument errors.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

// mmap(NULL, len, prot, flags, fd, offset) of a new shared memory object of `object_size` bytes, expected
// to fail with EINVAL.
void ExpectMapEinval(const char* stem, std::size_t object_size, std::size_t len, int prot, int flags, off_t offset) {
  const ShmObject obj(stem, object_size);
  Mapping m = Map(len, prot, flags, obj.fd.get(), offset);
  EXPECT_THAT(m.get(), SyscallFailsWithErrno(EINVAL)) << "mmap of " << len << " bytes, flags " << flags << ", offset "
                                                      << offset << " of a " << object_size << "-byte object";
}

IPC_CASE(posix_shm, mmap, map_shared_write_visible_to_read,
         .title = "a store through a MAP_SHARED file mapping is seen by read() of the file", .covers = {"MAP_SHARED"},
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
         .title = "MAP_SHARED mappings of one file in two processes see each other's stores", .covers = {"MAP_SHARED"},
         .statement = "MAP_SHARED: Share this mapping. Updates to the mapping are visible to other processes "
                      "mapping the same region.",
         .refs = {"mmap(2) MAP_SHARED", "POSIX.1-2017 mmap() MAP_SHARED"}) {
  const std::size_t page = PageSize();
  const std::string path = TempPath("mapped");
  UniqueFd fd = MakeFile(path, page);
  // Each process maps the file itself; the child opens it on its own, after the fork.
  UniqueFd own;
  Mapping m, cm;
  ExpectSharedBothWays(
      [&] {
        m = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
        return ExpectMapped(m, "the parent's MAP_SHARED mmap of the file");
      },
      [&]() -> volatile char* {
        own.reset(open(path.c_str(), O_RDWR));
        EXPECT_THAT(own.get(), SyscallSucceeds()) << "child open";
        if (!own.valid()) return nullptr;
        cm = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, own.get());
        return ExpectMapped(cm, "the child's MAP_SHARED mmap of the file");
      },
      "its own MAP_SHARED mapping of the file");
}

IPC_CASE(posix_shm, mmap, map_private_writes_not_shared,
         .title = "a store to a MAP_PRIVATE mapping is seen neither by read() nor by another process's mapping",
         .covers = {"MAP_PRIVATE"},
         .statement = "MAP_PRIVATE: Create a private copy-on-write mapping. Updates to the mapping are not "
                      "visible to other processes mapping the same file, and are not carried through to the "
                      "underlying file.",
         .refs = {"mmap(2) MAP_PRIVATE", "POSIX.1-2017 mmap() MAP_PRIVATE"}) {
  const std::size_t page = PageSize();
  const std::string path = TempPath("mapped");
  UniqueFd fd = MakeFile(path, page, "original");
  Child other = Fork([&] {
    UniqueFd own(open(path.c_str(), O_RDWR));
    ASSERT_THAT(own.get(), SyscallSucceeds()) << "child open";
    Mapping cm = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, own.get());
    ASSERT_THAT(cm.get(), SyscallSucceeds());
    CheckpointPost(0);
    CheckpointWait(1);  // the parent stored into its private mapping
    EXPECT_EQ(ReadBytes(cm, 0, 8), "original")
        << "another process's MAP_SHARED mapping of the file must not see a store to a MAP_PRIVATE mapping";
  });
  Mapping priv = Map(page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get());
  ASSERT_THAT(priv.get(), SyscallSucceeds());
  if (!AwaitCheckpoint(other, 0)) return;
  WriteBytes(priv, 0, "modified");
  ASSERT_EQ(ReadBytes(priv, 0, 8), "modified") << "the private mapping should show its own store";
  EXPECT_EQ(PreadString(fd.get(), 8, 0), "original")
      << "read() of the file must not see a store made to a MAP_PRIVATE mapping";
  CheckpointPost(1);
  ExpectCleanExit(other.Wait(), "child with a MAP_SHARED mapping of the file");
}

IPC_CASE(posix_shm, mmap, anonymous_shared_region_shared_across_fork,
         .title = "an anonymous MAP_SHARED region is shared between parent and child in both directions",
         .covers = {"shared_mapping_shared_with_children"},
         .statement = "MAP_SHARED: Share this mapping. Updates to the mapping are visible to other processes "
                      "mapping the same region. ... Support for MAP_ANONYMOUS in conjunction with MAP_SHARED "
                      "was added in Linux 2.4. (fork(2): the child inherits the parent's memory mappings.)",
         .refs = {"mmap(2) MAP_SHARED, MAP_ANONYMOUS", "fork(2)", "POSIX.1-2017 mmap() MAP_SHARED"}) {
  Mapping m = Map(PageSize(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
  ASSERT_THAT(m.get(), SyscallSucceeds());
  // The child's view is the inherited mapping; the parent stores after the fork.
  ExpectSharedBothWays([&] { return m.bytes(); }, [&] { return m.bytes(); },
                       "the anonymous MAP_SHARED region inherited across fork", {"down", "up", 8});
}

IPC_CASE(posix_shm, mmap, anonymous_private_copy_on_write_across_fork,
         .title = "an anonymous MAP_PRIVATE region is copied on write across fork, in both directions",
         .covers = {"private_mapping_copied_on_write_across_fork"},
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
  if (!AwaitCheckpoint(child, 0)) return;
  EXPECT_EQ(ReadBytes(m, 0, 6), "before") << "the child's store must not reach the parent's private copy";
  WriteBytes(m, 0, "parent");
  CheckpointPost(1);
  ExpectCleanExit(child.Wait(), "child");
  EXPECT_EQ(ReadBytes(m, 0, 6), "parent") << "the parent should keep its own store";
}

IPC_CASE(posix_shm, mmap, anonymous_mapping_zero_filled,
         .title = "anonymous mappings, shared or private, start filled with zeros", .covers = {"MAP_ANONYMOUS"},
         .statement = "MAP_ANONYMOUS: The mapping is not backed by any file; its contents are initialized to "
                      "zero.",
         .refs = {"mmap(2) MAP_ANONYMOUS"}, .cls = Conformance::linux_specific) {
  const std::size_t len = 2 * PageSize();
  for (int flags : {MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS}) {
    Mapping m = Map(len, PROT_READ | PROT_WRITE, flags, -1);
    ASSERT_THAT(m.get(), SyscallSucceeds());
    EXPECT_EQ(DescribeNonzero(m.bytes(), len), "")
        << "a new " << ((flags & MAP_SHARED) != 0 ? "MAP_SHARED" : "MAP_PRIVATE")
        << "|MAP_ANONYMOUS mapping should read as zeros";
  }
}

IPC_CASE(posix_shm, mmap, write_to_prot_read_mapping_raises_sigsegv,
         .title = "a store to a PROT_READ mapping raises SIGSEGV",
         .covers = {"store_to_read_only_mapping_raises_sigsegv", "PROT_READ"},
         .statement = "Use of a mapped region can result in these signals: SIGSEGV Attempted write into a region "
                      "mapped as read-only.",
         .refs = {"mmap(2) SIGSEGV", "POSIX.1-2017 mmap() (PROT_READ; SIGSEGV on access violating protection)"}) {
  ShmObject obj("ro", PageSize());
  Mapping m = MapShared(obj, PageSize(), PROT_READ);
  ASSERT_THAT(m.get(), SyscallSucceeds());
  const int status = StatusOfTouch([&] {
    m.bytes()[0] = 'x';
    ADD_FAILURE() << "a store to a PROT_READ mapping completed instead of raising SIGSEGV";
  });
  ExpectKilledBy(status, SIGSEGV, "child storing to a PROT_READ mapping");
  EXPECT_EQ(m.bytes()[0], 0) << "the object must be unchanged";
}

IPC_CASE(posix_shm, mmap, access_beyond_object_end_raises_sigbus,
         .title = "touching a mapped page that lies wholly beyond the end of the object raises SIGBUS",
         .covers = {"access_past_object_end_raises_sigbus"},
         .statement = "SIGBUS Attempted access to a page of the buffer that lies beyond the end of the mapped "
                      "file.",
         .refs = {"mmap(2) SIGBUS", "POSIX.1-2017 mmap() (references beyond the end of the object: SIGBUS)"}) {
  const std::size_t page = PageSize();
  ShmObject obj("sigbus", page);
  // Two pages mapped, one page of object.
  Mapping m = MapShared(obj, 2 * page);
  ASSERT_THAT(m.get(), SyscallSucceeds());
  m.bytes()[page - 1] = 'y';  // inside the object: fine
  const int status = StatusOfTouch([&] {
    char c = m.bytes()[page];
    ADD_FAILURE() << "reading the page beyond the end of the object returned " << static_cast<int>(c)
                  << " instead of raising SIGBUS";
  });
  ExpectKilledBy(status, SIGBUS, "child reading a page beyond the end of the object");
}

IPC_CASE(posix_shm, mmap, partial_page_beyond_end_zero_filled,
         .title = "the rest of the last page beyond the end of a shared memory object reads as zeros",
         .covers = {"partial_last_page_zero_filled"},
         .statement = "If the size of the mapped file is not a multiple of the page size, the remaining bytes in "
                      "the partial page at the end of the mapping are zeroed when mapped. (POSIX: the system "
                      "shall always zero-fill any partial page at the end of an object.)",
         .refs = {"mmap(2) NOTES", "POSIX.1-2017 mmap() (partial page at the end of an object)"}) {
  const std::size_t page = PageSize();
  ShmObject obj("partial", page);
  {
    // Fill the whole page, then shrink the object to 100 bytes: the old bytes past 100 must not show.
    Mapping full = MapShared(obj, page);
    ASSERT_THAT(full.get(), SyscallSucceeds());
    WriteBytes(full, 0, std::string(page, 'x'));
  }
  IPCC_SETUP(ftruncate(obj.fd.get(), 100));
  Mapping m = MapShared(obj, page);
  ASSERT_THAT(m.get(), SyscallSucceeds());
  EXPECT_EQ(ReadBytes(m, 0, 100), std::string(100, 'x')) << "the bytes inside the object should be kept";
  EXPECT_EQ(DescribeNonzero(m.bytes() + 100, page - 100), "")
      << "the " << page - 100 << " bytes of the last page past the end of the object should read as zeros";
}

IPC_CASE(posix_shm, mmap, shared_changes_survive_munmap_and_remap,
         .title = "stores through a MAP_SHARED mapping of a shared memory object are there in a new mapping",
         .covers = {"shm_open.object_persists_until_unlinked"},
         .statement = "MAP_SHARED: Updates to the mapping are visible to other processes mapping the same "
                      "region. (shm_overview(7): a shared memory object exists until it is unlinked and "
                      "unmapped by all processes.)",
         .refs = {"mmap(2) MAP_SHARED", "shm_overview(7) Persistence", "POSIX.1-2017 mmap()"}) {
  const std::size_t page = PageSize();
  ShmObject obj("remap", page);
  {
    Mapping first = MapShared(obj, page);
    ASSERT_THAT(first.get(), SyscallSucceeds());
    WriteBytes(first, 10, "persisted");
    ASSERT_THAT(munmap(first.get(), page), SyscallSucceeds());
    first.Forget();
  }
  obj.fd.reset();
  UniqueFd again(shm_open(obj.name.c_str(), O_RDONLY, 0));
  ASSERT_THAT(again.get(), SyscallSucceeds()) << "reopening the object";
  Mapping second = Map(page, PROT_READ, MAP_SHARED, again.get());
  ASSERT_THAT(second.get(), SyscallSucceeds());
  EXPECT_EQ(ReadBytes(second, 10, 9), "persisted")
      << "a new mapping of the object should show what was stored through the earlier, unmapped mapping";
}

IPC_CASE(posix_shm, mmap, rdonly_fd_shared_prot_write_fails_eacces,
         .title = "a writable MAP_SHARED mapping of a descriptor opened O_RDONLY fails with EACCES",
         .covers = {"EACCES"},
         .statement = "EACCES ... MAP_SHARED was requested and PROT_WRITE is set, but fd is not open in "
                      "read/write (O_RDWR) mode.",
         .refs = {"mmap(2) EACCES", "POSIX.1-2017 mmap() [EACCES]"}) {
  const std::string path = TempPath("mapped");
  MakeFile(path, PageSize());
  UniqueFd ro(IPCC_SETUP(open(path.c_str(), O_RDONLY)));
  ExpectSharedWritableMapRefused(ro.get());
}

IPC_CASE(posix_shm, mmap, rdonly_fd_private_prot_write_allowed,
         .title = "a writable MAP_PRIVATE mapping of a descriptor opened O_RDONLY works and leaves the file alone",
         .covers = {"private_writable_needs_only_read_access"},
         .statement = "EACCES ... MAP_SHARED was requested and PROT_WRITE is set, but fd is not open in "
                      "read/write (O_RDWR) mode. (Only MAP_SHARED needs write access: MAP_PRIVATE creates a "
                      "private copy-on-write mapping whose updates are not carried through to the file.)",
         .refs = {"mmap(2) EACCES, MAP_PRIVATE", "POSIX.1-2017 mmap() [EACCES]"}) {
  const std::string path = TempPath("mapped");
  UniqueFd rw = MakeFile(path, PageSize(), "file");
  UniqueFd ro(IPCC_SETUP(open(path.c_str(), O_RDONLY)));
  Mapping m = Map(PageSize(), PROT_READ | PROT_WRITE, MAP_PRIVATE, ro.get());
  ASSERT_THAT(m.get(), SyscallSucceeds());
  EXPECT_EQ(ReadBytes(m, 0, 4), "file");
  WriteBytes(m, 0, "copy");
  EXPECT_EQ(ReadBytes(m, 0, 4), "copy") << "the private mapping should be writable";
  EXPECT_EQ(PreadString(rw.get(), 4, 0), "file") << "the file must be unchanged";
}

IPC_CASE(posix_shm, mmap, zero_length_fails_einval, .title = "mmap with length 0 fails with EINVAL",
         .covers = {"EINVAL"},
         .statement = "EINVAL (since Linux 2.6.12) length was 0. (POSIX: [EINVAL] The value of len is zero.)",
         .refs = {"mmap(2) EINVAL", "POSIX.1-2017 mmap() [EINVAL]"}) {
  ExpectMapEinval("len0", PageSize(), 0, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
}

IPC_CASE(posix_shm, mmap, unaligned_offset_fails_einval,
         .title = "mmap with an offset that is not a multiple of the page size fails with EINVAL", .covers = {"EINVAL"},
         .statement = "offset must be a multiple of the page size as returned by sysconf(_SC_PAGE_SIZE). ... "
                      "EINVAL We don't like addr, length, or offset (e.g., they are too large, or not aligned "
                      "on a page boundary).",
         .refs = {"mmap(2) EINVAL", "POSIX.1-2017 mmap() [EINVAL]"}) {
  ExpectMapEinval("offset", 2 * PageSize(), PageSize(), PROT_READ, MAP_SHARED, 1);
}

IPC_CASE(posix_shm, mmap, neither_shared_nor_private_fails_einval,
         .title = "mmap with neither MAP_SHARED nor MAP_PRIVATE in flags fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL flags contained none of MAP_PRIVATE, MAP_SHARED, or MAP_SHARED_VALIDATE.",
         .refs = {"mmap(2) EINVAL", "POSIX.1-2017 mmap() [EINVAL] (flags invalid)"}) {
  ExpectMapEinval("flags", PageSize(), PageSize(), PROT_READ, 0, 0);
}

IPC_CASE(posix_shm, mmap, mapping_survives_close_of_descriptor,
         .title = "a shared memory mapping keeps working, and stays shared, after its descriptor is closed",
         .covers = {"mapping_survives_close_of_descriptor"},
         .statement = "After a call to mmap(2) the file descriptor may be closed without affecting the memory "
                      "mapping.",
         .refs = {"shm_open(3)", "mmap(2)", "POSIX.1-2017 mmap() (closing fildes does not unmap)"}) {
  const std::size_t page = PageSize();
  ShmObject obj("closed", page);
  Mapping m = MapShared(obj, page);
  ASSERT_THAT(m.get(), SyscallSucceeds());
  ASSERT_THAT(close(obj.fd.release()), SyscallSucceeds());
  // Another process opens the object by name and maps it: the store made after the close is shared.
  UniqueFd own;
  Mapping cm;
  ExpectSharedBothWays([&] { return m.bytes(); },
                       [&]() -> volatile char* {
                         own.reset(shm_open(obj.name.c_str(), O_RDWR, 0));
                         EXPECT_THAT(own.get(), SyscallSucceeds()) << "child shm_open";
                         if (!own.valid()) return nullptr;
                         cm = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, own.get());
                         return ExpectMapped(cm, "the child's MAP_SHARED mmap of the object");
                       },
                       "a mapping whose descriptor was closed", {"after-close", "reply", 20});
}

}  // namespace
