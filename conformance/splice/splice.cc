// splice(2): moving bytes between two pipes, between a pipe and a regular file (with and without offset
// pointers), and between a pipe and a Unix stream socket; blocking, nonblocking, and the refusals.
// The call is written ::splice: ipcc::splice (harness/caselib/ipc/splice.h) would make the plain name
// ambiguous under `using namespace ipcc;`.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/splice.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;
using namespace ipcc::splice;

// ---- What moves between two pipes ----

IPC_CASE(splice, splice, pipe_to_pipe_consumes_input,
         .title = "splice between two pipes moves the bytes: they leave the input pipe and arrive in the output pipe",
         .covers = {"moves_between_pipes_consuming_input"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  const std::string data = Pattern(1000, 7);
  PutInPipe(in.w.get(), data);
  EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, data.size(), 0),
              SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())))
      << "all 1000 buffered bytes should move and the call return their number";
  EXPECT_EQ(UnreadBytes(in.r.get()), 0) << "splice consumes what it moves: the input pipe must be empty afterwards";
  ExpectSameBytes(TakeAll(out.r.get()), data, "the bytes read from the output pipe");
}

IPC_CASE(splice, splice, len_limits_bytes_moved,
         .title = "splice moves at most len bytes; the rest stays in the input pipe", .covers = {"transfers_up_to_len"},
         .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "abcdefghij");
  EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 4, 0), SyscallSucceedsWithValue(4))
      << "len 4 with 10 bytes buffered";
  EXPECT_EQ(TakeAll(out.r.get()), "abcd") << "the output pipe should hold the first 4 bytes, and only them";
  EXPECT_EQ(TakeAll(in.r.get()), "efghij") << "the 6 bytes beyond len should still be in the input pipe, in order";
}

IPC_CASE(splice, splice, short_input_moves_what_is_there,
         .title = "splice asking for more than the input pipe holds moves what is there at once",
         .covers = {"transfers_up_to_len"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "12345");
  // The write end stays open here, so a short count cannot be explained by end of input; bounded, since a
  // splice that waited for the other 95 bytes would wait for good.
  ExpectReturnsWithin("splice of 100 bytes from a pipe holding 5, its writer open", [&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 100, 0), SyscallSucceedsWithValue(5))
        << "the 5 buffered bytes should move without waiting for more";
  });
  EXPECT_EQ(TakeAll(out.r.get()), "12345") << "the bytes the splice moved";
}

IPC_CASE(splice, splice, returns_zero_when_writers_closed,
         .title = "splice from an empty pipe whose write ends are all closed returns 0 (end of input)",
         .covers = {"returns_zero_at_end_of_input"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  in.w.reset();  // the only write end: closed before the bounded child is forked, so it holds none
  ExpectReturnsWithin("splice from an empty pipe without writers", [&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 10, 0), SyscallSucceedsWithValue(0))
        << "no data and no writer: end of input, not a wait";
  });
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "nothing should reach the output pipe";
}

// ---- Blocking and nonblocking ----

IPC_CASE(splice, splice, empty_input_blocks_until_data,
         .title = "splice from an empty pipe with a writer blocks until bytes are written, then moves them",
         .covers = {"blocks_while_input_empty"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  Child splicer = Fork([&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 16, 0), SyscallSucceedsWithValue(5))
        << "the splice woken by a write of 5 bytes should move them";
  });
  IPCC_ASSERT_BLOCKED(splicer.pid(), SYS_splice);
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "nothing may reach the output pipe while the splice waits";
  PutInPipe(in.w.get(), "wake!");
  if (!ExpectReleased(splicer, "splice blocked on the empty input pipe, after 5 bytes were written")) return;
  EXPECT_EQ(TakeAll(out.r.get()), "wake!") << "the bytes written while the splice waited";
}

