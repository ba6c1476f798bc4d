// msync(2), POSIX msync(): synchronising a mapping with its file.
#include <fcntl.h>
#include <sys/mman.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

IPC_CASE(posix_shm, msync, ms_sync_then_read_sees_stored_data,
         .title = "after msync(MS_SYNC) of a MAP_SHARED file mapping, read() returns the stored bytes",
         .covers = {"MS_SYNC"},
         .statement = "msync() flushes changes made to the in-core copy of a file that was mapped into memory "
                      "using mmap(2) back to the filesystem. ... MS_SYNC Requests an update and waits for it to "
                      "complete.",
         .refs = {"msync(2)", "POSIX.1-2017 msync() MS_SYNC"}) {
  const std::size_t page = PageSize();
  const std::string path = TempPath("synced");
  UniqueFd fd = MakeFile(path, page);
  Mapping m = Map(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
  IPCC_SETUP(m.get());
  WriteBytes(m, 0, "flushed");
  ASSERT_THAT(msync(m.get(), page, MS_SYNC), SyscallSucceeds());
  // A separate open file description, as another program would use.
  UniqueFd other(IPCC_SETUP(open(path.c_str(), O_RDONLY)));
  EXPECT_EQ(PreadString(other.get(), 7, 0), "flushed") << "read() after msync(MS_SYNC) should return the stored bytes";
}

IPC_CASE(posix_shm, msync, sync_and_async_together_fail_einval,
         .title = "msync with both MS_SYNC and MS_ASYNC fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL ... both MS_SYNC and MS_ASYNC are set in flags.",
         .refs = {"msync(2) EINVAL", "POSIX.1-2017 msync() [EINVAL]"}) {
  Mapping m = MapAnonymous(PageSize(), MAP_SHARED);
  EXPECT_THAT(msync(m.get(), PageSize(), MS_SYNC | MS_ASYNC), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(posix_shm, msync, unaligned_address_fails_einval,
         .title = "msync of an address that is not page aligned fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL addr is not a multiple of PAGESIZE.",
         .refs = {"msync(2) EINVAL", "POSIX.1-2017 msync() [EINVAL] (may fail: addr not a multiple of the page size)"},
         .cls = Conformance::linux_specific) {
  Mapping m = MapAnonymous(PageSize(), MAP_SHARED);
  EXPECT_THAT(msync(m.data() + 1, 1, MS_SYNC), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(posix_shm, msync, range_with_unmapped_page_fails_enomem,
         .title = "msync over a range containing an unmapped page fails with ENOMEM", .covers = {"ENOMEM"},
         .statement = "ENOMEM The indicated memory (or part of it) was not mapped.",
         .refs = {"msync(2) ENOMEM", "POSIX.1-2017 msync() [ENOMEM]"}) {
  const std::size_t page = PageSize();
  Mapping m = MapAnonymous(3 * page, MAP_SHARED);
  ASSERT_THAT(munmap(m.data() + page, page), SyscallSucceeds());
  EXPECT_THAT(msync(m.get(), 3 * page, MS_SYNC), SyscallFailsWithErrno(ENOMEM));
}

}  // namespace
