// proc(5) /proc/sys/kernel/msgmnb, msgmax, msgmni: the queue limits, set in the case's own IPC namespace.
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_msg.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_msg;

IPC_CASE(sysv_msg, limits, lowered_msgmnb_is_default_qbytes,
         .title = "after lowering /proc/sys/kernel/msgmnb, a new queue's msg_qbytes is the new value",
         .covers = {"proc5.msgmnb_sets_new_queue_qbytes", "msgsnd.MSGMNB", "msgsnd.EAGAIN"},
         .statement = "/proc/sys/kernel/msgmnb This file defines a system-wide parameter used to initialize the "
                      "msg_qbytes setting for subsequently created message queues.",
         .refs = {"proc(5) /proc/sys/kernel/msgmnb", "msgget(2) DESCRIPTION", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/msgmnb")) {
  const ScopedSysctl limit("/proc/sys/kernel/msgmnb", 1000);
  Queue q = NewQueue(0600);
  EXPECT_EQ(Stat(q.id()).msg_qbytes, 1000u) << "msg_qbytes of a queue created after msgmnb was set to 1000";
  // The limit is real: 1000 bytes fit, one more byte does not.
  const std::vector<char> buf = BigMessage(1000);
  ASSERT_THAT(msgsnd(q.id(), buf.data(), 1000, IPC_NOWAIT), SyscallSucceeds());
  EXPECT_THAT(Send(q.id(), 1, "x"), SyscallFailsWithErrno(EAGAIN)) << "the queue holds msgmnb = 1000 bytes";
}

IPC_CASE(sysv_msg, limits, lowered_msgmax_rejects_bigger_message,
         .title = "after lowering /proc/sys/kernel/msgmax, a bigger msgsnd fails with EINVAL",
         .covers = {"msgsnd.MSGMAX", "msgsnd.EINVAL"},
         .statement = "MSGMAX Maximum size of a message text, in bytes (default value: 8192 bytes). On Linux, "
                      "this limit can be read and modified via /proc/sys/kernel/msgmax. ... EINVAL ... invalid "
                      "msgsz value (less than 0 or greater than the system value MSGMAX).",
         .refs = {"msgop(2) NOTES (MSGMAX), ERRORS", "proc(5) /proc/sys/kernel/msgmax", "ipc_namespaces(7)"},
         .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/msgmax")) {
  const ScopedSysctl limit("/proc/sys/kernel/msgmax", 100);
  Queue q = NewQueue(0600);
  EXPECT_THAT(Send(q.id(), 1, std::string(101, 'b')), SyscallFailsWithErrno(EINVAL)) << "msgmax is now 100";
  EXPECT_THAT(Send(q.id(), 1, std::string(100, 'a')), SyscallSucceeds()) << "exactly msgmax (100) bytes";
}

IPC_CASE(sysv_msg, limits, msgmni_exhausted_fails_enospc,
         .title = "with /proc/sys/kernel/msgmni queues in use, creating another fails with ENOSPC",
         .covers = {"msgget.MSGMNI", "msgget.ENOSPC"},
         .statement = "ENOSPC A message queue has to be created but the system limit for the maximum number of "
                      "message queues (MSGMNI) would be exceeded. ... On Linux, this limit can be read and "
                      "modified via /proc/sys/kernel/msgmni.",
         .refs = {"msgget(2) ERRORS, NOTES (MSGMNI)", "proc(5) /proc/sys/kernel/msgmni", "ipc_namespaces(7)",
                  "POSIX.1-2017 msgget() [ENOSPC]"},
         .cls = Conformance::xsi, .needs = kNeedIpcNamespace | need::WritableSysctl("/proc/sys/kernel/msgmni")) {
  const ScopedSysctl limit("/proc/sys/kernel/msgmni", 2);
  Queue a = NewQueue(0600);
  Queue b = NewQueue(0600);
  const int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  EXPECT_THAT(id, SyscallFailsWithErrno(ENOSPC)) << "msgmni is 2 and the namespace holds 2 queues";
  Queue extra(id);  // removed again should the limit not hold
}

}  // namespace
