// recv(2), socket(2), ioctl: receiving on UNIX domain sockets, blocking and nonblocking.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conformance/unix_socket/unix_socket_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, recv, empty_socket_blocks_until_data,
         .title = "a blocking recv on an empty SOCK_STREAM socket blocks until data arrives",
         .statement = "If no messages are available at the socket, the receive calls wait for a message to "
                      "arrive, unless the socket is nonblocking (see fcntl(2)), in which case the value -1 is "
                      "returned and errno is set to EAGAIN or EWOULDBLOCK.",
         .refs = {"recv(2)", "POSIX.1-2017 recv()"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  Child receiver = Fork([&] {
    char buf[8] = {};
    EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(4));
    EXPECT_EQ(std::string(buf, 4), "wake");
  });
  IPCC_ASSERT_BLOCKED(receiver.pid(), SYS_recvfrom, SYS_read);
  ASSERT_THAT(send(sp.a.get(), "wake", 4, 0), SyscallSucceedsWithValue(4));
  ExpectCleanExit(receiver.Wait(), "blocked receiver");
}

IPC_CASE(unix_socket, recv, dgram_empty_socket_blocks_until_datagram,
         .title = "a blocking recv on an empty SOCK_DGRAM socket blocks until a datagram arrives",
         .statement = "If no messages are available at the socket, the receive calls wait for a message to "
                      "arrive, unless the socket is nonblocking (see fcntl(2)), in which case the value -1 is "
                      "returned and errno is set to EAGAIN or EWOULDBLOCK.",
         .refs = {"recv(2)", "POSIX.1-2017 recv()"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_DGRAM);
  Child receiver = Fork([&] {
    char buf[8] = {};
    EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(3));
    EXPECT_EQ(std::string(buf, 3), "dgm");
  });
  IPCC_ASSERT_BLOCKED(receiver.pid(), SYS_recvfrom, SYS_read);
  ASSERT_THAT(send(sp.a.get(), "dgm", 3, 0), SyscallSucceedsWithValue(3));
  ExpectCleanExit(receiver.Wait(), "blocked receiver");
}

IPC_CASE(unix_socket, recv, msg_dontwait_empty_fails_eagain,
         .title = "recv with MSG_DONTWAIT on an empty blocking socket fails with EAGAIN",
         .statement = "MSG_DONTWAIT (since Linux 2.2) Enables nonblocking operation; if the operation would "
                      "block, the call fails with the error EAGAIN or EWOULDBLOCK. ... MSG_DONTWAIT is a per-call "
                      "option, whereas O_NONBLOCK is a setting on the open file description",
         .refs = {"recv(2) MSG_DONTWAIT"}, .cls = Conformance::linux_specific) {
  for (int type : {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET}) {
    SocketPair sp = MakeSocketPair(type);
    char c;
    EXPECT_THAT(recv(sp.b.get(), &c, 1, MSG_DONTWAIT), SyscallFailsWithErrno(EAGAIN)) << TypeName(type);
    EXPECT_EQ(fcntl(sp.b.get(), F_GETFL) & O_NONBLOCK, 0)
        << TypeName(type) << ": MSG_DONTWAIT must not make the socket itself nonblocking";
  }
}

IPC_CASE(unix_socket, socket, sock_nonblock_sets_o_nonblock,
         .title = "SOCK_NONBLOCK makes both socketpair ends nonblocking: recv on an empty end fails with EAGAIN",
         .statement = "SOCK_NONBLOCK Set the O_NONBLOCK file status flag on the open file description (see "
                      "open(2)) referred to by the new file descriptor.",
         .refs = {"socket(2) SOCK_NONBLOCK", "socketpair(2)", "POSIX.1-2024 socket() SOCK_NONBLOCK"},
         .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM | SOCK_NONBLOCK);
  for (int fd : {sp.a.get(), sp.b.get()}) {
    const int fl = fcntl(fd, F_GETFL);
    ASSERT_THAT(fl, SyscallSucceeds());
    EXPECT_NE(fl & O_NONBLOCK, 0) << "O_NONBLOCK must be set on each end (flags " << std::hex << fl << ")";
    char c;
    EXPECT_THAT(read(fd, &c, 1), SyscallFailsWithErrno(EAGAIN)) << "reading an empty nonblocking end";
  }
  UniqueFd s = MakeSocket(SOCK_DGRAM | SOCK_NONBLOCK);
  EXPECT_NE(fcntl(s.get(), F_GETFL) & O_NONBLOCK, 0) << "socket(SOCK_DGRAM | SOCK_NONBLOCK)";
}

