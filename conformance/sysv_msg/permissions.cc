// msgop(2), msgctl(2) ipc_perm: the owner, group and other classes of msg_perm.mode, tried unprivileged.
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_msg.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_msg;

constexpr const char* kClassRule =
    "Read and write permissions on an XSI IPC object are granted to a process if ... the effective user ID "
    "of the process matches xxx_perm.cuid or xxx_perm.uid ... and the appropriate bit of the user portion "
    "(0600) of xxx_perm.mode is set; the effective user ID does not match ... but the effective group ID "
    "matches xxx_perm.cgid or xxx_perm.gid ... and the appropriate bit of the group portion (060) is set; "
    "[neither matches] but the appropriate bit of the other portion (06) is set. Otherwise, the permission "
    "shall be denied.";

// The class cases: who the queue is handed to before the unprivileged identity sends to it.
enum class Owner {
  creator,     // nothing changed: the creator's (root's) uid and gid, `mode` given at creation
  second_uid,  // IPC_SET uid = the unprivileged identity, gid 0 (a group it is not in), then `mode`
  second_gid,  // IPC_SET uid 0, gid = the unprivileged identity's group, then `mode`
};
struct ClassCase {
  Owner owner;
  mode_t mode;
  bool granted;     // expected: send and receive allowed, else the send refused with EACCES
  const char* who;  // names the child
  const char* why;  // for a refusal: which class decided
};

// One body for the class cases: the unprivileged identity, in the class `c.owner` puts it in, sends and
// receives (allowed) or is refused the send (EACCES).
void ExpectClassDecides(const ClassCase& c) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(c.owner == Owner::creator ? c.mode : 0600);
  // Should nobody's group be 0 (the creator's cgid), the group class still decides: Linux and POSIX match
  // cgid as well as gid, so the group cases hold for any gid.
  if (c.owner == Owner::second_uid) SetOwnerMode(q.id(), nobody.uid, 0, c.mode);
  if (c.owner == Owner::second_gid) SetOwnerMode(q.id(), 0, nobody.gid, c.mode);
  RunAs(nobody, c.who, [&] {
    if (!c.granted) {
      EXPECT_THAT(Send(q.id(), 1, "class"), SyscallFailsWithErrno(EACCES)) << c.why;
      return;
    }
    ASSERT_THAT(Send(q.id(), 3, "class"), SyscallSucceeds());
    Received r;
    EXPECT_THAT(Recv(q.id(), 64, 0, IPC_NOWAIT, &r), SyscallSucceedsWithValue(5));
  });
}

IPC_CASE(sysv_msg, permissions, msgsnd_without_write_fails_eacces,
         .title = "msgsnd by a user without write permission fails with EACCES", .covers = {"msgsnd.EACCES"},
         .statement = "The calling process must have write permission on the message queue in order to send "
                      "a message ... EACCES The calling process does not have write permission on the message "
                      "queue, and does not have the CAP_IPC_OWNER capability.",
         .refs = {"msgop(2) DESCRIPTION, ERRORS", "POSIX.1-2017 msgsnd() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0644);  // others may read, not write
  RunAs(nobody, "unprivileged sender", [&] { EXPECT_THAT(Send(q.id(), 1, "denied"), SyscallFailsWithErrno(EACCES)); });
  EXPECT_EQ(Stat(q.id()).msg_qnum, 0u) << "nothing may have been queued";
}

IPC_CASE(sysv_msg, permissions, msgrcv_without_read_fails_eacces,
         .title = "msgrcv by a user without read permission fails with EACCES and takes nothing",
         .covers = {"msgrcv.EACCES"},
         .statement = "The calling process must have ... read permission to receive a message. ... EACCES The "
                      "calling process does not have read permission on the message queue, and does not have "
                      "the CAP_IPC_OWNER capability.",
         .refs = {"msgop(2) DESCRIPTION, ERRORS", "POSIX.1-2017 msgrcv() [EACCES]"}, .cls = Conformance::xsi,
         .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0622);  // others may write, not read
  ASSERT_THAT(Send(q.id(), 1, "private"), SyscallSucceeds());
  RunAs(nobody, "unprivileged receiver", [&] {
    Received r;
    EXPECT_THAT(Recv(q.id(), 64, 0, IPC_NOWAIT, &r), SyscallFailsWithErrno(EACCES));
    EXPECT_THAT(Send(q.id(), 1, "allowed"), SyscallSucceeds()) << "the other write bit allows sending";
  });
  EXPECT_EQ(Stat(q.id()).msg_qnum, 2u) << "the first message must still be queued (plus the child's)";
}

