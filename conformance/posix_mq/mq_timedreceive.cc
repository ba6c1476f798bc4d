// mq_timedreceive(3), POSIX mq_timedreceive(): receiving with an absolute timeout.
#include <fcntl.h>
#include <mqueue.h>
#include <time.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

// mq_timedreceive on q with a 16-byte buffer (the queues here have mq_msgsize 16) and a given deadline.
TimedCall ReceiveBy(mqd_t q) {
  return [q](const timespec& deadline) -> long {
    char buf[16];
    return mq_timedreceive(q, buf, sizeof buf, nullptr, &deadline);
  };
}

IPC_CASE(posix_mq, mq_timedreceive, deadline_reached_fails_etimedout,
         .title = "mq_timedreceive on an empty queue fails with ETIMEDOUT once its absolute deadline has passed",
         .covers = {"ETIMEDOUT", "waits_until_deadline", "deadline_on_clock_realtime"},
         .statement = "mq_timedreceive() behaves just like mq_receive(), except that if the queue is empty and the "
                      "O_NONBLOCK flag is not enabled for the message queue description, then abs_timeout points "
                      "to a structure which specifies how long the call will block. This value is an absolute "
                      "timeout in seconds and nanoseconds since the Epoch ... ETIMEDOUT The call timed out before "
                      "a message could be transferred.",
         .refs = {"mq_receive(3) mq_timedreceive(), ETIMEDOUT", "POSIX.1-2017 mq_timedreceive() [ETIMEDOUT]"}) {
  Queue q("timed-recv", Attr(4, 16));
  ExpectTimesOutAtDeadline("mq_timedreceive", "on the empty queue", ReceiveBy(q.get()));
}

IPC_CASE(posix_mq, mq_timedreceive, expired_deadline_fails_etimedout,
         .title = "mq_timedreceive on an empty queue with a deadline already in the past fails with ETIMEDOUT",
         .covers = {"ETIMEDOUT", "expired_deadline_returns_at_once"},
         .statement = "If no message is available, and the timeout has already expired by the time of the call, "
                      "mq_timedreceive() returns immediately. ... ETIMEDOUT The call timed out before a message "
                      "could be transferred.",
         .refs = {"mq_receive(3) mq_timedreceive()", "POSIX.1-2017 mq_timedreceive() [ETIMEDOUT]"}) {
  Queue q("expired-recv", Attr(4, 16));
  // Bounded: a deadline in the past that is not applied would leave the call blocked for good.
  ExpectReturnsWithin("mq_timedreceive on the empty queue with a deadline in the past",
                      [&] { EXPECT_THAT(ReceiveBy(q.get())(kLongPast), SyscallFailsWithErrno(ETIMEDOUT)); });
}

IPC_CASE(posix_mq, mq_timedreceive, invalid_timeout_fails_einval,
         .title = "mq_timedreceive that would block with tv_nsec out of range fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL The call would have blocked, and abs_timeout was invalid, either because tv_sec was "
                      "less than zero, or because tv_nsec was less than zero or greater than 1000 million.",
         .refs = {"mq_receive(3) EINVAL", "POSIX.1-2017 mq_timedreceive() [EINVAL]"}) {
  Queue q("bad-timeout-recv", Attr(4, 16));
  ExpectInvalidTimeoutsFail("mq_timedreceive", "on the empty queue", ReceiveBy(q.get()));
}

IPC_CASE(posix_mq, mq_timedreceive, message_available_ignores_deadline,
         .title = "mq_timedreceive with a message available returns it even if the deadline has passed",
         .covers = {"message_available_ignores_deadline"},
         .statement = "mq_timedreceive() behaves just like mq_receive(), except that if the queue is empty and the "
                      "O_NONBLOCK flag is not enabled for the message queue description, then abs_timeout points "
                      "to a structure which specifies how long the call will block. (POSIX: under no circumstance "
                      "shall the operation fail with a timeout if a message can be removed from the message queue "
                      "immediately.)",
         .refs = {"mq_receive(3) mq_timedreceive()", "POSIX.1-2017 mq_timedreceive()"}) {
  Queue q("ready-recv", Attr(4, 16));
  ASSERT_THAT(mq_send(q.get(), "ready", 5, 0), SyscallSucceeds());
  EXPECT_THAT(ReceiveBy(q.get())(kLongPast), SyscallSucceedsWithValue(5));
}

}  // namespace
