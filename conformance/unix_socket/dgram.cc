// unix(7), socket(2), recv(2), sendto(2): SOCK_DGRAM and SOCK_SEQPACKET sockets keep message boundaries.
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conformance/unix_socket/unix_socket_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

// Two sends are two receives of the original sizes, even with a buffer big enough for both.
void CheckBoundaries(int type) {
  SocketPair sp = MakeSocketPair(type);
  ASSERT_THAT(send(sp.a.get(), "abc", 3, 0), SyscallSucceedsWithValue(3));
  ASSERT_THAT(send(sp.a.get(), "defgh", 5, 0), SyscallSucceedsWithValue(5));
  char buf[64] = {};
  EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(3))
      << "the first receive must return the first message (3 bytes) only, though 64 bytes were asked for";
  EXPECT_EQ(std::string(buf, 3), "abc");
  EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(5))
      << "the second receive must return the second message (5 bytes)";
  EXPECT_EQ(std::string(buf, 5), "defgh");
}

// A message longer than the buffer: the receive returns the buffer's size, reports MSG_TRUNC in
// msg_flags, and the rest of that message is discarded (the next receive gets the next message).
void CheckTruncation(int type) {
  SocketPair sp = MakeSocketPair(type);
  ASSERT_THAT(send(sp.a.get(), "0123456789", 10, 0), SyscallSucceedsWithValue(10));
  ASSERT_THAT(send(sp.a.get(), "next", 4, 0), SyscallSucceedsWithValue(4));
  char buf[4] = {};
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  EXPECT_THAT(recvmsg(sp.b.get(), &msg, 0), SyscallSucceedsWithValue(4))
      << "a 4-byte buffer receives the first 4 bytes of a 10-byte message";
  EXPECT_EQ(std::string(buf, 4), "0123");
  EXPECT_TRUE(msg.msg_flags & MSG_TRUNC) << "msg_flags must contain MSG_TRUNC when the message was longer "
                                            "than the buffer (msg_flags = "
                                         << msg.msg_flags << ")";
  char next[16] = {};
  EXPECT_THAT(recv(sp.b.get(), next, sizeof next, 0), SyscallSucceedsWithValue(4))
      << "the truncated message's remaining 6 bytes must have been discarded";
  EXPECT_EQ(std::string(next, 4), "next") << "the receive after a truncated message returns the next message";
}

IPC_CASE(unix_socket, dgram, keeps_message_boundaries,
         .title = "SOCK_DGRAM keeps message boundaries: two sends are two receives of the original sizes",
         .statement = "SOCK_DGRAM, for a datagram-oriented socket that preserves message boundaries (as on "
                      "most UNIX implementations, UNIX domain datagram sockets are always reliable and don't "
                      "reorder datagrams)",
         .refs = {"unix(7)", "socket(2) SOCK_DGRAM", "POSIX.1-2017 2.10.6 Socket Types"}, .cls = Conformance::posix) {
  CheckBoundaries(SOCK_DGRAM);
}

IPC_CASE(unix_socket, seqpacket, keeps_message_boundaries,
         .title = "SOCK_SEQPACKET keeps message boundaries: two sends are two receives of the original sizes",
         .statement = "SOCK_SEQPACKET, for a sequenced-packet socket that is connection-oriented, preserves "
                      "message boundaries, and delivers messages in the order that they were sent.",
         .refs = {"unix(7)", "socket(2) SOCK_SEQPACKET", "POSIX.1-2017 2.10.6 Socket Types"},
         .cls = Conformance::posix) {
  CheckBoundaries(SOCK_SEQPACKET);
}

IPC_CASE(unix_socket, dgram, truncation_sets_msg_trunc,
         .title = "a SOCK_DGRAM message longer than the buffer is truncated, MSG_TRUNC set, the rest discarded",
         .statement = "MSG_TRUNC indicates that the trailing portion of a datagram was discarded because the "
                      "datagram was larger than the buffer supplied.",
         .refs = {"recv(2) msg_flags MSG_TRUNC", "POSIX.1-2017 recvmsg() MSG_TRUNC"}, .cls = Conformance::posix) {
  CheckTruncation(SOCK_DGRAM);
}

IPC_CASE(unix_socket, seqpacket, truncation_sets_msg_trunc,
         .title = "a SOCK_SEQPACKET message longer than the buffer is truncated, MSG_TRUNC set, the rest discarded",
         .statement = "SOCK_SEQPACKET ... a consumer is required to read an entire packet with each input system "
                      "call. ... read(2) calls will return only the amount of data requested, and any data "
                      "remaining in the arriving packet will be discarded.",
         .refs = {"socket(2) SOCK_SEQPACKET", "recv(2) msg_flags MSG_TRUNC", "POSIX.1-2017 recvmsg() MSG_TRUNC"},
         .cls = Conformance::posix) {
  CheckTruncation(SOCK_SEQPACKET);
}

IPC_CASE(unix_socket, dgram, recv_msg_trunc_flag_returns_real_length,
         .title = "recv with the MSG_TRUNC flag on a UNIX datagram socket returns the datagram's real length",
         .statement = "MSG_TRUNC (since Linux 2.2) For raw (AF_PACKET), Internet datagram ..., netlink ..., and "
                      "UNIX datagram (since Linux 3.4) sockets: return the real length of the packet or "
                      "datagram, even when it was longer than the passed buffer.",
         .refs = {"recv(2) MSG_TRUNC flag", "unix(7) Sockets API"}, .cls = Conformance::linux_specific) {
  SocketPair sp = MakeSocketPair(SOCK_DGRAM);
  ASSERT_THAT(send(sp.a.get(), "0123456789", 10, 0), SyscallSucceedsWithValue(10));
  char buf[4] = {};
  EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, MSG_TRUNC), SyscallSucceedsWithValue(10))
      << "recv(MSG_TRUNC) must return the datagram's full length (10), not the 4 bytes copied";
  EXPECT_EQ(std::string(buf, 4), "0123");
}

