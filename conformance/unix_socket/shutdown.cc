// shutdown(2), send(2), recv(2): shutting down one direction of a SOCK_STREAM connection.
#include <sys/socket.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, shutdown, shut_wr_gives_peer_eof,
         .title = "shutdown(SHUT_WR) gives the peer end-of-file while the other direction still works",
         .covers = {"shut_wr_gives_peer_eof"},
         .statement = "The shutdown() call causes all or part of a full-duplex connection on the socket "
                      "associated with sockfd to be shut down. ... If how is SHUT_WR, further transmissions "
                      "will be disallowed.",
         .refs = {"shutdown(2)", "recv(2) RETURN VALUE", "POSIX.1-2017 shutdown()"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  ASSERT_THAT(write(sp.a.get(), "q", 1), SyscallSucceedsWithValue(1));
  ASSERT_THAT(shutdown(sp.a.get(), SHUT_WR), SyscallSucceeds());
  char buf[4] = {};
  EXPECT_THAT(read(sp.b.get(), buf, sizeof buf), SyscallSucceedsWithValue(1)) << "data sent before shutdown";
  EXPECT_THAT(read(sp.b.get(), buf, sizeof buf), SyscallSucceedsWithValue(0))
      << "after the writer's shutdown(SHUT_WR) the peer must read end-of-file (the socket is still open)";
  // Only one direction was shut down: the peer can still send back.
  EXPECT_THAT(write(sp.b.get(), "r", 1), SyscallSucceedsWithValue(1));
  EXPECT_THAT(read(sp.a.get(), buf, sizeof buf), SyscallSucceedsWithValue(1))
      << "SHUT_WR must leave the receiving direction of the shut-down socket working";
}

IPC_CASE(unix_socket, shutdown, shut_wr_then_send_fails_epipe,
         .title = "sending on a SOCK_STREAM socket after shutdown(SHUT_WR) fails with EPIPE", .covers = {"send.EPIPE"},
         .statement = "If how is SHUT_WR, further transmissions will be disallowed. ... EPIPE The local end "
                      "has been shut down on a connection oriented socket.",
         .refs = {"shutdown(2)", "send(2) EPIPE", "POSIX.1-2017 send() [EPIPE]"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  ASSERT_THAT(shutdown(sp.a.get(), SHUT_WR), SyscallSucceeds());
  EXPECT_THAT(send(sp.a.get(), "x", 1, MSG_NOSIGNAL), SyscallFailsWithErrno(EPIPE));
}

}  // namespace
