// unix(7) Ioctls, udp(7): SIOCINQ (FIONREAD) on UNIX domain stream and datagram sockets.
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

// ioctl(fd, FIONREAD): the value it stored, or -1 with the failed call recorded (by errno name).
int Fionread(int fd) {
  int value = -1;
  EXPECT_THAT(ioctl(fd, FIONREAD, &value), SyscallSucceeds()) << "ioctl(FIONREAD)";
  return value;
}

IPC_CASE(unix_socket, ioctl, siocinq_dgram_reports_next_datagram_size,
         .title = "SIOCINQ on a SOCK_DGRAM socket returns the size of the next pending datagram",
         .covers = {"unix7.siocinq_dgram_next_datagram_size"},
         .statement = "For SOCK_DGRAM sockets, the returned value is the same as for Internet domain datagram "
                      "sockets; see udp(7). [udp(7):] SIOCINQ ... Returns the size of the next pending datagram "
                      "in the integer in bytes, or 0 when no datagram is pending.",
         .refs = {"unix(7) Ioctls SIOCINQ", "udp(7) SIOCINQ"}, .cls = Conformance::linux_specific) {
  SocketPair sp = MakeSocketPair(SOCK_DGRAM);
  EXPECT_EQ(Fionread(sp.b.get()), 0) << "no datagram is pending yet";
  ASSERT_THAT(send(sp.a.get(), "12345", 5, 0), SyscallSucceedsWithValue(5));
  ASSERT_THAT(send(sp.a.get(), "abc", 3, 0), SyscallSucceedsWithValue(3));
  EXPECT_EQ(Fionread(sp.b.get()), 5) << "expected the size of the next datagram (5), not the total queued (8)";
}

IPC_CASE(unix_socket, ioctl, fionread_stream_reports_unread_bytes,
         .title = "FIONREAD (SIOCINQ) on a SOCK_STREAM socket returns the number of unread bytes",
         .covers = {"unix7.SIOCINQ", "unix7.siocinq_listening_fails_einval"},
         .statement = "SIOCINQ For SOCK_STREAM sockets, this call returns the number of unread bytes in the "
                      "receive buffer. ... Alternatively, you can use the synonymous FIONREAD",
         .refs = {"unix(7) Ioctls SIOCINQ"}, .cls = Conformance::linux_specific) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  EXPECT_EQ(Fionread(sp.b.get()), 0) << "nothing is queued yet";
  ASSERT_THAT(write(sp.a.get(), "12345", 5), SyscallSucceedsWithValue(5));
  ASSERT_THAT(write(sp.a.get(), "abc", 3), SyscallSucceedsWithValue(3));
  EXPECT_EQ(Fionread(sp.b.get()), 8) << "two writes of 5 and 3 bytes are 8 unread bytes";
  char buf[2];
  ASSERT_THAT(read(sp.b.get(), buf, 2), SyscallSucceedsWithValue(2));
  EXPECT_EQ(Fionread(sp.b.get()), 6) << "after reading 2 bytes, 6 remain";
  const SocketFile file("listening.sock");
  UniqueFd listener = Listener(file.address);
  int value = -1;
  EXPECT_THAT(ioctl(listener.get(), FIONREAD, &value), SyscallFailsWithErrno(EINVAL))
      << "The socket must not be in LISTEN state, otherwise an error (EINVAL) is returned.";
}

}  // namespace
