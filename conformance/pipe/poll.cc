// poll(2) on pipes: POLLIN, POLLOUT, POLLHUP, POLLERR, and blocking until readiness.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

// A child holds end `kept` while this process polls the other end for `events`: `bit` must be clear in
// revents while the child holds it, and set once the child has exited.
void ExpectBitOnceHolderExits(End kept, short events, short bit, const std::string& bit_name) {
  Pipe p = MakePipe();
  const char* held = kept == End::write ? "write" : "read";
  Child holder = HoldEnd(p, kept);
  const int polled = (kept == End::write ? p.r : p.w).get();
  short rev = PollNow(polled, events);
  EXPECT_FALSE(rev & bit) << "revents = " << PollEvents(rev) << " while a child still holds the " << held << " end";
  CheckpointPost(0);
  ExpectCleanExit(holder.Wait(), std::string(held) + "-end holder");
  rev = PollNow(polled, events);
  EXPECT_TRUE(rev & bit) << "revents = " << PollEvents(rev) << ", expected " << bit_name << " after the last "
                         << (kept == End::write ? "writer" : "reader") << " exited";
}

// A child polls end `polled` of p for `events` with no timeout: it must block in poll until `release`
// (run here) makes one of them occur.
void ExpectPollBlocksUntil(Pipe& p, End polled, short events, const std::function<void()>& release) {
  const int fd = (polled == End::read ? p.r : p.w).get();
  Child poller = Fork([&] {
    pollfd pfd{fd, events, 0};
    EXPECT_THAT(poll(&pfd, 1, -1), SyscallSucceedsWithValue(1));
    EXPECT_TRUE(pfd.revents & events) << "revents = " << PollEvents(pfd.revents) << " after the parent's release";
  });
  ExpectBlockedUntilReleased(poller, {SYS_poll, SYS_ppoll}, "poller", release);
}

