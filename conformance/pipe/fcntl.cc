// fcntl(2), pipe(7) on pipes: F_GETPIPE_SZ/F_SETPIPE_SZ (capacity) and the O_NONBLOCK, O_DIRECT, O_ASYNC flags.
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

constexpr const char* kPipeMaxSize = "/proc/sys/fs/pipe-max-size";

// The capacity of the pipe behind fd. F_GETPIPE_SZ exists since Linux 2.6.35, older than any kernel this
// checker runs on, so a refusal (EINVAL included) is a partial implementation: FAIL.
#define ASSERT_GET_PIPE_SZ(var, fd)          \
  const int var = fcntl((fd), F_GETPIPE_SZ); \
  ASSERT_THAT(var, SyscallSucceeds()) << "fcntl(F_GETPIPE_SZ), documented since Linux 2.6.35"

// /proc/sys/fs/pipe-max-size, which pipe(7) documents: a file that cannot be read is a deviation (FAIL).
#define ASSERT_PIPE_MAX_SIZE(var)                                                                          \
  const std::optional<long long> var##_opt = PipeMaxSize();                                                \
  ASSERT_TRUE(var##_opt.has_value()) << kPipeMaxSize << " (pipe(7)) cannot be read: " << ErrnoName(errno); \
  const long long var = *var##_opt

std::optional<long long> PipeMaxSize() {
  const std::optional<std::string> text = ReadSysctl(kPipeMaxSize);
  if (!text) return std::nullopt;
  try {
    return std::stoll(*text);
  } catch (const std::exception&) {
    ThrowHarnessError(std::string(kPipeMaxSize) + " holds '" + *text + "', not a number");
  }
}

// A pipe-max-size for the unprivileged cases: the current one when an int can exceed it (EPERM case) and
// the per-user page limits leave room for a pipe of that size; otherwise 1 MiB (the default), set for
// the case's duration. pipe-max-size is global (not per namespace): the old value is put back.
std::optional<ScopedSysctl> UsablePipeMaxSize(long long current) {
  constexpr long long kDefault = 1 << 20;
  bool usable = current > 0 && current < INT_MAX;
  const long long pages = current / static_cast<long long>(PageSize());
  for (const char* limit : {"/proc/sys/fs/pipe-user-pages-soft", "/proc/sys/fs/pipe-user-pages-hard"}) {
    const std::optional<std::string> v = ReadSysctl(limit);
    const long long n = v ? std::atoll(v->c_str()) : 0;
    if (n != 0 && pages + 64 > n) usable = false;
  }
  if (usable) return std::nullopt;
  return std::optional<ScopedSysctl>(std::in_place, kPipeMaxSize, kDefault);
}

// Runs fn(p, max_size) in a child that dropped to the second identity and made the pipe p, under a
// pipe-max-size it can use (UsablePipeMaxSize: the current one, or 1 MiB for the case's duration).
void AsUnprivilegedUnderPipeMaxSize(const std::function<void(const Pipe& p, long long max_size)>& fn) {
  const Identity nobody = SecondIdentity();
  ASSERT_PIPE_MAX_SIZE(current_max);
  const std::optional<ScopedSysctl> limit = UsablePipeMaxSize(current_max);
  ASSERT_PIPE_MAX_SIZE(max_size);
  Child child = Fork([&] {
    DropPrivileges(nobody);
    fn(MakePipe(), max_size);
  });
  ExpectCleanExit(child.Wait(), "unprivileged child");
}

// F_SETPIPE_SZ(want) on p must succeed and set a capacity of at least `want`, which F_GETPIPE_SZ then
// reports and a fill of the pipe takes. `asked` says why `want` (in the message of a refusal).
void ExpectSetsCapacity(const Pipe& p, long long want, const std::string& asked) {
  const int set = fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(want));
  ASSERT_THAT(set, SyscallSucceeds()) << "F_SETPIPE_SZ of " << want << " bytes: " << asked;
  EXPECT_GE(set, want) << "the capacity set must be at least the " << want << " bytes asked for";
  EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(set))
      << "F_GETPIPE_SZ should report the capacity F_SETPIPE_SZ returned";
  EXPECT_EQ(FillPipe(p.w.get()), static_cast<std::size_t>(set))
      << "the pipe should now hold exactly the capacity F_SETPIPE_SZ returned";
}