IPC_CASE(unix_socket, dgram, sendto_path_delivers_to_bound_socket,
         .title = "an unbound SOCK_DGRAM socket can sendto a bound socket's pathname",
         .statement = "SOCK_DGRAM and SOCK_RAW sockets allow sending of datagrams to correspondents named in "
                      "sendto(2) calls. Datagrams are generally received with recvfrom(2), which returns the "
                      "next datagram along with the address of its sender.",
         .refs = {"socket(2)", "sendto(2)", "unix(7) pathname", "POSIX.1-2017 sendto()"}, .cls = Conformance::posix) {
  const std::string path = SocketPath("dgram.sock");
  UniqueFd receiver = MakeSocket(SOCK_DGRAM);
  Address a = PathAddress(path);
  ASSERT_THAT(bind(receiver.get(), a.get(), a.len), SyscallSucceeds());
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd sender = MakeSocket(SOCK_DGRAM);
  ASSERT_THAT(sendto(sender.get(), "hello", 5, 0, a.get(), a.len), SyscallSucceedsWithValue(5));
  char buf[16] = {};
  EXPECT_THAT(recv(receiver.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(buf, 5), "hello") << "the datagram sent to the path reaches the socket bound there";
}

IPC_CASE(unix_socket, dgram, recvfrom_reports_sender_path,
         .title = "recvfrom reports a bound sender's pathname, and no name for an unbound sender",
         .statement = "Datagrams are generally received with recvfrom(2), which returns the next datagram "
                      "along with the address of its sender. ... When the address of a pathname socket is "
                      "returned ... its length is offsetof(struct sockaddr_un, sun_path) + strlen(sun_path) + 1",
         .refs = {"socket(2)", "recvfrom(2)", "unix(7) Address format", "POSIX.1-2017 recvfrom()"},
         .cls = Conformance::linux_specific) {
  const std::string rpath = SocketPath("receiver.sock");
  const std::string spath = SocketPath("sender.sock");
  ScopedCleanup unlink_paths([&] {
    unlink(rpath.c_str());
    unlink(spath.c_str());
  });
  UniqueFd receiver = MakeSocket(SOCK_DGRAM);
  Address ra = PathAddress(rpath);
  ASSERT_THAT(bind(receiver.get(), ra.get(), ra.len), SyscallSucceeds());
  UniqueFd named = MakeSocket(SOCK_DGRAM);
  Address sa = PathAddress(spath);
  ASSERT_THAT(bind(named.get(), sa.get(), sa.len), SyscallSucceeds());
  UniqueFd unnamed = MakeSocket(SOCK_DGRAM);
  ASSERT_THAT(sendto(named.get(), "1", 1, 0, ra.get(), ra.len), SyscallSucceedsWithValue(1));
  ASSERT_THAT(sendto(unnamed.get(), "2", 1, 0, ra.get(), ra.len), SyscallSucceedsWithValue(1));

  char c = 0;
  sockaddr_un from{};
  socklen_t len = sizeof from;
  ASSERT_THAT(recvfrom(receiver.get(), &c, 1, 0, reinterpret_cast<sockaddr*>(&from), &len),
              SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, '1');
  EXPECT_EQ(len, sa.len) << "a pathname sender's address length is offsetof(sun_path) + strlen + 1";
  EXPECT_EQ(std::string(from.sun_path), spath) << "recvfrom must name the bound sender's path";

  from = {};
  len = sizeof from;
  ASSERT_THAT(recvfrom(receiver.get(), &c, 1, 0, reinterpret_cast<sockaddr*>(&from), &len),
              SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, '2');
  // unix(7) gives an unnamed address the length sizeof(sa_family_t); Linux's recvfrom reports an
  // unbound datagram sender with length 0. Either way no name is returned.
  EXPECT_LE(len, sizeof(sa_family_t)) << "an unbound sender is unnamed: no pathname may be returned";
}

IPC_CASE(unix_socket, ioctl, siocinq_dgram_reports_next_datagram_size,
         .title = "SIOCINQ on a SOCK_DGRAM socket returns the size of the next pending datagram",
         .statement = "For SOCK_DGRAM sockets, the returned value is the same as for Internet domain datagram "
                      "sockets; see udp(7). [udp(7):] SIOCINQ ... Returns the size of the next pending datagram "
                      "in the integer in bytes, or 0 when no datagram is pending.",
         .refs = {"unix(7) Ioctls SIOCINQ", "udp(7) SIOCINQ"}, .cls = Conformance::linux_specific) {
  SocketPair sp = MakeSocketPair(SOCK_DGRAM);
  int value = -1;
  ASSERT_THAT(ioctl(sp.b.get(), FIONREAD, &value), SyscallSucceeds());
  EXPECT_EQ(value, 0) << "no datagram is pending yet";
  ASSERT_THAT(send(sp.a.get(), "12345", 5, 0), SyscallSucceedsWithValue(5));
  ASSERT_THAT(send(sp.a.get(), "abc", 3, 0), SyscallSucceedsWithValue(3));
  ASSERT_THAT(ioctl(sp.b.get(), FIONREAD, &value), SyscallSucceeds());
  EXPECT_EQ(value, 5) << "expected the size of the next datagram (5), not the total queued (8)";
}

}  // namespace
