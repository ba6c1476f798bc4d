// mq_timedreceive(3), POSIX mq_timedreceive(): receiving with an absolute timeout.
#include <fcntl.h>
#include <mqueue.h>
#include <time.h>

#include <string>

#include "conformance/posix_mq/mq_helpers.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_timedreceive, deadline_reached_fails_etimedout,
         .title = "mq_timedreceive on an empty queue fails with ETIMEDOUT once its absolute deadline has passed",
         .statement = "mq_timedreceive() behaves just like mq_receive(), except that if the queue is empty and the "
                      "O_NONBLOCK flag is not enabled for the message queue description, then abs_timeout points "
                      "to a structure which specifies how long the call will block. This value is an absolute "
                      "timeout in seconds and nanoseconds since the Epoch ... ETIMEDOUT The call timed out before "
                      "a message could be transferred.",
         .refs = {"mq_receive(3) mq_timedreceive(), ETIMEDOUT", "POSIX.1-2017 mq_timedreceive() [ETIMEDOUT]"}) {
  mq_attr attr = Attr(4, 16);
  Queue q("timed-recv", O_RDWR, 0600, &attr);
  // The call's own timeout, 20 ms ahead on CLOCK_REALTIME; bounded, since a deadline that is not
  // applied would leave the call blocked for good.
  ExpectReturnsWithin("mq_timedreceive on the empty queue with a deadline 20 ms ahead", [&] {
    const timespec deadline = RealtimeIn(20);
    char buf[16];
    EXPECT_THAT(mq_timedreceive(q.get(), buf, sizeof buf, nullptr, &deadline), SyscallFailsWithErrno(ETIMEDOUT));
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    EXPECT_TRUE(NotBefore(now, deadline))
        << "mq_timedreceive returned ETIMEDOUT before its absolute CLOCK_REALTIME deadline was reached";
  });
}

IPC_CASE(posix_mq, mq_timedreceive, expired_deadline_fails_etimedout,
         .title = "mq_timedreceive on an empty queue with a deadline already in the past fails with ETIMEDOUT",
         .statement = "If no message is available, and the timeout has already expired by the time of the call, "
                      "mq_timedreceive() returns immediately. ... ETIMEDOUT The call timed out before a message "
                      "could be transferred.",
         .refs = {"mq_receive(3) mq_timedreceive()", "POSIX.1-2017 mq_timedreceive() [ETIMEDOUT]"}) {
  mq_attr attr = Attr(4, 16);
  Queue q("expired-recv", O_RDWR, 0600, &attr);
  // Bounded: a deadline in the past that is not applied would leave the call blocked for good.
  ExpectReturnsWithin("mq_timedreceive on the empty queue with a deadline in the past", [&] {
    const timespec past{1, 0};  // one second after the Epoch
    char buf[16];
    EXPECT_THAT(mq_timedreceive(q.get(), buf, sizeof buf, nullptr, &past), SyscallFailsWithErrno(ETIMEDOUT));
  });
}

IPC_CASE(posix_mq, mq_timedreceive, invalid_timeout_fails_einval,
         .title = "mq_timedreceive that would block with tv_nsec out of range fails with EINVAL",
         .statement = "EINVAL The call would have blocked, and abs_timeout was invalid, either because tv_sec was "
                      "less than zero, or because tv_nsec was less than zero or greater than 1000 million.",
         .refs = {"mq_receive(3) EINVAL", "POSIX.1-2017 mq_timedreceive() [EINVAL]"}) {
  mq_attr attr = Attr(4, 16);
  Queue q("bad-timeout-recv", O_RDWR, 0600, &attr);
  // Bounded: a system that accepted the timeout and then mishandled it could block for good.
  ExpectReturnsWithin(
      "mq_timedreceive on the empty queue with an invalid timeout",
      [&] {
        timespec bad = RealtimeIn(1000);
        bad.tv_nsec = 1000000000L;
        char buf[16];
        EXPECT_THAT(mq_timedreceive(q.get(), buf, sizeof buf, nullptr, &bad), SyscallFailsWithErrno(EINVAL))
            << "tv_nsec = 1000000000 on an empty queue";
        bad.tv_nsec = -1;
        EXPECT_THAT(mq_timedreceive(q.get(), buf, sizeof buf, nullptr, &bad), SyscallFailsWithErrno(EINVAL))
            << "tv_nsec = -1 on an empty queue";
      },
      std::chrono::milliseconds(4000));
}

IPC_CASE(posix_mq, mq_timedreceive, message_available_ignores_deadline,
         .title = "mq_timedreceive with a message available returns it even if the deadline has passed",
         .statement = "mq_timedreceive() behaves just like mq_receive(), except that if the queue is empty and the "
                      "O_NONBLOCK flag is not enabled for the message queue description, then abs_timeout points "
                      "to a structure which specifies how long the call will block. (POSIX: under no circumstance "
                      "shall the operation fail with a timeout if a message can be removed from the message queue "
                      "immediately.)",
         .refs = {"mq_receive(3) mq_timedreceive()", "POSIX.1-2017 mq_timedreceive()"}) {
  mq_attr attr = Attr(4, 16);
  Queue q("ready-recv", O_RDWR, 0600, &attr);
  ASSERT_THAT(mq_send(q.get(), "ready", 5, 0), SyscallSucceeds());
  const timespec past{1, 0};
  char buf[16];
  EXPECT_THAT(mq_timedreceive(q.get(), buf, sizeof buf, nullptr, &past), SyscallSucceedsWithValue(5));
}

}  // namespace
