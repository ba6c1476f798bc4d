// getsockopt(2), socket(7) SO_TYPE: the type of UNIX domain sockets and socket pairs.
#include <sys/socket.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, getsockopt, so_type_reports_socket_type,
         .title = "getsockopt(SO_TYPE) returns the type the socket was created with", .covers = {"SO_TYPE"},
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

}  // namespace
