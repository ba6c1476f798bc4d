// unix(7), socket(2), send(2), recv(2), shutdown(2): SOCK_STREAM sockets of the UNIX domain.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conformance/unix_socket/unix_socket_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, stream, byte_stream_merges_writes,
         .title = "SOCK_STREAM keeps no record boundaries: two writes are read back by one read",
         .statement = "Sockets of type SOCK_STREAM are full-duplex byte streams. They do not preserve record "
                      "boundaries.",
         .refs = {"socket(2) SOCK_STREAM", "unix(7)", "POSIX.1-2017 2.10.6 Socket Types"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  ASSERT_THAT(write(sp.a.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ASSERT_THAT(write(sp.a.get(), "defg", 4), SyscallSucceedsWithValue(4));
  char buf[16] = {};
  // Both writes are queued before the read: a byte stream hands back all 7 bytes at once.
  ssize_t n = read(sp.b.get(), buf, sizeof buf);
  ASSERT_THAT(n, SyscallSucceeds());
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), "abcdefg")
      << "one read on a stream socket must return the data of both writes (3 + 4 bytes); a read "
         "that stops at the first write's 3 bytes keeps a record boundary";
}

IPC_CASE(unix_socket, stream, read_after_peer_close_returns_zero,
         .title = "recv on a SOCK_STREAM socket whose peer closed returns 0 after the queued data",
         .statement = "When a stream socket peer has performed an orderly shutdown, the return value will be 0 "
                      "(the traditional \"end-of-file\" return).",
         .refs = {"recv(2) RETURN VALUE", "POSIX.1-2017 recv()"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  ASSERT_THAT(write(sp.a.get(), "xy", 2), SyscallSucceedsWithValue(2));
  sp.a.reset();
  char buf[8] = {};
  EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(2))
      << "data sent before the close is still delivered";
  EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(0))
      << "after the data, a closed peer means end-of-file";
  EXPECT_THAT(read(sp.b.get(), buf, sizeof buf), SyscallSucceedsWithValue(0)) << "end-of-file persists for read(2) too";
}

IPC_CASE(unix_socket, stream, write_after_peer_close_raises_sigpipe,
         .title = "write on a SOCK_STREAM socket whose peer closed raises SIGPIPE (default action kills)",
         .statement = "EPIPE The local end has been shut down on a connection oriented socket. In this case, "
                      "the process will also receive a SIGPIPE unless MSG_NOSIGNAL is set.",
         .refs = {"send(2) EPIPE", "unix(7) EPIPE", "socket(2)", "POSIX.1-2017 send() [EPIPE]"},
         .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  sp.b.reset();
  // SIGPIPE has its default disposition (terminate) in the child.
  Child writer = Fork([&] {
    ssize_t r = write(sp.a.get(), "x", 1);
    int err = errno;
    ADD_FAILURE() << "write after the peer closed returned " << r << (r < 0 ? " with " + ErrnoName(err) : std::string())
                  << " and the process survived; expected it to be killed by SIGPIPE";
  });
  const int status = writer.Wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
      << "expected the writer to be killed by SIGPIPE, but it " << DescribeWaitStatus(status);
}

IPC_CASE(unix_socket, stream, write_after_peer_close_fails_epipe,
         .title = "with SIGPIPE ignored, write on a SOCK_STREAM socket whose peer closed fails with EPIPE",
         .statement = "EPIPE The local end has been shut down on a connection oriented socket. In this case, "
                      "the process will also receive a SIGPIPE unless MSG_NOSIGNAL is set.",
         .refs = {"send(2) EPIPE", "unix(7) EPIPE", "write(2) EPIPE", "POSIX.1-2017 send() [EPIPE]"},
         .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  sp.b.reset();
  Child writer = Fork([&] {
    signal(SIGPIPE, SIG_IGN);
    EXPECT_THAT(write(sp.a.get(), "x", 1), SyscallFailsWithErrno(EPIPE));
    EXPECT_THAT(send(sp.a.get(), "x", 1, 0), SyscallFailsWithErrno(EPIPE));
  });
  ExpectCleanExit(writer.Wait(), "writer with SIGPIPE ignored");
}

IPC_CASE(unix_socket, stream, msg_nosignal_gives_epipe_without_sigpipe,
         .title = "send with MSG_NOSIGNAL to a closed peer fails with EPIPE and raises no SIGPIPE",
         .statement = "MSG_NOSIGNAL Don't generate a SIGPIPE signal if the peer on a stream-oriented socket has "
                      "closed the connection. The EPIPE error is still returned.",
         .refs = {"send(2) MSG_NOSIGNAL", "POSIX.1-2017 send() MSG_NOSIGNAL"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  sp.b.reset();
  // SIGPIPE keeps its default action: a SIGPIPE would kill the child. It is also blocked for a
  // moment to see whether one was generated at all.
  Child sender = Fork([&] {
    sigset_t pipe_only, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    EXPECT_THAT(send(sp.a.get(), "x", 1, MSG_NOSIGNAL), SyscallFailsWithErrno(EPIPE));
    sigprocmask(SIG_BLOCK, &pipe_only, nullptr);
    EXPECT_THAT(send(sp.a.get(), "x", 1, MSG_NOSIGNAL), SyscallFailsWithErrno(EPIPE));
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGPIPE)) << "a SIGPIPE is pending although MSG_NOSIGNAL was set";
  });
  const int status = sender.Wait();
  EXPECT_FALSE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
      << "the sender was killed by SIGPIPE although it passed MSG_NOSIGNAL";
  ExpectCleanExit(status, "sender using MSG_NOSIGNAL");
}

IPC_CASE(unix_socket, shutdown, shut_wr_gives_peer_eof,
         .title = "shutdown(SHUT_WR) gives the peer end-of-file while the other direction still works",
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
         .title = "sending on a SOCK_STREAM socket after shutdown(SHUT_WR) fails with EPIPE",
         .statement = "If how is SHUT_WR, further transmissions will be disallowed. ... EPIPE The local end "
                      "has been shut down on a connection oriented socket.",
         .refs = {"shutdown(2)", "send(2) EPIPE", "POSIX.1-2017 send() [EPIPE]"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  ASSERT_THAT(shutdown(sp.a.get(), SHUT_WR), SyscallSucceeds());
  EXPECT_THAT(send(sp.a.get(), "x", 1, MSG_NOSIGNAL), SyscallFailsWithErrno(EPIPE));
}

}  // namespace