IPC_CASE(pipe, poll, pollin_when_data_buffered, .title = "poll reports POLLIN on the read end when data is buffered",
         .covers = {"POLLIN"}, .statement = "POLLIN There is data to read.",
         .refs = {"poll(2) POLLIN", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  ASSERT_THAT(write(p.w.get(), "d", 1), SyscallSucceedsWithValue(1));
  const short rev = PollNow(p.r.get(), POLLIN);
  EXPECT_TRUE(rev & POLLIN) << "revents = " << PollEvents(rev) << " with 1 byte buffered";
}

IPC_CASE(pipe, poll, no_pollin_on_empty_pipe_with_writer,
         .title = "poll (timeout 0) reports nothing on the read end of an empty pipe that has a writer",
         .covers = {"POLLIN"},
         .statement = "POLLIN There is data to read. If none of the events requested (and no error) has occurred "
                      "for any of the file descriptors, then poll() blocks until one of the events occurs [or the "
                      "timeout expires].",
         .refs = {"poll(2) POLLIN", "poll(2) DESCRIPTION", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  const short rev = PollNow(p.r.get(), POLLIN);
  EXPECT_EQ(rev, 0) << "revents = " << PollEvents(rev) << " on an empty pipe whose write end is open";
}

IPC_CASE(pipe, poll, pollout_when_room, .title = "poll reports POLLOUT on the write end of a pipe with room",
         .covers = {"POLLOUT"},
         .statement = "POLLOUT Writing is now possible, though a write larger than the available space in a socket "
                      "or pipe will still block (unless O_NONBLOCK is set).",
         .refs = {"poll(2) POLLOUT", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  const short rev = PollNow(p.w.get(), POLLOUT);
  EXPECT_TRUE(rev & POLLOUT) << "revents = " << PollEvents(rev) << " on an empty pipe";
}

IPC_CASE(pipe, poll, no_pollout_on_full_pipe,
         .title = "poll (timeout 0) does not report POLLOUT on the write end of a full pipe", .covers = {"POLLOUT"},
         .statement = "POLLOUT Normal data may be written without blocking.",
         .refs = {"POSIX.1-2017 poll() POLLOUT", "poll(2) POLLOUT"}) {
  Pipe p = MakePipe();
  FillPipe(p.w.get());
  const short rev = PollNow(p.w.get(), POLLOUT);
  EXPECT_FALSE(rev & POLLOUT) << "revents = " << PollEvents(rev) << " on a pipe that refuses even a 1-byte write";
}

IPC_CASE(pipe, poll, pollhup_after_writers_close,
         .title = "poll reports POLLHUP on the read end once every writer, in every process, has closed",
         .covers = {"POLLHUP"},
         .statement = "POLLHUP A device has been disconnected, or a pipe or FIFO has been closed by the last "
                      "process that had it open for writing.",
         .refs = {"poll(2) POLLHUP", "POSIX.1-2017 poll() POLLHUP"}) {
  ExpectBitOnceHolderExits(End::write, POLLIN, POLLHUP, "POLLHUP");
}

IPC_CASE(pipe, poll, pollhup_data_still_readable,
         .title = "after POLLHUP the buffered data is still read before end-of-file",
         .covers = {"POLLHUP", "read.eof_after_buffered_data"},
         .statement = "POLLHUP ... Subsequent reads from the channel will return 0 (end of file) only after all "
                      "outstanding data in the channel has been consumed.",
         .refs = {"poll(2) POLLHUP"}) {
  Pipe p = MakePipe();
  Child writer = ForkWriter(p, [&] { ASSERT_THAT(write(p.w.get(), "tail", 4), SyscallSucceedsWithValue(4)); });
  p.w.reset();
  ExpectCleanExit(writer.Wait(), "writer");
  const short rev = PollNow(p.r.get(), POLLIN);
  EXPECT_TRUE(rev & POLLHUP) << "revents = " << PollEvents(rev) << " after the only writer exited";
  EXPECT_TRUE(rev & POLLIN) << "revents = " << PollEvents(rev) << " with 4 bytes still buffered";
  char buf[16];
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(4));
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(0));
}

IPC_CASE(pipe, poll, pollerr_after_readers_close,
         .title = "poll reports POLLERR on the write end once every reader, in every process, has closed",
         .covers = {"POLLERR"},
         .statement = "POLLERR Error condition (only returned in revents; ignored in events). This bit is also set "
                      "for a file descriptor referring to the write end of a pipe when the read end has been "
                      "closed.",
         .refs = {"poll(2) POLLERR"}, .cls = Conformance::linux_specific) {
  ExpectBitOnceHolderExits(End::read, POLLOUT, POLLERR, "POLLERR");
}

IPC_CASE(pipe, poll, blocks_until_data_arrives,
         .title = "poll for POLLIN on an empty pipe blocks until another process writes",
         .covers = {"blocks_until_ready"},
         .statement = "If none of the events requested (and no error) has occurred for any of the file "
                      "descriptors, then poll() blocks until one of the events occurs. POLLIN There is data to "
                      "read.",
         .refs = {"poll(2) DESCRIPTION", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  ExpectPollBlocksUntil(p, End::read, POLLIN,
                        [&] { ASSERT_THAT(write(p.w.get(), "!", 1), SyscallSucceedsWithValue(1)); });
}

IPC_CASE(pipe, poll, pollout_blocks_until_room,
         .title = "poll for POLLOUT on a full pipe blocks until another process drains it",
         .covers = {"blocks_until_ready"},
         .statement = "If none of the events requested (and no error) has occurred for any of the file "
                      "descriptors, then poll() blocks until one of the events occurs. POLLOUT Writing is now "
                      "possible.",
         .refs = {"poll(2) DESCRIPTION", "poll(2) POLLOUT", "POSIX.1-2017 poll()"}) {
  Pipe p = MakePipe();
  const std::size_t filled = FillPipe(p.w.get());
  ExpectPollBlocksUntil(p, End::write, POLLOUT, [&] { EXPECT_EQ(ReadExactly(p.r.get(), filled).size(), filled); });
}

}  // namespace
