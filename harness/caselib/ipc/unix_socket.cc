#include "harness/caselib/ipc/unix_socket.h"

#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/matchers.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::unix_socket {

void BoundBlockingCalls(int fd) {
  const timeval bound{static_cast<time_t>(kDefaultWait.count() / 1000),
                      static_cast<suseconds_t>((kDefaultWait.count() % 1000) * 1000)};
  for (int opt : {SO_RCVTIMEO, SO_SNDTIMEO}) {
    if (setsockopt(fd, SOL_SOCKET, opt, &bound, sizeof bound) != 0) {
      ThrowHarnessError(std::string("setsockopt(") + (opt == SO_RCVTIMEO ? "SO_RCVTIMEO" : "SO_SNDTIMEO") +
                        "): " + ErrnoName(errno));
    }
  }
}

SocketPair MakeSocketPair(int type) {
  int sv[2];
  if (socketpair(AF_UNIX, type, 0, sv) != 0) {
    ThrowHarnessError("socketpair(AF_UNIX): " + ErrnoName(errno));
  }
  SocketPair sp{UniqueFd(sv[0]), UniqueFd(sv[1])};
  BoundBlockingCalls(sp.a.get());
  BoundBlockingCalls(sp.b.get());
  return sp;
}

UniqueFd MakeSocket(int type) {
  int fd = socket(AF_UNIX, type, 0);
  if (fd < 0) ThrowHarnessError("socket(AF_UNIX): " + ErrnoName(errno));
  UniqueFd s(fd);
  BoundBlockingCalls(s.get());
  return s;
}

const char* TypeName(int type) {
  switch (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
    case SOCK_STREAM:
      return "SOCK_STREAM";
    case SOCK_DGRAM:
      return "SOCK_DGRAM";
    case SOCK_SEQPACKET:
      return "SOCK_SEQPACKET";
    default:
      return "unknown socket type";
  }
}

std::string Address::Describe() const {
  const std::size_t path_len = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
  if (path_len == 0) return "(unnamed)";
  if (sun.sun_path[0] == '\0') return "@" + std::string(sun.sun_path + 1, path_len - 1);
  return std::string(sun.sun_path, strnlen(sun.sun_path, path_len));
}

Address PathAddress(const std::string& path) {
  Address a;
  a.sun.sun_family = AF_UNIX;
  if (path.size() + 1 > sizeof a.sun.sun_path) ThrowHarnessError("socket path too long: " + path);
  std::memcpy(a.sun.sun_path, path.c_str(), path.size() + 1);
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

Address AbstractAddress(const std::string& name) {
  Address a;
  a.sun.sun_family = AF_UNIX;
  if (name.size() + 1 > sizeof a.sun.sun_path) ThrowHarnessError("abstract name too long: " + name);
  a.sun.sun_path[0] = '\0';
  std::memcpy(a.sun.sun_path + 1, name.data(), name.size());
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return a;
}

void EnterTempDir() {
  static bool entered = false;
  if (entered) return;
  if (chdir(TempDir().c_str()) != 0) ThrowHarnessError("chdir(" + TempDir() + "): " + ErrnoName(errno));
  entered = true;
}

std::string SocketPath(const std::string& stem) {
  std::string path = TempPath(stem);
  if (path.size() < sizeof(sockaddr_un{}.sun_path)) return path;
  EnterTempDir();
  return path.substr(path.rfind('/') + 1);
}

std::string UniqueAbstractName(const std::string& stem) {
  struct stat st {};
  if (stat(TempDir().c_str(), &st) != 0) ThrowHarnessError("stat(" + TempDir() + "): " + ErrnoName(errno));
  const std::string path = TempPath(stem);
  return "ipcconform-" + std::to_string(st.st_dev) + "-" + std::to_string(st.st_ino) + "-" +
         path.substr(path.rfind('/') + 1);
}

UniqueFd BoundSocket(int type, const Address& a) {
  UniqueFd fd = MakeSocket(type);
  if (bind(fd.get(), a.get(), a.len) != 0) {
    ThrowHarnessError("set-up: bind(" + a.Describe() + ") of a " + TypeName(type) + " socket: " + ErrnoName(errno));
  }
  return fd;
}

UniqueFd Listener(const Address& a, int type, int backlog) {
  UniqueFd fd = BoundSocket(type, a);
  if (listen(fd.get(), backlog) != 0) ThrowHarnessError("set-up: listen(" + a.Describe() + "): " + ErrnoName(errno));
  return fd;
}

std::string DescribeCred(const ucred& c) {
  return "pid " + std::to_string(c.pid) + ", uid " + std::to_string(c.uid) + ", gid " + std::to_string(c.gid);
}

ChildIdentity PickChildIdentity() {
  ChildIdentity id;
  if (auto who = UnprivilegedIdentity()) {
    id.drop = true;
    id.who = *who;
  }
  return id;
}

ssize_t SendFds(int sock, const std::vector<int>& fds, char byte, int flags) {
  iovec iov{&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  return sendmsg(sock, &msg, flags);
}

std::string ReceivedFds::Describe() const {
  return result < 0 ? "failed with " + ErrnoName(error) : "returned " + std::to_string(result);
}

ReceivedFds RecvFds(int sock, std::size_t room, int flags) {
  ReceivedFds r;
  iovec iov{&r.byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * room));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  r.result = recvmsg(sock, &msg, flags);
  if (r.result < 0) {
    r.error = errno;
    return r;
  }
  r.msg_flags = msg.msg_flags;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      r.fds.emplace_back(fd);
    }
  }
  return r;
}

