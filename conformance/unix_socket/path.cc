// unix(7) pathname sockets between unrelated processes: bind(2), listen(2), connect(2), accept(2).
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

constexpr const char* kPathnameStatement =
    "The AF_UNIX (also known as AF_LOCAL) socket family is used to communicate between processes on the same "
    "machine efficiently. Traditionally, UNIX domain sockets can be either unnamed, or bound to a filesystem "
    "pathname (marked as being of type socket).";

IPC_CASE(unix_socket, path, unrelated_process_connects,
         .title = "an unrelated (exec'd) process connects to the case's listener by pathname",
         .covers = {"unix7.pathname_connects_unrelated_processes"}, .statement = kPathnameStatement,
         .refs = {"unix(7)", "bind(2)", "connect(2)", "accept(2)", "POSIX.1-2017 connect()"},
         .cls = Conformance::posix) {
  const SocketFile file("server.sock");
  UniqueFd listener = Listener(file.address);
  ASSERT_THAT(fcntl(listener.get(), F_SETFD, FD_CLOEXEC), SyscallSucceeds());
  Child client = SpawnFixture("unix-stream-client", {file.path, "request-from-fixture"});
  // Bounded wait for the fixture's connection (a fixture that failed has recorded why).
  ASSERT_TRUE(ReadableWithin(listener.get(), kDefaultWait)) << "no connection from the fixture arrived within 5 s";
  UniqueFd conn(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(conn.valid()) << "accept: " << ErrnoName(errno);
  ucred cred{};
  socklen_t len = sizeof cred;
  ASSERT_THAT(getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len), SyscallSucceeds());
  EXPECT_EQ(cred.pid, client.pid()) << "the accepted connection must come from the fixture process";
  const std::string request = ReadAll(conn.get(), 64);
  EXPECT_EQ(request, "request-from-fixture") << "what the fixture sent, read until its shutdown";
  WriteAllOrThrow(conn.get(), "ack:" + request);
  conn.reset();
  ExpectCleanExit(client.Wait(), "fixture client");
}

IPC_CASE(unix_socket, path, connects_to_unrelated_listener,
         .title = "the case connects by pathname to a listener in an unrelated (exec'd) process",
         .covers = {"unix7.pathname_connects_unrelated_processes"}, .statement = kPathnameStatement,
         .refs = {"unix(7)", "bind(2)", "listen(2)", "connect(2)", "POSIX.1-2017 connect()"},
         .cls = Conformance::posix) {
  const SocketFile file("fixture.sock");
  Child server = SpawnFixture("unix-stream-server", {file.path, "0"});
  CheckpointWait(0);  // the fixture is listening
  UniqueFd s = MakeSocket(SOCK_STREAM | SOCK_CLOEXEC);
  ASSERT_THAT(connect(s.get(), file.address.get(), file.address.len), SyscallSucceeds());
  ucred cred{};
  socklen_t len = sizeof cred;
  ASSERT_THAT(getsockopt(s.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len), SyscallSucceeds());
  EXPECT_EQ(cred.pid, server.pid()) << "the listener at the path must be the fixture process";
  WriteAllOrThrow(s.get(), "request-from-case");
  ASSERT_THAT(shutdown(s.get(), SHUT_WR), SyscallSucceeds());
  EXPECT_EQ(ReadAll(s.get(), 64), "ack:request-from-case") << "the fixture's reply, read until it closed";
  ExpectCleanExit(server.Wait(), "fixture server");
}

}  // namespace
