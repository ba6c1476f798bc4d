// tee(2): duplicating the bytes of one pipe into another without consuming them; blocking, nonblocking,
// and the refusals. splice(2) is written ::splice (harness/caselib/ipc/splice.h says why).
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/splice.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;
using namespace ipcc::splice;

// ---- What is duplicated, what stays ----

IPC_CASE(splice, tee, duplicates_without_consuming,
         .title = "tee copies the input pipe's bytes into the output pipe and leaves them in the input pipe",
         .covers = {"duplicates_without_consuming"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  const std::string data = Pattern(1000, 3);
  PutInPipe(in.w.get(), data);
  EXPECT_THAT(tee(in.r.get(), out.w.get(), data.size(), 0), SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())))
      << "tee should duplicate the 1000 buffered bytes and return their number";
  ExpectSameBytes(TakeAll(out.r.get()), data, "the output pipe (the duplicate)");
  ExpectSameBytes(TakeAll(in.r.get()), data, "the input pipe, which tee must not consume");
}

IPC_CASE(splice, tee, duplicated_bytes_then_spliced,
         .title = "after tee, a splice moves the same bytes on from the input pipe: both targets get them",
         .covers = {"duplicate_then_splice"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe copy = MakePipe();
  TempFile f = MakeFile("log", "", O_WRONLY);
  const std::string data = "one stream, two places";
  PutInPipe(in.w.get(), data);
  ASSERT_THAT(tee(in.r.get(), copy.w.get(), data.size(), 0),
              SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())))
      << "tee of the 22 buffered bytes";
  EXPECT_THAT(::splice(in.r.get(), nullptr, f.fd.get(), nullptr, data.size(), 0),
              SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())))
      << "the bytes tee left in the input pipe should be there for the splice";
  EXPECT_EQ(FileContent(f.path), data) << "the file the splice wrote";
  EXPECT_EQ(TakeAll(copy.r.get()), data) << "the pipe tee wrote";
  EXPECT_EQ(UnreadBytes(in.r.get()), 0) << "the splice, unlike tee, consumes the input";
}

IPC_CASE(splice, tee, len_limits_bytes_duplicated,
         .title = "tee duplicates at most len bytes, the first ones of the input pipe",
         .covers = {"duplicates_up_to_len"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "abcdefghij");
  EXPECT_THAT(tee(in.r.get(), out.w.get(), 4, 0), SyscallSucceedsWithValue(4)) << "len 4 with 10 bytes buffered";
  EXPECT_EQ(TakeAll(out.r.get()), "abcd") << "the output pipe should hold the first 4 bytes, and only them";
  EXPECT_EQ(TakeAll(in.r.get()), "abcdefghij") << "the input pipe should still hold all 10 bytes";
}