IPC_CASE(sysv_msg, permissions, other_bits_grant_access,
         .title = "the other bits (0006) let an unrelated user send and receive",
         .covers = {"msgctl.other_bits_decide_for_others"}, .statement = kClassRule,
         .refs = {"msgctl(2) ipc_perm (permission bits)", "POSIX.1-2017 XSH 2.7.1 IPC General Description"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  ExpectClassDecides({Owner::creator, 0606, true, "unrelated user", ""});
}

IPC_CASE(sysv_msg, permissions, owner_bits_grant_access_by_uid,
         .title = "the owner bits (0600) let the user named in msg_perm.uid send and receive",
         .covers = {"msgctl.owner_bits_decide_for_owner"}, .statement = kClassRule,
         .refs = {"msgctl(2) ipc_perm (permission bits)", "POSIX.1-2017 XSH 2.7.1 IPC General Description"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  ExpectClassDecides({Owner::second_uid, 0600, true, "owner by uid", ""});
}

IPC_CASE(sysv_msg, permissions, group_bits_grant_access_by_gid,
         .title = "the group bits (0060) let a user whose group is msg_perm.gid send and receive",
         .covers = {"msgctl.group_bits_decide_for_group"}, .statement = kClassRule,
         .refs = {"msgctl(2) ipc_perm (permission bits)", "POSIX.1-2017 XSH 2.7.1 IPC General Description"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  ExpectClassDecides({Owner::second_gid, 0060, true, "group member", ""});
}

IPC_CASE(sysv_msg, permissions, owner_class_excludes_other_bits,
         .title = "an owner without owner bits is denied (EACCES) even when the other bits allow",
         .covers = {"msgctl.owner_bits_decide_for_owner", "msgsnd.EACCES"}, .statement = kClassRule,
         .refs = {"msgctl(2) ipc_perm (permission bits)", "msgop(2) ERRORS (EACCES)",
                  "POSIX.1-2017 XSH 2.7.1 IPC General Description"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  ExpectClassDecides({Owner::second_uid, 0066, false, "owner without owner bits",
                      "the owner class (bits 0600 = none) decides for the owner, not the other bits"});
}

IPC_CASE(sysv_msg, permissions, group_class_excludes_other_bits,
         .title = "a group member without group bits is denied (EACCES) even when the other bits allow",
         .covers = {"msgctl.group_bits_decide_for_group", "msgsnd.EACCES"}, .statement = kClassRule,
         .refs = {"msgctl(2) ipc_perm (permission bits)", "msgop(2) ERRORS (EACCES)",
                  "POSIX.1-2017 XSH 2.7.1 IPC General Description"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  ExpectClassDecides({Owner::second_gid, 0606, false, "group member without group bits",
                      "the group class (bits 060 = none) decides for a group member, not the other bits"});
}

IPC_CASE(sysv_msg, permissions, ipc_set_mode_takes_effect,
         .title = "a mode changed with IPC_SET decides the next access: denied before, allowed after",
         .covers = {"msgctl.ipc_set_mode_governs_access", "msgsnd.EACCES"},
         .statement = "IPC_SET Write the values of some members of the msqid_ds structure ... The following "
                      "members of the structure are updated: msg_qbytes, msg_perm.uid, msg_perm.gid, and (the "
                      "least significant 9 bits of) msg_perm.mode.",
         .refs = {"msgctl(2) IPC_SET", "msgop(2) ERRORS (EACCES)", "POSIX.1-2017 msgctl() IPC_SET"},
         .cls = Conformance::xsi, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  Queue q = NewQueue(0600);
  Child c = Fork([&] {
    DropPrivileges(nobody);
    EXPECT_THAT(Send(q.id(), 1, "before"), SyscallFailsWithErrno(EACCES)) << "mode 0600: others may not write";
    CheckpointPost(0);
    CheckpointWait(1);
    EXPECT_THAT(Send(q.id(), 1, "after"), SyscallSucceeds()) << "mode 0602 after IPC_SET: others may write";
  });
  CheckpointWait(0);
  SetOwnerMode(q.id(), Stat(q.id()).msg_perm.uid, Stat(q.id()).msg_perm.gid, 0602);
  CheckpointPost(1);
  ExpectCleanExit(c.Wait(), "unprivileged sender");
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "only the message sent after the mode change is queued";
}

IPC_CASE(sysv_msg, permissions, cap_ipc_owner_bypasses_mode,
         .title = "a privileged process sends to and receives from a queue with mode 0000",
         .covers = {"msgsnd.cap_ipc_owner_bypasses_mode", "msgrcv.cap_ipc_owner_bypasses_mode"},
         .statement = "EACCES The calling process does not have write permission on the message queue, and "
                      "does not have the CAP_IPC_OWNER capability in the user namespace that governs its IPC "
                      "namespace.",
         .refs = {"msgop(2) ERRORS", "capabilities(7) CAP_IPC_OWNER",
                  "POSIX.1-2017 XSH 2.7.1 IPC General Description (appropriate privileges)"},
         .cls = Conformance::xsi, .needs = kNeedRoot | IPCC_NEED_CAPABILITY(CAP_IPC_OWNER)) {
  Queue q = NewQueue(0000);
  ASSERT_THAT(Send(q.id(), 1, "root"), SyscallSucceeds());
  Received r;
  EXPECT_THAT(Recv(q.id(), 64, 0, IPC_NOWAIT, &r), SyscallSucceedsWithValue(4));
  msqid_ds ds;
  EXPECT_THAT(msgctl(q.id(), IPC_STAT, &ds), SyscallSucceeds());
}

}  // namespace
