// msgctl(2): status, settings, removal and the Linux information commands.
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_msg.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_msg;

// The index of the kernel's queue table that holds `id` (MSG_STAT over 0..IPC_INFO's highest index),
// or -1.
int IndexOf(int id) {
  msginfo info;
  std::memset(&info, 0, sizeof info);
  const int max_index = msgctl(0, IPC_INFO, reinterpret_cast<msqid_ds*>(&info));
  if (max_index < 0) ThrowHarnessError("set-up: msgctl(IPC_INFO) for the highest index: " + ErrnoName(errno));
  for (int index = 0; index <= max_index; ++index) {
    msqid_ds ds;
    if (msgctl(index, MSG_STAT, &ds) == id) return index;
  }
  return -1;
}

// The statement of the two cases about IPC_SET and IPC_RMID by a process that neither owns nor created
// the queue.
constexpr const char* kNotOwnerEperm =
    "EPERM The argument cmd has the value IPC_SET or IPC_RMID, but the effective user ID of the calling process "
    "is not the creator (as found in msg_perm.cuid) or the owner (as found in msg_perm.uid) of the message queue, "
    "and the caller is not privileged.";

IPC_CASE(sysv_msg, msgctl, rmid_wakes_receiver_with_eidrm,
         .title = "IPC_RMID wakes a blocked msgrcv, which fails with EIDRM", .covers = {"IPC_RMID", "msgrcv.EIDRM"},
         .statement = "IPC_RMID Immediately remove the message queue, awakening all waiting reader and writer "
                      "processes (with an error return and errno set to EIDRM).",
         .refs = {"msgctl(2) IPC_RMID", "msgop(2) msgrcv() EIDRM", "POSIX.1-2017 msgrcv() [EIDRM]"},
         .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  Child receiver = Fork([&] {
    Received r;
    EXPECT_THAT(Recv(q.id(), 64, 0, 0, &r), SyscallFailsWithErrno(EIDRM));
  });
  IPCC_ASSERT_BLOCKED(receiver.pid(), IPCC_MSGRCV_SYSCALLS);
  ASSERT_THAT(msgctl(q.id(), IPC_RMID, nullptr), SyscallSucceeds());
  q.Release();
  ExpectCleanExit(receiver.Wait(), "blocked receiver");
}

IPC_CASE(sysv_msg, msgctl, rmid_wakes_sender_with_eidrm,
         .title = "IPC_RMID wakes a msgsnd blocked on a full queue, which fails with EIDRM",
         .covers = {"IPC_RMID", "msgsnd.EIDRM"},
         .statement = "IPC_RMID Immediately remove the message queue, awakening all waiting reader and writer "
                      "processes (with an error return and errno set to EIDRM).",
         .refs = {"msgctl(2) IPC_RMID", "msgop(2) msgsnd() EIDRM", "POSIX.1-2017 msgsnd() [EIDRM]"},
         .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  SetQbytes(q.id(), 4);
  ASSERT_THAT(Send(q.id(), 1, "full"), SyscallSucceeds());
  Child sender = Fork([&] { EXPECT_THAT(Send(q.id(), 1, "more", 0), SyscallFailsWithErrno(EIDRM)); });
  IPCC_ASSERT_BLOCKED(sender.pid(), IPCC_MSGSND_SYSCALLS);
  ASSERT_THAT(msgctl(q.id(), IPC_RMID, nullptr), SyscallSucceeds());
  q.Release();
  ExpectCleanExit(sender.Wait(), "blocked sender");
}

