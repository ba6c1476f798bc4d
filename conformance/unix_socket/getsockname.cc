// getsockname(2), unix(7) Address format: the address a bound pathname socket reports for itself.
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, getsockname, returns_bound_path,
         .title = "getsockname returns the bound pathname with length offsetof(sun_path) + strlen + 1",
         .covers = {"unix7.pathname_address_returned"}, .statement = kPathnameAddressStatement,
         .refs = {"unix(7) Address format pathname", "getsockname(2)", "POSIX.1-2017 getsockname()"},
         .cls = Conformance::linux_specific) {
  const SocketFile file("name.sock");
  UniqueFd s = BoundSocket(SOCK_STREAM, file.address);
  sockaddr_un sun{};
  socklen_t len = sizeof sun;
  ASSERT_THAT(getsockname(s.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds());
  EXPECT_EQ(sun.sun_family, AF_UNIX);
  EXPECT_EQ(len, offsetof(sockaddr_un, sun_path) + file.path.size() + 1) << "returned address length";
  EXPECT_EQ(std::string(sun.sun_path), file.path) << "returned sun_path";
}

}  // namespace
