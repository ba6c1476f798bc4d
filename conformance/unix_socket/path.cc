// unix(7) pathname sockets, bind(2), connect(2), listen(2), getsockname(2), getpeername(2).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conformance/unix_socket/unix_socket_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, bind, path_persists_until_unlinked,
         .title = "a bound pathname stays in the filesystem as a socket file after close, until unlinked",
         .statement = "Binding to a socket with a filename creates a socket in the filesystem that must be "
                      "deleted by the caller when it is no longer needed (using unlink(2)).",
         .refs = {"unix(7) NOTES", "unix(7) pathname", "stat(2) S_ISSOCK", "POSIX.1-2017 bind()"},
         .cls = Conformance::posix) {
  const std::string path = SocketPath("persist.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  {
    UniqueFd s = MakeSocket(SOCK_STREAM);
    Address a = PathAddress(path);
    ASSERT_THAT(bind(s.get(), a.get(), a.len), SyscallSucceeds());
    struct stat st {};
    ASSERT_THAT(stat(path.c_str(), &st), SyscallSucceeds()) << "bind must create " << path;
    EXPECT_TRUE(S_ISSOCK(st.st_mode)) << "the bound path must be a socket file (mode " << std::oct << st.st_mode << ")";
  }
  struct stat st {};
  ASSERT_THAT(stat(path.c_str(), &st), SyscallSucceeds()) << "the socket file must remain after the socket is closed";
  EXPECT_TRUE(S_ISSOCK(st.st_mode)) << "the remaining file must still be a socket file";
  ASSERT_THAT(unlink(path.c_str()), SyscallSucceeds());
  EXPECT_THAT(stat(path.c_str(), &st), SyscallFailsWithErrno(ENOENT)) << "unlink removes the socket file";
}