IPC_CASE(unix_socket, socket, sock_cloexec_sets_fd_cloexec,
         .title = "SOCK_CLOEXEC sets FD_CLOEXEC on the new descriptors; without it the flag is clear",
         .statement = "SOCK_CLOEXEC Set the close-on-exec (FD_CLOEXEC) flag on the new file descriptor.",
         .refs = {"socket(2) SOCK_CLOEXEC", "socketpair(2)", "POSIX.1-2024 socket() SOCK_CLOEXEC"},
         .cls = Conformance::posix) {
  UniqueFd with = MakeSocket(SOCK_STREAM | SOCK_CLOEXEC);
  UniqueFd without = MakeSocket(SOCK_STREAM);
  EXPECT_NE(fcntl(with.get(), F_GETFD) & FD_CLOEXEC, 0) << "socket(SOCK_STREAM | SOCK_CLOEXEC)";
  EXPECT_EQ(fcntl(without.get(), F_GETFD) & FD_CLOEXEC, 0) << "socket(SOCK_STREAM) without SOCK_CLOEXEC";
  SocketPair sp = MakeSocketPair(SOCK_DGRAM | SOCK_CLOEXEC);
  EXPECT_NE(fcntl(sp.a.get(), F_GETFD) & FD_CLOEXEC, 0) << "socketpair first end";
  EXPECT_NE(fcntl(sp.b.get(), F_GETFD) & FD_CLOEXEC, 0) << "socketpair second end";
}

IPC_CASE(unix_socket, getsockopt, so_type_reports_socket_type,
         .title = "getsockopt(SO_TYPE) returns the type the socket was created with",
         .statement = "SO_TYPE Gets the socket type as an integer (e.g., SOCK_STREAM). This socket option is "
                      "read-only.",
         .refs = {"socket(7) SO_TYPE", "getsockopt(2)", "POSIX.1-2017 getsockopt() SO_TYPE"},
         .cls = Conformance::posix) {
  for (int type : {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET}) {
    UniqueFd s = MakeSocket(type | SOCK_CLOEXEC);
    int value = -1;
    socklen_t len = sizeof value;
    ASSERT_THAT(getsockopt(s.get(), SOL_SOCKET, SO_TYPE, &value, &len), SyscallSucceeds());
    EXPECT_EQ(value, type) << "SO_TYPE of a " << TypeName(type) << " socket (SOCK_CLOEXEC is not part of it)";
    SocketPair sp = MakeSocketPair(type);
    value = -1;
    len = sizeof value;
    ASSERT_THAT(getsockopt(sp.b.get(), SOL_SOCKET, SO_TYPE, &value, &len), SyscallSucceeds());
    EXPECT_EQ(value, type) << "SO_TYPE of a " << TypeName(type) << " socketpair end";
  }
}

IPC_CASE(unix_socket, ioctl, fionread_stream_reports_unread_bytes,
         .title = "FIONREAD (SIOCINQ) on a SOCK_STREAM socket returns the number of unread bytes",
         .statement = "SIOCINQ For SOCK_STREAM sockets, this call returns the number of unread bytes in the "
                      "receive buffer. ... Alternatively, you can use the synonymous FIONREAD",
         .refs = {"unix(7) Ioctls SIOCINQ"}, .cls = Conformance::linux_specific) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  int value = -1;
  ASSERT_THAT(ioctl(sp.b.get(), FIONREAD, &value), SyscallSucceeds());
  EXPECT_EQ(value, 0) << "nothing is queued yet";
  ASSERT_THAT(write(sp.a.get(), "12345", 5), SyscallSucceedsWithValue(5));
  ASSERT_THAT(write(sp.a.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ASSERT_THAT(ioctl(sp.b.get(), FIONREAD, &value), SyscallSucceeds());
  EXPECT_EQ(value, 8) << "two writes of 5 and 3 bytes are 8 unread bytes";
  char buf[2];
  ASSERT_THAT(read(sp.b.get(), buf, 2), SyscallSucceedsWithValue(2));
  ASSERT_THAT(ioctl(sp.b.get(), FIONREAD, &value), SyscallSucceeds());
  EXPECT_EQ(value, 6) << "after reading 2 bytes, 6 remain";
  const std::string path = SocketPath("listening.sock");
  UniqueFd listener = Listener(path);
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  EXPECT_THAT(ioctl(listener.get(), FIONREAD, &value), SyscallFailsWithErrno(EINVAL))
      << "The socket must not be in LISTEN state, otherwise an error (EINVAL) is returned.";
}

}  // namespace