IPC_CASE(pipe, fcntl, getpipe_sz_returns_capacity, .title = "F_GETPIPE_SZ returns the number of bytes the pipe holds",
         .covers = {"F_GETPIPE_SZ"},
         .statement = "F_GETPIPE_SZ (void; since Linux 2.6.35) Return (as the function result) the capacity of the "
                      "pipe referred to by fd.",
         .refs = {"fcntl(2) F_GETPIPE_SZ", "pipe(7) Pipe capacity"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ASSERT_GET_PIPE_SZ(capacity, p.r.get());
  EXPECT_THAT(fcntl(p.w.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(capacity))
      << "both ends refer to the same pipe and must report the same capacity";
  const std::size_t filled = FillPipe(p.w.get());
  EXPECT_EQ(filled, static_cast<std::size_t>(capacity))
      << "page-sized nonblocking writes should fill the pipe to exactly the capacity F_GETPIPE_SZ reports";
}

IPC_CASE(pipe, fcntl, default_capacity_is_16_pages,
         .title = "a new pipe's capacity is 16 pages (65536 bytes with 4096-byte pages)",
         .covers = {"pipe7.default_capacity_16_pages", "F_GETPIPE_SZ"},
         .statement = "Since Linux 2.6.11, the pipe capacity is 16 pages (i.e., 65,536 bytes in a system with a "
                      "page size of 4096 bytes). Since Linux 2.6.35, the default pipe capacity is 16 pages. Since "
                      "Linux 4.9, the value on this file [pipe-max-size] also acts as a ceiling on the default "
                      "capacity of a new pipe.",
         .refs = {"pipe(7) Pipe capacity"}, .cls = Conformance::implementation_defined) {
  Pipe p = MakePipe();
  ASSERT_GET_PIPE_SZ(capacity, p.r.get());
  std::size_t expected = 16 * PageSize();
  // Since Linux 4.9 pipe-max-size also caps the default capacity (for creators without CAP_SYS_RESOURCE).
  const auto max_size = PipeMaxSize();
  if (!HasCapability(CAP_SYS_RESOURCE) && max_size && *max_size > 0 && static_cast<std::size_t>(*max_size) < expected) {
    expected = static_cast<std::size_t>(*max_size) / PageSize() * PageSize();
  }
  EXPECT_EQ(static_cast<std::size_t>(capacity), expected)
      << "default capacity with page size " << PageSize() << " and pipe-max-size "
      << (max_size ? std::to_string(*max_size) : std::string("unknown"));
}

IPC_CASE(pipe, fcntl, setpipe_sz_sets_capacity,
         .title = "F_SETPIPE_SZ returns the capacity it set, which F_GETPIPE_SZ and a fill then show",
         .covers = {"F_SETPIPE_SZ"},
         .statement = "F_SETPIPE_SZ Change the capacity of the pipe referred to by fd to be at least arg bytes. "
                      "... The actual capacity (in bytes) that is set is returned as the function result.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) Pipe capacity"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ASSERT_GET_PIPE_SZ(before, p.r.get());
  (void)before;
  ExpectSetsCapacity(p, 2 * static_cast<long long>(PageSize()), "two pages, from the default capacity");
}

IPC_CASE(pipe, fcntl, setpipe_sz_grows_capacity,
         .title = "F_SETPIPE_SZ to twice the capacity lets the pipe hold at least that much",
         .covers = {"F_SETPIPE_SZ"},
         .statement = "F_SETPIPE_SZ Change the capacity of the pipe referred to by fd to be at least arg bytes.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) Pipe capacity"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ASSERT_GET_PIPE_SZ(before, p.r.get());
  // Start from one page, so that twice the capacity stays within pipe-max-size (at least a page, and
  // by default 256 pages) for a creator without CAP_SYS_RESOURCE.
  ASSERT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(PageSize())),
              SyscallSucceedsWithValue(static_cast<int>(PageSize())))
      << "shrinking the empty pipe to one page first";
  ExpectSetsCapacity(p, 2 * static_cast<long long>(PageSize()),
                     "twice the one-page capacity (" + std::to_string(before) + " bytes at first)");
}

