// mq_setattr(3), POSIX mq_setattr(): changing O_NONBLOCK.
#include <fcntl.h>
#include <mqueue.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_setattr, returns_old_attributes,
         .title = "mq_setattr returns in *oldattr the attributes as they were before the call",
         .covers = {"returns_old_attributes"},
         .statement = "If the oldattr field is not NULL, then the buffer that it points to is used to return an "
                      "mq_attr structure that contains the same information that is returned by mq_getattr().",
         .refs = {"mq_getattr(3) mq_setattr()", "POSIX.1-2017 mq_setattr()"}) {
  Queue q("setattr-old", Attr(6, 24));
  ASSERT_THAT(mq_send(q.get(), "m", 1, 0), SyscallSucceeds());
  mq_attr set{};
  set.mq_flags = O_NONBLOCK;
  mq_attr old{};
  old.mq_flags = -1;
  old.mq_maxmsg = -1;
  old.mq_msgsize = -1;
  old.mq_curmsgs = -1;
  ASSERT_THAT(mq_setattr(q.get(), &set, &old), SyscallSucceeds());
  EXPECT_EQ(old.mq_flags, 0) << "old mq_flags (before O_NONBLOCK was set)";
  EXPECT_EQ(old.mq_maxmsg, 6) << "old mq_maxmsg";
  EXPECT_EQ(old.mq_msgsize, 24) << "old mq_msgsize";
  EXPECT_EQ(old.mq_curmsgs, 1) << "old mq_curmsgs";
  set.mq_flags = 0;
  ASSERT_THAT(mq_setattr(q.get(), &set, &old), SyscallSucceeds());
  EXPECT_EQ(old.mq_flags, O_NONBLOCK) << "old mq_flags of the second call (set by the first)";
}

IPC_CASE(posix_mq, mq_setattr, changes_only_nonblock,
         .title = "mq_setattr sets O_NONBLOCK (which then takes effect) and ignores mq_maxmsg, mq_msgsize, mq_curmsgs",
         .covers = {"O_NONBLOCK", "other_fields_ignored"},
         .statement = "The only attribute that can be modified is the setting of the O_NONBLOCK flag in mq_flags. "
                      "The other fields in newattr are ignored.",
         .refs = {"mq_getattr(3) mq_setattr()", "POSIX.1-2017 mq_setattr()"}) {
  Queue q("setattr-only", Attr(3, 16));
  mq_attr set{};
  set.mq_flags = O_NONBLOCK;
  set.mq_maxmsg = 9;
  set.mq_msgsize = 99;
  set.mq_curmsgs = 5;
  ASSERT_THAT(mq_setattr(q.get(), &set, nullptr), SyscallSucceeds());
  mq_attr now{};
  ASSERT_THAT(mq_getattr(q.get(), &now), SyscallSucceeds());
  EXPECT_EQ(now.mq_flags, O_NONBLOCK) << "mq_flags after setting O_NONBLOCK";
  EXPECT_EQ(now.mq_maxmsg, 3) << "mq_maxmsg must not change";
  EXPECT_EQ(now.mq_msgsize, 16) << "mq_msgsize must not change";
  EXPECT_EQ(now.mq_curmsgs, 0) << "mq_curmsgs must not change";
  // Bounded: O_NONBLOCK reported by mq_getattr but not applied would block here for good. The child's
  // inherited descriptor shares the open message queue description, and so its flags.
  ExpectReturnsWithin("mq_receive on the empty queue after mq_setattr set O_NONBLOCK", [&] {
    char buf[16];
    EXPECT_THAT(mq_receive(q.get(), buf, sizeof buf, nullptr), SyscallFailsWithErrno(EAGAIN))
        << "after mq_setattr set O_NONBLOCK, a receive on the empty queue should not block";
  });
}

IPC_CASE(posix_mq, mq_setattr, flags_other_than_nonblock_fail_einval,
         .title = "mq_setattr with a flag other than O_NONBLOCK in mq_flags fails with EINVAL",
         .covers = {"EINVAL", "failure_changes_nothing"},
         .statement = "EINVAL newattr->mq_flags contained set bits other than O_NONBLOCK.",
         .refs = {"mq_getattr(3) EINVAL", "POSIX.1-2017 mq_setattr()"}, .cls = Conformance::linux_specific) {
  Queue q("setattr-bad", Attr(3, 16));
  mq_attr set{};
  set.mq_flags = O_NONBLOCK | O_APPEND;
  EXPECT_THAT(mq_setattr(q.get(), &set, nullptr), SyscallFailsWithErrno(EINVAL));
  mq_attr now{};
  ASSERT_THAT(mq_getattr(q.get(), &now), SyscallSucceeds());
  EXPECT_EQ(now.mq_flags, 0) << "a refused mq_setattr must not change mq_flags";
}

}  // namespace
