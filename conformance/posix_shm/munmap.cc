// munmap(2), POSIX munmap(): removing mappings.
#include <sys/mman.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

IPC_CASE(posix_shm, munmap, access_after_munmap_raises_sigsegv,
         .title = "touching an address of a region after munmap raises SIGSEGV",
         .covers = {"access_after_unmap_raises_sigsegv", "unmap_leaves_other_processes_mappings"},
         .statement = "The munmap() system call deletes the mappings for the specified address range, and causes "
                      "further references to addresses within the range to generate invalid memory references. "
                      "... subsequent references to these pages will generate SIGSEGV.",
         .refs = {"munmap(2)", "POSIX.1-2017 munmap()"}) {
  const std::size_t page = PageSize();
  // Three pages; the middle one is unmapped, so nothing else can be placed there by the allocator
  // between the munmap and the access.
  Mapping m = MapAnonymous(3 * page, MAP_SHARED);
  WriteBytes(m, page, "gone");
  volatile char* middle = m.bytes() + page;
  const int status = StatusOfTouch([&] {
    if (munmap(const_cast<char*>(middle), page) != 0) {
      ThrowHarnessError("munmap in the child: " + ErrnoName(errno));
    }
    char c = middle[0];
    ADD_FAILURE() << "reading an unmapped page returned " << static_cast<int>(c) << " instead of raising SIGSEGV";
  });
  ExpectKilledBy(status, SIGSEGV, "child reading a page it had unmapped");
  // The parent's own mapping is untouched by the child's munmap.
  EXPECT_EQ(ReadBytes(m, page, 4), "gone") << "munmap in the child must not unmap the parent's pages";
}

IPC_CASE(posix_shm, munmap, zero_length_fails_einval, .title = "munmap with length 0 fails with EINVAL",
         .covers = {"EINVAL"},
         .statement = "EINVAL (since Linux 2.6.12) length was 0. (POSIX munmap(): [EINVAL] The len argument is "
                      "0.)",
         .refs = {"munmap(2) EINVAL", "POSIX.1-2017 munmap() [EINVAL]"}) {
  Mapping m = MapAnonymous(PageSize());
  EXPECT_THAT(munmap(m.get(), 0), SyscallFailsWithErrno(EINVAL));
  m.bytes()[0] = 'k';  // still mapped
}

IPC_CASE(posix_shm, munmap, unaligned_address_fails_einval,
         .title = "munmap of an address that is not page aligned fails with EINVAL", .covers = {"EINVAL"},
         .statement = "The address addr must be a multiple of the page size (but length need not be). ... "
                      "munmap() ... On failure, it returns -1, and errno is set to indicate the error (probably "
                      "to EINVAL).",
         .refs = {"munmap(2)", "POSIX.1-2017 munmap() [EINVAL] (may fail: addr not a multiple of the page size)"},
         .cls = Conformance::linux_specific) {
  Mapping m = MapAnonymous(PageSize());
  EXPECT_THAT(munmap(m.data() + 1, 1), SyscallFailsWithErrno(EINVAL));
  m.bytes()[0] = 'k';  // still mapped
}

IPC_CASE(posix_shm, munmap, range_without_mappings_succeeds,
         .title = "munmap of a page-aligned range that holds no mapping succeeds",
         .covers = {"range_without_mappings_succeeds"},
         .statement = "It is not an error if the indicated range does not contain any mapped pages.",
         .refs = {"munmap(2)"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  Mapping m = MapAnonymous(2 * page);
  char* second = m.data() + page;
  ASSERT_THAT(munmap(second, page), SyscallSucceeds());
  EXPECT_THAT(munmap(second, page), SyscallSucceeds()) << "unmapping the now empty page again";
}

}  // namespace
