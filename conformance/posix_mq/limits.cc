// mq_overview(7) /proc interfaces, mq_open(3) EINVAL/ENOSPC: the limits on queue attributes and counts.
//
// Cases that change /proc/sys/fs/mqueue/* declare need::WritableSysctl for each file: the runner starts
// them only in an IPC namespace of their own, where the file can be written, so the change is private
// to them (and ScopedSysctl undoes it anyway). Cases that only read a limit FAIL when its documented
// file is missing. "Privileged" in these pages means CAP_SYS_RESOURCE, declared as a need.
#include <fcntl.h>
#include <linux/capability.h>
#include <mqueue.h>

#include <cerrno>
#include <optional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

constexpr long kHardMsgMax = 65536;  // HARD_MSGMAX since Linux 3.5

// A Queue(...).TryCreate(...) temporary removes the queue it made when its statement ends, after the
// expectation has judged the call.

// The value of a /proc/sys/fs/mqueue file that the case only reads. mq_overview(7) documents the file,
// so a missing or unreadable one is a deviation: nullopt, with what was seen in `why`, for the case to
// FAIL on.
std::optional<long> DocumentedLimit(const char* path, std::string* why) {
  const std::optional<std::string> text = ReadSysctl(path);
  if (!text) {
    *why = std::string(path) + " (documented in mq_overview(7)) cannot be read: " + ErrnoName(errno);
    return std::nullopt;
  }
  try {
    return std::stol(*text);
  } catch (const std::exception&) {
    *why = std::string(path) + " should hold a number; it reads \"" + *text + "\"";
    return std::nullopt;
  }
}

// The attributes of a queue created with attr NULL. Creating it is the behaviour under test, so a
// refusal is a FAIL (recorded here, nullopt returned), not a set-up error.
std::optional<mq_attr> AttributesGivenForNull() {
  Queue q("defaults");
  q.set(mq_open(q.name(), O_RDWR | O_CREAT | O_EXCL, 0600, nullptr));
  EXPECT_THAT(q.get(), SyscallSucceeds()) << "mq_open O_CREAT with attr NULL";
  if (!q.valid()) return std::nullopt;
  mq_attr seen{};
  const int r = mq_getattr(q.get(), &seen);
  EXPECT_THAT(r, SyscallSucceeds()) << "mq_getattr of the queue created with attr NULL";
  if (r != 0) return std::nullopt;
  return seen;
}

