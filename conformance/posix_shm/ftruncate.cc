// ftruncate(2) on shared memory objects: sizing a new object.
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_shm;

IPC_CASE(posix_shm, ftruncate, extends_object_with_zeros,
         .title = "ftruncate sets a shared memory object's size and the new bytes read as zeros",
         .covers = {"sets_object_size", "extension_reads_as_zeros"},
         .statement = "A new shared memory object initially has zero length--the size of the object can be set "
                      "using ftruncate(2). The newly allocated bytes of a shared memory object are automatically "
                      "initialized to 0.",
         .refs = {"shm_open(3) O_CREAT", "ftruncate(2)", "POSIX.1-2017 ftruncate() (shared memory object)"}) {
  const std::size_t page = PageSize();
  const std::size_t size = 2 * page + 123;
  ShmObject obj("grow");
  ASSERT_THAT(ftruncate(obj.fd.get(), static_cast<off_t>(size)), SyscallSucceeds());
  ExpectSize(obj.fd.get(), static_cast<off_t>(size), "after ftruncate");
  Mapping m = MapShared(obj, size, PROT_READ);
  IPCC_SETUP(m.get());
  EXPECT_EQ(DescribeNonzero(m.bytes(), size), "") << "the " << size << " new bytes should all be zero";
}

IPC_CASE(posix_shm, ftruncate, regrow_after_shrink_reads_zeros,
         .title = "bytes cut off by shrinking an object read as zeros when it is extended again",
         .covers = {"shrink_discards_data", "extension_reads_as_zeros"},
         .statement = "If the file previously was larger than this size, the extra data is lost. If the file "
                      "previously was shorter, it is extended, and the extended part reads as null bytes ('\\0').",
         .refs = {"ftruncate(2)", "POSIX.1-2017 ftruncate() (shared memory object)"}) {
  const std::size_t page = PageSize();
  ShmObject obj("regrow");
  ASSERT_THAT(ftruncate(obj.fd.get(), static_cast<off_t>(2 * page)), SyscallSucceeds());
  {
    Mapping m = MapShared(obj, 2 * page);
    IPCC_SETUP(m.get());
    WriteBytes(m, 10, "kept");
    WriteBytes(m, page + 10, "lost");
  }
  ASSERT_THAT(ftruncate(obj.fd.get(), static_cast<off_t>(page)), SyscallSucceeds());
  ASSERT_THAT(ftruncate(obj.fd.get(), static_cast<off_t>(2 * page)), SyscallSucceeds());
  Mapping m = MapShared(obj, 2 * page, PROT_READ);
  IPCC_SETUP(m.get());
  EXPECT_EQ(ReadBytes(m, 10, 4), "kept") << "bytes below the smaller size must survive";
  EXPECT_EQ(ReadBytes(m, page + 10, 4), std::string(4, '\0'))
      << "bytes cut off by the shrink must read as zeros after the object is extended again";
}

}  // namespace
