// recv(2): receiving on UNIX domain sockets, blocking and with MSG_DONTWAIT.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

constexpr const char* kBlockingStatement =
    "If no messages are available at the socket, the receive calls wait for a message to arrive, unless the "
    "socket is nonblocking (see fcntl(2)), in which case the value -1 is returned and errno is set to EAGAIN or "
    "EWOULDBLOCK.";

// A child's recv on the empty end of a `type` pair blocks (the probe sees it in recvfrom or read) until
// the case sends `message`, and then returns exactly that message.
void CheckRecvBlocksUntilSent(int type, const std::string& message) {
  SocketPair sp = MakeSocketPair(type);
  Child receiver = Fork([&] {
    char buf[8] = {};
    EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(static_cast<ssize_t>(message.size())));
    EXPECT_EQ(std::string(buf, message.size()), message);
  });
  IPCC_ASSERT_BLOCKED(receiver.pid(), SYS_recvfrom, SYS_read);
  ASSERT_THAT(send(sp.a.get(), message.data(), message.size(), 0),
              SyscallSucceedsWithValue(static_cast<ssize_t>(message.size())));
  ExpectCleanExit(receiver.Wait(), "blocked receiver");
}

IPC_CASE(unix_socket, recv, empty_socket_blocks_until_data,
         .title = "a blocking recv on an empty SOCK_STREAM socket blocks until data arrives",
         .covers = {"blocks_until_message"}, .statement = kBlockingStatement,
         .refs = {"recv(2)", "POSIX.1-2017 recv()"}, .cls = Conformance::posix) {
  CheckRecvBlocksUntilSent(SOCK_STREAM, "wake");
}

IPC_CASE(unix_socket, recv, dgram_empty_socket_blocks_until_datagram,
         .title = "a blocking recv on an empty SOCK_DGRAM socket blocks until a datagram arrives",
         .covers = {"blocks_until_message"}, .statement = kBlockingStatement,
         .refs = {"recv(2)", "POSIX.1-2017 recv()"}, .cls = Conformance::posix) {
  CheckRecvBlocksUntilSent(SOCK_DGRAM, "dgm");
}

IPC_CASE(unix_socket, recv, msg_dontwait_empty_fails_eagain,
         .title = "recv with MSG_DONTWAIT on an empty blocking socket fails with EAGAIN",
         .covers = {"MSG_DONTWAIT", "EAGAIN"},
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

}  // namespace