IPC_CASE(pipe, fcntl, setpipe_sz_rounds_up_to_page_size,
         .title = "F_SETPIPE_SZ below the page size gives a capacity of one page",
         .covers = {"setpipe_sz_rounds_up_to_page"},
         .statement = "Attempts to set the pipe capacity below the page size are silently rounded up to the page "
                      "size.",
         .refs = {"fcntl(2) F_SETPIPE_SZ"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ASSERT_GET_PIPE_SZ(before, p.r.get());
  (void)before;
  EXPECT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, 1), SyscallSucceedsWithValue(static_cast<int>(PageSize())));
  EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(static_cast<int>(PageSize())));
}

IPC_CASE(pipe, fcntl, setpipe_sz_rounds_to_power_of_two_pages,
         .title = "F_SETPIPE_SZ of 5 pages + 1 byte gives 8 pages (next power-of-two page multiple)",
         .covers = {"setpipe_sz_power_of_two_pages"},
         .statement = "When allocating the buffer for the pipe, the kernel may use a capacity larger than arg, if "
                      "that is convenient for the implementation. (In the current implementation, the allocation "
                      "is the next higher power-of-two page-size multiple of the requested size.)",
         .refs = {"fcntl(2) F_SETPIPE_SZ"}, .cls = Conformance::implementation_defined) {
  Pipe p = MakePipe();
  ASSERT_GET_PIPE_SZ(before, p.r.get());
  (void)before;
  const int want = static_cast<int>(5 * PageSize() + 1);
  EXPECT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, want), SyscallSucceedsWithValue(static_cast<int>(8 * PageSize())));
}

IPC_CASE(pipe, fcntl, setpipe_sz_below_buffered_fails_ebusy,
         .title = "F_SETPIPE_SZ smaller than the data buffered fails with EBUSY and keeps the data",
         .covers = {"EBUSY"},
         .statement = "Attempting to set the pipe capacity smaller than the amount of buffer space currently used "
                      "to store data produces the error EBUSY.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "fcntl(2) EBUSY"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  ASSERT_GET_PIPE_SZ(before, p.r.get());
  const std::string data = Pattern(3 * PageSize(), 12);
  ASSERT_THAT(write(p.w.get(), data.data(), data.size()), SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())));
  EXPECT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(PageSize())), SyscallFailsWithErrno(EBUSY))
      << "3 pages are buffered; a capacity of 1 page cannot hold them";
  EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(before)) << "the capacity must be unchanged";
  EXPECT_TRUE(ReadExactly(p.r.get(), data.size()) == data) << "the buffered data must be intact";
}

IPC_CASE(pipe, fcntl, setpipe_sz_above_max_unprivileged_fails_eperm,
         .title = "an unprivileged F_SETPIPE_SZ above /proc/sys/fs/pipe-max-size fails with EPERM",
         .covers = {"EPERM", "pipe7.pipe_max_size_caps_unprivileged"},
         .statement = "Attempts by an unprivileged process to set the pipe capacity above the limit in "
                      "/proc/sys/fs/pipe-max-size yield the error EPERM.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) /proc/sys/fs/pipe-max-size"}, .cls = Conformance::linux_specific,
         .needs = kNeedSecondUid | need::WritableSysctl("/proc/sys/fs/pipe-max-size")) {
  // Only where an int cannot exceed the current limit (or the per-user limits are near it) is the
  // limit set, to 1 MiB, for the case's duration.
  AsUnprivilegedUnderPipeMaxSize([](const Pipe& p, long long max_size) {
    const int before = fcntl(p.r.get(), F_GETPIPE_SZ);
    ASSERT_THAT(before, SyscallSucceeds());
    EXPECT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(max_size + 1)), SyscallFailsWithErrno(EPERM))
        << "uid " << getuid() << " asked for " << max_size + 1 << " bytes, above pipe-max-size " << max_size;
    EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(before)) << "capacity must be unchanged";
  });
}

