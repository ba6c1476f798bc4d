// Helpers shared by the unix(7) case files: socket pairs, addresses, descriptor passing.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"

namespace ipcc::unix_socket {

struct SocketPair {
  UniqueFd a, b;
};

// Bounds every blocking call on the socket: SO_RCVTIMEO (recv, read, accept) and SO_SNDTIMEO (send,
// write, connect) of 5 s. A call that a conforming system completes at once, or once the other process
// acts, then fails with EAGAIN on a deviating one ("reported but not applied": a datagram never queued,
// a connection never accepted), and the case's assertion on it FAILs instead of the case hanging until
// its timeout. Blocking itself is unchanged within the bound, which the blocked-task probe checks.
inline void BoundBlockingCalls(int fd) {
  const timeval bound{static_cast<time_t>(kDefaultWait.count() / 1000),
                      static_cast<suseconds_t>((kDefaultWait.count() % 1000) * 1000)};
  for (int opt : {SO_RCVTIMEO, SO_SNDTIMEO}) {
    if (setsockopt(fd, SOL_SOCKET, opt, &bound, sizeof bound) != 0) {
      ThrowHarnessError(std::string("setsockopt(") + (opt == SO_RCVTIMEO ? "SO_RCVTIMEO" : "SO_SNDTIMEO") +
                        "): " + ErrnoName(errno));
    }
  }
}

inline SocketPair MakeSocketPair(int type) {
  int sv[2];
  if (socketpair(AF_UNIX, type, 0, sv) != 0) {
    ThrowHarnessError("socketpair(AF_UNIX): " + ErrnoName(errno));
  }
  SocketPair sp{UniqueFd(sv[0]), UniqueFd(sv[1])};
  BoundBlockingCalls(sp.a.get());
  BoundBlockingCalls(sp.b.get());
  return sp;
}

inline UniqueFd MakeSocket(int type) {
  int fd = socket(AF_UNIX, type, 0);
  if (fd < 0) ThrowHarnessError("socket(AF_UNIX): " + ErrnoName(errno));
  UniqueFd s(fd);
  BoundBlockingCalls(s.get());
  return s;
}

inline const char* TypeName(int type) {
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

// A pathname address with the length unix(7) recommends: offsetof(sun_path) + strlen + 1.
struct Address {
  sockaddr_un sun{};
  socklen_t len = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&sun); }
};

inline Address PathAddress(const std::string& path) {
  Address a;
  a.sun.sun_family = AF_UNIX;
  if (path.size() + 1 > sizeof a.sun.sun_path) ThrowHarnessError("socket path too long: " + path);
  std::memcpy(a.sun.sun_path, path.c_str(), path.size() + 1);
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

// An abstract address: sun_path[0] is a null byte and the name is the following bytes covered by the
// length (no terminating null). The name should be unique on the machine: the abstract namespace is
// per network namespace, which cases share.
inline Address AbstractAddress(const std::string& name) {
  Address a;
  a.sun.sun_family = AF_UNIX;
  if (name.size() + 1 > sizeof a.sun.sun_path) ThrowHarnessError("abstract name too long: " + name);
  a.sun.sun_path[0] = '\0';
  std::memcpy(a.sun.sun_path + 1, name.data(), name.size());
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return a;
}

// The case's temporary folder as the working directory (once per process).
inline void EnterTempDir() {
  static bool entered = false;
  if (entered) return;
  if (chdir(TempDir().c_str()) != 0) ThrowHarnessError("chdir(" + TempDir() + "): " + ErrnoName(errno));
  entered = true;
}

// A fresh pathname for a socket in the case's folder. TempPath() names are often longer than sun_path
// (108 bytes; the folder's name carries the whole case id), so a name that does not fit is given
// relative to the folder, which then becomes the working directory (children and exec'd fixtures
// inherit it).
inline std::string SocketPath(const std::string& stem) {
  std::string path = TempPath(stem);
  if (path.size() < sizeof(sockaddr_un{}.sun_path)) return path;
  EnterTempDir();
  return path.substr(path.rfind('/') + 1);
}

// A name for the abstract namespace that no other case (nor another run) uses at the same time: it
// carries the device and inode of the case's private folder, unique while the folder exists. No '/'.
inline std::string UniqueAbstractName(const std::string& stem) {
  struct stat st {};
  if (stat(TempDir().c_str(), &st) != 0) ThrowHarnessError("stat(" + TempDir() + "): " + ErrnoName(errno));
  const std::string path = TempPath(stem);
  return "ipcconform-" + std::to_string(st.st_dev) + "-" + std::to_string(st.st_ino) + "-" +
         path.substr(path.rfind('/') + 1);
}

// A listening SOCK_STREAM (or SOCK_SEQPACKET) socket bound to `path`.
inline UniqueFd Listener(const std::string& path, int type = SOCK_STREAM, int backlog = 8) {
  UniqueFd fd = MakeSocket(type);
  Address a = PathAddress(path);
  if (bind(fd.get(), a.get(), a.len) != 0) ThrowHarnessError("bind(" + path + "): " + ErrnoName(errno));
  if (listen(fd.get(), backlog) != 0) ThrowHarnessError("listen(" + path + "): " + ErrnoName(errno));
  return fd;
}

// Sends `byte` with the descriptors `fds` in one SCM_RIGHTS message. Returns sendmsg's result.
inline ssize_t SendFds(int sock, const std::vector<int>& fds, char byte = 'F', int flags = 0) {
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

struct ReceivedFds {
  ssize_t result = -1;                     // recvmsg's return value
  int error = 0;                           // errno when result < 0
  char byte = 0;                           // the data byte
  int msg_flags = 0;                       // msg.msg_flags
  std::vector<int> fds;                    // descriptors found in SCM_RIGHTS headers (caller owns them)
  std::vector<std::string> other_headers;  // any other control message, for messages
};

// Receives one byte and up to `room` descriptors (control buffer sized for `room`).
inline ReceivedFds RecvFds(int sock, std::size_t room, int flags = 0) {
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
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < n; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        r.fds.push_back(fd);
      }
    } else {
      r.other_headers.push_back("level " + std::to_string(c->cmsg_level) + " type " + std::to_string(c->cmsg_type));
    }
  }
  return r;
}

// Device and inode of what a descriptor refers to, to tell whether two descriptors name the same file.
inline std::pair<dev_t, ino_t> FileId(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return {0, 0};
  return {st.st_dev, st.st_ino};
}

// Reads exactly n bytes (looping over short reads) or fewer at end-of-file, or when nothing arrives for
// 5 s (bounded: accepted sockets carry no SO_RCVTIMEO; the caller's comparison reports what arrived);
// harness error on failure.
inline std::string ReadAll(int fd, std::size_t n) {
  std::string out;
  while (out.size() < n) {
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(kDefaultWait.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) ThrowHarnessError("poll: " + ErrnoName(errno));
    if (ready == 0) break;
    char buf[256];
    ssize_t r = read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) ThrowHarnessError("read: " + ErrnoName(errno));
    if (r == 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

inline void WriteAllOrThrow(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t w = write(fd, data.data() + off, data.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ThrowHarnessError("write: " + ErrnoName(errno));
    off += static_cast<std::size_t>(w);
  }
}

}  // namespace ipcc::unix_socket