IPC_CASE(unix_socket, bind, existing_path_fails_eaddrinuse,
         .title = "bind to a pathname where a socket file already exists fails with EADDRINUSE",
         .statement = "EADDRINUSE The specified local address is already in use or the filesystem socket object "
                      "already exists.",
         .refs = {"unix(7) ERRORS EADDRINUSE", "bind(2) EADDRINUSE", "POSIX.1-2017 bind() [EADDRINUSE]"},
         .cls = Conformance::posix) {
  const std::string path = SocketPath("inuse.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  Address a = PathAddress(path);
  UniqueFd first = MakeSocket(SOCK_STREAM);
  ASSERT_THAT(bind(first.get(), a.get(), a.len), SyscallSucceeds());
  UniqueFd second = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(bind(second.get(), a.get(), a.len), SyscallFailsWithErrno(EADDRINUSE))
      << "while the first socket is open";
  first.reset();
  UniqueFd third = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(bind(third.get(), a.get(), a.len), SyscallFailsWithErrno(EADDRINUSE))
      << "after the first socket closed, its socket file still exists";
}

IPC_CASE(unix_socket, bind, oversized_address_fails_einval,
         .title = "bind with an address length beyond sizeof(struct sockaddr_un) fails with EINVAL",
         .statement = "On Linux, sun_path is 108 bytes in size ... EINVAL addrlen is wrong, or addr is not a "
                      "valid address for this socket's domain.",
         .refs = {"unix(7) Address format", "bind(2) EINVAL", "unix(7) ERRORS EINVAL"},
         .cls = Conformance::linux_specific) {
  // A path longer than sun_path, in a buffer large enough to hold it, with addrlen covering it all.
  struct {
    sockaddr_un sun;
    char overflow[64];
  } big{};
  big.sun.sun_family = AF_UNIX;
  const std::string dir = TempDir();
  std::string path = dir + "/";
  if (path.size() < sizeof big.sun.sun_path + 20) path.append(sizeof big.sun.sun_path + 20 - path.size(), 'x');
  path += "x";
  if (path.size() + 1 > sizeof big.sun.sun_path + sizeof big.overflow) ThrowHarnessError("temp dir too long");
  std::memcpy(big.sun.sun_path, path.c_str(), path.size() + 1);
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  ASSERT_GT(len, sizeof(sockaddr_un));
  UniqueFd s = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(bind(s.get(), reinterpret_cast<const sockaddr*>(&big), len), SyscallFailsWithErrno(EINVAL))
      << "a " << path.size() << "-byte path does not fit the " << sizeof big.sun.sun_path << "-byte sun_path";
  struct stat st {};
  EXPECT_THAT(stat(path.c_str(), &st), SyscallFailsWithErrno(ENOENT)) << "no socket file may have been created";
}

IPC_CASE(unix_socket, connect, closed_listener_fails_econnrefused,
         .title = "connect to a socket file whose listener was closed fails with ECONNREFUSED",
         .statement = "ECONNREFUSED The remote address specified by connect(2) was not a listening socket.",
         .refs = {"unix(7) ERRORS ECONNREFUSED", "connect(2) ECONNREFUSED", "POSIX.1-2017 connect() [ECONNREFUSED]"},
         .cls = Conformance::posix) {
  const std::string path = SocketPath("closed.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  Listener(path).reset();  // bound, listened on, closed: the socket file stays
  struct stat st {};
  ASSERT_THAT(stat(path.c_str(), &st), SyscallSucceeds());
  ASSERT_TRUE(S_ISSOCK(st.st_mode));
  UniqueFd s = MakeSocket(SOCK_STREAM);
  Address a = PathAddress(path);
  EXPECT_THAT(connect(s.get(), a.get(), a.len), SyscallFailsWithErrno(ECONNREFUSED));
}

IPC_CASE(unix_socket, connect, non_listening_socket_fails_econnrefused,
         .title = "connect to a bound SOCK_STREAM socket that never called listen fails with ECONNREFUSED",
         .statement = "ECONNREFUSED The remote address specified by connect(2) was not a listening socket.",
         .refs = {"unix(7) ERRORS ECONNREFUSED", "connect(2) ECONNREFUSED", "listen(2)",
                  "POSIX.1-2017 connect() [ECONNREFUSED]"},
         .cls = Conformance::posix) {
  const std::string path = SocketPath("unlistened.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd server = MakeSocket(SOCK_STREAM);
  Address a = PathAddress(path);
  ASSERT_THAT(bind(server.get(), a.get(), a.len), SyscallSucceeds());
  UniqueFd s = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(connect(s.get(), a.get(), a.len), SyscallFailsWithErrno(ECONNREFUSED))
      << "the socket bound at the path is open but not listening";
}

IPC_CASE(unix_socket, connect, missing_path_fails_enoent,
         .title = "connect to a pathname that does not exist fails with ENOENT",
         .statement = "ENOENT The pathname in the remote address specified to connect(2) did not exist.",
         .refs = {"unix(7) ERRORS ENOENT", "POSIX.1-2017 connect() [ENOENT]"}, .cls = Conformance::posix) {
  UniqueFd s = MakeSocket(SOCK_STREAM);
  Address a = PathAddress(SocketPath("missing.sock"));
  EXPECT_THAT(connect(s.get(), a.get(), a.len), SyscallFailsWithErrno(ENOENT));
}

IPC_CASE(unix_socket, connect, type_mismatch_fails_eprototype,
         .title = "connecting a SOCK_STREAM socket to a bound SOCK_DGRAM socket fails with EPROTOTYPE",
         .statement = "EPROTOTYPE Remote socket does not match the local socket type (SOCK_DGRAM versus "
                      "SOCK_STREAM).",
         .refs = {"unix(7) ERRORS EPROTOTYPE", "connect(2) EPROTOTYPE", "POSIX.1-2017 connect() [EPROTOTYPE]"},
         .cls = Conformance::posix) {
  const std::string path = SocketPath("dgram.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd dgram = MakeSocket(SOCK_DGRAM);
  Address a = PathAddress(path);
  ASSERT_THAT(bind(dgram.get(), a.get(), a.len), SyscallSucceeds());
  UniqueFd stream = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(connect(stream.get(), a.get(), a.len), SyscallFailsWithErrno(EPROTOTYPE));
}

IPC_CASE(unix_socket, getsockname, returns_bound_path,
         .title = "getsockname returns the bound pathname with length offsetof(sun_path) + strlen + 1",
         .statement = "When the address of a pathname socket is returned (by one of the system calls noted "
                      "above), its length is offsetof(struct sockaddr_un, sun_path) + strlen(sun_path) + 1 and "
                      "sun_path contains the null-terminated pathname.",
         .refs = {"unix(7) Address format pathname", "getsockname(2)", "POSIX.1-2017 getsockname()"},
         .cls = Conformance::linux_specific) {
  const std::string path = SocketPath("name.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd s = MakeSocket(SOCK_STREAM);
  Address a = PathAddress(path);
  ASSERT_THAT(bind(s.get(), a.get(), a.len), SyscallSucceeds());
  sockaddr_un sun{};
  socklen_t len = sizeof sun;
  ASSERT_THAT(getsockname(s.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds());
  EXPECT_EQ(sun.sun_family, AF_UNIX);
  EXPECT_EQ(len, offsetof(sockaddr_un, sun_path) + path.size() + 1) << "returned address length";
  EXPECT_EQ(std::string(sun.sun_path), path) << "returned sun_path";
}

IPC_CASE(unix_socket, getpeername, returns_listener_path,
         .title = "getpeername on a connected client returns the listener's pathname",
         .statement = "When the address of a pathname socket is returned (by one of the system calls noted "
                      "above), its length is offsetof(struct sockaddr_un, sun_path) + strlen(sun_path) + 1 and "
                      "sun_path contains the null-terminated pathname.",
         .refs = {"unix(7) Address format pathname", "getpeername(2)", "POSIX.1-2017 getpeername()"},
         .cls = Conformance::linux_specific) {
  const std::string path = SocketPath("peer.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd listener = Listener(path);
  UniqueFd client = MakeSocket(SOCK_STREAM);
  Address a = PathAddress(path);
  ASSERT_THAT(connect(client.get(), a.get(), a.len), SyscallSucceeds());
  sockaddr_un sun{};
  socklen_t len = sizeof sun;
  ASSERT_THAT(getpeername(client.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds());
  EXPECT_EQ(len, offsetof(sockaddr_un, sun_path) + path.size() + 1) << "returned address length";
  EXPECT_EQ(std::string(sun.sun_path), path) << "the client's peer is the socket bound at the listener's path";
  // The accepted socket's peer, the unbound client, is unnamed.
  UniqueFd conn(accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(conn.valid()) << "accept: " << ErrnoName(errno);
  len = sizeof sun;
  ASSERT_THAT(getpeername(conn.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds());
  EXPECT_EQ(len, sizeof(sa_family_t)) << "the accepted socket's peer (an unbound client) is unnamed";
}

IPC_CASE(unix_socket, accept, blocks_until_client_connects,
         .title = "accept on a listening socket with no pending connection blocks until a client connects",
         .statement = "If no pending connections are present on the queue, and the socket is not marked as "
                      "nonblocking, accept() blocks the caller until a connection is present.",
         .refs = {"accept(2)", "POSIX.1-2017 accept()"}, .cls = Conformance::posix) {
  const std::string path = SocketPath("accept.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd listener = Listener(path);
  Child acceptor = Fork([&] {
    UniqueFd conn(accept(listener.get(), nullptr, nullptr));
    ASSERT_TRUE(conn.valid()) << "accept: " << ErrnoName(errno);
    char buf[8] = {};
    EXPECT_THAT(read(conn.get(), buf, sizeof buf), SyscallSucceedsWithValue(5));
    EXPECT_EQ(std::string(buf, 5), "hello") << "the accepted connection must be the case's client";
  });
  IPCC_ASSERT_BLOCKED(acceptor.pid(), SYS_accept, SYS_accept4);
  UniqueFd client = MakeSocket(SOCK_STREAM);
  Address a = PathAddress(path);
  ASSERT_THAT(connect(client.get(), a.get(), a.len), SyscallSucceeds());
  ASSERT_THAT(write(client.get(), "hello", 5), SyscallSucceedsWithValue(5));
  ExpectCleanExit(acceptor.Wait(), "accepting child");
}

IPC_CASE(unix_socket, connect, nonblocking_full_backlog_fails_eagain,
         .title = "a nonblocking connect to a listener whose backlog is full fails with EAGAIN",
         .statement = "EAGAIN For nonblocking UNIX domain sockets, the socket is nonblocking, and the connection "
                      "cannot be completed immediately. ... The backlog argument defines the maximum length to "
                      "which the queue of pending connections for sockfd may grow.",
         .refs = {"connect(2) EAGAIN", "listen(2) backlog"}, .cls = Conformance::linux_specific) {
  const std::string path = SocketPath("backlog.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd listener = Listener(path, SOCK_STREAM, /*backlog=*/1);
  Address a = PathAddress(path);
  // Fill the queue with connections nobody accepts; the kernel may allow a few more than the backlog.
  std::vector<UniqueFd> pending;
  int err = 0;
  for (int i = 0; i < 16 && err == 0; ++i) {
    UniqueFd s = MakeSocket(SOCK_STREAM | SOCK_NONBLOCK);
    if (connect(s.get(), a.get(), a.len) == 0) {
      pending.push_back(std::move(s));
    } else {
      err = errno;
    }
  }
  EXPECT_EQ(err, EAGAIN) << "after " << pending.size() << " unaccepted connections on a backlog of 1, "
                         << "expected a nonblocking connect to fail with EAGAIN; it "
                         << (err == 0 ? std::string("kept succeeding (16 attempts)") : "failed with " + ErrnoName(err));
  EXPECT_GE(pending.size(), 1u) << "the first connection must fit a backlog of 1";
}

IPC_CASE(unix_socket, connect, blocks_while_backlog_full,
         .title = "a blocking connect to a listener with a full backlog blocks until a connection is accepted",
         .statement = "EAGAIN For nonblocking UNIX domain sockets, the socket is nonblocking, and the connection "
                      "cannot be completed immediately. ... The backlog argument defines the maximum length to "
                      "which the queue of pending connections for sockfd may grow.",
         .refs = {"connect(2) EAGAIN", "listen(2) backlog", "accept(2)"}, .cls = Conformance::linux_specific) {
  const std::string path = SocketPath("backlog.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd listener = Listener(path, SOCK_STREAM, /*backlog=*/1);
  Address a = PathAddress(path);
  std::vector<UniqueFd> pending;
  bool full = false;
  for (int i = 0; i < 16 && !full; ++i) {
    UniqueFd s = MakeSocket(SOCK_STREAM | SOCK_NONBLOCK);
    if (connect(s.get(), a.get(), a.len) == 0) {
      pending.push_back(std::move(s));
    } else {
      ASSERT_EQ(errno, EAGAIN) << "filling the backlog: connect failed with " << ErrnoName(errno);
      full = true;
    }
  }
  ASSERT_TRUE(full) << "the backlog never filled (16 nonblocking connects succeeded)";
  Child connector = Fork([&] {
    UniqueFd s = MakeSocket(SOCK_STREAM);
    EXPECT_THAT(connect(s.get(), a.get(), a.len), SyscallSucceeds())
        << "the blocking connect must complete once the listener accepts a connection";
  });
  IPCC_ASSERT_BLOCKED(connector.pid(), SYS_connect);
  UniqueFd conn(accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(conn.valid()) << "accept: " << ErrnoName(errno);
  ExpectCleanExit(connector.Wait(), "blocked connector");
}

IPC_CASE(unix_socket, path, unrelated_process_connects,
         .title = "an unrelated (exec'd) process connects to the case's listener by pathname",
         .statement = "The AF_UNIX (also known as AF_LOCAL) socket family is used to communicate between "
                      "processes on the same machine efficiently. Traditionally, UNIX domain sockets can be "
                      "either unnamed, or bound to a filesystem pathname (marked as being of type socket).",
         .refs = {"unix(7)", "bind(2)", "connect(2)", "accept(2)", "POSIX.1-2017 connect()"},
         .cls = Conformance::posix) {
  const std::string path = SocketPath("server.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  UniqueFd listener = Listener(path);
  ASSERT_THAT(fcntl(listener.get(), F_SETFD, FD_CLOEXEC), SyscallSucceeds());
  Child client = SpawnFixture("unix-stream-client", {path, "request-from-fixture"});
  // Bounded wait for the fixture's connection (a fixture that failed has recorded why).
  pollfd pfd{listener.get(), POLLIN, 0};
  ASSERT_THAT(poll(&pfd, 1, 5000), SyscallSucceedsWithValue(1)) << "no connection from the fixture arrived within 5 s";
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
         .statement = "The AF_UNIX (also known as AF_LOCAL) socket family is used to communicate between "
                      "processes on the same machine efficiently. Traditionally, UNIX domain sockets can be "
                      "either unnamed, or bound to a filesystem pathname (marked as being of type socket).",
         .refs = {"unix(7)", "bind(2)", "listen(2)", "connect(2)", "POSIX.1-2017 connect()"},
         .cls = Conformance::posix) {
  const std::string path = SocketPath("fixture.sock");
  ScopedCleanup unlink_path([&] { unlink(path.c_str()); });
  Child server = SpawnFixture("unix-stream-server", {path, "0"});
  CheckpointWait(0);  // the fixture is listening
  UniqueFd s = MakeSocket(SOCK_STREAM | SOCK_CLOEXEC);
  Address a = PathAddress(path);
  ASSERT_THAT(connect(s.get(), a.get(), a.len), SyscallSucceeds());
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
