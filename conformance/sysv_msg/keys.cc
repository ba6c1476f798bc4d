// ftok(3), msgget(2) keys and ipc_namespaces(7): a queue found by an unrelated process, keys per IPC namespace.
#include <fcntl.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/ipc_namespace.h"
#include "harness/caselib/ipc/sysv_msg.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_msg;
using ipc_namespace::InNewIpcNamespace;  // the runner found IPC namespaces usable here (kNeedNamespaces)

// Creates an empty regular file at `path`.
void Touch(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644));
  if (!fd.valid()) ThrowHarnessError("set-up: creating " + path + ": " + ErrnoName(errno));
}

IPC_CASE(sysv_msg, keys, ftok_key_finds_queue_from_unrelated_sender,
         .title = "an unrelated process finds the queue through ftok(path, proj) and sends to it",
         .covers = {"ftok.key_finds_queue_across_processes", "msgrcv.message_from_other_process", "msgsnd.sets_lspid"},
         .statement = "The ftok() function uses the identity of the file named by the given pathname ... and "
                      "the least significant 8 bits of proj_id ... to generate a key_t type System V IPC key, "
                      "suitable for use with msgget(2). ... The msgget() system call returns the System V "
                      "message queue identifier associated with the value of the key argument.",
         .refs = {"ftok(3)", "msgget(2)", "POSIX.1-2017 ftok(), msgget()"}, .cls = Conformance::xsi) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  Child fixture = SpawnFixture("sysv-msg-ftok-send", {key.path, std::to_string(key.proj), std::to_string(q.id()), "21",
                                                      "from an unrelated process"});
  const pid_t pid = fixture.pid();
  ExpectCleanExit(fixture.Wait(), "unrelated sender (ipcconform-fixture)");
  ExpectNext(q.id(), 0, 0, 21, "from an unrelated process", "expected the unrelated process's message on the queue");
  EXPECT_EQ(Stat(q.id()).msg_lspid, pid) << "msg_lspid should be the unrelated sender";
}

IPC_CASE(sysv_msg, keys, ftok_key_finds_queue_from_unrelated_receiver,
         .title = "an unrelated process finds the queue through ftok(path, proj) and receives from it",
         .covers = {"ftok.key_finds_queue_across_processes", "msgrcv.blocks_until_matching_message"},
         .statement = "The resulting value is the same for all pathnames that name the same file, when the "
                      "same value of proj_id is used. ... The msgget() system call returns the System V "
                      "message queue identifier associated with the value of the key argument.",
         .refs = {"ftok(3)", "msgget(2)", "msgop(2) msgrcv()", "POSIX.1-2017 ftok(), msgget(), msgrcv()"},
         .cls = Conformance::xsi) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  Child fixture = SpawnFixture("sysv-msg-ftok-recv", {key.path, std::to_string(key.proj), std::to_string(q.id()), "8",
                                                      "to an unrelated process"});
  // The fixture found the queue and waits in msgrcv: only then the message is sent.
  IPCC_ASSERT_BLOCKED(fixture.pid(), IPCC_MSGRCV_SYSCALLS);
  ASSERT_THAT(Send(q.id(), 3, "other type"), SyscallSucceeds());
  ASSERT_THAT(Send(q.id(), 8, "to an unrelated process"), SyscallSucceeds());
  ExpectCleanExit(fixture.Wait(), "unrelated receiver (ipcconform-fixture)");
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the receiver should have taken exactly its type-8 message";
}

IPC_CASE(sysv_msg, keys, ftok_same_file_same_key,
         .title = "ftok gives the same key for two pathnames (hard links) of one file",
         .covers = {"ftok.same_file_same_key"},
         .statement = "The resulting value is the same for all pathnames that name the same file, when the "
                      "same value of proj_id is used.",
         .refs = {"ftok(3)", "POSIX.1-2017 ftok()"}, .cls = Conformance::xsi) {
  const std::string a = TempPath("ftok-a");
  const std::string b = TempPath("ftok-b");
  Touch(a);
  IPCC_SETUP(link(a.c_str(), b.c_str()));
  const key_t ka = ftok(a.c_str(), 'M');
  ASSERT_NE(ka, -1) << "ftok(" << a << ") failed with " << ErrnoName(errno);
  EXPECT_EQ(ftok(b.c_str(), 'M'), ka) << "two names of one file should give one key";
}

