// Unix domain sockets (unix(7)) for the unix_socket cases and as a tool: bounded sockets and socket
// pairs, pathname and abstract addresses, socket files in the case's folder, descriptor and credential
// passing, and the check bodies that several unix_socket cases share.
#pragma once

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/caselib/child.h"
#include "harness/caselib/fd.h"
#include "harness/caselib/privilege.h"

namespace ipcc::unix_socket {

// ---------------------------------------------------------------------------------- sockets and pairs

struct SocketPair {
  UniqueFd a, b;
};

// Bounds every blocking call on the socket: SO_RCVTIMEO (recv, read, accept) and SO_SNDTIMEO (send,
// write, connect) of 5 s. A call that a conforming system completes at once, or once the other process
// acts, then fails with EAGAIN on a deviating one ("reported but not applied": a datagram never queued,
// a connection never accepted), and the case's assertion on it FAILs instead of the case hanging until
// its timeout. Blocking itself is unchanged within the bound, which the blocked-task probe checks.
void BoundBlockingCalls(int fd);

// socketpair(AF_UNIX, type) and socket(AF_UNIX, type) as set-up (harness error on failure), with the
// blocking calls bounded.
SocketPair MakeSocketPair(int type);
UniqueFd MakeSocket(int type);

// "SOCK_STREAM", "SOCK_DGRAM", "SOCK_SEQPACKET" (SOCK_NONBLOCK and SOCK_CLOEXEC ignored).
const char* TypeName(int type);

// ------------------------------------------------------------------------------------------ addresses

struct Address {
  sockaddr_un sun{};
  socklen_t len = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&sun); }
  // The path, or "@" and the name of an abstract address, for messages.
  std::string Describe() const;
};

// A pathname address with the length unix(7) recommends: offsetof(sun_path) + strlen + 1.
Address PathAddress(const std::string& path);

// An abstract address: sun_path[0] is a null byte and the name is the following bytes covered by the
// length (no terminating null). The name should be unique on the machine: the abstract namespace is
// per network namespace, which cases share.
Address AbstractAddress(const std::string& name);

// The case's temporary folder as the working directory (once per process).
void EnterTempDir();

// A fresh pathname for a socket in the case's folder. TempPath() names are often longer than sun_path
// (108 bytes; the folder's name carries the whole case id), so a name that does not fit is given
// relative to the folder, which then becomes the working directory (children and exec'd fixtures
// inherit it).
std::string SocketPath(const std::string& stem);

// A name for the abstract namespace that no other case (nor another run) uses at the same time: it
// carries the device and inode of the case's private folder, unique while the folder exists. No '/'.
std::string UniqueAbstractName(const std::string& stem);

// A fresh socket pathname (SocketPath) and its address. Whatever a case bound there is unlinked when the
// owner goes: the case cleans up the socket files it makes.
struct SocketFile {
  explicit SocketFile(const std::string& stem) : path(SocketPath(stem)), address(PathAddress(path)) {}
  ~SocketFile() { unlink(path.c_str()); }
  SocketFile(const SocketFile&) = delete;
  SocketFile& operator=(const SocketFile&) = delete;

  const std::string path;
  const Address address;
};

// ------------------------------------------------------------------------------------------ set-up

// A socket of `type` bound to `a` (harness error when it cannot be bound).
UniqueFd BoundSocket(int type, const Address& a);
// A SOCK_STREAM (or SOCK_SEQPACKET) socket bound to `a` and listening (harness error on failure).
UniqueFd Listener(const Address& a, int type = SOCK_STREAM, int backlog = 8);

// "pid P, uid U, gid G".
std::string DescribeCred(const ucred& c);

// The identity a child takes so that its credentials differ from the case's own where possible; when
// this process cannot switch identity (not root) the child keeps the case's ids and only its pid
// differs.
struct ChildIdentity {
  bool drop = false;
  Identity who{};
  uid_t uid() const { return drop ? who.uid : getuid(); }
  gid_t gid() const { return drop ? who.gid : getgid(); }
};
ChildIdentity PickChildIdentity();

// ------------------------------------------------------------------------------- descriptor passing

// Sends `byte` with the descriptors `fds` in one SCM_RIGHTS message. Returns sendmsg's result.
ssize_t SendFds(int sock, const std::vector<int>& fds, char byte = 'F', int flags = 0);

struct ReceivedFds {
  ssize_t result = -1;           // recvmsg's return value
  int error = 0;                 // errno when result < 0
  char byte = 0;                 // the data byte
  int msg_flags = 0;             // msg.msg_flags
  std::vector<UniqueFd> fds;     // descriptors found in SCM_RIGHTS headers, owned
  std::string Describe() const;  // "returned 1" or "failed with EBADF"
};

// Receives one byte and up to `room` descriptors (control buffer sized for `room`).
ReceivedFds RecvFds(int sock, std::size_t room, int flags = 0);

// Device and inode of what a descriptor refers to, to tell whether two descriptors name the same file.
std::pair<dev_t, ino_t> FileId(int fd);

// ------------------------------------------------------------------------------------ byte streams

// What a bounded read loop got, and why it stopped.
struct ReadResult {
  std::string data;
  bool eof = false;  // it stopped at end-of-file
  int error = 0;     // errno of a failed read, else 0
};
// Reads until `limit` bytes, end-of-file, a read error, or `quiet` without anything arriving (bounded:
// accepted sockets carry no SO_RCVTIMEO).
ReadResult ReadUpTo(int fd, std::size_t limit, milliseconds quiet = kDefaultWait);
// ReadUpTo as set-up: what arrived (the caller's comparison reports it); harness error on a read error.
std::string ReadAll(int fd, std::size_t limit);

// write(2) until all of `data` is written; false on an error (errno says which).
bool WriteAll(int fd, std::string_view data);
// WriteAll as set-up: harness error on failure.
void WriteAllOrThrow(int fd, std::string_view data);

// ------------------------------------------------------------------ shared by cases of several files

// unix(7) Address format, cited by the getsockname and getpeername cases.
inline constexpr const char* kPathnameAddressStatement =
    "When the address of a pathname socket is returned (by one of the system calls noted above), its length is "
    "offsetof(struct sockaddr_un, sun_path) + strlen(sun_path) + 1 and sun_path contains the null-terminated "
    "pathname.";

// A socket pair of `type` keeps message boundaries: two sends are two receives of the original sizes,
// even with a buffer big enough for both.
void CheckBoundaries(int type);

// A message longer than the buffer: the receive returns the buffer's size, reports MSG_TRUNC in
// msg_flags, and the rest of that message is discarded (the next receive gets the next message).
void CheckTruncation(int type);

}  // namespace ipcc::unix_socket
