// unix(7), socket(2), recv(2), sendto(2): SOCK_DGRAM sockets keep message boundaries and name senders.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, dgram, keeps_message_boundaries,
         .title = "SOCK_DGRAM keeps message boundaries: two sends are two receives of the original sizes",
         .covers = {"socket.SOCK_DGRAM"},
         .statement = "SOCK_DGRAM, for a datagram-oriented socket that preserves message boundaries (as on "
                      "most UNIX implementations, UNIX domain datagram sockets are always reliable and don't "
                      "reorder datagrams)",
         .refs = {"unix(7)", "socket(2) SOCK_DGRAM", "POSIX.1-2017 2.10.6 Socket Types"}, .cls = Conformance::posix) {
  CheckBoundaries(SOCK_DGRAM);
}

IPC_CASE(unix_socket, dgram, truncation_sets_msg_trunc,
         .title = "a SOCK_DGRAM message longer than the buffer is truncated, MSG_TRUNC set, the rest discarded",
         .covers = {"recvmsg.MSG_TRUNC", "recv.message_excess_discarded"},
         .statement = "MSG_TRUNC indicates that the trailing portion of a datagram was discarded because the "
                      "datagram was larger than the buffer supplied.",
         .refs = {"recv(2) msg_flags MSG_TRUNC", "POSIX.1-2017 recvmsg() MSG_TRUNC"}, .cls = Conformance::posix) {
  CheckTruncation(SOCK_DGRAM);
}

IPC_CASE(unix_socket, dgram, recv_msg_trunc_flag_returns_real_length,
         .title = "recv with the MSG_TRUNC flag on a UNIX datagram socket returns the datagram's real length",
         .covers = {"recv.MSG_TRUNC"},
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
         .covers = {"send.sendto_delivers_to_named_socket"},
         .statement = "SOCK_DGRAM and SOCK_RAW sockets allow sending of datagrams to correspondents named in "
                      "sendto(2) calls. Datagrams are generally received with recvfrom(2), which returns the "
                      "next datagram along with the address of its sender.",
         .refs = {"socket(2)", "sendto(2)", "unix(7) pathname", "POSIX.1-2017 sendto()"}, .cls = Conformance::posix) {
  const SocketFile file("dgram.sock");
  UniqueFd receiver = BoundSocket(SOCK_DGRAM, file.address);
  UniqueFd sender = MakeSocket(SOCK_DGRAM);
  ASSERT_THAT(sendto(sender.get(), "hello", 5, 0, file.address.get(), file.address.len), SyscallSucceedsWithValue(5));
  char buf[16] = {};
  EXPECT_THAT(recv(receiver.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(buf, 5), "hello") << "the datagram sent to the path reaches the socket bound there";
}

IPC_CASE(unix_socket, dgram, recvfrom_reports_sender_path,
         .title = "recvfrom reports a bound sender's pathname, and no name for an unbound sender",
         .covers = {"recv.recvfrom_reports_sender_address", "unix7.pathname_address_returned"},
         .statement = "Datagrams are generally received with recvfrom(2), which returns the next datagram "
                      "along with the address of its sender. ... When the address of a pathname socket is "
                      "returned ... its length is offsetof(struct sockaddr_un, sun_path) + strlen(sun_path) + 1",
         .refs = {"socket(2)", "recvfrom(2)", "unix(7) Address format", "POSIX.1-2017 recvfrom()"},
         .cls = Conformance::linux_specific) {
  const SocketFile rfile("receiver.sock");
  const SocketFile sfile("sender.sock");
  UniqueFd receiver = BoundSocket(SOCK_DGRAM, rfile.address);
  UniqueFd named = BoundSocket(SOCK_DGRAM, sfile.address);
  UniqueFd unnamed = MakeSocket(SOCK_DGRAM);
  const Address& ra = rfile.address;
  ASSERT_THAT(sendto(named.get(), "1", 1, 0, ra.get(), ra.len), SyscallSucceedsWithValue(1));
  ASSERT_THAT(sendto(unnamed.get(), "2", 1, 0, ra.get(), ra.len), SyscallSucceedsWithValue(1));

  char c = 0;
  sockaddr_un from{};
  socklen_t len = sizeof from;
  ASSERT_THAT(recvfrom(receiver.get(), &c, 1, 0, reinterpret_cast<sockaddr*>(&from), &len),
              SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, '1');
  EXPECT_EQ(len, sfile.address.len) << "a pathname sender's address length is offsetof(sun_path) + strlen + 1";
  EXPECT_EQ(std::string(from.sun_path), sfile.path) << "recvfrom must name the bound sender's path";

  from = {};
  len = sizeof from;
  ASSERT_THAT(recvfrom(receiver.get(), &c, 1, 0, reinterpret_cast<sockaddr*>(&from), &len),
              SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, '2');
  // unix(7) gives an unnamed address the length sizeof(sa_family_t); Linux's recvfrom reports an
  // unbound datagram sender with length 0. Either way no name is returned.
  EXPECT_LE(len, sizeof(sa_family_t)) << "an unbound sender is unnamed: no pathname may be returned";
}

}  // namespace
