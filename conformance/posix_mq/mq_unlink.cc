// mq_unlink(3), POSIX mq_unlink(): removing queue names.
#include <fcntl.h>
#include <mqueue.h>
#include <sys/stat.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_unlink, removes_name_open_descriptors_keep_working,
         .title = "mq_unlink removes the name at once while descriptors already open keep sending and receiving",
         .covers = {"name_removed_at_once", "open_descriptors_keep_working"},
         .statement = "mq_unlink() removes the specified message queue name. The message queue name is removed "
                      "immediately. The queue itself is destroyed once any other processes that have the queue "
                      "open close their descriptors referring to the queue.",
         .refs = {"mq_unlink(3)", "POSIX.1-2017 mq_unlink()"}) {
  Queue q("unlink", Attr(4, 16));
  ASSERT_THAT(mq_send(q.get(), "queued", 6, 1), SyscallSucceeds());
  ASSERT_THAT(mq_unlink(q.name()), SyscallSucceeds());
  q.ForgetName();
  ExpectOpenFails(q.str(), O_RDWR, nullptr, ENOENT, "mq_open without O_CREAT of the unlinked name");
  // Bounded: a queue whose messages went with its name would leave these receives blocked for good.
  ExpectReturnsWithin("sending and receiving through the descriptor after mq_unlink", [&] {
    char buf[16];
    EXPECT_THAT(mq_receive(q.get(), buf, sizeof buf, nullptr), SyscallSucceedsWithValue(6))
        << "the message queued before mq_unlink should still be received through the open descriptor";
    EXPECT_THAT(mq_send(q.get(), "after", 5, 0), SyscallSucceeds()) << "sending after mq_unlink";
    EXPECT_THAT(mq_receive(q.get(), buf, sizeof buf, nullptr), SyscallSucceedsWithValue(5))
        << "receiving after mq_unlink";
  });
}

IPC_CASE(posix_mq, mq_unlink, name_reusable_while_old_queue_open,
         .title = "after mq_unlink, O_CREAT of the same name makes a new, empty queue while the old one lives on",
         .covers = {"name_reusable_at_once"},
         .statement = "The message queue name is removed immediately; the queue itself lives on while some process "
                      "has it open. After a successful mq_unlink, an mq_open of the name with O_CREAT creates a "
                      "new queue as if no queue of that name existed.",
         .refs = {"mq_unlink(3)", "POSIX.1-2017 mq_unlink() DESCRIPTION"}, .cls = Conformance::posix) {
  const mq_attr attr = Attr(4, 16);
  Queue q("reuse", attr);
  ASSERT_THAT(mq_send(q.get(), "old", 3, 0), SyscallSucceeds());
  ASSERT_THAT(mq_unlink(q.name()), SyscallSucceeds());
  q.ForgetName();
  Queue fresh = Queue::Named(q.str());
  ASSERT_THAT(fresh.TryCreate(attr), SyscallSucceeds()) << "re-creating the unlinked name";
  ExpectCurMsgs(fresh.get(), 0, "the new queue must not hold the old queue's message");
  ExpectCurMsgs(q.get(), 1, "the old queue should keep its message");
}

IPC_CASE(posix_mq, mq_unlink, missing_name_fails_enoent,
         .title = "mq_unlink of a name that does not exist fails with ENOENT", .covers = {"ENOENT"},
         .statement = "ENOENT There is no message queue with the given name.",
         .refs = {"mq_unlink(3) ENOENT", "POSIX.1-2017 mq_unlink() [ENOENT]"}) {
  const std::string name = UniqueMqName("nothing");
  EXPECT_THAT(mq_unlink(name.c_str()), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(posix_mq, mq_unlink, overlong_name_fails_enametoolong,
         .title = "mq_unlink of a name longer than NAME_MAX fails with ENAMETOOLONG", .covers = {"ENAMETOOLONG"},
         .statement = "ENAMETOOLONG name was too long.",
         .refs = {"mq_unlink(3) ENAMETOOLONG", "POSIX.1-2017 mq_unlink() [ENAMETOOLONG]"}) {
  const std::string name = "/" + std::string(300, 'u');
  EXPECT_THAT(mq_unlink(name.c_str()), SyscallFailsWithErrno(ENAMETOOLONG));
}

IPC_CASE(posix_mq, mq_unlink, other_users_queue_fails_eacces,
         .title = "an unprivileged user cannot mq_unlink root's queue (EACCES), even one with mode 0666",
         .covers = {"EACCES", "failure_changes_nothing"},
         .statement = "EACCES The caller does not have permission to unlink this message queue. (The queues live "
                      "in a directory with the sticky bit set: only the owner may remove a name.)",
         .refs = {"mq_unlink(3) EACCES", "mq_overview(7) Mounting the message queue filesystem",
                  "POSIX.1-2017 mq_unlink() [EACCES]"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  const ScopedUmask no_umask(0);
  Queue q("owned", Attr(2, 16), O_RDWR, 0666);
  RunUnprivileged(
      [&] { EXPECT_THAT(mq_unlink(q.name()), SyscallFailsWithErrno(EACCES)) << "mq_unlink of root's 0666 queue"; });
  const UniqueMqd again(mq_open(q.name(), O_RDWR));
  EXPECT_THAT(again.get(), SyscallSucceeds()) << "the name should still exist after the refused mq_unlink";
}

IPC_CASE(posix_mq, mq_unlink, queue_destroyed_after_last_close,
         .title = "an unlinked queue still counts against queues_max until its last descriptor is closed",
         .covers = {"destroyed_after_last_close", "mq_overview7.queues_max_limits_unprivileged", "mq_open.ENOSPC"},
         .statement = "The queue itself is destroyed once any other processes that have the queue open close their "
                      "descriptors referring to the queue. (mq_overview(7): queues_max limits the number of "
                      "message queues that can be created; mq_open(3) ENOSPC.)",
         .refs = {"mq_unlink(3)", "mq_overview(7) /proc/sys/fs/mqueue/queues_max", "mq_open(3) ENOSPC"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid | need::WritableSysctl(kProcQueuesMax)) {
  // Privileged processes may exceed queues_max, so the queues are made by an unprivileged child.
  ScopedSysctl lowered(kProcQueuesMax, 1);
  RunUnprivileged([&] {
    const mq_attr attr = Attr(2, 16);
    Queue first("first");
    ASSERT_THAT(first.TryCreate(attr), SyscallSucceeds()) << "creating the one queue queues_max allows";
    ASSERT_THAT(mq_unlink(first.name()), SyscallSucceeds());
    first.ForgetName();
    {
      Queue refused("refused");  // removed again at once if it was made after all
      EXPECT_THAT(refused.TryCreate(attr), SyscallFailsWithErrno(ENOSPC))
          << "while the unlinked queue is still open it should still exist, and count against queues_max = 1";
    }
    ASSERT_THAT(mq_close(first.get()), SyscallSucceeds());
    first.ForgetDescriptor();
    Queue later("later");
    EXPECT_THAT(later.TryCreate(attr), SyscallSucceeds())
        << "after the last descriptor of the unlinked queue was closed the queue should be destroyed, "
           "leaving room for a new one";
  });
}

}  // namespace