IPC_CASE(splice, splice, full_output_blocks_until_room,
         .title = "splice into a full pipe blocks until a reader makes room, then moves the bytes",
         .covers = {"blocks_while_output_full"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  const std::size_t filled = FillPipe(out.w.get());
  PutInPipe(in.w.get(), "abc");
  Child splicer = Fork([&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 3, 0), SyscallSucceedsWithValue(3))
        << "the splice woken by a reader should move the 3 bytes";
  });
  IPCC_ASSERT_BLOCKED(splicer.pid(), SYS_splice);
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the bytes must stay in the input pipe while the output is full";
  const std::size_t page = PageSize();
  ASSERT_EQ(ReadExactly(out.r.get(), page).size(), page) << "set-up: reading one page out of the full pipe";
  if (!ExpectReleased(splicer, "splice blocked on the full output pipe, after a reader took a page")) return;
  const std::string rest = TakeAll(out.r.get());
  EXPECT_EQ(rest.size(), filled - page + 3) << "the output pipe should hold what the fill left plus the 3 bytes";
  EXPECT_EQ(rest.substr(rest.size() >= 3 ? rest.size() - 3 : 0), "abc") << "the spliced bytes come last";
  EXPECT_EQ(UnreadBytes(in.r.get()), 0) << "the input pipe should be empty once the splice moved its bytes";
}

IPC_CASE(splice, splice, nonblock_flag_empty_input_fails_eagain,
         .title = "splice with SPLICE_F_NONBLOCK from an empty pipe with a writer fails with EAGAIN",
         .covers = {"EAGAIN", "SPLICE_F_NONBLOCK"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  // Bounded: a kernel that ignored the flag would wait here for good.
  ExpectReturnsWithin("splice with SPLICE_F_NONBLOCK from the empty pipe", [&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 10, SPLICE_F_NONBLOCK),
                SyscallFailsWithErrno(EAGAIN));
  });
}

IPC_CASE(splice, splice, nonblock_flag_full_output_fails_eagain,
         .title = "splice with SPLICE_F_NONBLOCK into a full pipe fails with EAGAIN and the input keeps its bytes",
         .covers = {"EAGAIN", "SPLICE_F_NONBLOCK"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  const std::size_t filled = FillPipe(out.w.get());
  PutInPipe(in.w.get(), "abc");
  ExpectReturnsWithin("splice with SPLICE_F_NONBLOCK into the full pipe", [&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 3, SPLICE_F_NONBLOCK),
                SyscallFailsWithErrno(EAGAIN));
  });
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the 3 bytes in the input pipe";
  EXPECT_EQ(UnreadBytes(out.r.get()), static_cast<int>(filled)) << "the full output pipe must be unchanged";
}

IPC_CASE(splice, splice, o_nonblock_input_pipe_fails_eagain,
         .title = "splice from an empty pipe whose read end has O_NONBLOCK fails with EAGAIN, flags 0",
         .covers = {"o_nonblock_acts_as_nonblock_flag", "EAGAIN"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe(O_NONBLOCK);
  Pipe out = MakePipe();
  ExpectReturnsWithin("splice with flags 0 from the empty O_NONBLOCK pipe", [&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 10, 0), SyscallFailsWithErrno(EAGAIN))
        << "O_NONBLOCK on the input pipe should act as SPLICE_F_NONBLOCK";
  });
}

IPC_CASE(splice, splice, o_nonblock_output_pipe_fails_eagain,
         .title = "splice into a full pipe whose write end has O_NONBLOCK fails with EAGAIN, flags 0",
         .covers = {"o_nonblock_acts_as_nonblock_flag", "EAGAIN"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  FillPipe(out.w.get());
  SetNonblock(out.w.get(), true);
  PutInPipe(in.w.get(), "abc");
  ExpectReturnsWithin("splice with flags 0 into the full O_NONBLOCK pipe", [&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 3, 0), SyscallFailsWithErrno(EAGAIN))
        << "O_NONBLOCK on the output pipe should act as SPLICE_F_NONBLOCK";
  });
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the 3 bytes in the input pipe";
}

IPC_CASE(splice, splice, moves_only_what_fits_in_output,
         .title = "splice into a pipe with room for one page of two moves one page and returns its size",
         .covers = {"moves_at_most_what_fits"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  // The output pipe holds one page (pipe(7), F_SETPIPE_SZ rounds up to a page); the input two.
  IPCC_SETUP(fcntl(out.w.get(), F_SETPIPE_SZ, static_cast<int>(page)));
  if (IPCC_SETUP(fcntl(out.w.get(), F_GETPIPE_SZ)) != static_cast<int>(page)) {
    ThrowHarnessError("set-up: F_SETPIPE_SZ did not give the output pipe a capacity of one page");
  }
  const std::string data = Pattern(2 * page, 11);
  PutInPipe(in.w.get(), data);
  ExpectReturnsWithin("splice of two pages into a pipe with room for one, SPLICE_F_NONBLOCK", [&] {
    EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, data.size(), SPLICE_F_NONBLOCK),
                SyscallSucceedsWithValue(static_cast<ssize_t>(page)))
        << "only the page that fits should move, and the call return its size";
  });
  ExpectSameBytes(TakeAll(out.r.get()), data.substr(0, page), "the output pipe (the first page of the input)");
  ExpectSameBytes(TakeAll(in.r.get()), data.substr(page), "the input pipe (the page that did not fit)");
}

