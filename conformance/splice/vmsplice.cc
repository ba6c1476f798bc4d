// vmsplice(2): user memory into a pipe (write end) and a pipe into user memory (read end); segments and
// IOV_MAX, blocking, nonblocking, SPLICE_F_GIFT and the refusals.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/splice.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;
using namespace ipcc::splice;

// ---- What moves ----

IPC_CASE(splice, vmsplice, write_end_takes_user_memory,
         .title = "vmsplice on a pipe's write end puts the bytes of a memory range into the pipe",
         .covers = {"write_end_maps_memory_into_pipe"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  std::string data = "bytes from user memory";
  const iovec iov{data.data(), data.size()};
  EXPECT_THAT(vmsplice(p.w.get(), &iov, 1, 0), SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())))
      << "vmsplice should return the number of bytes it put into the pipe";
  EXPECT_EQ(TakeAll(p.r.get()), data) << "a reader of the pipe should get the bytes of the range";
}

IPC_CASE(splice, vmsplice, segments_taken_in_array_order,
         .title = "vmsplice takes the ranges in the order of the iov array, not of their addresses",
         .covers = {"segments_in_array_order"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  // Laid out backwards in memory: the array order alone gives "first;second;third;".
  std::string mem = "third;second;first;";
  const iovec iov[3] = {{mem.data() + 13, 6}, {mem.data() + 6, 7}, {mem.data(), 6}};
  EXPECT_THAT(vmsplice(p.w.get(), iov, 3, 0), SyscallSucceedsWithValue(19)) << "three ranges of 6, 7 and 6 bytes";
  EXPECT_EQ(TakeAll(p.r.get()), "first;second;third;") << "the pipe should hold the ranges in array order";
}

IPC_CASE(splice, vmsplice, read_end_fills_user_memory,
         .title = "vmsplice on a pipe's read end fills the memory ranges, in order, with bytes it takes from the pipe",
         .covers = {"read_end_fills_memory_from_pipe"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  PutInPipe(p.w.get(), "scattered into two ranges");
  // Bounded: a read direction that waited instead of taking the buffered bytes would wait for good. The
  // ranges are the child's memory, so the child checks them.
  ExpectReturnsWithin("vmsplice from the read end of a pipe holding 25 bytes", [&] {
    char first[9];
    char second[16];
    const iovec iov[2] = {{first, sizeof first}, {second, sizeof second}};
    EXPECT_THAT(vmsplice(p.r.get(), iov, 2, 0), SyscallSucceedsWithValue(25)) << "ranges of 9 and 16 bytes";
    EXPECT_EQ(std::string(first, sizeof first), "scattered") << "the first range gets the first 9 bytes";
    EXPECT_EQ(std::string(second, sizeof second), " into two ranges") << "the second range gets the next 16";
  });
  EXPECT_EQ(UnreadBytes(p.r.get()), 0) << "the bytes vmsplice copied out should have left the pipe";
}

// ---- Blocking and nonblocking ----

IPC_CASE(splice, vmsplice, full_pipe_blocks_until_room,
         .title = "vmsplice into a full pipe blocks until a reader makes room, then adds the bytes",
         .covers = {"blocks_while_full"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  const std::size_t filled = FillPipe(p.w.get());
  Child writer = Fork([&] {
    // vmsplice adds the pages themselves, not copies: the bytes must stay as they are until read, after
    // this child has gone on (its stack and heap are reused) and ended. Read-only data never changes.
    static const char kAbc[] = "abc";
    const iovec iov{const_cast<char*>(kAbc), 3};
    EXPECT_THAT(vmsplice(p.w.get(), &iov, 1, 0), SyscallSucceedsWithValue(3))
        << "the vmsplice woken by a reader should add the 3 bytes";
  });
  IPCC_ASSERT_BLOCKED(writer.pid(), SYS_vmsplice);
  EXPECT_EQ(UnreadBytes(p.r.get()), static_cast<int>(filled)) << "nothing may be added while vmsplice waits";
  const std::size_t page = PageSize();
  ASSERT_EQ(ReadExactly(p.r.get(), page).size(), page) << "set-up: reading one page out of the full pipe";
  if (!ExpectReleased(writer, "vmsplice blocked on the full pipe, after a reader took a page")) return;
  const std::string rest = TakeAll(p.r.get());
  EXPECT_EQ(rest.size(), filled - page + 3) << "the pipe should hold what the fill left plus the 3 bytes";
  EXPECT_EQ(rest.substr(rest.size() >= 3 ? rest.size() - 3 : 0), "abc") << "the vmspliced bytes come last";
}

IPC_CASE(splice, vmsplice, empty_pipe_read_blocks_until_data,
         .title = "vmsplice from the read end of an empty pipe with a writer blocks until bytes are written",
         .covers = {"read_blocks_while_empty"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  Child reader = Fork([&] {
    char buf[16] = {};
    const iovec iov{buf, sizeof buf};
    EXPECT_THAT(vmsplice(p.r.get(), &iov, 1, 0), SyscallSucceedsWithValue(5))
        << "the vmsplice woken by a write of 5 bytes should take them";
    EXPECT_EQ(std::string(buf, 5), "wake!") << "the bytes copied into the range";
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_vmsplice);
  PutInPipe(p.w.get(), "wake!");
  if (!ExpectReleased(reader, "vmsplice blocked on the empty pipe, after 5 bytes were written")) return;
  EXPECT_EQ(UnreadBytes(p.r.get()), 0) << "the bytes vmsplice took should have left the pipe";
}

IPC_CASE(splice, vmsplice, nonblock_flag_full_pipe_fails_eagain,
         .title = "vmsplice with SPLICE_F_NONBLOCK into a full pipe fails with EAGAIN",
         .covers = {"EAGAIN", "SPLICE_F_NONBLOCK"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  const std::size_t filled = FillPipe(p.w.get());
  ExpectReturnsWithin("vmsplice with SPLICE_F_NONBLOCK into the full pipe", [&] {
    std::string data = "abc";
    const iovec iov{data.data(), data.size()};
    EXPECT_THAT(vmsplice(p.w.get(), &iov, 1, SPLICE_F_NONBLOCK), SyscallFailsWithErrno(EAGAIN));
  });
  EXPECT_EQ(UnreadBytes(p.r.get()), static_cast<int>(filled)) << "the refused vmsplice must add nothing";
}

IPC_CASE(splice, vmsplice, nonblock_flag_empty_pipe_read_fails_eagain,
         .title = "vmsplice with SPLICE_F_NONBLOCK from the read end of an empty pipe with a writer fails with EAGAIN",
         .covers = {"EAGAIN", "SPLICE_F_NONBLOCK"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ExpectReturnsWithin("vmsplice with SPLICE_F_NONBLOCK from the empty pipe", [&] {
    char buf[16];
    const iovec iov{buf, sizeof buf};
    EXPECT_THAT(vmsplice(p.r.get(), &iov, 1, SPLICE_F_NONBLOCK), SyscallFailsWithErrno(EAGAIN));
  });
}

// ---- EBADF, EINVAL and IOV_MAX ----

IPC_CASE(splice, vmsplice, closed_descriptor_fails_ebadf,
         .title = "vmsplice on a descriptor that is not open fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  Pipe gone = MakePipe();
  const int closed = gone.w.get();
  gone.w.reset();  // the number is free now; this single-threaded case opens nothing before the call
  std::string data = "abc";
  const iovec iov{data.data(), data.size()};
  EXPECT_THAT(vmsplice(closed, &iov, 1, 0), SyscallFailsWithErrno(EBADF));
}

IPC_CASE(splice, vmsplice, regular_file_fails_ebadf,
         .title = "vmsplice on a regular file opened for writing, not a pipe, fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  TempFile f = MakeFile("target", "", O_WRONLY);
  std::string data = "abc";
  const iovec iov{data.data(), data.size()};
  EXPECT_THAT(vmsplice(f.fd.get(), &iov, 1, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(FileContent(f.path), "") << "the refused vmsplice must write nothing into the file";
}

IPC_CASE(splice, vmsplice, more_than_iov_max_segments_fails_einval,
         .title = "vmsplice with nr_segs IOV_MAX + 1 fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  std::string tail = "tail!";
  // Empty segments but the last, so that only the count can be refused.
  std::vector<iovec> iov(IOV_MAX + 1, iovec{tail.data(), 0});
  iov.back().iov_len = tail.size();
  EXPECT_THAT(vmsplice(p.w.get(), iov.data(), iov.size(), 0), SyscallFailsWithErrno(EINVAL))
      << IOV_MAX + 1 << " segments";
  EXPECT_EQ(UnreadBytes(p.r.get()), 0) << "the refused vmsplice must put nothing into the pipe";
}

IPC_CASE(splice, vmsplice, iov_max_segments_accepted,
         .title = "vmsplice with nr_segs IOV_MAX is accepted and uses the last segment too", .covers = {"IOV_MAX"},
         .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  std::string tail = "tail!";
  // Only the last of the IOV_MAX segments holds bytes: they reach the pipe only if every segment is walked.
  std::vector<iovec> iov(IOV_MAX, iovec{tail.data(), 0});
  iov.back().iov_len = tail.size();
  EXPECT_THAT(vmsplice(p.w.get(), iov.data(), iov.size(), 0), SyscallSucceedsWithValue(5))
      << IOV_MAX << " segments, the last holding 5 bytes";
  EXPECT_EQ(TakeAll(p.r.get()), "tail!") << "the bytes of segment number IOV_MAX";
}

IPC_CASE(splice, vmsplice, undocumented_flag_fails_einval,
         .title = "vmsplice with a flag bit none of the SPLICE_F_* values has fails with EINVAL",
         .covers = {"unknown_flag_fails_einval"}, .cls = Conformance::implementation_defined) {
  Pipe p = MakePipe();
  std::string data = "abc";
  const iovec iov{data.data(), data.size()};
  EXPECT_THAT(vmsplice(p.w.get(), &iov, 1, kUndocumentedFlag), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(UnreadBytes(p.r.get()), 0) << "the refused vmsplice must put nothing into the pipe";
}

// ---- SPLICE_F_GIFT ----

IPC_CASE(splice, vmsplice, gift_of_aligned_page_accepted,
         .title = "vmsplice with SPLICE_F_GIFT of a page-aligned whole page is accepted and its bytes reach the pipe",
         .covers = {"SPLICE_F_GIFT"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  Pipe p = MakePipe();
  void* mem = IPCC_SETUP(mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ScopedCleanup unmap([&] { munmap(mem, page); });
  const std::string data = Pattern(page, 5);
  std::memcpy(mem, data.data(), page);
  // From here on the gifted page is not written again, as the page asks.
  const iovec iov{mem, page};
  EXPECT_THAT(vmsplice(p.w.get(), &iov, 1, SPLICE_F_GIFT), SyscallSucceedsWithValue(static_cast<ssize_t>(page)))
      << "one page-aligned page given with SPLICE_F_GIFT";
  ExpectSameBytes(TakeAll(p.r.get()), data, "the bytes a reader gets from the gifted page");
}

IPC_CASE(splice, vmsplice, gift_of_unaligned_memory_fails_einval,
         .title = "vmsplice with SPLICE_F_GIFT of memory not aligned to a page fails with EINVAL",
         .covers = {"gift_unaligned_fails_einval"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  Pipe p = MakePipe();
  void* mem = IPCC_SETUP(mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ScopedCleanup unmap([&] { munmap(mem, page); });
  std::memset(mem, 'g', page);
  // One byte past the page boundary, 100 bytes long: neither address nor length is page-aligned.
  const iovec iov{static_cast<char*>(mem) + 1, 100};
  EXPECT_THAT(vmsplice(p.w.get(), &iov, 1, SPLICE_F_GIFT), SyscallFailsWithErrno(EINVAL))
      << "vmsplice(2) ERRORS: EINVAL when the memory is not aligned and SPLICE_F_GIFT is set";
  EXPECT_EQ(UnreadBytes(p.r.get()), 0) << "the refused vmsplice must put nothing into the pipe";
}

// ---- The flags without effect for vmsplice: accepted ----

IPC_CASE(splice, vmsplice, move_flag_accepted,
         .title = "vmsplice with SPLICE_F_MOVE, unused by vmsplice, is accepted and the bytes reach the pipe",
         .covers = {"SPLICE_F_MOVE"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  std::string data = "moved";
  const iovec iov{data.data(), data.size()};
  EXPECT_THAT(vmsplice(p.w.get(), &iov, 1, SPLICE_F_MOVE), SyscallSucceedsWithValue(5))
      << "SPLICE_F_MOVE is one of vmsplice's documented flags";
  EXPECT_EQ(TakeAll(p.r.get()), "moved") << "a reader of the pipe should get the bytes";
}

IPC_CASE(splice, vmsplice, more_flag_accepted,
         .title = "vmsplice with SPLICE_F_MORE is accepted and the bytes reach the pipe", .covers = {"SPLICE_F_MORE"},
         .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  std::string data = "more!";
  const iovec iov{data.data(), data.size()};
  EXPECT_THAT(vmsplice(p.w.get(), &iov, 1, SPLICE_F_MORE), SyscallSucceedsWithValue(5))
      << "SPLICE_F_MORE is one of vmsplice's documented flags";
  EXPECT_EQ(TakeAll(p.r.get()), "more!") << "a reader of the pipe should get the bytes";
}

}  // namespace