std::pair<dev_t, ino_t> FileId(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return {0, 0};
  return {st.st_dev, st.st_ino};
}

ReadResult ReadUpTo(int fd, std::size_t limit, milliseconds quiet) {
  ReadResult r;
  while (r.data.size() < limit && ReadableWithin(fd, quiet)) {
    char buf[256];
    const ssize_t n = read(fd, buf, std::min(sizeof buf, limit - r.data.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = errno;
      break;
    }
    if (n == 0) {
      r.eof = true;
      break;
    }
    r.data.append(buf, static_cast<std::size_t>(n));
  }
  return r;
}

std::string ReadAll(int fd, std::size_t limit) {
  ReadResult r = ReadUpTo(fd, limit);
  if (r.error != 0) ThrowHarnessError("read: " + ErrnoName(r.error));
  return std::move(r.data);
}

bool WriteAll(int fd, std::string_view data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

void WriteAllOrThrow(int fd, std::string_view data) {
  if (!WriteAll(fd, data)) ThrowHarnessError("write: " + ErrnoName(errno));
}

void CheckBoundaries(int type) {
  SocketPair sp = MakeSocketPair(type);
  ASSERT_THAT(send(sp.a.get(), "abc", 3, 0), SyscallSucceedsWithValue(3));
  ASSERT_THAT(send(sp.a.get(), "defgh", 5, 0), SyscallSucceedsWithValue(5));
  char buf[64] = {};
  EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(3))
      << "the first receive must return the first message (3 bytes) only, though 64 bytes were asked for";
  EXPECT_EQ(std::string(buf, 3), "abc");
  EXPECT_THAT(recv(sp.b.get(), buf, sizeof buf, 0), SyscallSucceedsWithValue(5))
      << "the second receive must return the second message (5 bytes)";
  EXPECT_EQ(std::string(buf, 5), "defgh");
}

void CheckTruncation(int type) {
  SocketPair sp = MakeSocketPair(type);
  ASSERT_THAT(send(sp.a.get(), "0123456789", 10, 0), SyscallSucceedsWithValue(10));
  ASSERT_THAT(send(sp.a.get(), "next", 4, 0), SyscallSucceedsWithValue(4));
  char buf[4] = {};
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  EXPECT_THAT(recvmsg(sp.b.get(), &msg, 0), SyscallSucceedsWithValue(4))
      << "a 4-byte buffer receives the first 4 bytes of a 10-byte message";
  EXPECT_EQ(std::string(buf, 4), "0123");
  EXPECT_TRUE(msg.msg_flags & MSG_TRUNC) << "msg_flags must contain MSG_TRUNC when the message was longer "
                                            "than the buffer (msg_flags = "
                                         << msg.msg_flags << ")";
  char next[16] = {};
  EXPECT_THAT(recv(sp.b.get(), next, sizeof next, 0), SyscallSucceedsWithValue(4))
      << "the truncated message's remaining 6 bytes must have been discarded";
  EXPECT_EQ(std::string(next, 4), "next") << "the receive after a truncated message returns the next message";
}

}  // namespace ipcc::unix_socket