IPC_CASE(pipe, fcntl, setpipe_sz_unprivileged_up_to_max_succeeds,
         .title = "an unprivileged F_SETPIPE_SZ of exactly /proc/sys/fs/pipe-max-size succeeds",
         .covers = {"pipe7.pipe_max_size_caps_unprivileged"},
         .statement = "An unprivileged process can adjust the pipe capacity to any value between the system page "
                      "size and the limit defined in /proc/sys/fs/pipe-max-size.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) /proc/sys/fs/pipe-max-size"}, .cls = Conformance::linux_specific,
         .needs = kNeedSecondUid | need::WritableSysctl("/proc/sys/fs/pipe-max-size")) {
  // The per-user soft and hard limits on pipe pages could also refuse the increase (EPERM): where the
  // limit is near them (or does not fit the int argument), it is set to 1 MiB for the case's duration.
  AsUnprivilegedUnderPipeMaxSize([](const Pipe& p, long long max_size) {
    const int set = fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(max_size));
    EXPECT_THAT(set, SyscallSucceeds()) << "uid " << getuid() << " asked for pipe-max-size (" << max_size << ")";
    if (set > 0) {
      EXPECT_GE(set, max_size);
    }
  });
}

IPC_CASE(pipe, fcntl, setpipe_sz_privileged_may_exceed_max,
         .title = "a process with CAP_SYS_RESOURCE may set a capacity above /proc/sys/fs/pipe-max-size",
         .covers = {"pipe7.privileged_exceeds_pipe_max_size", "F_SETPIPE_SZ"},
         .statement = "Attempts by an unprivileged process to set the pipe capacity above the limit in "
                      "/proc/sys/fs/pipe-max-size yield the error EPERM; a privileged process (CAP_SYS_RESOURCE) "
                      "can override the limit.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) /proc/sys/fs/pipe-max-size"}, .cls = Conformance::linux_specific,
         .needs = IPCC_NEED_CAPABILITY(CAP_SYS_RESOURCE) | need::WritableSysctl("/proc/sys/fs/pipe-max-size")) {
  Pipe p = MakePipe();
  ASSERT_GET_PIPE_SZ(before, p.r.get());
  (void)before;
  ASSERT_PIPE_MAX_SIZE(current_max);
  // Twice a large limit would be costly to allocate and fill: above 1 MiB (the default), the limit is
  // set to 1 MiB for the case's duration (pipe-max-size is global; the old value is put back).
  std::optional<ScopedSysctl> lowered;
  if (current_max > (1LL << 20)) lowered.emplace(kPipeMaxSize, 1L << 20);
  ASSERT_PIPE_MAX_SIZE(max_size);
  ExpectSetsCapacity(p, 2 * max_size, "twice pipe-max-size (" + std::to_string(max_size) + ")");
}

IPC_CASE(pipe, fcntl, setfl_nonblock_makes_read_nonblocking,
         .title = "F_SETFL O_NONBLOCK on the read end makes a read of the empty pipe fail with EAGAIN",
         .covers = {"O_NONBLOCK", "read.EAGAIN"},
         .statement = "Nonblocking I/O is possible by using the fcntl(2) F_SETFL operation to enable the "
                      "O_NONBLOCK open file status flag.",
         .refs = {"pipe(7) I/O on pipes and FIFOs", "fcntl(2) F_SETFL", "POSIX.1-2017 read() [EAGAIN]"}) {
  Pipe p = MakePipe();
  const int fl = fcntl(p.r.get(), F_GETFL);
  ASSERT_THAT(fl, SyscallSucceeds());
  ASSERT_THAT(fcntl(p.r.get(), F_SETFL, fl | O_NONBLOCK), SyscallSucceeds());
  EXPECT_NE(fcntl(p.r.get(), F_GETFL) & O_NONBLOCK, 0) << "F_GETFL should show the O_NONBLOCK just set";
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallFailsWithErrno(EAGAIN));
}

