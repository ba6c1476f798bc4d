// mq_timedsend(3), POSIX mq_timedsend(): sending with an absolute timeout.
#include <fcntl.h>
#include <mqueue.h>
#include <time.h>

#include <string>

#include "conformance/posix_mq/mq_helpers.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_timedsend, deadline_reached_fails_etimedout,
         .title = "mq_timedsend on a full queue fails with ETIMEDOUT once its absolute deadline has passed",
         .statement = "mq_timedsend() behaves just like mq_send(), except that if the queue is full and the "
                      "O_NONBLOCK flag is not enabled for the message queue description, then abs_timeout points "
                      "to a structure which specifies how long the call will block. This value is an absolute "
                      "timeout in seconds and nanoseconds since the Epoch ... ETIMEDOUT The call timed out before "
                      "a message could be transferred.",
         .refs = {"mq_send(3) mq_timedsend(), ETIMEDOUT", "POSIX.1-2017 mq_timedsend() [ETIMEDOUT]"}) {
  mq_attr attr = Attr(1, 16);
  Queue q("timed-send", O_RDWR, 0600, &attr);
  ASSERT_THAT(mq_send(q.get(), "fill", 4, 0), SyscallSucceeds());
  // The call's own timeout, 20 ms ahead on CLOCK_REALTIME; bounded, since a deadline that is not
  // applied would leave the call blocked for good.
  ExpectReturnsWithin("mq_timedsend on the full queue with a deadline 20 ms ahead", [&] {
    const timespec deadline = RealtimeIn(20);
    EXPECT_THAT(mq_timedsend(q.get(), "more", 4, 0, &deadline), SyscallFailsWithErrno(ETIMEDOUT));
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    EXPECT_TRUE(NotBefore(now, deadline))
        << "mq_timedsend returned ETIMEDOUT before its absolute CLOCK_REALTIME deadline was reached";
  });
  mq_attr after{};
  ASSERT_THAT(mq_getattr(q.get(), &after), SyscallSucceeds());
  EXPECT_EQ(after.mq_curmsgs, 1) << "the timed-out message must not be queued";
}

IPC_CASE(posix_mq, mq_timedsend, invalid_timeout_fails_einval,
         .title = "mq_timedsend that would block with tv_nsec out of range fails with EINVAL",
         .statement = "EINVAL The call would have blocked, and abs_timeout was invalid, either because tv_sec was "
                      "less than zero, or because tv_nsec was less than zero or greater than 1000 million.",
         .refs = {"mq_send(3) EINVAL", "POSIX.1-2017 mq_timedsend() [EINVAL]"}) {
  mq_attr attr = Attr(1, 16);
  Queue q("bad-timeout-send", O_RDWR, 0600, &attr);
  ASSERT_THAT(mq_send(q.get(), "fill", 4, 0), SyscallSucceeds());
  // Bounded: a system that accepted the timeout and then mishandled it could block for good.
  ExpectReturnsWithin(
      "mq_timedsend on the full queue with an invalid timeout",
      [&] {
        timespec bad = RealtimeIn(1000);
        bad.tv_nsec = 1000000000L;
        EXPECT_THAT(mq_timedsend(q.get(), "more", 4, 0, &bad), SyscallFailsWithErrno(EINVAL))
            << "tv_nsec = 1000000000 on a full queue";
        bad.tv_nsec = -1;
        EXPECT_THAT(mq_timedsend(q.get(), "more", 4, 0, &bad), SyscallFailsWithErrno(EINVAL))
            << "tv_nsec = -1 on a full queue";
      },
      std::chrono::milliseconds(4000));
}

IPC_CASE(posix_mq, mq_timedsend, room_available_ignores_deadline,
         .title = "mq_timedsend with room in the queue succeeds even if the deadline has passed",
         .statement = "mq_timedsend() behaves just like mq_send(), except that if the queue is full and the "
                      "O_NONBLOCK flag is not enabled for the message queue description, then abs_timeout points "
                      "to a structure which specifies how long the call will block. (POSIX: under no circumstance "
                      "shall the operation fail with a timeout if there is sufficient room in the queue to add the "
                      "message immediately.)",
         .refs = {"mq_send(3) mq_timedsend()", "POSIX.1-2017 mq_timedsend()"}) {
  mq_attr attr = Attr(2, 16);
  Queue q("room-send", O_RDWR, 0600, &attr);
  const timespec past{1, 0};
  EXPECT_THAT(mq_timedsend(q.get(), "fits", 4, 0, &past), SyscallSucceeds());
}

}  // namespace
