// unix(7) abstract socket addresses: sun_path[0] is a null byte, the name lives outside the filesystem.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, abstract, bind_creates_no_filesystem_entry,
         .title = "binding an abstract address creates no file in the filesystem",
         .covers = {"unix7.abstract_not_in_filesystem"},
         .statement = "an abstract socket address is distinguished (from a pathname socket) by the fact that "
                      "sun_path[0] is a null byte ('\\0'). ... The name has no connection with filesystem "
                      "pathnames.",
         .refs = {"unix(7) Address format abstract"}, .cls = Conformance::linux_specific) {
  // The abstract name is a plain file name: if the kernel wrongly created a file for it, it would
  // appear in the working directory, which is the case's folder.
  EnterTempDir();
  const std::string path = UniqueAbstractName("abstract.sock");
  UniqueFd s = MakeSocket(SOCK_STREAM);
  Address a = AbstractAddress(path);
  ASSERT_THAT(bind(s.get(), a.get(), a.len), SyscallSucceeds());
  struct stat st {};
  EXPECT_THAT(stat(path.c_str(), &st), SyscallFailsWithErrno(ENOENT))
      << "no filesystem object may exist at the abstract name's text";
  EXPECT_THAT(stat(("/" + path).c_str(), &st), SyscallFailsWithErrno(ENOENT))
      << "no filesystem object may exist at the abstract name's text in the root directory";
  // And the name is returned as an abstract address: length > sizeof(sa_family_t), sun_path[0] == 0.
  sockaddr_un sun{};
  socklen_t len = sizeof sun;
  ASSERT_THAT(getsockname(s.get(), reinterpret_cast<sockaddr*>(&sun), &len), SyscallSucceeds());
  EXPECT_EQ(len, a.len) << "the returned length covers the null byte and the name";
  EXPECT_EQ(sun.sun_path[0], '\0') << "an abstract address starts with a null byte";
  EXPECT_EQ(std::string(sun.sun_path + 1, len > 3 ? len - 3 : 0), path) << "the returned abstract name";
}

IPC_CASE(unix_socket, abstract, connectable,
         .title = "a listener bound to an abstract address accepts connections made to that address",
         .covers = {"unix7.abstract_name_is_bytes_covered_by_length", "connect.ECONNREFUSED"},
         .statement = "Linux also supports an abstract namespace which is independent of the filesystem. ... The "
                      "socket's address in this namespace is given by the additional bytes in sun_path that are "
                      "covered by the specified length of the address structure.",
         .refs = {"unix(7) abstract", "connect(2)"}, .cls = Conformance::linux_specific) {
  const Address a = AbstractAddress(UniqueAbstractName("listener"));
  UniqueFd listener = MakeSocket(SOCK_STREAM);
  ASSERT_THAT(bind(listener.get(), a.get(), a.len), SyscallSucceeds());
  ASSERT_THAT(listen(listener.get(), 4), SyscallSucceeds());
  Child client = Fork([&] {
    listener.reset();
    UniqueFd s = MakeSocket(SOCK_STREAM);
    ASSERT_THAT(connect(s.get(), a.get(), a.len), SyscallSucceeds());
    ASSERT_THAT(write(s.get(), "abs", 3), SyscallSucceedsWithValue(3));
  });
  ExpectCleanExit(client.Wait(), "client connecting to the abstract name");
  SetNonblock(listener.get(), true);
  UniqueFd conn(accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(conn.valid()) << "the child's connection must be queued on the listener: " << ErrnoName(errno);
  char buf[4] = {};
  EXPECT_THAT(read(conn.get(), buf, sizeof buf), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(buf, 3), "abs");
  // The name is the bytes covered by the length: the same text with a trailing null is another name.
  Address other = a;
  other.len += 1;
  UniqueFd s = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(connect(s.get(), other.get(), other.len), SyscallFailsWithErrno(ECONNREFUSED))
      << "an address one byte longer (a trailing null) names a different, unbound abstract socket";
}

IPC_CASE(unix_socket, abstract, name_disappears_when_closed,
         .title = "an abstract name disappears when its socket is closed and can be bound again",
         .covers = {"unix7.abstract_name_freed_on_last_close", "bind.EADDRINUSE", "connect.ECONNREFUSED"},
         .statement = "Abstract sockets automatically disappear when all open references to the socket are "
                      "closed.",
         .refs = {"unix(7) Abstract sockets"}, .cls = Conformance::linux_specific) {
  const Address a = AbstractAddress(UniqueAbstractName("transient"));
  UniqueFd first = MakeSocket(SOCK_STREAM);
  ASSERT_THAT(bind(first.get(), a.get(), a.len), SyscallSucceeds());
  ASSERT_THAT(listen(first.get(), 1), SyscallSucceeds());
  UniqueFd second = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(bind(second.get(), a.get(), a.len), SyscallFailsWithErrno(EADDRINUSE))
      << "while the first socket is open its abstract name is taken";
  first.reset();
  UniqueFd client = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(connect(client.get(), a.get(), a.len), SyscallFailsWithErrno(ECONNREFUSED))
      << "after the close nothing is bound to the abstract name";
  UniqueFd third = MakeSocket(SOCK_STREAM);
  EXPECT_THAT(bind(third.get(), a.get(), a.len), SyscallSucceeds())
      << "the name must be free again once the only socket bound to it was closed (unlike a socket file)";
}

}  // namespace
