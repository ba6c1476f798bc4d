// unix(7) SO_PASSCRED, SCM_CREDENTIALS: the kernel reports who sent a message.
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, scm_credentials, passcred_reports_sender_pid_uid_gid,
         .title = "with SO_PASSCRED, a received message carries SCM_CREDENTIALS with the sender's pid, uid, gid",
         .covers = {"unix7.SO_PASSCRED"},
         .statement = "SO_PASSCRED Enabling this socket option causes receipt of the credentials of the sending "
                      "process in an SCM_CREDENTIALS ancillary message in each subsequently received message. The "
                      "returned credentials are those specified by the sender using SCM_CREDENTIALS, or a "
                      "default that includes the sender's PID, real user ID, and real group ID, if the sender did "
                      "not specify SCM_CREDENTIALS ancillary data.",
         .refs = {"unix(7) SO_PASSCRED", "unix(7) SCM_CREDENTIALS", "recvmsg(2)", "cmsg(3)"},
         .cls = Conformance::linux_specific) {
  const ChildIdentity id = PickChildIdentity();
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  const int on = 1;
  ASSERT_THAT(setsockopt(sp.a.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on), SyscallSucceeds());
  Child sender = Fork([&] {
    sp.a.reset();
    if (id.drop) DropPrivileges(id.who);
    ASSERT_THAT(send(sp.b.get(), "c", 1, 0), SyscallSucceedsWithValue(1));
  });
  sp.b.reset();
  ExpectCleanExit(sender.Wait(), "sending child");

  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ASSERT_THAT(recvmsg(sp.a.get(), &msg, MSG_DONTWAIT), SyscallSucceedsWithValue(1));
  const cmsghdr* c = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(c, nullptr) << "no control message arrived although SO_PASSCRED was enabled before the send";
  ASSERT_EQ(c->cmsg_level, SOL_SOCKET);
  ASSERT_EQ(c->cmsg_type, SCM_CREDENTIALS) << "expected an SCM_CREDENTIALS control message";
  ASSERT_EQ(c->cmsg_len, CMSG_LEN(sizeof(ucred)));
  ucred cred{};
  std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
  EXPECT_EQ(cred.pid, sender.pid()) << "expected the sending child's pid; got " << DescribeCred(cred);
  EXPECT_EQ(cred.uid, id.uid()) << "expected the sender's real uid; got " << DescribeCred(cred);
  EXPECT_EQ(cred.gid, id.gid()) << "expected the sender's real gid; got " << DescribeCred(cred);
}

}  // namespace
