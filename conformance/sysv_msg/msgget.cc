// msgget(2): creating and finding System V message queues.
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_msg.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_msg;

IPC_CASE(sysv_msg, msgget, ipc_private_always_creates_new_queue,
         .title = "msgget(IPC_PRIVATE) creates a new, distinct queue on every call", .covers = {"IPC_PRIVATE"},
         .statement = "A new message queue is created if key has the value IPC_PRIVATE or key isn't "
                      "IPC_PRIVATE, no message queue with the given key key exists, and IPC_CREAT is "
                      "specified in msgflg.",
         .refs = {"msgget(2) DESCRIPTION", "POSIX.1-2017 msgget()"}, .cls = Conformance::xsi) {
  Queue a = NewQueue(0600);
  Queue b = NewQueue(0600);
  EXPECT_NE(a.id(), b.id()) << "expected two msgget(IPC_PRIVATE) calls to return different identifiers";
  ASSERT_THAT(Send(a.id(), 1, "only in a"), SyscallSucceeds());
  EXPECT_EQ(Stat(a.id()).msg_qnum, 1u) << "expected the message in the first queue";
  EXPECT_EQ(Stat(b.id()).msg_qnum, 0u) << "expected the second IPC_PRIVATE queue to be a different, still empty queue";
}

IPC_CASE(sysv_msg, msgget, ipc_private_creates_without_ipc_creat,
         .title = "msgget(IPC_PRIVATE) creates a queue even without IPC_CREAT", .covers = {"IPC_PRIVATE"},
         .statement = "IPC_PRIVATE isn't a flag field but a key_t type. If this special value is used for "
                      "key, the system call ignores everything but the least significant 9 bits of msgflg "
                      "and creates a new message queue (on success).",
         .refs = {"msgget(2) NOTES", "POSIX.1-2017 msgget() (key equal to IPC_PRIVATE)"}, .cls = Conformance::xsi) {
  const int id = msgget(IPC_PRIVATE, 0600);
  ASSERT_THAT(id, SyscallSucceeds()) << "msgget(IPC_PRIVATE, 0600) without IPC_CREAT should create a queue";
  Queue q(id);
  EXPECT_EQ(Stat(id).msg_perm.mode & 0777, 0600) << "expected the new queue to have the requested mode 0600";
}

IPC_CASE(sysv_msg, msgget, creat_excl_on_existing_key_fails_eexist,
         .title = "msgget(key, IPC_CREAT|IPC_EXCL) on an existing key fails with EEXIST",
         .covers = {"EEXIST", "IPC_EXCL"},
         .statement = "If msgflg specifies both IPC_CREAT and IPC_EXCL and a message queue already exists "
                      "for key, then msgget() fails with errno set to EEXIST.",
         .refs = {"msgget(2) DESCRIPTION, ERRORS", "POSIX.1-2017 msgget() [EEXIST]"}, .cls = Conformance::xsi) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  EXPECT_THAT(msgget(key.key, IPC_CREAT | IPC_EXCL | 0600), SyscallFailsWithErrno(EEXIST));
}

IPC_CASE(sysv_msg, msgget, missing_key_without_creat_fails_enoent,
         .title = "msgget(key, 0) for a key with no queue fails with ENOENT", .covers = {"ENOENT"},
         .statement = "ENOENT No message queue exists for key and msgflg did not specify IPC_CREAT.",
         .refs = {"msgget(2) ERRORS", "POSIX.1-2017 msgget() [ENOENT]"}, .cls = Conformance::xsi) {
  // A key that was just free (a queue was created on it), then made free again.
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  ASSERT_THAT(msgctl(q.id(), IPC_RMID, nullptr), SyscallSucceeds());
  q.Release();
  EXPECT_THAT(msgget(key.key, 0600), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(sysv_msg, msgget, existing_key_returns_same_id,
         .title = "msgget on an existing key returns the identifier of that queue",
         .covers = {"existing_key_returns_its_queue", "IPC_CREAT"},
         .statement = "The msgget() system call returns the System V message queue identifier associated "
                      "with the value of the key argument. It may be used either to obtain the identifier of "
                      "a previously created message queue ... or to create a new set.",
         .refs = {"msgget(2) DESCRIPTION", "POSIX.1-2017 msgget()"}, .cls = Conformance::xsi) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  EXPECT_THAT(msgget(key.key, 0), SyscallSucceedsWithValue(q.id())) << "msgget(key, 0) should find the queue";
  EXPECT_THAT(msgget(key.key, IPC_CREAT | 0600), SyscallSucceedsWithValue(q.id()))
      << "msgget(key, IPC_CREAT) should find the existing queue, not make another";
}

IPC_CASE(sysv_msg, msgget, ipc_creat_on_existing_keeps_mode,
         .title = "msgget(key, IPC_CREAT|mode) on an existing queue does not change its mode",
         .covers = {"existing_queue_mode_unchanged"},
         .statement = "Upon creation, the least significant bits of the argument msgflg define the "
                      "permissions of the message queue. ... If the message queue already exists the "
                      "permissions are verified, and a check is made to see if it is marked for destruction.",
         .refs = {"msgget(2) DESCRIPTION", "POSIX.1-2017 msgget()"}, .cls = Conformance::xsi) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  ASSERT_THAT(msgget(key.key, IPC_CREAT | 0666), SyscallSucceedsWithValue(q.id()));
  EXPECT_EQ(Stat(q.id()).msg_perm.mode & 0777, 0600)
      << "the mode of an existing queue is set only at creation; a later msgget must not change it";
}

