// mq_getattr(3), POSIX mq_getattr(): a queue's attributes.
#include <fcntl.h>
#include <mqueue.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_getattr, reports_maxmsg_msgsize_and_curmsgs,
         .title = "mq_getattr reports the mq_maxmsg and mq_msgsize given at creation and the current message count",
         .covers = {"reports_creation_attributes", "curmsgs_counts_messages", "mq_open.attr_sets_maxmsg_and_msgsize",
                    "mq_open.new_queue_is_empty"},
         .statement = "The mq_maxmsg and mq_msgsize fields are set when the message queue is created by "
                      "mq_open(3). ... The mq_curmsgs field returns the number of messages currently held in the "
                      "queue.",
         .refs = {"mq_getattr(3)", "POSIX.1-2017 mq_getattr()"}) {
  Queue q("getattr", Attr(5, 48));
  mq_attr seen{};
  ASSERT_THAT(mq_getattr(q.get(), &seen), SyscallSucceeds());
  EXPECT_EQ(seen.mq_maxmsg, 5) << "mq_maxmsg given to mq_open";
  EXPECT_EQ(seen.mq_msgsize, 48) << "mq_msgsize given to mq_open";
  EXPECT_EQ(seen.mq_curmsgs, 0) << "a new queue holds no message";
  EXPECT_EQ(seen.mq_flags, 0) << "mq_flags of a descriptor opened without O_NONBLOCK";
  ASSERT_THAT(mq_send(q.get(), "one", 3, 0), SyscallSucceeds());
  ASSERT_THAT(mq_send(q.get(), "two", 3, 7), SyscallSucceeds());
  ASSERT_THAT(mq_getattr(q.get(), &seen), SyscallSucceeds());
  EXPECT_EQ(seen.mq_curmsgs, 2) << "after two mq_send calls";
  char buf[48];
  ASSERT_THAT(mq_receive(q.get(), buf, sizeof buf, nullptr), SyscallSucceeds());
  ASSERT_THAT(mq_getattr(q.get(), &seen), SyscallSucceeds());
  EXPECT_EQ(seen.mq_curmsgs, 1) << "after one mq_receive";
}

IPC_CASE(posix_mq, mq_getattr, flags_show_open_nonblock,
         .title = "mq_getattr reports O_NONBLOCK in mq_flags for a descriptor opened with O_NONBLOCK",
         .covers = {"flags_of_open_description"},
         .statement = "The mq_flags field contains flags associated with the open message queue description. This "
                      "field is initialized when the queue is created by mq_open(3). The only flag that can "
                      "appear in this field is O_NONBLOCK.",
         .refs = {"mq_getattr(3)", "POSIX.1-2017 mq_getattr()"}) {
  Queue q("getattr-nb", Attr(4, 16), O_RDWR | O_NONBLOCK);
  mq_attr seen{};
  ASSERT_THAT(mq_getattr(q.get(), &seen), SyscallSucceeds());
  EXPECT_EQ(seen.mq_flags, O_NONBLOCK) << "mq_flags should be exactly O_NONBLOCK";
  // A second descriptor opened without O_NONBLOCK is a separate description: its mq_flags are 0.
  const UniqueMqd other(IPCC_SETUP(mq_open(q.name(), O_RDWR)));
  ASSERT_THAT(mq_getattr(other.get(), &seen), SyscallSucceeds());
  EXPECT_EQ(seen.mq_flags, 0) << "mq_flags of a second descriptor opened without O_NONBLOCK";
}

}  // namespace
