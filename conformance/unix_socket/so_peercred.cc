// unix(7) SO_PEERCRED, getsockopt(2): the credentials of the process at the other end of a connection.
#include <sys/socket.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, so_peercred, socketpair_reports_creator,
         .title = "SO_PEERCRED on a socketpair end reports the pid, uid and gid of the process that created it",
         .covers = {"unix7.SO_PEERCRED"},
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
  const ReceivedFds r = RecvFds(channel.a.get(), 1);
  ASSERT_EQ(r.fds.size(), 1u) << "the child should have passed one socketpair end";
  ucred cred{};
  socklen_t len = sizeof cred;
  ASSERT_THAT(getsockopt(r.fds[0].get(), SOL_SOCKET, SO_PEERCRED, &cred, &len), SyscallSucceeds());
  EXPECT_EQ(len, sizeof cred);
  EXPECT_EQ(cred.pid, creator.pid()) << "expected the creating child's pid; got " << DescribeCred(cred);
  EXPECT_EQ(cred.uid, id.uid()) << "expected the creating child's uid; got " << DescribeCred(cred);
  EXPECT_EQ(cred.gid, id.gid()) << "expected the creating child's gid; got " << DescribeCred(cred);
  CheckpointPost(0);
  ExpectCleanExit(creator.Wait(), "socketpair creator");
}

IPC_CASE(unix_socket, so_peercred, connected_path_socket_reports_connecting_process,
         .title = "SO_PEERCRED on an accepted socket reports the pid, uid and gid of the connecting process",
         .covers = {"unix7.SO_PEERCRED"},
         .statement = "SO_PEERCRED This read-only socket option returns the credentials of the peer process "
                      "connected to this socket. The returned credentials are those that were in effect at the "
                      "time of the call to connect(2) or socketpair(2). ... The use of this option is possible "
                      "only for connected AF_UNIX stream sockets and for AF_UNIX stream and datagram socket "
                      "pairs created using socketpair(2).",
         .refs = {"unix(7) SO_PEERCRED", "connect(2)", "getsockopt(2)"}, .cls = Conformance::linux_specific) {
  const SocketFile file("peercred.sock");
  UniqueFd listener = Listener(file.address);
  SetNonblock(listener.get(), true);
  Child client = Fork([&] {
    listener.reset();
    UniqueFd s = MakeSocket(SOCK_STREAM);
    EXPECT_THAT(connect(s.get(), file.address.get(), file.address.len), SyscallSucceeds());
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