IPC_CASE(pipe, fcntl, setfl_o_direct_enables_packet_mode,
         .title = "F_SETFL O_DIRECT on an existing pipe switches it to packet mode", .covers = {"O_DIRECT"},
         .statement = "Since Linux 4.5, it is possible to change the O_DIRECT setting of a pipe file descriptor "
                      "using fcntl(2). [O_DIRECT:] Each write(2) to the pipe is dealt with as a separate packet, "
                      "and read(2)s from the pipe will read one packet at a time.",
         .refs = {"pipe2(2) O_DIRECT", "fcntl(2) F_SETFL"}, .cls = Conformance::linux_specific,
         .needs = need::MinKernel(4, 5)) {
  Pipe p = MakePipe();
  for (int fd : {p.r.get(), p.w.get()}) {
    const char* end = fd == p.r.get() ? "read end" : "write end";
    const int fl = fcntl(fd, F_GETFL);
    ASSERT_THAT(fl, SyscallSucceeds());
    // The kernel reports at least 4.5 (the need), so a refused or ignored O_DIRECT is a deviation.
    ASSERT_THAT(fcntl(fd, F_SETFL, fl | O_DIRECT), SyscallSucceeds()) << "F_SETFL O_DIRECT on the " << end;
    ASSERT_NE(fcntl(fd, F_GETFL) & O_DIRECT, 0)
        << "F_SETFL O_DIRECT succeeded on the " << end << " but F_GETFL does not show O_DIRECT";
  }
  ExpectPacketReads(p, {"ab", "cd"},
                    {{64, "ab", "in packet mode a read returns one write's bytes"},
                     {64, "cd", "the second read returns the second write's bytes"}});
}

IPC_CASE(pipe, fcntl, o_async_read_end_raises_sigio,
         .title = "O_ASYNC on the read end sends SIGIO to the owner process when input arrives", .covers = {"O_ASYNC"},
         .statement = "Setting the O_ASYNC flag for the read end of a pipe causes a signal (SIGIO by default) to "
                      "be generated when new input becomes available on the pipe. The target for delivery of "
                      "signals must be set using the fcntl(2) F_SETOWN command.",
         .refs = {"pipe(7) Open file status flags", "fcntl(2) F_SETOWN"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  Child reader = Fork([&] {
    p.w.reset();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGIO);
    IPCC_SETUP(sigprocmask(SIG_BLOCK, &set, nullptr));
    ASSERT_THAT(fcntl(p.r.get(), F_SETOWN, getpid()), SyscallSucceeds());
    const int fl = fcntl(p.r.get(), F_GETFL);
    ASSERT_THAT(fl, SyscallSucceeds());
    ASSERT_THAT(fcntl(p.r.get(), F_SETFL, fl | O_ASYNC), SyscallSucceeds());
    CheckpointPost(0);
    siginfo_t info{};
    const int sig = sigwaitinfo(&set, &info);
    EXPECT_EQ(sig, SIGIO) << "sigwaitinfo returned " << (sig < 0 ? ErrnoName(errno) : SignalName(sig));
    char c = 0;
    EXPECT_THAT(read(p.r.get(), &c, 1), SyscallSucceedsWithValue(1));
    EXPECT_EQ(c, 'x');
  });
  CheckpointWait(0);
  // The reader waits for SIGIO before anything is written: the signal must come from the write.
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_rt_sigtimedwait);
  ASSERT_THAT(write(p.w.get(), "x", 1), SyscallSucceedsWithValue(1));
  std::optional<int> status = reader.TryWait(kDefaultWait);
  if (!status) FAIL() << "the owner of the O_ASYNC read end received no SIGIO for the write (still waiting)";
  ExpectCleanExit(*status, "O_ASYNC reader");
}

}  // namespace