// ---- A pipe and a regular file: offsets ----

IPC_CASE(splice, splice, pipe_to_file_writes_at_file_offset,
         .title = "splice from a pipe into a file with off_out NULL writes at the file offset and advances it",
         .covers = {"pipe_to_file_at_file_offset"}, .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("target", "0123456789", O_WRONLY);
  IPCC_SETUP(lseek(f.fd.get(), 3, SEEK_SET));
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "ab");
  EXPECT_THAT(::splice(in.r.get(), nullptr, f.fd.get(), nullptr, 2, 0), SyscallSucceedsWithValue(2));
  EXPECT_EQ(FileOffset(f.fd.get()), 5) << "the file offset should advance from 3 by the 2 bytes moved";
  EXPECT_EQ(FileContent(f.path), "012ab56789") << "the bytes should be written at the file offset, 3";
  EXPECT_EQ(UnreadBytes(in.r.get()), 0) << "the moved bytes should have left the pipe";
}

IPC_CASE(splice, splice, off_out_writes_there_and_keeps_file_offset,
         .title = "splice into a file with off_out writes at *off_out, advances it, and leaves the file offset",
         .covers = {"off_out_leaves_file_offset"}, .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("target", "0123456789", O_WRONLY);
  IPCC_SETUP(lseek(f.fd.get(), 2, SEEK_SET));
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "ab");
  loff_t off = 6;
  EXPECT_THAT(::splice(in.r.get(), nullptr, f.fd.get(), &off, 2, 0), SyscallSucceedsWithValue(2));
  EXPECT_EQ(off, 8) << "*off_out should advance from 6 by the 2 bytes moved";
  EXPECT_EQ(FileOffset(f.fd.get()), 2) << "with off_out given, the file offset (2) must not change";
  EXPECT_EQ(FileContent(f.path), "012345ab89") << "the bytes should be written at *off_out, 6";
}

IPC_CASE(splice, splice, file_to_pipe_reads_at_file_offset,
         .title = "splice from a file into a pipe with off_in NULL reads at the file offset and advances it",
         .covers = {"file_to_pipe_at_file_offset"}, .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("source", "0123456789", O_RDONLY);
  IPCC_SETUP(lseek(f.fd.get(), 3, SEEK_SET));
  Pipe out = MakePipe();
  EXPECT_THAT(::splice(f.fd.get(), nullptr, out.w.get(), nullptr, 4, 0), SyscallSucceedsWithValue(4));
  EXPECT_EQ(TakeAll(out.r.get()), "3456") << "the bytes should be read from the file offset, 3";
  EXPECT_EQ(FileOffset(f.fd.get()), 7) << "the file offset should advance from 3 by the 4 bytes moved";
}

IPC_CASE(splice, splice, off_in_reads_there_and_keeps_file_offset,
         .title = "splice from a file with off_in reads at *off_in, advances it, and leaves the file offset",
         .covers = {"off_in_leaves_file_offset"}, .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("source", "0123456789", O_RDONLY);
  IPCC_SETUP(lseek(f.fd.get(), 1, SEEK_SET));
  Pipe out = MakePipe();
  loff_t off = 6;
  EXPECT_THAT(::splice(f.fd.get(), &off, out.w.get(), nullptr, 3, 0), SyscallSucceedsWithValue(3));
  EXPECT_EQ(TakeAll(out.r.get()), "678") << "the bytes should be read from *off_in, 6";
  EXPECT_EQ(off, 9) << "*off_in should advance from 6 by the 3 bytes moved";
  EXPECT_EQ(FileOffset(f.fd.get()), 1) << "with off_in given, the file offset (1) must not change";
}

IPC_CASE(splice, splice, off_in_for_pipe_fails_espipe,
         .title = "splice with off_in not NULL while fd_in is a pipe fails with ESPIPE", .covers = {"ESPIPE"},
         .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "abc");
  TempFile f = MakeFile("target", "", O_WRONLY);
  loff_t off = 0;
  EXPECT_THAT(::splice(in.r.get(), &off, f.fd.get(), nullptr, 3, 0), SyscallFailsWithErrno(ESPIPE));
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the bytes in the pipe";
  EXPECT_EQ(FileContent(f.path), "") << "the refused splice must write nothing into the file";
}

