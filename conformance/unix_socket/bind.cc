// bind(2), unix(7) pathname sockets: the socket file a bind creates, taken addresses, sun_path's size.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, bind, path_persists_until_unlinked,
         .title = "a bound pathname stays in the filesystem as a socket file after close, until unlinked",
         .covers = {"unix7.pathname_bind_creates_socket_file", "unix7.socket_file_outlives_socket"},
         .statement = "Binding to a socket with a filename creates a socket in the filesystem that must be "
                      "deleted by the caller when it is no longer needed (using unlink(2)).",
         .refs = {"unix(7) NOTES", "unix(7) pathname", "stat(2) S_ISSOCK", "POSIX.1-2017 bind()"},
         .cls = Conformance::posix) {
  const SocketFile file("persist.sock");
  {
    UniqueFd s = MakeSocket(SOCK_STREAM);
    ASSERT_THAT(bind(s.get(), file.address.get(), file.address.len), SyscallSucceeds());
    struct stat st {};
    ASSERT_THAT(stat(file.path.c_str(), &st), SyscallSucceeds()) << "bind must create " << file.path;
    EXPECT_TRUE(S_ISSOCK(st.st_mode)) << "the bound path must be a socket file (mode " << std::oct << st.st_mode << ")";
  }
  struct stat st {};
  ASSERT_THAT(stat(file.path.c_str(), &st), SyscallSucceeds())
      << "the socket file must remain after the socket is closed";
  EXPECT_TRUE(S_ISSOCK(st.st_mode)) << "the remaining file must still be a socket file";
  ASSERT_THAT(unlink(file.path.c_str()), SyscallSucceeds());
  EXPECT_THAT(stat(file.path.c_str(), &st), SyscallFailsWithErrno(ENOENT)) << "unlink removes the socket file";
}

IPC_CASE(unix_socket, bind, existing_path_fails_eaddrinuse,
         .title = "bind to a pathname where a socket file already exists fails with EADDRINUSE",
         .covers = {"EADDRINUSE"},
         .statement = "EADDRINUSE The specified local address is already in use or the filesystem socket object "
                      "already exists.",
         .refs = {"unix(7) ERRORS EADDRINUSE", "bind(2) EADDRINUSE", "POSIX.1-2017 bind() [EADDRINUSE]"},
         .cls = Conformance::posix) {
  const SocketFile file("inuse.sock");
  UniqueFd first = BoundSocket(SOCK_STREAM, file.address);
  UniqueFd second = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(bind(second.get(), file.address.get(), file.address.len), SyscallFailsWithErrno(EADDRINUSE))
      << "while the first socket is open";
  first.reset();
  UniqueFd third = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(bind(third.get(), file.address.get(), file.address.len), SyscallFailsWithErrno(EADDRINUSE))
      << "after the first socket closed, its socket file still exists";
}

IPC_CASE(unix_socket, bind, oversized_address_fails_einval,
         .title = "bind with an address length beyond sizeof(struct sockaddr_un) fails with EINVAL",
         .covers = {"EINVAL", "unix7.sun_path_is_108_bytes"},
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

}  // namespace
