// accept(2) on a UNIX domain stream socket: waiting for a connection.
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, accept, blocks_until_client_connects,
         .title = "accept on a listening socket with no pending connection blocks until a client connects",
         .covers = {"blocks_until_connection"},
         .statement = "If no pending connections are present on the queue, and the socket is not marked as "
                      "nonblocking, accept() blocks the caller until a connection is present.",
         .refs = {"accept(2)", "POSIX.1-2017 accept()"}, .cls = Conformance::posix) {
  const SocketFile file("accept.sock");
  UniqueFd listener = Listener(file.address);
  Child acceptor = Fork([&] {
    UniqueFd conn(accept(listener.get(), nullptr, nullptr));
    ASSERT_TRUE(conn.valid()) << "accept: " << ErrnoName(errno);
    char buf[8] = {};
    EXPECT_THAT(read(conn.get(), buf, sizeof buf), SyscallSucceedsWithValue(5));
    EXPECT_EQ(std::string(buf, 5), "hello") << "the accepted connection must be the case's client";
  });
  IPCC_ASSERT_BLOCKED(acceptor.pid(), SYS_accept, SYS_accept4);
  UniqueFd client = MakeSocket(SOCK_STREAM);
  ASSERT_THAT(connect(client.get(), file.address.get(), file.address.len), SyscallSucceeds());
  ASSERT_THAT(write(client.get(), "hello", 5), SyscallSucceedsWithValue(5));
  ExpectCleanExit(acceptor.Wait(), "accepting child");
}

}  // namespace
