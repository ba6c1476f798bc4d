// getpeername(2), unix(7) Address format: the peer addresses of a connected pathname socket.
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, getpeername, returns_listener_path,
         .title = "getpeername on a connected client returns the listener's pathname",
         .covers = {"unix7.pathname_address_returned", "connect.client_stays_unnamed"},
         .statement = kPathnameAddressStatement,
         .refs = {"unix(7) Address format pathname", "getpeername(2)", "POSIX.1-2017 getpeername()"},
         .cls = Conformance::linux_specific) {
  const SocketFile file("peer.sock");
  UniqueFd listener = Listener(file.address);
  UniqueFd client = MakeSocket(SOCK_STREAM);
  ASSERT_THAT(connect(client.get(), file.address.get(), file.address.len), SyscallSucceeds());
  sockaddr_un sun{};
  socklen_t len = sizeof sun;
  ASSERT_THAT(getpeername(client.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds());
  EXPECT_EQ(len, offsetof(sockaddr_un, sun_path) + file.path.size() + 1) << "returned address length";
  EXPECT_EQ(std::string(sun.sun_path), file.path) << "the client's peer is the socket bound at the listener's path";
  // The accepted socket's peer, the unbound client, is unnamed.
  UniqueFd conn(accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(conn.valid()) << "accept: " << ErrnoName(errno);
  len = sizeof sun;
  ASSERT_THAT(getpeername(conn.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds());
  EXPECT_EQ(len, sizeof(sa_family_t)) << "the accepted socket's peer (an unbound client) is unnamed";
}

}  // namespace
