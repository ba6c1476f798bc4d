// socketpair(2), unix(7): the two connected ends of a socket pair.
#include <sys/socket.h>
#include <sys/un.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

constexpr const char* kPairStatement =
    "The socketpair() call creates an unnamed pair of connected sockets in the specified domain, of the specified "
    "type ... The two sockets are indistinguishable.";

// Both ends carry data, in both directions, and each direction is independent of the other: what one
// end sends is read by the other end only, never by the sender itself.
void CheckBidirectional(int type) {
  SocketPair sp = MakeSocketPair(type);
  // Each end sends before either reads: both directions hold data at the same time.
  ASSERT_THAT(send(sp.a.get(), "ping", 4, 0), SyscallSucceedsWithValue(4))
      << "sending on the first end of a " << TypeName(type) << " pair";
  ASSERT_THAT(send(sp.b.get(), "pong!", 5, 0), SyscallSucceedsWithValue(5))
      << "sending on the second end of a " << TypeName(type) << " pair (a pipe's read end could not)";
  char buf[16] = {};
  ASSERT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(4));
  EXPECT_EQ(std::string(buf, 4), "ping") << "the second end must receive what the first end sent";
  ASSERT_THAT(recv(sp.a.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(buf, 5), "pong!") << "the first end must receive what the second end sent";
  // Nothing is left over on either end: no end received its own data.
  EXPECT_THAT(recv(sp.a.get(), buf, sizeof buf, MSG_DONTWAIT), SyscallFailsWithErrno(EAGAIN))
      << "the first end must hold no more data";
  EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, MSG_DONTWAIT), SyscallFailsWithErrno(EAGAIN))
      << "the second end must hold no more data";
}

IPC_CASE(unix_socket, socketpair, bidirectional_stream,
         .title = "both ends of a SOCK_STREAM socketpair can send and receive", .covers = {"ends_connected_both_ways"},
         .statement = kPairStatement, .refs = {"socketpair(2)", "unix(7)", "POSIX.1-2017 socketpair()"},
         .cls = Conformance::posix) {
  CheckBidirectional(SOCK_STREAM);
}

IPC_CASE(unix_socket, socketpair, bidirectional_dgram,
         .title = "both ends of a SOCK_DGRAM socketpair can send and receive", .covers = {"ends_connected_both_ways"},
         .statement = kPairStatement, .refs = {"socketpair(2)", "unix(7)", "POSIX.1-2017 socketpair()"},
         .cls = Conformance::posix) {
  CheckBidirectional(SOCK_DGRAM);
}

IPC_CASE(unix_socket, socketpair, bidirectional_seqpacket,
         .title = "both ends of a SOCK_SEQPACKET socketpair can send and receive",
         .covers = {"ends_connected_both_ways"}, .statement = kPairStatement,
         .refs = {"socketpair(2)", "unix(7) SOCK_SEQPACKET", "POSIX.1-2017 socketpair()"}, .cls = Conformance::posix) {
  CheckBidirectional(SOCK_SEQPACKET);
}

IPC_CASE(unix_socket, socketpair, ends_are_unnamed,
         .title = "getsockname on a socketpair end returns an unnamed address (length sizeof(sa_family_t))",
         .covers = {"ends_are_unnamed", "unix7.unnamed_address_length"},
         .statement = "the two sockets created by socketpair(2) are unnamed. When the address of an unnamed "
                      "socket is returned, its length is sizeof(sa_family_t), and sun_path should not be "
                      "inspected.",
         .refs = {"unix(7) Address format", "getsockname(2)"}, .cls = Conformance::linux_specific) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  sockaddr_un sun{};
  socklen_t len = sizeof sun;
  ASSERT_THAT(getsockname(sp.a.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds());
  EXPECT_EQ(sun.sun_family, AF_UNIX) << "the address family must be AF_UNIX";
  EXPECT_EQ(len, sizeof(sa_family_t)) << "an unnamed socket's address length must be sizeof(sa_family_t)";
  len = sizeof sun;
  ASSERT_THAT(getpeername(sp.a.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds())
      << "a socketpair end is connected, so getpeername must succeed";
  EXPECT_EQ(len, sizeof(sa_family_t)) << "the peer (the other end) is unnamed too";
}

}  // namespace
