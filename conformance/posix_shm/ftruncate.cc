// ftruncate(2) on shared memory objects: sizing a new object.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conformance/posix_shm/shm_helpers.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

IPC_CASE(posix_shm, ftruncate, extends_object_with_zeros,
         .title = "ftruncate sets a shared memory object's size and the new bytes read as zeros",
         .statement = "A new shared memory object initially has zero length--the size of the object can be set "
                      "using ftruncate(2). The newly allocated bytes of a shared memory object are automatically "
                      "initialized to 0.",
         .refs = {"shm_open(3) O_CREAT", "ftruncate(2)", "POSIX.1-2017 ftruncate() (shared memory object)"}) {
  const std::size_t page = PageSize();
  const std::size_t size = 2 * page + 123;
  ShmName name(UniqueShmName("grow"));
  UniqueFd fd = CreateShm(name);
  ASSERT_THAT(ftruncate(fd.get(), static_cast<off_t>(size)), SyscallSucceeds());
  struct stat st {};
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_EQ(st.st_size, static_cast<off_t>(size)) << "st_size after ftruncate";
  Mapping m = Map(size, PROT_READ, MAP_SHARED, fd.get());
  IPCC_SETUP(m.get());
  std::size_t nonzero = 0;
  for (std::size_t i = 0; i < size; ++i) nonzero += m.bytes()[i] != 0 ? 1 : 0;
  EXPECT_EQ(nonzero, 0u) << "the " << size << " new bytes should all be zero; " << nonzero << " were not";
}

IPC_CASE(posix_shm, ftruncate, regrow_after_shrink_reads_zeros,
         .title = "bytes cut off by shrinking an object read as zeros when it is extended again",
         .statement = "If the file previously was larger than this size, the extra data is lost. If the file "
                      "previously was shorter, it is extended, and the extended part reads as null bytes ('\\0').",
         .refs = {"ftruncate(2)", "POSIX.1-2017 ftruncate() (shared memory object)"}) {
  const std::size_t page = PageSize();
  ShmName name(UniqueShmName("regrow"));
  UniqueFd fd = CreateShm(name);
  ASSERT_THAT(ftruncate(fd.get(), static_cast<off_t>(2 * page)), SyscallSucceeds());
  {
    Mapping m = Map(2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
    IPCC_SETUP(m.get());
    WriteBytes(m, 10, "kept");
    WriteBytes(m, page + 10, "lost");
  }
  ASSERT_THAT(ftruncate(fd.get(), static_cast<off_t>(page)), SyscallSucceeds());
  ASSERT_THAT(ftruncate(fd.get(), static_cast<off_t>(2 * page)), SyscallSucceeds());
  Mapping m = Map(2 * page, PROT_READ, MAP_SHARED, fd.get());
  IPCC_SETUP(m.get());
  EXPECT_EQ(ReadBytes(m, 10, 4), "kept") << "bytes below the smaller size must survive";
  EXPECT_EQ(ReadBytes(m, page + 10, 4), std::string(4, '\0'))
      << "bytes cut off by the shrink must read as zeros after the object is extended again";
}

}  // namespace