IPC_CASE(posix_mq, limits, maxmsg_above_msg_max_fails_einval_unprivileged,
         .title = "for an unprivileged process, mq_open with mq_maxmsg above msg_max fails with EINVAL",
         .covers = {"mq_open.EINVAL", "mq_overview7.msg_max_caps_unprivileged_maxmsg"},
         .statement = "In a process that is unprivileged (does not have the CAP_SYS_RESOURCE capability), "
                      "attr->mq_maxmsg must be less than or equal to the msg_max limit.",
         .refs = {"mq_open(3) EINVAL", "mq_overview(7) /proc/sys/fs/mqueue/msg_max"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  std::string why;
  const std::optional<long> msg_max = DocumentedLimit(kProcMsgMax, &why);
  ASSERT_TRUE(msg_max.has_value()) << why;
  RunUnprivileged([&] {
    EXPECT_THAT(Queue("over-maxmsg").TryCreate(Attr(*msg_max + 1, 16)), SyscallFailsWithErrno(EINVAL))
        << "mq_maxmsg " << *msg_max + 1 << " with msg_max " << *msg_max;
    EXPECT_THAT(Queue("over-maxmsg").TryCreate(Attr(*msg_max, 16)), SyscallSucceeds())
        << "mq_maxmsg equal to msg_max (" << *msg_max << ") is allowed";
  });
}

IPC_CASE(posix_mq, limits, msgsize_above_msgsize_max_fails_einval_unprivileged,
         .title = "for an unprivileged process, mq_open with mq_msgsize above msgsize_max fails with EINVAL",
         .covers = {"mq_open.EINVAL", "mq_overview7.msgsize_max_caps_unprivileged_msgsize"},
         .statement = "In a process that is unprivileged (does not have the CAP_SYS_RESOURCE capability), ... "
                      "attr->mq_msgsize must be less than or equal to the msgsize_max limit.",
         .refs = {"mq_open(3) EINVAL", "mq_overview(7) /proc/sys/fs/mqueue/msgsize_max"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  std::string why;
  const std::optional<long> msgsize_max = DocumentedLimit(kProcMsgsizeMax, &why);
  ASSERT_TRUE(msgsize_max.has_value()) << why;
  RunUnprivileged([&] {
    EXPECT_THAT(Queue("over-msgsize").TryCreate(Attr(1, *msgsize_max + 1)), SyscallFailsWithErrno(EINVAL))
        << "mq_msgsize " << *msgsize_max + 1 << " with msgsize_max " << *msgsize_max;
  });
}

IPC_CASE(posix_mq, limits, privileged_may_exceed_msg_max,
         .title = "a privileged process may create a queue with mq_maxmsg above msg_max",
         .covers = {"mq_overview7.privileged_ignores_msg_max"},
         .statement = "The msg_max limit is ignored for privileged processes (CAP_SYS_RESOURCE), but the "
                      "HARD_MSGMAX ceiling is nevertheless imposed.",
         .refs = {"mq_overview(7) /proc/sys/fs/mqueue/msg_max", "mq_open(3) EINVAL"},
         .cls = Conformance::linux_specific,
         .needs = IPCC_NEED_CAPABILITY(CAP_SYS_RESOURCE) | need::WritableSysctl(kProcMsgMax)) {
  // A small msg_max of its own, so that msg_max + 1 is far below HARD_MSGMAX (the host's msg_max may be
  // at that ceiling) and the queue stays small.
  constexpr long kLowered = 3;
  ScopedSysctl lowered(kProcMsgMax, kLowered);
  EXPECT_THAT(Queue("root-maxmsg").TryCreate(Attr(kLowered + 1, 16)), SyscallSucceeds())
      << "a process with CAP_SYS_RESOURCE creating a queue with mq_maxmsg " << kLowered + 1 << " (msg_max " << kLowered
      << ")";
}

IPC_CASE(posix_mq, limits, hard_msgmax_applies_to_privileged,
         .title = "even a privileged process cannot create a queue with mq_maxmsg above HARD_MSGMAX (65536)",
         .covers = {"mq_open.HARD_MSGMAX", "mq_open.EINVAL"},
         .statement = "The msg_max limit is ignored for privileged processes (CAP_SYS_RESOURCE), but the "
                      "HARD_MSGMAX ceiling is nevertheless imposed. ... Since Linux 3.5: 65,536",
         .refs = {"mq_overview(7) /proc/sys/fs/mqueue/msg_max", "mq_open(3) EINVAL"},
         .cls = Conformance::linux_specific, .needs = IPCC_NEED_CAPABILITY(CAP_SYS_RESOURCE) | need::MinKernel(3, 5)) {
  // Declared CAP_SYS_RESOURCE: without it the smaller msg_max limit would refuse the call and prove nothing.
  EXPECT_THAT(Queue("hard-maxmsg").TryCreate(Attr(kHardMsgMax + 1, 1)), SyscallFailsWithErrno(EINVAL))
      << "a process with CAP_SYS_RESOURCE creating a queue with mq_maxmsg " << kHardMsgMax + 1;
}

IPC_CASE(posix_mq, limits, lowered_msg_max_limits_maxmsg,
         .title = "lowering /proc/sys/fs/mqueue/msg_max lowers the mq_maxmsg an unprivileged process may ask for",
         .covers = {"mq_overview7.msg_max_caps_unprivileged_maxmsg", "mq_open.EINVAL"},
         .statement = "/proc/sys/fs/mqueue/msg_max This file can be used to view and change the ceiling value for "
                      "the maximum number of messages in a queue. This value acts as a ceiling on the "
                      "attr->mq_maxmsg argument given to mq_open(3).",
         .refs = {"mq_overview(7) /proc/sys/fs/mqueue/msg_max", "mq_open(3) EINVAL", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid | need::WritableSysctl(kProcMsgMax)) {
  ScopedSysctl lowered(kProcMsgMax, 3);
  RunUnprivileged([&] {
    EXPECT_THAT(Queue("lowered").TryCreate(Attr(4, 16)), SyscallFailsWithErrno(EINVAL)) << "mq_maxmsg 4 with msg_max 3";
    EXPECT_THAT(Queue("lowered").TryCreate(Attr(3, 16)), SyscallSucceeds()) << "mq_maxmsg 3 with msg_max 3";
  });
}

IPC_CASE(posix_mq, limits, default_attributes_from_proc,
         .title = "a queue created with attr NULL gets mq_maxmsg from msg_default and mq_msgsize from msgsize_default",
         .covers = {"mq_overview7.msg_default_sets_null_attr_maxmsg",
                    "mq_overview7.msgsize_default_sets_null_attr_msgsize", "mq_open.attr_null_gives_defaults"},
         .statement = "/proc/sys/fs/mqueue/msg_default (since Linux 3.5) This file defines the value used for a new "
                      "queue's mq_maxmsg setting when the queue is created with a call to mq_open(3) where attr is "
                      "specified as NULL. ... /proc/sys/fs/mqueue/msgsize_default (since Linux 3.5) This file "
                      "defines the value used for a new queue's mq_msgsize setting when the queue is created with "
                      "a call to mq_open(3) where attr is specified as NULL.",
         .refs = {"mq_overview(7) /proc/sys/fs/mqueue/msg_default, msgsize_default", "mq_open(3)"},
         .cls = Conformance::linux_specific,
         .needs = need::WritableSysctl(kProcMsgDefault) | need::WritableSysctl(kProcMsgsizeDefault) |
                  need::MinKernel(3, 5)) {
  // Values below both ceilings, so no capping is involved (the ceilings are only read: set-up).
  const long msg_max = ReadSysctlNumber(kProcMsgMax);
  const long msgsize_max = ReadSysctlNumber(kProcMsgsizeMax);
  const long want_msg = msg_max >= 5 ? 5 : msg_max;
  const long want_size = msgsize_max >= 200 ? 200 : msgsize_max;
  ScopedSysctl msg_default(kProcMsgDefault, want_msg);
  ScopedSysctl msgsize_default(kProcMsgsizeDefault, want_size);
  const std::optional<mq_attr> seen = AttributesGivenForNull();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->mq_maxmsg, want_msg) << "mq_maxmsg of a queue created with attr NULL (msg_default " << want_msg
                                       << ")";
  EXPECT_EQ(seen->mq_msgsize, want_size) << "mq_msgsize of a queue created with attr NULL (msgsize_default "
                                         << want_size << ")";
}

IPC_CASE(posix_mq, limits, default_maxmsg_capped_by_msg_max,
         .title = "with attr NULL, mq_maxmsg is the smaller of msg_default and msg_max",
         .covers = {"mq_overview7.msg_default_sets_null_attr_maxmsg"},
         .statement = "A new queue's default mq_maxmsg value will be the smaller of msg_default and msg_max.",
         .refs = {"mq_overview(7) /proc/sys/fs/mqueue/msg_default"}, .cls = Conformance::linux_specific,
         .needs = need::WritableSysctl(kProcMsgDefault) | need::WritableSysctl(kProcMsgMax) | need::MinKernel(3, 5)) {
  ScopedSysctl msg_default(kProcMsgDefault, 8);
  ScopedSysctl msg_max(kProcMsgMax, 3);
  const std::optional<mq_attr> seen = AttributesGivenForNull();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->mq_maxmsg, 3) << "msg_default 8 with msg_max 3 should give mq_maxmsg 3";
}

IPC_CASE(posix_mq, limits, queues_max_limits_unprivileged,
         .title = "an unprivileged process cannot create more queues than queues_max (ENOSPC)",
         .covers = {"mq_overview7.queues_max_limits_unprivileged", "mq_open.ENOSPC"},
         .statement = "/proc/sys/fs/mqueue/queues_max This file can be used to view and change the system-wide "
                      "limit on the number of message queues that can be created. ... ENOSPC Insufficient space "
                      "for the creation of a new message queue. This probably occurred because the queues_max "
                      "limit was encountered.",
         .refs = {"mq_overview(7) /proc/sys/fs/mqueue/queues_max", "mq_open(3) ENOSPC", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid | need::WritableSysctl(kProcQueuesMax)) {
  // Privileged processes may exceed queues_max, so the queues are made by an unprivileged child.
  ScopedSysctl lowered(kProcQueuesMax, 2);
  RunUnprivileged([&] {
    const mq_attr attr = Attr(2, 16);
    Queue first("q1");
    Queue second("q2");
    Queue third("q3");
    EXPECT_THAT(first.TryCreate(attr), SyscallSucceeds()) << "first queue of queues_max = 2";
    EXPECT_THAT(second.TryCreate(attr), SyscallSucceeds()) << "second queue of queues_max = 2";
    EXPECT_THAT(third.TryCreate(attr), SyscallFailsWithErrno(ENOSPC)) << "third queue with queues_max = 2";
  });
}

}  // namespace
