// ipc_namespaces(7), proc(5), msgop(2), mq_overview(7): IPC limits under /proc/sys belong to one IPC namespace.
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "conformance/namespace/ns_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::ns;

constexpr const char* kMsgmnb = "/proc/sys/kernel/msgmnb";
constexpr const char* kMsgmax = "/proc/sys/kernel/msgmax";
constexpr const char* kMqMsgMax = "/proc/sys/fs/mqueue/msg_max";
constexpr const char* kMqMsgsizeMax = "/proc/sys/fs/mqueue/msgsize_max";
constexpr const char* kMqQueuesMax = "/proc/sys/fs/mqueue/queues_max";

constexpr const char* kDistinct =
    "The following /proc interfaces are distinct in each IPC namespace: The POSIX message queue interfaces in "
    "/proc/sys/fs/mqueue. The System V IPC interfaces in /proc/sys/kernel, namely: msgmax, msgmnb, msgmni, sem, "
    "shmall, shmmax, shmmni, and shm_rmid_forced.";

// A value for `current` that differs from it (and from the documented defaults).
long Different(long current, long candidate) {
  return current == candidate ? candidate + 1 : candidate;
}

// Expects the documented sysctl file `path` to hold `expected`; a file that cannot be read is a
// deviation too (proc(5), mq_overview(7) document them), reported with the errno.
void ExpectLimit(const char* path, long expected, const std::string& what) {
  const auto text = ReadSysctl(path);
  if (!text) {
    ADD_FAILURE() << path << " cannot be read (" << ErrnoName(errno) << "): " << what;
    return;
  }
  EXPECT_EQ(*text, std::to_string(expected)) << path << ": " << what;
}

// Sets `path` in a new namespace, the write being part of what the case checks: a refusal FAILs.
void ExpectWrite(const char* path, long value) {
  const int err = TryWriteSysctl(path, std::to_string(value));
  EXPECT_EQ(err, 0) << "writing " << value << " to " << path << " in the new IPC namespace failed with "
                    << ErrnoName(err);
}

IPC_CASE(namespace, ipc, limits_independent,
         .title = "writing /proc/sys/kernel/msgmnb in a new IPC namespace leaves the parent namespace's value alone",
         .statement = kDistinct, .refs = {"ipc_namespaces(7)", "proc(5) /proc/sys/kernel/msgmnb"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::WritableSysctl(kMsgmnb)) {
  const long parent_before = ReadSysctlNumber(kMsgmnb);
  const long child_value = Different(parent_before, 12345);
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    ExpectWrite(kMsgmnb, child_value);
                    ExpectLimit(kMsgmnb, child_value, "the new namespace reads back its own value");
                  }),
                  "child setting msgmnb in a new IPC namespace");
  EXPECT_EQ(ReadSysctlNumber(kMsgmnb), parent_before)
      << "the parent namespace's msgmnb must be unchanged by the write in the child's namespace (the child "
         "wrote "
      << child_value << ")";
}

IPC_CASE(namespace, ipc, mq_limits_independent,
         .title = "writing /proc/sys/fs/mqueue/* in a new IPC namespace leaves the parent namespace's values alone",
         .statement = kDistinct, .refs = {"ipc_namespaces(7)", "mq_overview(7) /proc interfaces"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("posix_mq") | need::WritableSysctl(kMqMsgMax) |
                  need::WritableSysctl(kMqQueuesMax)) {
  const long msg_max = ReadSysctlNumber(kMqMsgMax);
  const long queues_max = ReadSysctlNumber(kMqQueuesMax);
  const long child_msg_max = Different(msg_max, 7);
  const long child_queues_max = Different(queues_max, 33);
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    ExpectWrite(kMqMsgMax, child_msg_max);
                    ExpectWrite(kMqQueuesMax, child_queues_max);
                    ExpectLimit(kMqMsgMax, child_msg_max, "the new namespace reads back its own value");
                    ExpectLimit(kMqQueuesMax, child_queues_max, "the new namespace reads back its own value");
                  }),
                  "child setting mqueue limits in a new IPC namespace");
  EXPECT_EQ(ReadSysctlNumber(kMqMsgMax), msg_max) << "the parent namespace's msg_max must be unchanged";
  EXPECT_EQ(ReadSysctlNumber(kMqQueuesMax), queues_max) << "the parent namespace's queues_max must be unchanged";
}

