// poll(2) on pipes: POLLIN, POLLOUT, POLLHUP, POLLERR, and blocking until readiness.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include "conformance/pipe/pipe_util.h"
#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipe_cases;

std::string Events(short ev) {
  if (ev == 0) return "none";
  std::ostringstream out;
  const struct {
    short bit;
    const char* name;
  } names[] = {{POLLIN, "POLLIN"},   {POLLPRI, "POLLPRI"}, {POLLOUT, "POLLOUT"},
               {POLLERR, "POLLERR"}, {POLLHUP, "POLLHUP"}, {POLLNVAL, "POLLNVAL"}};
  for (const auto& n : names) {
    if (ev & n.bit) out << (out.tellp() > 0 ? "|" : "") << n.name;
  }
  const short rest = static_cast<short>(ev & ~(POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP | POLLNVAL));
  if (rest != 0) out << (out.tellp() > 0 ? "|" : "") << "0x" << std::hex << rest;
  return out.str();
}

// poll() of one descriptor with timeout 0; returns revents (a failed poll is a failure of the case).
short PollNow(int fd, short events) {
  pollfd pfd{fd, events, 0};
  const int n = poll(&pfd, 1, 0);
  EXPECT_THAT(n, SyscallSucceeds());
  return n > 0 ? pfd.revents : 0;
}

IPC_CASE(pipe, poll, pollin_when_data_buffered, .title = "poll reports POLLIN on the read end when data is buffered",
         .statement = "POLLIN There is data to read.", .refs = {"poll(2) POLLIN", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "d", 1), SyscallSucceedsWithValue(1));
  const short rev = PollNow(p.r.get(), POLLIN);
  EXPECT_TRUE(rev & POLLIN) << "revents = " << Events(rev) << " with 1 byte buffered";
}

IPC_CASE(pipe, poll, no_pollin_on_empty_pipe_with_writer,
         .title = "poll (timeout 0) reports nothing on the read end of an empty pipe that has a writer",
         .statement = "POLLIN There is data to read. If none of the events requested (and no error) has occurred "
                      "for any of the file descriptors, then poll() blocks until one of the events occurs [or the "
                      "timeout expires].",
         .refs = {"poll(2) POLLIN", "poll(2) DESCRIPTION", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  const short rev = PollNow(p.r.get(), POLLIN);
  EXPECT_EQ(rev, 0) << "revents = " << Events(rev) << " on an empty pipe whose write end is open";
}

IPC_CASE(pipe, poll, pollout_when_room, .title = "poll reports POLLOUT on the write end of a pipe with room",
         .statement = "POLLOUT Writing is now possible, though a write larger than the available space in a socket "
                      "or pipe will still block (unless O_NONBLOCK is set).",
         .refs = {"poll(2) POLLOUT", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  const short rev = PollNow(p.w.get(), POLLOUT);
  EXPECT_TRUE(rev & POLLOUT) << "revents = " << Events(rev) << " on an empty pipe";
}

IPC_CASE(pipe, poll, no_pollout_on_full_pipe,
         .title = "poll (timeout 0) does not report POLLOUT on the write end of a full pipe",
         .statement = "POLLOUT Normal data may be written without blocking.",
         .refs = {"POSIX.1-2017 poll() POLLOUT", "poll(2) POLLOUT"}) {
  Pipe p = MakePipe();
  FillPipe(p.w.get());
  const short rev = PollNow(p.w.get(), POLLOUT);
  EXPECT_FALSE(rev & POLLOUT) << "revents = " << Events(rev) << " on a pipe that refuses even a 1-byte write";
}

IPC_CASE(pipe, poll, pollhup_after_writers_close,
         .title = "poll reports POLLHUP on the read end once every writer, in every process, has closed",
         .statement = "POLLHUP A device has been disconnected, or a pipe or FIFO has been closed by the last "
                      "process that had it open for writing.",
         .refs = {"poll(2) POLLHUP", "POSIX.1-2017 poll() POLLHUP"}) {
  Pipe p = MakePipe();
  Child holder = Fork([&] {
    p.r.reset();
    CheckpointWait(0);  // holds the write end until then
  });
  p.w.reset();
  short rev = PollNow(p.r.get(), POLLIN);
  EXPECT_FALSE(rev & POLLHUP) << "revents = " << Events(rev) << " while a child still holds the write end";
  CheckpointPost(0);
  ExpectCleanExit(holder.Wait(), "write-end holder");
  rev = PollNow(p.r.get(), POLLIN);
  EXPECT_TRUE(rev & POLLHUP) << "revents = " << Events(rev) << " after the last writer exited";
}

IPC_CASE(pipe, poll, pollhup_data_still_readable,
         .title = "after POLLHUP the buffered data is still read before end-of-file",
         .statement = "POLLHUP ... Subsequent reads from the channel will return 0 (end of file) only after all "
                      "outstanding data in the channel has been consumed.",
         .refs = {"poll(2) POLLHUP"}) {
  Pipe p = MakePipe();
  Child writer = Fork([&] {
    p.r.reset();
    ASSERT_THAT(write(p.w.get(), "tail", 4), SyscallSucceedsWithValue(4));
  });
  p.w.reset();
  ExpectCleanExit(writer.Wait(), "writer");
  const short rev = PollNow(p.r.get(), POLLIN);
  EXPECT_TRUE(rev & POLLHUP) << "revents = " << Events(rev) << " after the only writer exited";
  EXPECT_TRUE(rev & POLLIN) << "revents = " << Events(rev) << " with 4 bytes still buffered";
  char buf[16];
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(4));
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(0));
}