IPC_CASE(splice, splice, off_out_for_pipe_fails_espipe,
         .title = "splice with off_out not NULL while fd_out is a pipe fails with ESPIPE", .covers = {"ESPIPE"},
         .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("source", "abc", O_RDONLY);
  Pipe out = MakePipe();
  loff_t off = 0;
  EXPECT_THAT(::splice(f.fd.get(), nullptr, out.w.get(), &off, 3, 0), SyscallFailsWithErrno(ESPIPE));
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "the refused splice must put nothing into the pipe";
  EXPECT_EQ(FileOffset(f.fd.get()), 0) << "the refused splice must not move the file offset";
}

// ---- EINVAL ----

IPC_CASE(splice, splice, neither_fd_a_pipe_fails_einval,
         .title = "splice between two regular files, neither a pipe, fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  TempFile src = MakeFile("source", "abc", O_RDONLY);
  TempFile dst = MakeFile("target", "", O_WRONLY);
  EXPECT_THAT(::splice(src.fd.get(), nullptr, dst.fd.get(), nullptr, 3, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(FileContent(dst.path), "") << "the refused splice must write nothing into the target file";
}

IPC_CASE(splice, splice, same_pipe_fails_einval,
         .title = "splice from a pipe's read end into its own write end fails with EINVAL",
         .covers = {"same_pipe_fails_einval"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  PutInPipe(p.w.get(), "abc");
  EXPECT_THAT(::splice(p.r.get(), nullptr, p.w.get(), nullptr, 3, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(TakeAll(p.r.get()), "abc") << "the pipe should hold exactly its 3 bytes after the refused splice";
}

IPC_CASE(splice, splice, append_target_fails_einval, .title = "splice into a file opened O_APPEND fails with EINVAL",
         .covers = {"append_target_fails_einval"}, .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("log", "old", O_WRONLY | O_APPEND);
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "abc");
  EXPECT_THAT(::splice(in.r.get(), nullptr, f.fd.get(), nullptr, 3, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(FileContent(f.path), "old") << "the refused splice must leave the O_APPEND file as it was";
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the bytes in the pipe";
}

IPC_CASE(splice, splice, target_without_splice_support_fails_einval,
         .title = "splice into an epoll descriptor, whose file system has no splice support, fails with EINVAL",
         .covers = {"unsupported_target_fails_einval"}, .cls = Conformance::linux_specific) {
  UniqueFd ep(IPCC_SETUP(epoll_create1(EPOLL_CLOEXEC)));
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "abc");
  EXPECT_THAT(::splice(in.r.get(), nullptr, ep.get(), nullptr, 3, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the bytes in the pipe";
}

IPC_CASE(splice, splice, offset_for_socket_fails_einval,
         .title = "splice into a Unix stream socket with off_out not NULL fails with EINVAL (it cannot seek)",
         .covers = {"offset_for_nonseekable_fails_einval"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  unix_socket::SocketPair s = unix_socket::MakeSocketPair(SOCK_STREAM);
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "abc");
  loff_t off = 0;
  EXPECT_THAT(::splice(in.r.get(), nullptr, s.a.get(), &off, 3, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the bytes in the pipe";
  EXPECT_EQ(off, 0) << "the refused splice must not advance *off_out";
}

IPC_CASE(splice, splice, undocumented_flag_fails_einval,
         .title = "splice with a flag bit none of the SPLICE_F_* values has fails with EINVAL",
         .covers = {"unknown_flag_fails_einval"}, .cls = Conformance::implementation_defined) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "abc");
  EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 3, kUndocumentedFlag), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the bytes in the input pipe";
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "the refused splice must put nothing into the output pipe";
}

// ---- EBADF ----

IPC_CASE(splice, splice, write_end_as_input_fails_ebadf,
         .title = "splice with fd_in a pipe's write end, not open for reading, fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "abc");
  EXPECT_THAT(::splice(in.w.get(), nullptr, out.w.get(), nullptr, 3, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the bytes in the input pipe";
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "the refused splice must put nothing into the output pipe";
}

IPC_CASE(splice, splice, read_only_target_fails_ebadf,
         .title = "splice into a file opened O_RDONLY, not open for writing, fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("target", "", O_RDONLY);
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "abc");
  EXPECT_THAT(::splice(in.r.get(), nullptr, f.fd.get(), nullptr, 3, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the bytes in the pipe";
  EXPECT_EQ(FileContent(f.path), "") << "the refused splice must write nothing into the file";
}

IPC_CASE(splice, splice, closed_descriptor_fails_ebadf,
         .title = "splice into a descriptor that is not open fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "abc");
  Pipe gone = MakePipe();
  const int closed = gone.w.get();
  gone.w.reset();  // the number is free now; this single-threaded case opens nothing before the call
  EXPECT_THAT(::splice(in.r.get(), nullptr, closed, nullptr, 3, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the refused splice must leave the bytes in the pipe";
}

// ---- The hints: accepted, the bytes move as without them ----

IPC_CASE(splice, splice, move_flag_accepted,
         .title = "splice with SPLICE_F_MOVE is accepted and moves the bytes as without it",
         .covers = {"SPLICE_F_MOVE"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "moved");
  EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 5, SPLICE_F_MOVE), SyscallSucceedsWithValue(5))
      << "SPLICE_F_MOVE is a hint that every kernel must accept";
  EXPECT_EQ(TakeAll(out.r.get()), "moved") << "the output pipe should hold the bytes";
  EXPECT_EQ(UnreadBytes(in.r.get()), 0) << "the bytes should have left the input pipe";
}

IPC_CASE(splice, splice, more_flag_accepted,
         .title = "splice with SPLICE_F_MORE is accepted and moves the bytes as without it",
         .covers = {"SPLICE_F_MORE"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "more!");
  EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 5, SPLICE_F_MORE), SyscallSucceedsWithValue(5))
      << "SPLICE_F_MORE is a hint that every kernel must accept";
  EXPECT_EQ(TakeAll(out.r.get()), "more!") << "the output pipe should hold the bytes";
  EXPECT_EQ(UnreadBytes(in.r.get()), 0) << "the bytes should have left the input pipe";
}

IPC_CASE(splice, splice, gift_flag_accepted,
         .title = "splice with SPLICE_F_GIFT, unused by splice, is accepted and moves the bytes as without it",
         .covers = {"SPLICE_F_GIFT"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "gift!");
  EXPECT_THAT(::splice(in.r.get(), nullptr, out.w.get(), nullptr, 5, SPLICE_F_GIFT), SyscallSucceedsWithValue(5))
      << "SPLICE_F_GIFT has no use for splice, but is one of its documented flags";
  EXPECT_EQ(TakeAll(out.r.get()), "gift!") << "the output pipe should hold the bytes";
  EXPECT_EQ(UnreadBytes(in.r.get()), 0) << "the bytes should have left the input pipe";
}

// ---- A pipe and a Unix stream socket ----

IPC_CASE(splice, splice, pipe_to_unix_stream_socket,
         .title = "splice from a pipe into a connected Unix stream socket delivers the bytes to the peer",
         .covers = {"pipe_to_unix_stream_socket"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  unix_socket::SocketPair s = unix_socket::MakeSocketPair(SOCK_STREAM);
  Pipe in = MakePipe();
  const std::string data = "through the socket";
  PutInPipe(in.w.get(), data);
  EXPECT_THAT(::splice(in.r.get(), nullptr, s.a.get(), nullptr, data.size(), 0),
              SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())));
  EXPECT_EQ(unix_socket::ReadAll(s.b.get(), data.size()), data) << "the peer should receive the spliced bytes";
  EXPECT_EQ(UnreadBytes(in.r.get()), 0) << "the bytes should have left the pipe";
}

IPC_CASE(splice, splice, unix_stream_socket_to_pipe,
         .title = "splice from a connected Unix stream socket into a pipe moves the bytes the peer sent",
         .covers = {"unix_stream_socket_to_pipe"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("unix_socket")) {
  unix_socket::SocketPair s = unix_socket::MakeSocketPair(SOCK_STREAM);
  Pipe out = MakePipe();
  const std::string data = "from the peer";
  unix_socket::WriteAllOrThrow(s.b.get(), data);
  // The socket's receive timeout (unix_socket::MakeSocketPair) bounds a splice that would wait.
  EXPECT_THAT(::splice(s.a.get(), nullptr, out.w.get(), nullptr, 100, 0),
              SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())))
      << "the 13 bytes waiting on the socket should move into the pipe";
  EXPECT_EQ(TakeAll(out.r.get()), data) << "the pipe should hold the peer's bytes in order";
}

}  // namespace
