// socket(2), socketpair(2): the SOCK_NONBLOCK and SOCK_CLOEXEC type flags on UNIX domain sockets.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, socket, sock_nonblock_sets_o_nonblock,
         .title = "SOCK_NONBLOCK makes both socketpair ends nonblocking: recv on an empty end fails with EAGAIN",
         .covers = {"SOCK_NONBLOCK", "socketpair.SOCK_NONBLOCK"},
         .statement = "SOCK_NONBLOCK Set the O_NONBLOCK file status flag on the open file description (see "
                      "open(2)) referred to by the new file descriptor.",
         .refs = {"socket(2) SOCK_NONBLOCK", "socketpair(2)", "POSIX.1-2024 socket() SOCK_NONBLOCK"},
         .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM | SOCK_NONBLOCK);
  for (int fd : {sp.a.get(), sp.b.get()}) {
    const int fl = fcntl(fd, F_GETFL);
    ASSERT_THAT(fl, SyscallSucceeds());
    EXPECT_NE(fl & O_NONBLOCK, 0) << "O_NONBLOCK must be set on each end (flags " << std::hex << fl << ")";
    char c;
    EXPECT_THAT(read(fd, &c, 1), SyscallFailsWithErrno(EAGAIN)) << "reading an empty nonblocking end";
  }
  UniqueFd s = MakeSocket(SOCK_DGRAM | SOCK_NONBLOCK);
  EXPECT_NE(fcntl(s.get(), F_GETFL) & O_NONBLOCK, 0) << "socket(SOCK_DGRAM | SOCK_NONBLOCK)";
}

IPC_CASE(unix_socket, socket, sock_cloexec_sets_fd_cloexec,
         .title = "SOCK_CLOEXEC sets FD_CLOEXEC on the new descriptors; without it the flag is clear",
         .covers = {"SOCK_CLOEXEC", "socketpair.SOCK_CLOEXEC"},
         .statement = "SOCK_CLOEXEC Set the close-on-exec (FD_CLOEXEC) flag on the new file descriptor.",
         .refs = {"socket(2) SOCK_CLOEXEC", "socketpair(2)", "POSIX.1-2024 socket() SOCK_CLOEXEC"},
         .cls = Conformance::posix) {
  UniqueFd with = MakeSocket(SOCK_STREAM | SOCK_CLOEXEC);
  UniqueFd without = MakeSocket(SOCK_STREAM);
  EXPECT_NE(fcntl(with.get(), F_GETFD) & FD_CLOEXEC, 0) << "socket(SOCK_STREAM | SOCK_CLOEXEC)";
  EXPECT_EQ(fcntl(without.get(), F_GETFD) & FD_CLOEXEC, 0) << "socket(SOCK_STREAM) without SOCK_CLOEXEC";
  SocketPair sp = MakeSocketPair(SOCK_DGRAM | SOCK_CLOEXEC);
  EXPECT_NE(fcntl(sp.a.get(), F_GETFD) & FD_CLOEXEC, 0) << "socketpair first end";
  EXPECT_NE(fcntl(sp.b.get(), F_GETFD) & FD_CLOEXEC, 0) << "socketpair second end";
}

}  // namespace