IPC_CASE(sysv_msg, msgctl, rmid_removes_key, .title = "after IPC_RMID the queue's key no longer finds a queue",
         .covers = {"rmid_frees_key", "msgget.ENOENT"},
         .statement = "IPC_RMID Immediately remove the message queue ... ENOENT No message queue exists for "
                      "key and msgflg did not specify IPC_CREAT.",
         .refs = {"msgctl(2) IPC_RMID", "msgget(2) ERRORS", "POSIX.1-2017 msgctl() IPC_RMID"},
         .cls = Conformance::xsi) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  ASSERT_THAT(Send(q.id(), 1, "discarded"), SyscallSucceeds());
  ASSERT_THAT(msgctl(q.id(), IPC_RMID, nullptr), SyscallSucceeds());
  q.Release();
  EXPECT_THAT(msgget(key.key, 0), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(sysv_msg, msgctl, removed_queue_stat_fails,
         .title = "IPC_STAT on the id of a removed queue fails with EINVAL or EIDRM",
         .covers = {"removed_queue_id_refused"},
         .statement = "EIDRM The message queue was removed. EINVAL Invalid value for cmd or msqid.",
         .refs = {"msgctl(2) ERRORS", "POSIX.1-2017 msgctl() [EINVAL]"}, .cls = Conformance::xsi) {
  const int id = RemovedQueueId();
  msqid_ds ds;
  EXPECT_THAT(msgctl(id, IPC_STAT, &ds), SyscallFailsWithAnyErrno(std::vector<int>{EINVAL, EIDRM}));
}

IPC_CASE(sysv_msg, msgctl, invalid_cmd_fails_einval, .title = "msgctl with an unknown command fails with EINVAL",
         .covers = {"EINVAL"}, .statement = "EINVAL Invalid value for cmd or msqid.",
         .refs = {"msgctl(2) ERRORS", "POSIX.1-2017 msgctl() [EINVAL]"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  msqid_ds ds;
  std::memset(&ds, 0, sizeof ds);
  EXPECT_THAT(msgctl(q.id(), 0x3e7, &ds), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(sysv_msg, msgctl, ipc_set_changes_mode, .title = "IPC_SET changes the low 9 bits of msg_perm.mode",
         .covers = {"IPC_SET", "ipc_set_updates_fields"},
         .statement = "IPC_SET Write the values of some members of the msqid_ds structure pointed to by buf to "
                      "the kernel data structure ... The following members of the structure are updated: "
                      "msg_qbytes, msg_perm.uid, msg_perm.gid, and (the least significant 9 bits of) "
                      "msg_perm.mode.",
         .refs = {"msgctl(2) IPC_SET", "POSIX.1-2017 msgctl() IPC_SET"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  msqid_ds ds = Stat(q.id());
  ds.msg_perm.mode = 0642;
  ASSERT_THAT(msgctl(q.id(), IPC_SET, &ds), SyscallSucceeds());
  EXPECT_EQ(Stat(q.id()).msg_perm.mode & 0777, 0642) << "the mode after IPC_SET";
}

IPC_CASE(sysv_msg, msgctl, ipc_set_lowers_qbytes,
         .title = "IPC_SET can lower msg_qbytes, and IPC_STAT reports the new value",
         .covers = {"IPC_SET", "ipc_set_updates_fields"},
         .statement = "During queue creation this field is initialized to MSGMNB bytes, but this limit can be "
                      "modified using msgctl(2).",
         .refs = {"msgop(2) msgsnd()", "msgctl(2) IPC_SET", "POSIX.1-2017 msgctl() IPC_SET"}, .cls = Conformance::xsi) {
  Queue q = NewQueue(0600);
  msqid_ds ds = Stat(q.id());
  ASSERT_GT(ds.msg_qbytes, 100u);
  ds.msg_qbytes = 100;
  ASSERT_THAT(msgctl(q.id(), IPC_SET, &ds), SyscallSucceeds());
  EXPECT_EQ(Stat(q.id()).msg_qbytes, 100u) << "msg_qbytes after IPC_SET";
}

IPC_CASE(sysv_msg, msgctl, raise_qbytes_above_msgmnb_unprivileged_fails_eperm,
         .title = "an unprivileged owner cannot raise msg_qbytes above MSGMNB (EPERM)", .covers = {"EPERM"},
         .statement = "EPERM An attempt (IPC_SET) was made to increase msg_qbytes beyond the system parameter "
                      "MSGMNB, but the caller is not privileged (Linux: does not have the CAP_SYS_RESOURCE "
                      "capability).",
         .refs = {"msgctl(2) IPC_SET, ERRORS", "POSIX.1-2017 msgctl() [EPERM]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  const long msgmnb = Limit("msgmnb");
  RunAs(nobody, "unprivileged owner", [&] {
    Queue q = NewQueue(0600);
    const int id = q.id();
    msqid_ds ds = Stat(id);
    ASSERT_EQ(static_cast<long>(ds.msg_qbytes), msgmnb) << "a new queue starts at msgmnb";
    ds.msg_qbytes = static_cast<msglen_t>(msgmnb) - 1;
    ASSERT_THAT(msgctl(id, IPC_SET, &ds), SyscallSucceeds()) << "the owner may lower msg_qbytes";
    ds.msg_qbytes = static_cast<msglen_t>(msgmnb) + 1;
    EXPECT_THAT(msgctl(id, IPC_SET, &ds), SyscallFailsWithErrno(EPERM)) << "msgmnb is " << msgmnb;
    EXPECT_EQ(static_cast<long>(Stat(id).msg_qbytes), msgmnb - 1) << "msg_qbytes must be unchanged";
  });
}

IPC_CASE(sysv_msg, msgctl, privileged_may_raise_qbytes_above_msgmnb,
         .title = "a privileged process may raise msg_qbytes above MSGMNB", .covers = {"privileged_may_raise_qbytes"},
         .statement = "A privileged process (Linux: a process with the CAP_SYS_RESOURCE capability) can "
                      "increase the size of a message queue beyond MSGMNB using the msgctl(2) IPC_SET "
                      "operation.",
         .refs = {"msgop(2) NOTES (MSGMNB)", "msgctl(2) IPC_SET", "POSIX.1-2017 msgctl() IPC_SET"},
         .cls = Conformance::xsi, .needs = kNeedRoot | IPCC_NEED_CAPABILITY(CAP_SYS_RESOURCE)) {
  Queue q = NewQueue(0600);
  msqid_ds ds = Stat(q.id());
  const msglen_t raised = ds.msg_qbytes + 4096;
  ds.msg_qbytes = raised;
  ASSERT_THAT(msgctl(q.id(), IPC_SET, &ds), SyscallSucceeds());
  EXPECT_EQ(Stat(q.id()).msg_qbytes, raised) << "msg_qbytes after a privileged raise";
}

IPC_CASE(sysv_msg, msgctl, ipc_set_by_non_owner_fails_eperm,
         .title = "IPC_SET by a process that is neither owner nor creator fails with EPERM", .covers = {"EPERM"},
         .statement = kNotOwnerEperm, .refs = {"msgctl(2) ERRORS", "POSIX.1-2017 msgctl() [EPERM]"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0666);  // read/write for everyone: only ownership is missing
  RunAs(nobody, "non-owner", [&] {
    msqid_ds ds = Stat(q.id());
    ds.msg_perm.mode = 0600;
    EXPECT_THAT(msgctl(q.id(), IPC_SET, &ds), SyscallFailsWithErrno(EPERM));
  });
  EXPECT_EQ(Stat(q.id()).msg_perm.mode & 0777, 0666) << "the mode must be unchanged";
}

IPC_CASE(sysv_msg, msgctl, rmid_by_non_owner_fails_eperm,
         .title = "IPC_RMID by a process that is neither owner nor creator fails with EPERM", .covers = {"EPERM"},
         .statement = kNotOwnerEperm, .refs = {"msgctl(2) ERRORS", "POSIX.1-2017 msgctl() [EPERM]"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0666);
  RunAs(nobody, "non-owner", [&] { EXPECT_THAT(msgctl(q.id(), IPC_RMID, nullptr), SyscallFailsWithErrno(EPERM)); });
  msqid_ds ds;
  EXPECT_THAT(msgctl(q.id(), IPC_STAT, &ds), SyscallSucceeds()) << "the queue must still exist";
}

IPC_CASE(sysv_msg, msgctl, ipc_stat_without_read_fails_eacces,
         .title = "IPC_STAT without read permission fails with EACCES", .covers = {"EACCES"},
         .statement = "IPC_STAT ... The caller must have read permission on the message queue. ... EACCES The "
                      "argument cmd is equal to IPC_STAT or MSG_STAT, but the calling process does not have "
                      "read permission on the message queue msqid.",
         .refs = {"msgctl(2) IPC_STAT, ERRORS", "POSIX.1-2017 msgctl() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0622);  // others may write, not read
  RunAs(nobody, "unprivileged IPC_STAT", [&] {
    msqid_ds ds;
    EXPECT_THAT(msgctl(q.id(), IPC_STAT, &ds), SyscallFailsWithErrno(EACCES));
  });
}

IPC_CASE(sysv_msg, msgctl, ipc_set_changes_owner,
         .title = "IPC_SET of msg_perm.uid hands ownership over: the new owner may then IPC_SET",
         .covers = {"ipc_set_keeps_creator", "ipc_set_updates_fields"},
         .statement = "The following members of the structure are updated: msg_qbytes, msg_perm.uid, "
                      "msg_perm.gid, and (the least significant 9 bits of) msg_perm.mode. The effective UID of "
                      "the calling process must match the owner (msg_perm.uid) or creator (msg_perm.cuid) of "
                      "the message queue, or the caller must be privileged.",
         .refs = {"msgctl(2) IPC_SET", "POSIX.1-2017 msgctl() IPC_SET"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0600);
  SetOwnerMode(q.id(), nobody.uid, nobody.gid, 0600);
  const msqid_ds before = Stat(q.id());
  EXPECT_EQ(before.msg_perm.uid, nobody.uid) << "msg_perm.uid after IPC_SET";
  EXPECT_EQ(before.msg_perm.gid, nobody.gid) << "msg_perm.gid after IPC_SET";
  EXPECT_EQ(before.msg_perm.cuid, 0u) << "msg_perm.cuid must stay the creator's";
  RunAs(nobody, "new owner", [&] {
    msqid_ds ds = Stat(q.id());  // owner class: read permission from 0600
    ds.msg_perm.mode = 0640;
    EXPECT_THAT(msgctl(q.id(), IPC_SET, &ds), SyscallSucceeds()) << "the new owner should be allowed IPC_SET";
  });
  EXPECT_EQ(Stat(q.id()).msg_perm.mode & 0777, 0640) << "the mode the new owner set";
}

IPC_CASE(sysv_msg, msgctl, creator_keeps_control_after_owner_change,
         .title = "the creator may still IPC_RMID a queue after giving ownership away",
         .covers = {"creator_keeps_control"},
         .statement = "IPC_RMID ... The calling process must have appropriate privileges or its effective "
                      "user ID must be either that of the creator or owner of the message queue.",
         .refs = {"msgctl(2) IPC_RMID", "POSIX.1-2017 msgctl() IPC_RMID"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  RunAs(nobody, "creator", [&] {
    Queue q = NewQueue(0600);
    const int id = q.id();
    msqid_ds ds = Stat(id);
    ds.msg_perm.uid = 0;
    ds.msg_perm.gid = 0;
    ASSERT_THAT(msgctl(id, IPC_SET, &ds), SyscallSucceeds()) << "the owner may give the queue to root";
    EXPECT_THAT(msgctl(id, IPC_RMID, nullptr), SyscallSucceeds()) << "the creator (cuid) may still remove it";
    q.Release();
  });
}

IPC_CASE(sysv_msg, msgctl, ipc_stat_reports_key,
         .title = "IPC_STAT reports the key the queue was created with in msg_perm.__key",
         .covers = {"IPC_STAT", "ipc_stat_reports_key"}, .statement = "key_t __key; /* Key supplied to msgget(2) */",
         .refs = {"msgctl(2) ipc_perm"}, .cls = Conformance::linux_specific) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  EXPECT_EQ(Stat(q.id()).msg_perm.__key, key.key) << "msg_perm.__key of a keyed queue";
}

IPC_CASE(sysv_msg, msgctl, ipc_info_reports_limits,
         .title = "IPC_INFO reports msgmax, msgmnb and msgmni as in /proc/sys/kernel", .covers = {"IPC_INFO"},
         .statement = "IPC_INFO (Linux-specific) Return information about system-wide message queue limits and "
                      "parameters in the structure pointed to by buf. ... The msgmni, msgmax, and msgmnb "
                      "settings can be changed via /proc files of the same name.",
         .refs = {"msgctl(2) IPC_INFO", "proc(5) /proc/sys/kernel/msgmax, msgmnb, msgmni"},
         .cls = Conformance::linux_specific, .needs = kNeedIpcNamespace) {
  msginfo info;
  std::memset(&info, 0, sizeof info);
  ASSERT_THAT(msgctl(0, IPC_INFO, reinterpret_cast<msqid_ds*>(&info)), SyscallSucceeds());
  // The page documents the three files: one that is missing (or unreadable) is itself a deviation.
  const struct {
    const char* name;
    int reported;
  } limits[] = {{"msgmax", info.msgmax}, {"msgmnb", info.msgmnb}, {"msgmni", info.msgmni}};
  for (const auto& l : limits) {
    const auto file = ReadKernelLimit(l.name);
    if (!file) {
      ADD_FAILURE() << "/proc/sys/kernel/" << l.name << " cannot be read as a number (" << ErrnoName(errno)
                    << "); IPC_INFO reports " << l.name << " = " << l.reported;
      continue;
    }
    EXPECT_EQ(l.reported, *file) << "msginfo." << l.name << " vs /proc/sys/kernel/" << l.name;
  }
}

IPC_CASE(sysv_msg, msgctl, msg_info_counts_queues_messages_and_bytes,
         .title = "MSG_INFO reports the number of queues, messages and bytes in use", .covers = {"MSG_INFO"},
         .statement = "MSG_INFO (Linux-specific) Return a msginfo structure containing the same information as "
                      "for IPC_INFO, except that ... the msgpool field returns the number of message queues that "
                      "currently exist on the system; the msgmap field returns the total number of messages in "
                      "all queues on the system; and the msgtql field returns the total number of bytes in all "
                      "messages in all queues on the system.",
         .refs = {"msgctl(2) MSG_INFO", "ipc_namespaces(7)"}, .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {  // counts the whole IPC namespace
  Queue a = NewQueue(0600);
  Queue b = NewQueue(0600);
  ASSERT_THAT(Send(a.id(), 1, "abc"), SyscallSucceeds());
  ASSERT_THAT(Send(a.id(), 2, "defg"), SyscallSucceeds());
  ASSERT_THAT(Send(b.id(), 1, "hi"), SyscallSucceeds());
  msginfo info;
  std::memset(&info, 0, sizeof info);
  ASSERT_THAT(msgctl(0, MSG_INFO, reinterpret_cast<msqid_ds*>(&info)), SyscallSucceeds());
  EXPECT_EQ(info.msgpool, 2) << "msgpool: the case's namespace holds 2 queues";
  EXPECT_EQ(info.msgmap, 3) << "msgmap: 3 messages are queued";
  EXPECT_EQ(info.msgtql, 9) << "msgtql: 3 + 4 + 2 bytes are queued";
}

IPC_CASE(sysv_msg, msgctl, msg_stat_index_returns_id,
         .title = "MSG_STAT on the queue's table index returns its identifier and its msqid_ds", .covers = {"MSG_STAT"},
         .statement = "MSG_STAT (Linux-specific) Return a msqid_ds structure as for IPC_STAT. However, the "
                      "msqid argument is not a queue identifier, but instead an index into the kernel's "
                      "internal array ... A successful MSG_STAT or MSG_STAT_ANY operation returns the "
                      "identifier of the queue whose index was given in msqid.",
         .refs = {"msgctl(2) MSG_STAT, RETURN VALUE"}, .cls = Conformance::linux_specific) {
  Queue q = NewQueue(0600);
  ASSERT_THAT(Send(q.id(), 1, "abcde"), SyscallSucceeds());
  const int index = IndexOf(q.id());
  ASSERT_GE(index, 0) << "no index from 0 to IPC_INFO's highest index gave MSG_STAT = " << q.id();
  msqid_ds ds;
  std::memset(&ds, 0, sizeof ds);
  ASSERT_THAT(msgctl(index, MSG_STAT, &ds), SyscallSucceedsWithValue(q.id()));
  EXPECT_EQ(ds.msg_qnum, 1u) << "MSG_STAT's msqid_ds should describe the queue (1 message)";
  EXPECT_EQ(ds.msg_perm.mode & 0777, 0600) << "MSG_STAT's msqid_ds should describe the queue (mode)";
}

IPC_CASE(sysv_msg, msgctl, msg_stat_without_read_fails_eacces,
         .title = "MSG_STAT without read permission on the queue fails with EACCES", .covers = {"EACCES"},
         .statement = "EACCES The argument cmd is equal to IPC_STAT or MSG_STAT, but the calling process does "
                      "not have read permission on the message queue msqid.",
         .refs = {"msgctl(2) MSG_STAT, ERRORS"}, .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0600);
  const int index = IndexOf(q.id());
  ASSERT_GE(index, 0) << "the queue's index was not found with MSG_STAT";
  RunAs(nobody, "unprivileged MSG_STAT", [&] {
    msqid_ds ds;
    EXPECT_THAT(msgctl(index, MSG_STAT, &ds), SyscallFailsWithErrno(EACCES));
  });
}

IPC_CASE(sysv_msg, msgctl, msg_stat_any_ignores_read_permission,
         .title = "MSG_STAT_ANY returns the queue's id without read permission", .covers = {"MSG_STAT_ANY"},
         .statement = "MSG_STAT_ANY (Linux-specific, since Linux 4.17) Return a msqid_ds structure as for "
                      "MSG_STAT. However, msg_perm.mode is not checked for read access for msqid meaning that "
                      "any user can employ this operation.",
         .refs = {"msgctl(2) MSG_STAT_ANY"}, .cls = Conformance::linux_specific,
         .needs = kNeedSecondUid | need::MinKernel(4, 17)) {
  // On a kernel of 4.17 or later, EINVAL here means MSG_STAT_ANY is missing: a FAIL, not UNSUPPORTED.
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0600);
  ASSERT_THAT(Send(q.id(), 1, "xy"), SyscallSucceeds());
  const int index = IndexOf(q.id());
  ASSERT_GE(index, 0) << "the queue's index was not found with MSG_STAT";
  const int id = q.id();
  RunAs(nobody, "unprivileged MSG_STAT_ANY", [&] {
    msqid_ds ds;
    std::memset(&ds, 0, sizeof ds);
    EXPECT_THAT(msgctl(index, MSG_STAT_ANY, &ds), SyscallSucceedsWithValue(id))
        << "MSG_STAT_ANY (since Linux 4.17) by a process without read permission on the queue";
    EXPECT_EQ(ds.msg_qnum, 1u) << "MSG_STAT_ANY's msqid_ds should describe the queue";
  });
}

IPC_CASE(sysv_msg, msgctl, proc_sysvipc_msg_lists_queue,
         .title = "/proc/sysvipc/msg lists the queue with its key, id, mode, bytes, messages and last sender",
         .covers = {"proc5.sysvipc_msg_lists_queues"},
         .statement = "/proc/sysvipc Subdirectory containing the pseudo-files msg, sem and shm. These files "
                      "list the System V Interprocess Communication (IPC) objects ... that currently exist on "
                      "the system, providing similar information to that available via ipcs(1).",
         .refs = {"proc(5) /proc/sysvipc", "ipc_namespaces(7)"}, .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0640);
  ASSERT_THAT(Send(q.id(), 1, "12345"), SyscallSucceeds());
  ASSERT_THAT(Send(q.id(), 2, "67"), SyscallSucceeds());
  // The file is what the statement is about: missing, it is a deviation.
  const auto table = ReadSysvipc(SysvKind::msg);
  ASSERT_TRUE(table.has_value()) << "/proc/sysvipc/msg, documented in proc(5), cannot be read (" << ErrnoName(errno)
                                 << ")";
  for (const char* name : {"key", "msqid", "perms", "cbytes", "qnum", "lspid"}) {
    ASSERT_EQ(std::count(table->columns.begin(), table->columns.end(), name), 1)
        << "/proc/sysvipc/msg header lacks the column " << name << ": " << table->header;
  }
  const auto row = table->Find("msqid", std::to_string(q.id()));
  ASSERT_TRUE(row.has_value()) << "no line of /proc/sysvipc/msg has msqid " << q.id();
  ASSERT_TRUE(table->Field(*row, "lspid").has_value()) << "short line in /proc/sysvipc/msg";
  const auto field = [&](const char* column) { return table->Field(*row, column).value_or("(none)"); };
  EXPECT_EQ(std::stol(field("key")), static_cast<long>(key.key)) << "key column";
  EXPECT_EQ(std::stol(field("perms"), nullptr, 8), 0640) << "perms column (octal)";
  EXPECT_EQ(field("cbytes"), "7") << "cbytes column: 5 + 2 bytes";
  EXPECT_EQ(field("qnum"), "2") << "qnum column";
  EXPECT_EQ(field("lspid"), std::to_string(getpid())) << "lspid column";
}

}  // namespace
