// eventfd(2) Additional glibc features: eventfd_read(), the C library's read of the counter.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/eventfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::eventfd;

IPC_CASE(eventfd, eventfd_read, stores_counter_and_returns_zero,
         .title = "eventfd_read stores the counter in *value, returns 0 and leaves the counter at 0",
         .covers = {"reads_counter"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  Add(fd.get(), 0x123456789aULL);
  eventfd_t value = 0;
  EXPECT_EQ(eventfd_read(fd.get(), &value), 0) << "eventfd_read of the counter 0x123456789a";
  EXPECT_EQ(value, 0x123456789aULL) << "the value eventfd_read stored, " << Hex(value);
  ExpectZero(fd.get(), "the counter after eventfd_read");
}

IPC_CASE(eventfd, eventfd_read, semaphore_mode_reads_one,
         .title = "eventfd_read of an EFD_SEMAPHORE counter of 2 stores 1, as read does", .covers = {"reads_counter"},
         .refs = {"eventfd(2) EFD_SEMAPHORE"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(2, EFD_NONBLOCK | EFD_SEMAPHORE);
  eventfd_t value = 0;
  EXPECT_EQ(eventfd_read(fd.get(), &value), 0) << "eventfd_read of the semaphore counter 2";
  EXPECT_EQ(value, 1u) << "eventfd_read in semaphore mode stored " << Hex(value);
  ExpectReads(fd.get(), 1, "the read of what eventfd_read left (1)");
}

IPC_CASE(eventfd, eventfd_read, fails_minus_one_on_zero_nonblocking_counter,
         .title = "eventfd_read of a zero EFD_NONBLOCK counter returns -1 (errno EAGAIN from its read)",
         .covers = {"failure_returns_minus_one"}, .refs = {"eventfd(2) DESCRIPTION"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  ExpectReturnsWithin("eventfd_read of the zero EFD_NONBLOCK counter", [&] {
    eventfd_t value = 0;
    EXPECT_THAT(eventfd_read(fd.get(), &value), SyscallFailsWithErrno(EAGAIN));
  });
}

}  // namespace
