// eventfd(2) Additional glibc features: eventfd_write(), the C library's write to the counter.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/eventfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::eventfd;

IPC_CASE(eventfd, eventfd_write, adds_value_and_returns_zero,
         .title = "eventfd_write adds its value to the counter and returns 0", .covers = {"adds_value"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(1, EFD_NONBLOCK);
  EXPECT_EQ(eventfd_write(fd.get(), 0x10000000000ULL), 0) << "eventfd_write of 0x10000000000";
  EXPECT_EQ(eventfd_write(fd.get(), 2), 0) << "eventfd_write of 2";
  ExpectReads(fd.get(), 0x10000000003ULL, "the read after eventfd(1, ...) and eventfd_write of 0x10000000000 and 2");
}

IPC_CASE(eventfd, eventfd_write, fails_minus_one_for_all_ones,
         .title = "eventfd_write of 0xffffffffffffffff returns -1 (errno EINVAL from its write)",
         .covers = {"failure_returns_minus_one"}, .refs = {"eventfd(2) DESCRIPTION"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  EXPECT_THAT(eventfd_write(fd.get(), kAllOnes), SyscallFailsWithErrno(EINVAL));
  ExpectZero(fd.get(), "the counter after the refused eventfd_write");
}

IPC_CASE(eventfd, eventfd_write, fails_minus_one_past_max_nonblocking,
         .title = "eventfd_write that would pass the maximum of an EFD_NONBLOCK counter returns -1 (errno EAGAIN)",
         .covers = {"failure_returns_minus_one"}, .refs = {"eventfd(2) DESCRIPTION"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  Add(fd.get(), kMaxCounter);
  ExpectReturnsWithin("eventfd_write of 1 to the EFD_NONBLOCK counter at its maximum",
                      [&] { EXPECT_THAT(eventfd_write(fd.get(), 1), SyscallFailsWithErrno(EAGAIN)); });
}

}  // namespace