IPC_CASE(sysv_msg, keys, ftok_uses_low_8_bits_of_proj_id, .title = "ftok uses only the low 8 bits of proj_id",
         .covers = {"ftok.low_8_bits_of_proj_id"},
         .statement = "The ftok() function uses the identity of the file named by the given pathname ... and "
                      "the least significant 8 bits of proj_id (which must be nonzero) to generate a key_t type "
                      "System V IPC key.",
         .refs = {"ftok(3)", "POSIX.1-2017 ftok() (only the low-order 8-bits of id are significant)"},
         .cls = Conformance::xsi) {
  const std::string path = TempPath("ftok");
  Touch(path);
  const key_t low = ftok(path.c_str(), 0x41);
  ASSERT_NE(low, -1) << "ftok failed with " << ErrnoName(errno);
  EXPECT_EQ(ftok(path.c_str(), 0x141), low) << "proj_id 0x141 and 0x41 share their low 8 bits";
}

IPC_CASE(sysv_msg, keys, ftok_missing_file_fails_enoent,
         .title = "ftok of a pathname that does not exist fails with ENOENT", .covers = {"ftok.ENOENT"},
         .statement = "The ftok() function uses the identity of the file named by the given pathname (which "
                      "must refer to an existing, accessible file) ... On failure -1 is returned, with errno "
                      "indicating the error as for the stat(2) system call.",
         .refs = {"ftok(3) RETURN VALUE", "stat(2) ENOENT", "POSIX.1-2017 ftok() [ENOENT]"}, .cls = Conformance::xsi) {
  const std::string path = TempPath("missing");
  EXPECT_THAT(ftok(path.c_str(), 'M'), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(sysv_msg, keys, same_key_is_another_queue_in_new_ipc_namespace,
         .title = "in a new IPC namespace the same key names no queue, and creating it makes a separate one",
         .covers = {"ipc_namespaces7.keys_are_per_namespace", "msgget.ENOENT"},
         .statement = "Each IPC namespace has its own set of System V IPC identifiers ... Objects created in an "
                      "IPC namespace are visible to all other processes that are members of that namespace, but "
                      "are not visible to processes in other IPC namespaces.",
         .refs = {"ipc_namespaces(7)", "unshare(2) CLONE_NEWIPC", "msgget(2)"}, .cls = Conformance::linux_specific,
         .needs = kNeedNamespaces) {
  const SysvKey key = FreshKey(SysvKind::msg);
  Queue q = NewQueue(key, 0600);
  InNewIpcNamespace([&] {
    EXPECT_THAT(msgget(key.key, 0600), SyscallFailsWithErrno(ENOENT)) << "the parent's queue must not be visible";
    const int id = msgget(key.key, IPC_CREAT | IPC_EXCL | 0600);
    ASSERT_THAT(id, SyscallSucceeds()) << "the key is free in the new namespace";
    EXPECT_THAT(Send(id, 1, "inner"), SyscallSucceeds());
  });
  EXPECT_EQ(Stat(q.id()).msg_qnum, 0u) << "the message sent in the other namespace must not reach this queue";
  EXPECT_THAT(msgget(key.key, 0), SyscallSucceedsWithValue(q.id())) << "the key still names the original queue here";
}

IPC_CASE(sysv_msg, keys, id_not_visible_in_new_ipc_namespace,
         .title = "a queue identifier from the parent namespace is not valid in a new IPC namespace",
         .covers = {"ipc_namespaces7.ids_are_per_namespace"},
         .statement = "Each IPC namespace has its own set of System V IPC identifiers. Objects created in an IPC "
                      "namespace are ... not visible to processes in other IPC namespaces.",
         .refs = {"ipc_namespaces(7)", "unshare(2) CLONE_NEWIPC", "msgop(2) ERRORS (EINVAL)"},
         .cls = Conformance::linux_specific, .needs = kNeedNamespaces) {
  Queue q = NewQueue(0666);
  ASSERT_THAT(Send(q.id(), 1, "outer"), SyscallSucceeds());
  InNewIpcNamespace([&] {
    Received r;
    EXPECT_THAT(Recv(q.id(), 64, 0, IPC_NOWAIT, &r), SyscallFailsWithErrno(EINVAL))
        << "the outer queue's id must not name a queue in the new namespace";
  });
  EXPECT_EQ(Stat(q.id()).msg_qnum, 1u) << "the outer message must still be queued";
}

}  // namespace
