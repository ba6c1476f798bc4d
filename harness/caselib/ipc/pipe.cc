#include "harness/caselib/ipc/pipe.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "harness/caselib/ipc/shared_page.h"
#include "harness/caselib/matchers.h"
#include "harness/caselib/probe.h"

namespace ipcc::pipes {
namespace {

// For a blocking descriptor: waits, bounded, until a read would not block; false when nothing came.
bool ReadWouldNotBlockWithin(int fd, milliseconds bound) {
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0) ThrowHarnessError("fcntl(F_GETFL): " + ErrnoName(errno));
  if (fl & O_NONBLOCK) return true;  // the read itself answers at once
  return ::ipcc::ReadableWithin(fd, bound);
}

// One bounded read of up to `want` bytes, appended to out; false when the loop reading it should stop.
bool ReadSome(int fd, std::size_t want, std::string& out, int* err) {
  if (!ReadWouldNotBlockWithin(fd, kDefaultWait)) return false;
  char buf[65536];
  for (;;) {
    const ssize_t got = read(fd, buf, std::min(sizeof buf, want));
    if (got > 0) {
      out.append(buf, static_cast<std::size_t>(got));
      return true;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    if (err != nullptr) {
      *err = errno;
    } else {
      ADD_FAILURE() << "read from a pipe or FIFO failed with " << ErrnoName(errno) << " after " << out.size()
                    << " bytes";
    }
    return false;
  }
}

std::string CallNames(const std::vector<long>& calls) {
  std::string out;
  for (long nr : calls) out += (out.empty() ? "" : ", ") + SyscallName(nr);
  return out;
}

constexpr std::uint32_t kRecordMagic = 0xA5000000u;
std::uint32_t RecordTag(unsigned writer, unsigned seq) {
  return kRecordMagic | (writer << 16) | seq;
}

// Checks the record at `off` of `stream`; returns its length, or 0 after recording what is wrong.
std::size_t CheckRecordAt(const std::string& stream, std::size_t off, const std::vector<std::size_t>& sizes,
                          std::map<unsigned, unsigned>& next_seq) {
  std::uint32_t tag = 0;
  if (stream.size() - off < sizeof tag) {
    ADD_FAILURE() << "the stream ends with " << stream.size() - off << " stray bytes at offset " << off;
    return 0;
  }
  std::memcpy(&tag, stream.data() + off, sizeof tag);
  const unsigned w = (tag >> 16) & 0xff;
  const unsigned seq = tag & 0xffff;
  if ((tag & 0xff000000u) != kRecordMagic || w >= sizes.size()) {
    ADD_FAILURE() << "offset " << off << " does not start a record: word 0x" << std::hex << tag
                  << " — the data of concurrent writes was interleaved";
    return 0;
  }
  const std::size_t len = sizes[w];
  if (stream.size() - off < len) {
    ADD_FAILURE() << "writer " << w << "'s record " << seq << " at offset " << off << " is cut short";
    return 0;
  }
  for (std::size_t i = 0; i < len; i += sizeof tag) {
    std::uint32_t x = 0;
    std::memcpy(&x, stream.data() + off + i, sizeof x);
    if (x != tag) {
      ADD_FAILURE() << "writer " << w << "'s " << len << "-byte record " << seq << " at offset " << off
                    << " holds foreign data (0x" << std::hex << x << std::dec << ") at byte " << i
                    << " — the write was interleaved with another";
      return 0;
    }
  }
  if (seq != next_seq[w]) {
    ADD_FAILURE() << "writer " << w << "'s record " << seq << " arrived where record " << next_seq[w]
                  << " was due (a writer's records must arrive complete and in order)";
    return 0;
  }
  next_seq[w] = seq + 1;
  return len;
}

}  // namespace

std::string Pattern(std::size_t n, std::uint32_t seed) {
  std::string out(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1u;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

void ExpectSameBytes(const std::string& got, const std::string& sent, const std::string& what) {
  const auto mismatch = std::mismatch(got.begin(), got.end(), sent.begin(), sent.end());
  EXPECT_TRUE(got == sent) << what << ": read " << got.size() << " of the " << sent.size()
                           << " bytes written; the first difference is at offset " << (mismatch.first - got.begin());
}

std::size_t FillPipe(int wfd) {
  const int fl = fcntl(wfd, F_GETFL);
  if (fl < 0) ThrowHarnessError("fcntl(F_GETFL): " + ErrnoName(errno));
  if (!(fl & O_NONBLOCK)) SetNonblock(wfd, true);
  const std::string chunk(PageSize(), 'F');
  constexpr std::size_t kLimit = 64u << 20;  // no pipe should take this much: a broken EAGAIN
  std::size_t total = 0;
  for (std::size_t size : {chunk.size(), std::size_t{1}}) {
    for (;;) {
      const ssize_t n = write(wfd, chunk.data(), size);
      if (n > 0) {
        total += static_cast<std::size_t>(n);
        if (total > kLimit) ThrowHarnessError("filling a pipe: it took more than 64 MiB without EAGAIN");
        continue;
      }
      if (n < 0 && errno == EAGAIN) break;
      ThrowHarnessError("filling a pipe: nonblocking write gave " + (n < 0 ? ErrnoName(errno) : std::to_string(n)));
    }
  }
  if (!(fl & O_NONBLOCK)) SetNonblock(wfd, false);
  return total;
}

std::size_t MeasuredCapacity() {
  Pipe p = MakePipe();
  return FillPipe(p.w.get());
}

std::string ReadExactly(int fd, std::size_t n, int* err) {
  std::string out;
  out.reserve(n);
  while (out.size() < n && ReadSome(fd, n - out.size(), out, err)) {
  }
  return out;
}

std::string ReadAll(int fd, int* err) {
  std::string out;
  while (ReadSome(fd, 65536, out, err)) {
    if (out.size() > (64u << 20)) ThrowHarnessError("reading a pipe: more than 64 MiB before end-of-file");
  }
  return out;
}

int UnreadBytes(int fd) {
  int n = -1;
  EXPECT_THAT(ioctl(fd, FIONREAD, &n), SyscallSucceeds()) << "ioctl(FIONREAD) on a pipe (pipe(7))";
  return n;
}

std::string PollEvents(short revents) {
  if (revents == 0) return "none";
  std::ostringstream out;
  const struct {
    short bit;
    const char* name;
  } names[] = {{POLLIN, "POLLIN"},   {POLLPRI, "POLLPRI"}, {POLLOUT, "POLLOUT"},
               {POLLERR, "POLLERR"}, {POLLHUP, "POLLHUP"}, {POLLNVAL, "POLLNVAL"}};
  for (const auto& n : names) {
    if (revents & n.bit) out << (out.tellp() > 0 ? "|" : "") << n.name;
  }
  const short rest = static_cast<short>(revents & ~(POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP | POLLNVAL));
  if (rest != 0) out << (out.tellp() > 0 ? "|" : "") << "0x" << std::hex << rest;
  return out.str();
}

short PollNow(int fd, short events) {
  pollfd pfd{fd, events, 0};
  const int n = poll(&pfd, 1, 0);
  EXPECT_THAT(n, SyscallSucceeds());
  return n > 0 ? pfd.revents : 0;
}

Child ForkWriter(Pipe& p, const std::function<void()>& fn) {
  return Fork([&] {
    p.r.reset();
    fn();
  });
}

Child HoldEnd(Pipe& p, End kept) {
  Child holder = Fork([&] {
    (kept == End::write ? p.r : p.w).reset();
    CheckpointWait(0);  // holds `kept` until then
  });
  (kept == End::write ? p.w : p.r).reset();
  return holder;
}

Child ForkWriterWithoutReader(const std::function<void(int wfd)>& fn) {
  Pipe p = MakePipe();
  p.r.reset();  // the only read end
  Child writer = Fork([&] { fn(p.w.get()); });
  return writer;  // this process's write end closes with p
}

bool ExpectBlockedUntilReleased(Child& blocked, const std::vector<long>& calls, const std::string& who,
                                const std::function<void()>& release) {
  SCOPED_TRACE(who + ", expected to block in " + CallNames(calls));
  [&] { IPCC_ASSERT_BLOCKED(blocked.pid(), calls); }();
  if (::testing::Test::HasFatalFailure()) return false;
  release();
  if (::testing::Test::HasFatalFailure()) return false;
  ExpectCleanExit(blocked.Wait(), who);
  return true;
}

void ExpectFlagOnBothEnds(const int fds[2], EndFlag flag, bool set, const std::string& made_by) {
  for (int i = 0; i < 2; ++i) {
    const int flags = fcntl(fds[i], flag.get_cmd);
    ASSERT_THAT(flags, SyscallSucceeds()) << "fcntl on fds[" << i << "]";
    EXPECT_EQ((flags & flag.bit) != 0, set) << flag.name << " is " << (set ? "clear" : "set") << " on "
                                            << (i == 0 ? "the read end" : "the write end") << " made by " << made_by;
  }
}

void ExpectEndsAfterExec(const Pipe& p, const std::string& state) {
  struct stat st {};
  ASSERT_THAT(fstat(p.r.get(), &st), SyscallSucceeds()) << "fstat of the pipe's read end";
  // The fixture identifies the pipe by device and inode, so that a descriptor number reused by its own
  // start-up is not mistaken for the pipe.
  for (int fd : {p.r.get(), p.w.get()}) {
    Child fixture =
        SpawnFixture("pipe-fd", {std::to_string(fd), std::to_string(st.st_dev), std::to_string(st.st_ino), state});
    ExpectCleanExit(fixture.Wait(), "exec'd pipe-fd fixture for fd " + std::to_string(fd));
  }
}

void ExpectPacketReads(const Pipe& p, const std::vector<std::string>& writes, const std::vector<PacketRead>& reads) {
  for (const std::string& packet : writes) {
    ASSERT_THAT(write(p.w.get(), packet.data(), packet.size()),
                SyscallSucceedsWithValue(static_cast<ssize_t>(packet.size())));
  }
  for (const PacketRead& r : reads) {
    std::string buf(r.size, '\0');
    const ssize_t n = read(p.r.get(), buf.data(), buf.size());
    EXPECT_THAT(n, SyscallSucceedsWithValue(static_cast<ssize_t>(r.packet.size()))) << r.why;
    if (n == static_cast<ssize_t>(r.packet.size())) {
      EXPECT_TRUE(buf.substr(0, r.packet.size()) == r.packet) << r.why << ": the packet's bytes differ";
    }
  }
}

void WriteRecords(int wfd, unsigned writer, std::size_t size, unsigned count) {
  std::vector<std::uint32_t> record(size / sizeof(std::uint32_t));
  for (unsigned seq = 0; seq < count; ++seq) {
    std::fill(record.begin(), record.end(), RecordTag(writer, seq));
    ASSERT_THAT(write(wfd, record.data(), size), SyscallSucceedsWithValue(static_cast<ssize_t>(size)))
        << "writer " << writer << " record " << seq << ": a blocking write of " << size << " bytes writes them all";
  }
}

void ExpectWholeRecords(const std::string& stream, const std::vector<std::size_t>& sizes, unsigned count) {
  std::size_t expected = 0;
  for (std::size_t size : sizes) expected += size * count;
  SCOPED_TRACE("a stream of " + std::to_string(stream.size()) + " bytes; " + std::to_string(sizes.size()) +
               " writers x " + std::to_string(count) + " records make " + std::to_string(expected));
  std::map<unsigned, unsigned> next_seq;
  for (std::size_t off = 0; off < stream.size();) {
    const std::size_t len = CheckRecordAt(stream, off, sizes, next_seq);
    if (len == 0) return;
    off += len;
  }
  for (unsigned w = 0; w < sizes.size(); ++w) {
    EXPECT_EQ(next_seq[w], count) << "writer " << w << " should have delivered all its records";
  }
}

}  // namespace ipcc::pipes
