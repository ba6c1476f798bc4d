// unix(7) SCM_CREDENTIALS, SO_PASSCRED, SO_PEERCRED: the kernel reports who is at the other end.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conformance/unix_socket/unix_socket_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

// The identity a child takes so that its credentials differ from the case's own where possible; when
// this process cannot switch identity (not root) the child keeps the case's ids and only its pid
// differs.
struct ChildIdentity {
  bool drop = false;
  Identity who{};
  uid_t uid() const { return drop ? who.uid : getuid(); }
  gid_t gid() const { return drop ? who.gid : getgid(); }
};

ChildIdentity PickChildIdentity() {
  ChildIdentity id;
  if (auto who = UnprivilegedIdentity()) {
    id.drop = true;
    id.who = *who;
  }
  return id;
}

std::string DescribeCred(const ucred& c) {
  return "pid " + std::to_string(c.pid) + ", uid " + std::to_string(c.uid) + ", gid " + std::to_string(c.gid);
}

IPC_CASE(unix_socket, scm_credentials, passcred_reports_sender_pid_uid_gid,
         .title = "with SO_PASSCRED, a received message carries SCM_CREDENTIALS with the sender's pid, uid, gid",
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

IPC_CASE(unix_socket, so_peercred, socketpair_reports_creator,
         .title = "SO_PEERCRED on a socketpair end reports the pid, uid and gid of the process that created it",
         .statement = "SO_PEERCRED This read-only socket option returns the credentials of the peer process "
                      "connected to this socket. The returned credentials are those that were in effect at the "
                      "time of the call to connect(2) or socketpair(2).",
         .refs = {"unix(7) SO_PEERCRED", "socketpair(2)", "getsockopt(2)"}, .cls = Conformance::linux_specific) {
  const ChildIdentity id = PickChildIdentity();
  // The child takes its identity, creates the pair and hands one end to the case over a channel that
  // existed before.
  SocketPair channel = MakeSocketPair(SOCK_STREAM);
  Child creator = Fork([&] {
    channel.a.reset();
    if (id.drop) DropPrivileges(id.who);
    SocketPair pair = MakeSocketPair(SOCK_STREAM);
    ASSERT_THAT(SendFds(channel.b.get(), {pair.b.get()}), SyscallSucceedsWithValue(1));
    // Keeps its end open until the case has queried the credentials.
    CheckpointWait(0);
  });
  channel.b.reset();
  ReceivedFds r = RecvFds(channel.a.get(), 1);
  ASSERT_EQ(r.fds.size(), 1u) << "the child should have passed one socketpair end";
  UniqueFd end(r.fds[0]);
  ucred cred{};
  socklen_t len = sizeof cred;
  ASSERT_THAT(getsockopt(end.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len), SyscallSucceeds());
  EXPECT_EQ(len, sizeof cred);
  EXPECT_EQ(cred.pid, creator.pid()) << "expected the creating child's pid; got " << DescribeCred(cred);
  EXPECT_EQ(cred.uid, id.uid()) << "expected the creating child's uid; got " << DescribeCred(cred);
  EXPECT_EQ(cred.gid, id.gid()) << "expected the creating child's gid; got " << DescribeCred(cred);
  CheckpointPost(0);
  ExpectCleanExit(creator.Wait(), "socketpair creator");
}

IPC_CASE(unix_socket, so_peercred, connected_path_socket_reports_connecting_process,
         .title = "SO_PEERCRED on an accepted socket reports the pid, uid and gid of the connecting process",
         .statement = "SO_PEERCRED This read-only socket option returns the credentials of the peer process "
                      "connected to this socket. The returned credentials are those that were in effect at the "
                      "time of the call to connect(2) or socketpair(2). ... The use of this option is possible "
                      "only for connected AF_UNIX stream sockets and for AF_UNIX stream and datagram socket "
                      "pairs created using socketpair(2).",
         .refs = {"unix(7) SO_PEERCRED", "connect(2)", "getsockopt(2)"}, .cls = Conformance::linux_specific) {
  const std::string path = SocketPath("peercred.sock");
  UniqueFd listener = Listener(path);
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  ASSERT_THAT(fcntl(listener.get(), F_SETFL, O_NONBLOCK), SyscallSucceeds());
  Child client = Fork([&] {
    listener.reset();
    UniqueFd s = MakeSocket(SOCK_STREAM);
    Address a = PathAddress(path);
    EXPECT_THAT(connect(s.get(), a.get(), a.len), SyscallSucceeds());
    CheckpointPost(1);
    // Stays connected (and alive) until the case has queried the credentials.
    CheckpointWait(0);
  });
  CheckpointWait(1);
  // The connection is queued by now (or the child failed): accept must not wait.
  UniqueFd conn(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(conn.valid()) << "accept of the child's queued connection: " << ErrnoName(errno);
  ucred cred{};
  socklen_t len = sizeof cred;
  ASSERT_THAT(getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len), SyscallSucceeds());
  EXPECT_EQ(cred.pid, client.pid()) << "expected the connecting child's pid; got " << DescribeCred(cred);
  EXPECT_EQ(cred.uid, geteuid()) << "expected the connecting child's uid; got " << DescribeCred(cred);
  EXPECT_EQ(cred.gid, getegid()) << "expected the connecting child's gid; got " << DescribeCred(cred);
  CheckpointPost(0);
  ExpectCleanExit(client.Wait(), "connecting child");
}

}  // namespace