IPC_CASE(namespace, ipc, new_namespace_starts_with_default_limits,
         .title = "a new IPC namespace starts with the documented default limits, not its creator's values",
         .statement = "MSGMAX Maximum size of a message text, in bytes (default value: 8192 bytes). ... MSGMNB "
                      "Maximum number of bytes that can be held in a message queue (default value: 16384 bytes). "
                      "[mq_overview(7):] The default value for msg_max is 10. ... The default value for msgsize_max "
                      "is 8192 bytes. ... The default value for queues_max is 256. [ipc_namespaces(7):] The "
                      "following /proc interfaces are distinct in each IPC namespace",
         .refs = {"ipc_namespaces(7)", "msgop(2) MSGMAX MSGMNB", "mq_overview(7) /proc interfaces"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | kNeedIpcNamespace | need::Feature("sysv_msg") | need::Feature("posix_mq") |
                  need::WritableSysctl(kMsgmnb) | need::WritableSysctl(kMsgmax) | need::WritableSysctl(kMqMsgMax)) {
  // The case's own namespace gets non-default values first, so inheriting them would show.
  ScopedSysctl msgmnb(kMsgmnb, 20000);
  ScopedSysctl msgmax(kMsgmax, 4000);
  ScopedSysctl mq_msg_max(kMqMsgMax, 20);
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    ExpectLimit(kMsgmnb, 16384, "msgmnb of a new namespace (the creator's is 20000)");
                    ExpectLimit(kMsgmax, 8192, "msgmax of a new namespace (the creator's is 4000)");
                    ExpectLimit(kMqMsgMax, 10, "fs/mqueue/msg_max of a new namespace (the creator's is 20)");
                    ExpectLimit(kMqMsgsizeMax, 8192, "fs/mqueue/msgsize_max of a new namespace");
                    ExpectLimit(kMqQueuesMax, 256, "fs/mqueue/queues_max of a new namespace");
                  }),
                  "child reading the limits of a new IPC namespace");
}

IPC_CASE(namespace, ipc, limits_apply_per_namespace,
         .title = "msgmnb set in a new IPC namespace sizes the queues created there, not the parent's queues",
         .statement = "/proc/sys/kernel/msgmnb This file defines a system-wide parameter used to initialize the "
                      "msg_qbytes setting for subsequently created message queues. [ipc_namespaces(7):] The "
                      "following /proc interfaces are distinct in each IPC namespace",
         .refs = {"ipc_namespaces(7)", "proc(5) /proc/sys/kernel/msgmnb", "msgget(2) msg_qbytes", "msgctl(2) IPC_STAT"},
         .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("sysv_msg") | need::WritableSysctl(kMsgmnb)) {
  const long parent_msgmnb = ReadSysctlNumber(kMsgmnb);
  const long child_msgmnb = Different(parent_msgmnb, 1234);
  ExpectCleanExit(RunInChild([&] {
                    UnshareIpc();
                    WriteSysctl(kMsgmnb, child_msgmnb);  // set-up here: the statement is about its effect
                    const int msq = IPCC_SETUP(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
                    msqid_ds ds{};
                    EXPECT_THAT(msgctl(msq, IPC_STAT, &ds), SyscallSucceeds());
                    EXPECT_EQ(static_cast<long>(ds.msg_qbytes), child_msgmnb)
                        << "a queue created in the child's namespace takes that namespace's msgmnb";
                    msgctl(msq, IPC_RMID, nullptr);
                  }),
                  "child creating a queue under its own msgmnb");
  const int msq = IPCC_SETUP(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
  ScopedCleanup rm([&] { msgctl(msq, IPC_RMID, nullptr); });
  msqid_ds ds{};
  ASSERT_THAT(msgctl(msq, IPC_STAT, &ds), SyscallSucceeds());
  EXPECT_EQ(static_cast<long>(ds.msg_qbytes), parent_msgmnb)
      << "a queue created in the parent namespace afterwards still takes the parent's msgmnb (the child set "
      << child_msgmnb << " in its own namespace)";
}

}  // namespace
