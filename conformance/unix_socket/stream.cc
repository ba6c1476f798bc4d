// unix(7), socket(2), send(2), recv(2): SOCK_STREAM sockets of the UNIX domain, and a peer that closed.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

constexpr const char* kEpipeStatement =
    "EPIPE The local end has been shut down on a connection oriented socket. In this case, the process will also "
    "receive a SIGPIPE unless MSG_NOSIGNAL is set.";

IPC_CASE(unix_socket, stream, byte_stream_merges_writes,
         .title = "SOCK_STREAM keeps no record boundaries: two writes are read back by one read",
         .covers = {"socket.SOCK_STREAM"},
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
         .covers = {"recv.eof_after_peer_close"},
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

// Runs `writer` in a child, with the stream socket whose peer has closed (SIGPIPE at its default,
// terminating, disposition), and returns the child's wait status.
int WriteToClosedPeer(const std::function<void(int fd)>& writer) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  sp.b.reset();
  Child child = Fork([&] { writer(sp.a.get()); });
  return child.Wait();
}

IPC_CASE(unix_socket, stream, write_after_peer_close_raises_sigpipe,
         .title = "write on a SOCK_STREAM socket whose peer closed raises SIGPIPE (default action kills)",
         .covers = {"send.sigpipe_on_closed_peer"}, .statement = kEpipeStatement,
         .refs = {"send(2) EPIPE", "unix(7) EPIPE", "socket(2)", "POSIX.1-2017 send() [EPIPE]"},
         .cls = Conformance::posix) {
  const int status = WriteToClosedPeer([](int fd) {
    ssize_t r = write(fd, "x", 1);
    int err = errno;
    ADD_FAILURE() << "write after the peer closed returned " << r << (r < 0 ? " with " + ErrnoName(err) : std::string())
                  << " and the process survived; expected it to be killed by SIGPIPE";
  });
  ExpectKilledBy(status, SIGPIPE, "the writer");
}

IPC_CASE(unix_socket, stream, write_after_peer_close_fails_epipe,
         .title = "with SIGPIPE ignored, write on a SOCK_STREAM socket whose peer closed fails with EPIPE",
         .covers = {"send.EPIPE"}, .statement = kEpipeStatement,
         .refs = {"send(2) EPIPE", "unix(7) EPIPE", "write(2) EPIPE", "POSIX.1-2017 send() [EPIPE]"},
         .cls = Conformance::posix) {
  const int status = WriteToClosedPeer([](int fd) {
    signal(SIGPIPE, SIG_IGN);
    EXPECT_THAT(write(fd, "x", 1), SyscallFailsWithErrno(EPIPE));
    EXPECT_THAT(send(fd, "x", 1, 0), SyscallFailsWithErrno(EPIPE));
  });
  ExpectCleanExit(status, "writer with SIGPIPE ignored");
}

IPC_CASE(unix_socket, stream, msg_nosignal_gives_epipe_without_sigpipe,
         .title = "send with MSG_NOSIGNAL to a closed peer fails with EPIPE and raises no SIGPIPE",
         .covers = {"send.MSG_NOSIGNAL"},
         .statement = "MSG_NOSIGNAL Don't generate a SIGPIPE signal if the peer on a stream-oriented socket has "
                      "closed the connection. The EPIPE error is still returned.",
         .refs = {"send(2) MSG_NOSIGNAL", "POSIX.1-2017 send() MSG_NOSIGNAL"}, .cls = Conformance::posix) {
  // SIGPIPE keeps its default action: a SIGPIPE would kill the child. It is also blocked for a
  // moment to see whether one was generated at all.
  const int status = WriteToClosedPeer([](int fd) {
    sigset_t pipe_only, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    EXPECT_THAT(send(fd, "x", 1, MSG_NOSIGNAL), SyscallFailsWithErrno(EPIPE));
    sigprocmask(SIG_BLOCK, &pipe_only, nullptr);
    EXPECT_THAT(send(fd, "x", 1, MSG_NOSIGNAL), SyscallFailsWithErrno(EPIPE));
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGPIPE)) << "a SIGPIPE is pending although MSG_NOSIGNAL was set";
  });
  EXPECT_FALSE(KilledBy(status, SIGPIPE)) << "the sender was killed by SIGPIPE although it passed MSG_NOSIGNAL";
  ExpectCleanExit(status, "sender using MSG_NOSIGNAL");
}

}  // namespace
