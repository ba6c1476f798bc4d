// Pipes as set-up: the owner of both ends of a pipe, for every case that needs one as a tool. And, in
// ipcc::pipes, the tools of the pipe and FIFO cases (conformance/pipe, conformance/fifo): byte patterns,
// filling a pipe, bounded reads, poll events by name, forked writers and holders, the blocking skeleton,
// and tagged records for PIPE_BUF atomicity.
// (The namespace is plural so that it does not hide pipe(2) where `using namespace ipcc;` is in force.)
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/caselib/child.h"
#include "harness/caselib/fd.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc {

// Both ends of one pipe, each closed when the owner goes.
struct Pipe {
  UniqueFd r, w;
};

// pipe2(flags) as set-up: a harness error when the pipe cannot be made (the cases about pipe creation
// itself call pipe/pipe2 directly and judge the result).
inline Pipe MakePipe(int flags = 0) {
  int fds[2];
  if (pipe2(fds, flags) != 0) ThrowHarnessError("set-up: pipe2: " + ErrnoName(errno));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Sets or clears O_NONBLOCK on the open file description behind fd (set-up: a failure is an error).
inline void SetNonblock(int fd, bool on) {
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0) ThrowHarnessError("set-up: fcntl(F_GETFL): " + ErrnoName(errno));
  if (fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK)) != 0) {
    ThrowHarnessError("set-up: fcntl(F_SETFL): " + ErrnoName(errno));
  }
}

}  // namespace ipcc

namespace ipcc::pipes {

// ---- Data ----

// n bytes of a deterministic, non-periodic pattern (xorshift32 from seed), so that a reordering, a
// loss or a duplication of any stretch shows as a mismatch.
std::string Pattern(std::size_t n, std::uint32_t seed);

// Expects `got` to be exactly `sent`; otherwise names how much arrived and the first differing offset.
void ExpectSameBytes(const std::string& got, const std::string& sent, const std::string& what);

// Fills the pipe behind the write end wfd until a nonblocking write fails with EAGAIN (page-sized
// writes, then single bytes to top off), restoring the descriptor's O_NONBLOCK setting afterwards.
// Returns the number of bytes the pipe took. The bytes written are all 'F'.
std::size_t FillPipe(int wfd);

// The number of bytes a fresh default pipe takes before a nonblocking write fails with EAGAIN.
std::size_t MeasuredCapacity();

// ---- Bounded reads of a pipe or FIFO ----
// Each read of a blocking descriptor first waits, at most kDefaultWait, for data or end-of-file; a
// descriptor with O_NONBLOCK is read at once (the read itself answers, EAGAIN included). The loop ends at
// end-of-file, when nothing arrived in time (the caller's comparison then reports the shortfall), or
// at a read error: its errno is stored in *err when err is given, otherwise it fails the case by name.

// Reads until n bytes arrived (looping over short reads).
std::string ReadExactly(int fd, std::size_t n, int* err = nullptr);
// Reads until end-of-file (a harness error past 64 MiB).
std::string ReadAll(int fd, int* err = nullptr);

// ioctl(FIONREAD): the unread bytes in the pipe behind fd (either end). pipe(7) documents it: a refusal
// fails the case, naming the errno, and gives -1.
int UnreadBytes(int fd);

// ---- poll ----

// "POLLIN|POLLHUP", "none": revents by name, for messages.
std::string PollEvents(short revents);
// poll() of one descriptor with timeout 0; returns revents (a failed poll fails the case).
short PollNow(int fd, short events);

// ---- Processes around a pipe ----

enum class End { read, write };

// Forks a writer: the child closes its copy of the read end, then runs fn (which writes to p.w).
Child ForkWriter(Pipe& p, const std::function<void()>& fn);
// Forks a child that keeps end `kept` of p open until checkpoint 0 is posted (and closes the other
// end); this process's copy of `kept` is closed, so the child holds the last one.
Child HoldEnd(Pipe& p, End kept);
// A write end with no read end left anywhere: fn(wfd) runs in a child holding the only write end.
Child ForkWriterWithoutReader(const std::function<void(int wfd)>& fn);

// The blocking skeleton: `blocked` (a child started by the caller) must be seen asleep in one of
// `calls` (IPCC_ASSERT_BLOCKED); then `release` runs here, and the child must end cleanly: its own
// expectations judge how its call returned. `who` names the child in messages. Returns false when a
// fatal failure stopped it on the way (the caller then stops too).
bool ExpectBlockedUntilReleased(Child& blocked, const std::vector<long>& calls, const std::string& who,
                                const std::function<void()>& release);

// ---- Flags of both ends ----

// One flag as fcntl reports it: F_GETFL's O_NONBLOCK or O_DIRECT, F_GETFD's FD_CLOEXEC.
struct EndFlag {
  int get_cmd;
  int bit;
  const char* name;
};
inline constexpr EndFlag kNonblockFlag{F_GETFL, O_NONBLOCK, "O_NONBLOCK"};
inline constexpr EndFlag kCloexecFlag{F_GETFD, FD_CLOEXEC, "FD_CLOEXEC"};

// Expects `flag` set (or clear) on both descriptors, fds[0] and fds[1], which `made_by` made.
void ExpectFlagOnBothEnds(const int fds[2], EndFlag flag, bool set, const std::string& made_by);

// Execs the pipe-fd fixture once for each end of p: each must be "open" in the new program (the same
// pipe, by device and inode) or "closed" there.
void ExpectEndsAfterExec(const Pipe& p, const std::string& state);

// ---- Packet mode (O_DIRECT) ----

// One read of a packet-mode pipe: a buffer of `size` bytes must return exactly `packet`.
struct PacketRead {
  std::size_t size;
  std::string packet;
  const char* why;
};
// Writes each of `writes` (asserted whole), then makes the reads in order.
void ExpectPacketReads(const Pipe& p, const std::vector<std::string>& writes, const std::vector<PacketRead>& reads);

// ---- PIPE_BUF atomicity: tagged records ----
// Every 32-bit word of a record holds the same tag (magic, writer, sequence number), so a record that
// mixes bytes of two writes, or a record cut short, cannot pass.

// Writer `writer` writes `count` records of `size` bytes (a multiple of 4), each in one blocking write
// that must write it whole.
void WriteRecords(int wfd, unsigned writer, std::size_t size, unsigned count);
// Walks `stream` record by record: writer w's records are sizes[w] bytes; each must be whole, and each
// writer's `count` records must all arrive, in order.
void ExpectWholeRecords(const std::string& stream, const std::vector<std::size_t>& sizes, unsigned count);

}  // namespace ipcc::pipes