IPC_CASE(pipe, poll, pollerr_after_readers_close,
         .title = "poll reports POLLERR on the write end once every reader, in every process, has closed",
         .statement = "POLLERR Error condition (only returned in revents; ignored in events). This bit is also set "
                      "for a file descriptor referring to the write end of a pipe when the read end has been "
                      "closed.",
         .refs = {"poll(2) POLLERR"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  Child holder = Fork([&] {
    p.w.reset();
    CheckpointWait(0);  // holds the read end until then
  });
  p.r.reset();
  short rev = PollNow(p.w.get(), POLLOUT);
  EXPECT_FALSE(rev & POLLERR) << "revents = " << Events(rev) << " while a child still holds the read end";
  CheckpointPost(0);
  ExpectCleanExit(holder.Wait(), "read-end holder");
  rev = PollNow(p.w.get(), POLLOUT);
  EXPECT_TRUE(rev & POLLERR) << "revents = " << Events(rev) << " after the last reader exited";
}

IPC_CASE(pipe, poll, blocks_until_data_arrives,
         .title = "poll for POLLIN on an empty pipe blocks until another process writes",
         .statement = "If none of the events requested (and no error) has occurred for any of the file "
                      "descriptors, then poll() blocks until one of the events occurs. POLLIN There is data to "
                      "read.",
         .refs = {"poll(2) DESCRIPTION", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  Child poller = Fork([&] {
    pollfd pfd{p.r.get(), POLLIN, 0};
    EXPECT_THAT(poll(&pfd, 1, -1), SyscallSucceedsWithValue(1));
    EXPECT_TRUE(pfd.revents & POLLIN) << "revents = " << Events(pfd.revents) << " after the parent wrote";
  });
  IPCC_ASSERT_BLOCKED(poller.pid(), SYS_poll, SYS_ppoll);
  ASSERT_THAT(write(p.w.get(), "!", 1), SyscallSucceedsWithValue(1));
  ExpectCleanExit(poller.Wait(), "poller");
}

IPC_CASE(pipe, poll, pollout_blocks_until_room,
         .title = "poll for POLLOUT on a full pipe blocks until another process drains it",
         .statement = "If none of the events requested (and no error) has occurred for any of the file "
                      "descriptors, then poll() blocks until one of the events occurs. POLLOUT Writing is now "
                      "possible.",
         .refs = {"poll(2) DESCRIPTION", "poll(2) POLLOUT", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  const std::size_t filled = FillPipe(p.w.get());
  Child poller = Fork([&] {
    pollfd pfd{p.w.get(), POLLOUT, 0};
    EXPECT_THAT(poll(&pfd, 1, -1), SyscallSucceedsWithValue(1));
    EXPECT_TRUE(pfd.revents & POLLOUT) << "revents = " << Events(pfd.revents) << " after the parent drained";
  });
  IPCC_ASSERT_BLOCKED(poller.pid(), SYS_poll, SYS_ppoll);
  EXPECT_EQ(ReadExactly(p.r.get(), filled).size(), filled);
  ExpectCleanExit(poller.Wait(), "poller");
}

}  // namespace
