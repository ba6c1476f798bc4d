// mq_timedsend(3), POSIX mq_timedsend(): sending with an absolute timeout.
#include <fcntl.h>
#include <mqueue.h>
#include <time.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

// mq_timedsend of a 4-byte message on q with a given deadline.
TimedCall SendBy(mqd_t q) {
  return [q](const timespec& deadline) -> long { return mq_timedsend(q, "more", 4, 0, &deadline); };
}

IPC_CASE(posix_mq, mq_timedsend, deadline_reached_fails_etimedout,
         .title = "mq_timedsend on a full queue fails with ETIMEDOUT once its absolute deadline has passed",
         .covers = {"ETIMEDOUT", "waits_until_deadline", "deadline_on_clock_realtime",
                    "mq_send.failure_enqueues_nothing"},
         .statement = "mq_timedsend() behaves just like mq_send(), except that if the queue is full and the "
                      "O_NONBLOCK flag is not enabled for the message queue description, then abs_timeout points "
                      "to a structure which specifies how long the call will block. This value is an absolute "
                      "timeout in seconds and nanoseconds since the Epoch ... ETIMEDOUT The call timed out before "
                      "a message could be transferred.",
         .refs = {"mq_send(3) mq_timedsend(), ETIMEDOUT", "POSIX.1-2017 mq_timedsend() [ETIMEDOUT]"}) {
  Queue q("timed-send", Attr(1, 16));
  ASSERT_THAT(mq_send(q.get(), "fill", 4, 0), SyscallSucceeds());
  ExpectTimesOutAtDeadline("mq_timedsend", "on the full queue", SendBy(q.get()));
  ExpectCurMsgs(q.get(), 1, "the timed-out message must not be queued");
}

IPC_CASE(posix_mq, mq_timedsend, invalid_timeout_fails_einval,
         .title = "mq_timedsend that would block with tv_nsec out of range fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL The call would have blocked, and abs_timeout was invalid, either because tv_sec was "
                      "less than zero, or because tv_nsec was less than zero or greater than 1000 million.",
         .refs = {"mq_send(3) EINVAL", "POSIX.1-2017 mq_timedsend() [EINVAL]"}) {
  Queue q("bad-timeout-send", Attr(1, 16));
  ASSERT_THAT(mq_send(q.get(), "fill", 4, 0), SyscallSucceeds());
  ExpectInvalidTimeoutsFail("mq_timedsend", "on the full queue", SendBy(q.get()));
}

IPC_CASE(posix_mq, mq_timedsend, room_available_ignores_deadline,
         .title = "mq_timedsend with room in the queue succeeds even if the deadline has passed",
         .covers = {"room_available_ignores_deadline"},
         .statement = "mq_timedsend() behaves just like mq_send(), except that if the queue is full and the "
                      "O_NONBLOCK flag is not enabled for the message queue description, then abs_timeout points "
                      "to a structure which specifies how long the call will block. (POSIX: under no circumstance "
                      "shall the operation fail with a timeout if there is sufficient room in the queue to add the "
                      "message immediately.)",
         .refs = {"mq_send(3) mq_timedsend()", "POSIX.1-2017 mq_timedsend()"}) {
  Queue q("room-send", Attr(2, 16));
  EXPECT_THAT(SendBy(q.get())(kLongPast), SyscallSucceeds());
}

}  // namespace
