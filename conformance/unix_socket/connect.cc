// connect(2), unix(7), listen(2): connecting to pathname sockets, refused connections, a full backlog.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

constexpr const char* kRefusedStatement =
    "ECONNREFUSED The remote address specified by connect(2) was not a listening socket.";
constexpr const char* kBacklogStatement =
    "EAGAIN For nonblocking UNIX domain sockets, the socket is nonblocking, and the connection cannot be "
    "completed immediately. ... The backlog argument defines the maximum length to which the queue of pending "
    "connections for sockfd may grow.";

IPC_CASE(unix_socket, connect, closed_listener_fails_econnrefused,
         .title = "connect to a socket file whose listener was closed fails with ECONNREFUSED",
         .covers = {"ECONNREFUSED"}, .statement = kRefusedStatement,
         .refs = {"unix(7) ERRORS ECONNREFUSED", "connect(2) ECONNREFUSED", "POSIX.1-2017 connect() [ECONNREFUSED]"},
         .cls = Conformance::posix) {
  const SocketFile file("closed.sock");
  Listener(file.address).reset();  // bound, listened on, closed: the socket file stays
  struct stat st {};
  ASSERT_THAT(stat(file.path.c_str(), &st), SyscallSucceeds());
  ASSERT_TRUE(S_ISSOCK(st.st_mode));
  UniqueFd s = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(connect(s.get(), file.address.get(), file.address.len), SyscallFailsWithErrno(ECONNREFUSED));
}

IPC_CASE(unix_socket, connect, non_listening_socket_fails_econnrefused,
         .title = "connect to a bound SOCK_STREAM socket that never called listen fails with ECONNREFUSED",
         .covers = {"ECONNREFUSED"}, .statement = kRefusedStatement,
         .refs = {"unix(7) ERRORS ECONNREFUSED", "connect(2) ECONNREFUSED", "listen(2)",
                  "POSIX.1-2017 connect() [ECONNREFUSED]"},
         .cls = Conformance::posix) {
  const SocketFile file("unlistened.sock");
  UniqueFd server = BoundSocket(SOCK_STREAM, file.address);
  UniqueFd s = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(connect(s.get(), file.address.get(), file.address.len), SyscallFailsWithErrno(ECONNREFUSED))
      << "the socket bound at the path is open but not listening";
}

IPC_CASE(unix_socket, connect, missing_path_fails_enoent,
         .title = "connect to a pathname that does not exist fails with ENOENT", .covers = {"ENOENT"},
         .statement = "ENOENT The pathname in the remote address specified to connect(2) did not exist.",
         .refs = {"unix(7) ERRORS ENOENT", "POSIX.1-2017 connect() [ENOENT]"}, .cls = Conformance::posix) {
  UniqueFd s = MakeSocket(SOCK_STREAM);
  Address a = PathAddress(SocketPath("missing.sock"));
  EXPECT_THAT(connect(s.get(), a.get(), a.len), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(unix_socket, connect, type_mismatch_fails_eprototype,
         .title = "connecting a SOCK_STREAM socket to a bound SOCK_DGRAM socket fails with EPROTOTYPE",
         .covers = {"EPROTOTYPE"},
         .statement = "EPROTOTYPE Remote socket does not match the local socket type (SOCK_DGRAM versus "
                      "SOCK_STREAM).",
         .refs = {"unix(7) ERRORS EPROTOTYPE", "connect(2) EPROTOTYPE", "POSIX.1-2017 connect() [EPROTOTYPE]"},
         .cls = Conformance::posix) {
  const SocketFile file("dgram.sock");
  UniqueFd dgram = BoundSocket(SOCK_DGRAM, file.address);
  UniqueFd stream = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(connect(stream.get(), file.address.get(), file.address.len), SyscallFailsWithErrno(EPROTOTYPE));
}

// Nonblocking connections to `a` that nobody accepts, made until one fails (16 at the most: the kernel
// may queue a few more than the backlog).
struct Backlog {
  std::vector<UniqueFd> pending;  // the connections that were queued
  int error = 0;                  // errno of the connect that failed; 0 when all 16 succeeded
};

Backlog FillBacklog(const Address& a) {
  Backlog b;
  for (int i = 0; i < 16 && b.error == 0; ++i) {
    UniqueFd s = MakeSocket(SOCK_STREAM | SOCK_NONBLOCK);
    if (connect(s.get(), a.get(), a.len) == 0) {
      b.pending.push_back(std::move(s));
    } else {
      b.error = errno;
    }
  }
  return b;
}

IPC_CASE(unix_socket, connect, nonblocking_full_backlog_fails_eagain,
         .title = "a nonblocking connect to a listener whose backlog is full fails with EAGAIN",
         .covers = {"EAGAIN", "listen.backlog_bounds_pending_connections"}, .statement = kBacklogStatement,
         .refs = {"connect(2) EAGAIN", "listen(2) backlog"}, .cls = Conformance::linux_specific) {
  const SocketFile file("backlog.sock");
  UniqueFd listener = Listener(file.address, SOCK_STREAM, /*backlog=*/1);
  const Backlog b = FillBacklog(file.address);
  EXPECT_EQ(b.error, EAGAIN) << "after " << b.pending.size() << " unaccepted connections on a backlog of 1, "
                             << "expected a nonblocking connect to fail with EAGAIN; it "
                             << (b.error == 0 ? std::string("kept succeeding (16 attempts)")
                                              : "failed with " + ErrnoName(b.error));
  EXPECT_GE(b.pending.size(), 1u) << "the first connection must fit a backlog of 1";
}

IPC_CASE(unix_socket, connect, blocks_while_backlog_full,
         .title = "a blocking connect to a listener with a full backlog blocks until a connection is accepted",
         .covers = {"blocks_while_backlog_full"}, .statement = kBacklogStatement,
         .refs = {"connect(2) EAGAIN", "listen(2) backlog", "accept(2)"}, .cls = Conformance::linux_specific) {
  const SocketFile file("backlog.sock");
  UniqueFd listener = Listener(file.address, SOCK_STREAM, /*backlog=*/1);
  const Backlog b = FillBacklog(file.address);
  ASSERT_NE(b.error, 0) << "the backlog never filled (16 nonblocking connects succeeded)";
  ASSERT_EQ(b.error, EAGAIN) << "filling the backlog: connect failed with " << ErrnoName(b.error);
  Child connector = Fork([&] {
    UniqueFd s = MakeSocket(SOCK_STREAM);
    EXPECT_THAT(connect(s.get(), file.address.get(), file.address.len), SyscallSucceeds())
        << "the blocking connect must complete once the listener accepts a connection";
  });
  IPCC_ASSERT_BLOCKED(connector.pid(), SYS_connect);
  UniqueFd conn(accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(conn.valid()) << "accept: " << ErrnoName(errno);
  ExpectCleanExit(connector.Wait(), "blocked connector");
}

}  // namespace