IPC_CASE(splice, tee, returns_zero_when_writers_closed,
         .title = "tee from an empty pipe whose write ends are all closed returns 0",
         .covers = {"returns_zero_without_writers"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  in.w.reset();  // the only write end: closed before the bounded child is forked
  ExpectReturnsWithin("tee from an empty pipe without writers", [&] {
    EXPECT_THAT(tee(in.r.get(), out.w.get(), 10, 0), SyscallSucceedsWithValue(0))
        << "no data and no writer: nothing to duplicate, not a wait";
  });
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "nothing should reach the output pipe";
}

// ---- Blocking and nonblocking ----

IPC_CASE(splice, tee, empty_input_blocks_until_data,
         .title = "tee from an empty pipe with a writer blocks until bytes are written, then duplicates them",
         .covers = {"blocks_while_input_empty"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  Child teer = Fork([&] {
    EXPECT_THAT(tee(in.r.get(), out.w.get(), 16, 0), SyscallSucceedsWithValue(5))
        << "the tee woken by a write of 5 bytes should duplicate them";
  });
  IPCC_ASSERT_BLOCKED(teer.pid(), SYS_tee);
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "nothing may reach the output pipe while tee waits";
  PutInPipe(in.w.get(), "wake!");
  if (!ExpectReleased(teer, "tee blocked on the empty input pipe, after 5 bytes were written")) return;
  EXPECT_EQ(TakeAll(out.r.get()), "wake!") << "the duplicate of the bytes written while tee waited";
  EXPECT_EQ(TakeAll(in.r.get()), "wake!") << "the input pipe keeps the bytes tee duplicated";
}

IPC_CASE(splice, tee, full_output_blocks_until_room,
         .title = "tee into a full pipe blocks until a reader makes room, then duplicates the bytes",
         .covers = {"blocks_while_output_full"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  const std::size_t filled = FillPipe(out.w.get());
  PutInPipe(in.w.get(), "abc");
  Child teer = Fork([&] {
    EXPECT_THAT(tee(in.r.get(), out.w.get(), 3, 0), SyscallSucceedsWithValue(3))
        << "the tee woken by a reader should duplicate the 3 bytes";
  });
  IPCC_ASSERT_BLOCKED(teer.pid(), SYS_tee);
  const std::size_t page = PageSize();
  ASSERT_EQ(ReadExactly(out.r.get(), page).size(), page) << "set-up: reading one page out of the full pipe";
  if (!ExpectReleased(teer, "tee blocked on the full output pipe, after a reader took a page")) return;
  const std::string rest = TakeAll(out.r.get());
  EXPECT_EQ(rest.size(), filled - page + 3) << "the output pipe should hold what the fill left plus the 3 bytes";
  EXPECT_EQ(rest.substr(rest.size() >= 3 ? rest.size() - 3 : 0), "abc") << "the duplicated bytes come last";
  EXPECT_EQ(TakeAll(in.r.get()), "abc") << "the input pipe keeps the bytes tee duplicated";
}

IPC_CASE(splice, tee, nonblock_flag_empty_input_fails_eagain,
         .title = "tee with SPLICE_F_NONBLOCK from an empty pipe with a writer fails with EAGAIN",
         .covers = {"EAGAIN", "SPLICE_F_NONBLOCK"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  ExpectReturnsWithin("tee with SPLICE_F_NONBLOCK from the empty pipe", [&] {
    EXPECT_THAT(tee(in.r.get(), out.w.get(), 10, SPLICE_F_NONBLOCK), SyscallFailsWithErrno(EAGAIN));
  });
}

IPC_CASE(splice, tee, nonblock_flag_full_output_fails_eagain,
         .title = "tee with SPLICE_F_NONBLOCK into a full pipe fails with EAGAIN",
         .covers = {"EAGAIN", "SPLICE_F_NONBLOCK"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  const std::size_t filled = FillPipe(out.w.get());
  PutInPipe(in.w.get(), "abc");
  ExpectReturnsWithin("tee with SPLICE_F_NONBLOCK into the full pipe", [&] {
    EXPECT_THAT(tee(in.r.get(), out.w.get(), 3, SPLICE_F_NONBLOCK), SyscallFailsWithErrno(EAGAIN));
  });
  EXPECT_EQ(UnreadBytes(out.r.get()), static_cast<int>(filled)) << "the full output pipe must be unchanged";
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the input pipe keeps its 3 bytes";
}

IPC_CASE(splice, tee, o_nonblock_input_pipe_fails_eagain,
         .title = "tee from an empty pipe whose read end has O_NONBLOCK fails with EAGAIN, flags 0",
         .covers = {"o_nonblock_acts_as_nonblock_flag", "EAGAIN"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe(O_NONBLOCK);
  Pipe out = MakePipe();
  ExpectReturnsWithin("tee with flags 0 from the empty O_NONBLOCK pipe", [&] {
    EXPECT_THAT(tee(in.r.get(), out.w.get(), 10, 0), SyscallFailsWithErrno(EAGAIN))
        << "O_NONBLOCK on the input pipe should act as SPLICE_F_NONBLOCK";
  });
}

// ---- EINVAL ----

IPC_CASE(splice, tee, output_not_a_pipe_fails_einval, .title = "tee with fd_out a regular file fails with EINVAL",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  PutInPipe(in.w.get(), "abc");
  TempFile f = MakeFile("target", "", O_WRONLY);
  EXPECT_THAT(tee(in.r.get(), f.fd.get(), 3, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(FileContent(f.path), "") << "the refused tee must write nothing into the file";
  EXPECT_EQ(UnreadBytes(in.r.get()), 3) << "the input pipe keeps its 3 bytes";
}

IPC_CASE(splice, tee, input_not_a_pipe_fails_einval, .title = "tee with fd_in a regular file fails with EINVAL",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("source", "abc", O_RDONLY);
  Pipe out = MakePipe();
  EXPECT_THAT(tee(f.fd.get(), out.w.get(), 3, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "the refused tee must put nothing into the output pipe";
}

IPC_CASE(splice, tee, same_pipe_fails_einval,
         .title = "tee from a pipe's read end into its own write end fails with EINVAL",
         .covers = {"same_pipe_fails_einval"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  PutInPipe(p.w.get(), "abc");
  EXPECT_THAT(tee(p.r.get(), p.w.get(), 3, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(TakeAll(p.r.get()), "abc") << "the pipe should hold exactly its 3 bytes, not a duplicate of them";
}

IPC_CASE(splice, tee, undocumented_flag_fails_einval,
         .title = "tee with a flag bit none of the SPLICE_F_* values has fails with EINVAL",
         .covers = {"unknown_flag_fails_einval"}, .cls = Conformance::implementation_defined) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "abc");
  EXPECT_THAT(tee(in.r.get(), out.w.get(), 3, kUndocumentedFlag), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(UnreadBytes(out.r.get()), 0) << "the refused tee must put nothing into the output pipe";
}

// ---- The flags without effect for tee: accepted ----

IPC_CASE(splice, tee, move_flag_accepted,
         .title = "tee with SPLICE_F_MOVE is accepted and duplicates the bytes as without it",
         .covers = {"SPLICE_F_MOVE"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "moved");
  EXPECT_THAT(tee(in.r.get(), out.w.get(), 5, SPLICE_F_MOVE), SyscallSucceedsWithValue(5))
      << "SPLICE_F_MOVE is one of tee's documented flags";
  EXPECT_EQ(TakeAll(out.r.get()), "moved") << "the output pipe should hold the duplicate";
  EXPECT_EQ(TakeAll(in.r.get()), "moved") << "the input pipe keeps the bytes";
}

IPC_CASE(splice, tee, more_flag_accepted,
         .title = "tee with SPLICE_F_MORE is accepted and duplicates the bytes as without it",
         .covers = {"SPLICE_F_MORE"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "more!");
  EXPECT_THAT(tee(in.r.get(), out.w.get(), 5, SPLICE_F_MORE), SyscallSucceedsWithValue(5))
      << "SPLICE_F_MORE is one of tee's documented flags";
  EXPECT_EQ(TakeAll(out.r.get()), "more!") << "the output pipe should hold the duplicate";
  EXPECT_EQ(TakeAll(in.r.get()), "more!") << "the input pipe keeps the bytes";
}

IPC_CASE(splice, tee, gift_flag_accepted,
         .title = "tee with SPLICE_F_GIFT is accepted and duplicates the bytes as without it",
         .covers = {"SPLICE_F_GIFT"}, .cls = Conformance::linux_specific) {
  Pipe in = MakePipe();
  Pipe out = MakePipe();
  PutInPipe(in.w.get(), "gift!");
  EXPECT_THAT(tee(in.r.get(), out.w.get(), 5, SPLICE_F_GIFT), SyscallSucceedsWithValue(5))
      << "SPLICE_F_GIFT is one of tee's documented flags";
  EXPECT_EQ(TakeAll(out.r.get()), "gift!") << "the output pipe should hold the duplicate";
  EXPECT_EQ(TakeAll(in.r.get()), "gift!") << "the input pipe keeps the bytes";
}

}  // namespace