IPC_CASE(sysv_msg, msgget, new_queue_owner_and_creator_are_caller,
         .title = "a new queue's uid/cuid and gid/cgid are the creator's effective ids",
         .covers = {"new_queue_owner_and_creator_are_caller"},
         .statement = "msg_perm.cuid and msg_perm.uid are set to the effective user ID of the calling "
                      "process. msg_perm.cgid and msg_perm.gid are set to the effective group ID of the "
                      "calling process.",
         .refs = {"msgget(2) DESCRIPTION", "POSIX.1-2017 msgget()"}, .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  RunAs(nobody, "unprivileged creator", [&] {
    const int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    ASSERT_THAT(id, SyscallSucceeds());
    Queue q(id);
    const msqid_ds ds = Stat(id);
    EXPECT_EQ(ds.msg_perm.uid, nobody.uid) << "msg_perm.uid should be the creator's effective uid";
    EXPECT_EQ(ds.msg_perm.cuid, nobody.uid) << "msg_perm.cuid should be the creator's effective uid";
    EXPECT_EQ(ds.msg_perm.gid, nobody.gid) << "msg_perm.gid should be the creator's effective gid";
    EXPECT_EQ(ds.msg_perm.cgid, nobody.gid) << "msg_perm.cgid should be the creator's effective gid";
  });
}

IPC_CASE(sysv_msg, msgget, new_queue_mode_is_msgflg_low_bits,
         .title = "a new queue's mode is the low 9 bits of msgflg (the umask does not apply)",
         .covers = {"new_queue_mode_is_msgflg_low_bits"},
         .statement = "The least significant 9 bits of msg_perm.mode are set to the least significant 9 "
                      "bits of msgflg.",
         .refs = {"msgget(2) DESCRIPTION", "POSIX.1-2017 msgget() (low-order nine bits of msg_perm.mode)"},
         .cls = Conformance::xsi) {
  Child c = Fork([&] {
    umask(077);
    const int id = msgget(IPC_PRIVATE, IPC_CREAT | 0666);
    ASSERT_THAT(id, SyscallSucceeds());
    Queue q(id);
    EXPECT_EQ(Stat(id).msg_perm.mode & 0777, 0666)
        << "expected mode 0666 from msgflg even with umask 077 (System V IPC modes are not masked)";
  });
  ExpectCleanExit(c.Wait(), "creator with umask 077");
}

IPC_CASE(sysv_msg, msgget, new_queue_counters_are_zero,
         .title = "a new queue has msg_qnum, msg_lspid, msg_lrpid, msg_stime and msg_rtime set to 0",
         .covers = {"new_queue_counters_are_zero"},
         .statement = "msg_qnum, msg_lspid, msg_lrpid, msg_stime, and msg_rtime are set to 0.",
         .refs = {"msgget(2) DESCRIPTION", "POSIX.1-2017 msgget()"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  const msqid_ds ds = Stat(q.id());
  EXPECT_EQ(ds.msg_qnum, 0u) << "msg_qnum of a new queue";
  EXPECT_EQ(ds.msg_lspid, 0) << "msg_lspid of a new queue";
  EXPECT_EQ(ds.msg_lrpid, 0) << "msg_lrpid of a new queue";
  EXPECT_EQ(ds.msg_stime, 0) << "msg_stime of a new queue";
  EXPECT_EQ(ds.msg_rtime, 0) << "msg_rtime of a new queue";
}

IPC_CASE(sysv_msg, msgget, new_queue_ctime_is_now, .title = "a new queue's msg_ctime is the current time",
         .covers = {"new_queue_ctime_is_now"}, .statement = "msg_ctime is set to the current time.",
         .refs = {"msgget(2) DESCRIPTION", "POSIX.1-2017 msgget()"}, .cls = Conformance::xsi) {
  Queue q;
  ExpectStampedNow("msg_ctime", &msqid_ds::msg_ctime, [&] {
    q = NewQueue(0600);
    return q.id();
  });
}

IPC_CASE(sysv_msg, msgget, new_queue_qbytes_is_msgmnb, .title = "a new queue's msg_qbytes is the system limit MSGMNB",
         .covers = {"new_queue_qbytes_is_msgmnb"}, .statement = "msg_qbytes is set to the system limit MSGMNB.",
         .refs = {"msgget(2) DESCRIPTION", "msgop(2) NOTES (MSGMNB, /proc/sys/kernel/msgmnb)", "POSIX.1-2017 msgget()"},
         .cls = Conformance::xsi) {
  const long msgmnb = Limit("msgmnb");
  Queue q = NewQueue(0600);
  EXPECT_EQ(static_cast<long>(Stat(q.id()).msg_qbytes), msgmnb)
      << "expected msg_qbytes of a new queue to equal msgmnb (" << msgmnb << ")";
}

IPC_CASE(sysv_msg, msgget, existing_key_without_permission_fails_eacces,
         .title = "msgget of another user's 0600 queue asking for read/write fails with EACCES", .covers = {"EACCES"},
         .statement = "EACCES A message queue exists for key, but the calling process does not have "
                      "permission to access the queue, and does not have the CAP_IPC_OWNER capability in "
                      "the user namespace that governs its IPC namespace.",
         .refs = {"msgget(2) ERRORS", "POSIX.1-2017 msgget() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  RunAs(nobody, "unprivileged msgget", [&] {
    // The permission asked for is the low 9 bits of msgflg (POSIX), here read and write.
    EXPECT_THAT(msgget(key.key, 0600), SyscallFailsWithErrno(EACCES));
  });
}

}  // namespace
