// fcntl(2) on pipes: F_GETPIPE_SZ / F_SETPIPE_SZ (capacity), and the file status flags that apply to
// pipes (O_NONBLOCK, O_DIRECT, O_ASYNC).
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "conformance/pipe/pipe_util.h"
#include "harness/harness.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipe_cases;

constexpr const char* kPipeMaxSize = "/proc/sys/fs/pipe-max-size";

// The capacity of the pipe behind fd, or UNSUPPORTED when the kernel does not know F_GETPIPE_SZ.
#define GET_PIPE_SZ_OR_UNSUPPORTED(var, fd)                                                              \
  const int var = fcntl((fd), F_GETPIPE_SZ);                                                             \
  if (var < 0) {                                                                                         \
    if (errno == EINVAL) IPCC_UNSUPPORTED("fcntl(F_GETPIPE_SZ) fails with EINVAL: pipe capacity cannot " \
                                          "be queried or set (Linux before 2.6.35)");                   \
    FAIL() << "fcntl(F_GETPIPE_SZ) failed with " << ErrnoName(errno);                                    \
  }

// /proc/sys/fs/pipe-max-size, or UNSUPPORTED when the file is missing.
#define PIPE_MAX_SIZE_OR_UNSUPPORTED(var)                                        \
  const std::optional<long long> var##_opt = ReadProcNumber(kPipeMaxSize);        \
  if (!var##_opt) IPCC_UNSUPPORTED(std::string("cannot read ") + kPipeMaxSize);   \
  const long long var = *var##_opt

// CAP_SYS_RESOURCE in the effective set, in the initial user namespace (where the check is made).
bool HasInitialNamespaceCapSysResource(std::string* why_not) {
  std::ifstream status("/proc/self/status");
  std::string line;
  unsigned long long cap_eff = 0;
  bool found = false;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      cap_eff = std::stoull(line.substr(7), nullptr, 16);
      found = true;
    }
  }
  if (!found || !(cap_eff & (1ULL << 24))) {  // CAP_SYS_RESOURCE = 24
    *why_not = "the case does not hold CAP_SYS_RESOURCE (this system withholds it even from root)";
    return false;
  }
  std::ifstream map("/proc/self/uid_map");
  unsigned long long inside = 1, outside = 1, count = 0;
  map >> inside >> outside >> count;
  if (inside != 0 || outside != 0 || count != 4294967295ULL) {
    *why_not = "the case runs in a user namespace: its CAP_SYS_RESOURCE does not count for pipe-max-size";
    return false;
  }
  return true;
}

IPC_CASE(pipe, fcntl, getpipe_sz_returns_capacity,
         .title = "F_GETPIPE_SZ returns the number of bytes the pipe holds",
         .statement = "F_GETPIPE_SZ (void; since Linux 2.6.35) Return (as the function result) the capacity of the "
                      "pipe referred to by fd.",
         .refs = {"fcntl(2) F_GETPIPE_SZ", "pipe(7) Pipe capacity"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  GET_PIPE_SZ_OR_UNSUPPORTED(capacity, p.r.get());
  EXPECT_THAT(fcntl(p.w.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(capacity))
      << "both ends refer to the same pipe and must report the same capacity";
  const std::size_t filled = FillPipe(p.w.get());
  EXPECT_EQ(filled, static_cast<std::size_t>(capacity))
      << "page-sized nonblocking writes should fill the pipe to exactly the capacity F_GETPIPE_SZ reports";
}

IPC_CASE(pipe, fcntl, default_capacity_is_16_pages,
         .title = "a new pipe's capacity is 16 pages (65536 bytes with 4096-byte pages)",
         .statement = "Since Linux 2.6.11, the pipe capacity is 16 pages (i.e., 65,536 bytes in a system with a "
                      "page size of 4096 bytes). Since Linux 2.6.35, the default pipe capacity is 16 pages. Since "
                      "Linux 4.9, the value on this file [pipe-max-size] also acts as a ceiling on the default "
                      "capacity of a new pipe.",
         .refs = {"pipe(7) Pipe capacity"}, .cls = Conformance::implementation_defined) {
  Pipe p = MakePipe();
  GET_PIPE_SZ_OR_UNSUPPORTED(capacity, p.r.get());
  std::size_t expected = 16 * PageSize();
  // Since Linux 4.9 pipe-max-size also caps the default capacity (for creators without CAP_SYS_RESOURCE).
  const auto max_size = ReadProcNumber(kPipeMaxSize);
  std::string why_not;
  if (!HasInitialNamespaceCapSysResource(&why_not) && max_size && *max_size > 0 &&
      static_cast<std::size_t>(*max_size) < expected) {
    expected = static_cast<std::size_t>(*max_size) / PageSize() * PageSize();
  }
  EXPECT_EQ(static_cast<std::size_t>(capacity), expected)
      << "default capacity with page size " << PageSize() << " and pipe-max-size "
      << (max_size ? std::to_string(*max_size) : std::string("unknown"));
}

IPC_CASE(pipe, fcntl, setpipe_sz_sets_capacity,
         .title = "F_SETPIPE_SZ returns the capacity it set, which F_GETPIPE_SZ and a fill then show",
         .statement = "F_SETPIPE_SZ Change the capacity of the pipe referred to by fd to be at least arg bytes. "
                      "... The actual capacity (in bytes) that is set is returned as the function result.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) Pipe capacity"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  GET_PIPE_SZ_OR_UNSUPPORTED(before, p.r.get());
  (void)before;
  const int want = static_cast<int>(2 * PageSize());
  const int set = fcntl(p.w.get(), F_SETPIPE_SZ, want);
  ASSERT_THAT(set, SyscallSucceeds());
  EXPECT_GE(set, want) << "the capacity set must be at least the " << want << " bytes asked for";
  EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(set))
      << "F_GETPIPE_SZ should report the capacity F_SETPIPE_SZ returned";
  EXPECT_EQ(FillPipe(p.w.get()), static_cast<std::size_t>(set))
      << "the pipe should now hold exactly the capacity F_SETPIPE_SZ returned";
}

IPC_CASE(pipe, fcntl, setpipe_sz_grows_capacity,
         .title = "F_SETPIPE_SZ to twice the capacity lets the pipe hold at least that much",
         .statement = "F_SETPIPE_SZ Change the capacity of the pipe referred to by fd to be at least arg bytes.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) Pipe capacity"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  GET_PIPE_SZ_OR_UNSUPPORTED(before, p.r.get());
  PIPE_MAX_SIZE_OR_UNSUPPORTED(max_size);
  const long long want = 2LL * before;
  std::string why_not;
  if (want > max_size && !HasInitialNamespaceCapSysResource(&why_not)) {
    GTEST_SKIP() << "twice the capacity (" << want << ") exceeds pipe-max-size (" << max_size << ")";
  }
  const int set = fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(want));
  ASSERT_THAT(set, SyscallSucceeds());
  EXPECT_GE(set, want);
  EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(set));
  const std::size_t filled = FillPipe(p.w.get());
  EXPECT_EQ(filled, static_cast<std::size_t>(set))
      << "the grown pipe should hold " << set << " bytes (it held " << before << " before)";
}

IPC_CASE(pipe, fcntl, setpipe_sz_rounds_up_to_page_size,
         .title = "F_SETPIPE_SZ below the page size gives a capacity of one page",
         .statement = "Attempts to set the pipe capacity below the page size are silently rounded up to the page "
                      "size.",
         .refs = {"fcntl(2) F_SETPIPE_SZ"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  GET_PIPE_SZ_OR_UNSUPPORTED(before, p.r.get());
  (void)before;
  EXPECT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, 1), SyscallSucceedsWithValue(static_cast<int>(PageSize())));
  EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(static_cast<int>(PageSize())));
}

IPC_CASE(pipe, fcntl, setpipe_sz_rounds_to_power_of_two_pages,
         .title = "F_SETPIPE_SZ of 5 pages + 1 byte gives 8 pages (next power-of-two page multiple)",
         .statement = "When allocating the buffer for the pipe, the kernel may use a capacity larger than arg, if "
                      "that is convenient for the implementation. (In the current implementation, the allocation "
                      "is the next higher power-of-two page-size multiple of the requested size.)",
         .refs = {"fcntl(2) F_SETPIPE_SZ"}, .cls = Conformance::implementation_defined) {
  Pipe p = MakePipe();
  GET_PIPE_SZ_OR_UNSUPPORTED(before, p.r.get());
  (void)before;
  const int want = static_cast<int>(5 * PageSize() + 1);
  EXPECT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, want), SyscallSucceedsWithValue(static_cast<int>(8 * PageSize())));
}

IPC_CASE(pipe, fcntl, setpipe_sz_below_buffered_fails_ebusy,
         .title = "F_SETPIPE_SZ smaller than the data buffered fails with EBUSY and keeps the data",
         .statement = "Attempting to set the pipe capacity smaller than the amount of buffer space currently used "
                      "to store data produces the error EBUSY.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "fcntl(2) EBUSY"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  GET_PIPE_SZ_OR_UNSUPPORTED(before, p.r.get());
  const std::string data = Pattern(3 * PageSize(), 12);
  ASSERT_THAT(write(p.w.get(), data.data(), data.size()), SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())));
  EXPECT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(PageSize())), SyscallFailsWithErrno(EBUSY))
      << "3 pages are buffered; a capacity of 1 page cannot hold them";
  EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(before)) << "the capacity must be unchanged";
  EXPECT_TRUE(ReadExactly(p.r.get(), data.size()) == data) << "the buffered data must be intact";
}

IPC_CASE(pipe, fcntl, setpipe_sz_above_max_unprivileged_fails_eperm,
         .title = "an unprivileged F_SETPIPE_SZ above /proc/sys/fs/pipe-max-size fails with EPERM",
         .statement = "Attempts by an unprivileged process to set the pipe capacity above the limit in "
                      "/proc/sys/fs/pipe-max-size yield the error EPERM.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) /proc/sys/fs/pipe-max-size"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  IPCC_REQUIRE_UNPRIVILEGED_IDENTITY(nobody);
  PIPE_MAX_SIZE_OR_UNSUPPORTED(max_size);
  if (max_size >= INT_MAX) GTEST_SKIP() << "pipe-max-size " << max_size << " cannot be exceeded with an int";
  Child child = Fork([&] {
    DropPrivileges(nobody);
    Pipe p = MakePipe();
    const int before = fcntl(p.r.get(), F_GETPIPE_SZ);
    ASSERT_THAT(before, SyscallSucceeds());
    EXPECT_THAT(fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(max_size + 1)), SyscallFailsWithErrno(EPERM))
        << "uid " << getuid() << " asked for " << max_size + 1 << " bytes, above pipe-max-size " << max_size;
    EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(before)) << "capacity must be unchanged";
  });
  ExpectCleanExit(child.Wait(), "unprivileged child");
}

IPC_CASE(pipe, fcntl, setpipe_sz_unprivileged_up_to_max_succeeds,
         .title = "an unprivileged F_SETPIPE_SZ of exactly /proc/sys/fs/pipe-max-size succeeds",
         .statement = "An unprivileged process can adjust the pipe capacity to any value between the system page "
                      "size and the limit defined in /proc/sys/fs/pipe-max-size.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) /proc/sys/fs/pipe-max-size"},
         .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  IPCC_REQUIRE_UNPRIVILEGED_IDENTITY(nobody);
  PIPE_MAX_SIZE_OR_UNSUPPORTED(max_size);
  if (max_size > INT_MAX) GTEST_SKIP() << "pipe-max-size " << max_size << " does not fit the int argument";
  // The per-user soft and hard limits on pipe pages could also refuse the increase (EPERM); only run when
  // the request is well inside them.
  const long long pages = max_size / static_cast<long long>(PageSize());
  for (const char* limit : {"/proc/sys/fs/pipe-user-pages-soft", "/proc/sys/fs/pipe-user-pages-hard"}) {
    const auto v = ReadProcNumber(limit);
    if (v && *v != 0 && pages + 64 > *v) {
      GTEST_SKIP() << "pipe-max-size (" << pages << " pages) is near " << limit << " (" << *v << ")";
    }
  }
  Child child = Fork([&] {
    DropPrivileges(nobody);
    Pipe p = MakePipe();
    const int set = fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(max_size));
    EXPECT_THAT(set, SyscallSucceeds()) << "uid " << getuid() << " asked for pipe-max-size (" << max_size << ")";
    if (set > 0) {
      EXPECT_GE(set, max_size);
    }
  });
  ExpectCleanExit(child.Wait(), "unprivileged child");
}

IPC_CASE(pipe, fcntl, setpipe_sz_privileged_may_exceed_max,
         .title = "a process with CAP_SYS_RESOURCE may set a capacity above /proc/sys/fs/pipe-max-size",
         .statement = "Attempts by an unprivileged process to set the pipe capacity above the limit in "
                      "/proc/sys/fs/pipe-max-size yield the error EPERM; a privileged process (CAP_SYS_RESOURCE) "
                      "can override the limit.",
         .refs = {"fcntl(2) F_SETPIPE_SZ", "pipe(7) /proc/sys/fs/pipe-max-size"},
         .cls = Conformance::linux_specific, .needs = kNeedRoot) {
  std::string why_not;
  if (!HasInitialNamespaceCapSysResource(&why_not)) GTEST_SKIP() << why_not;
  Pipe p = MakePipe();
  GET_PIPE_SZ_OR_UNSUPPORTED(before, p.r.get());
  (void)before;
  PIPE_MAX_SIZE_OR_UNSUPPORTED(max_size);
  const long long want = 2 * max_size;
  if (want > (4LL << 20)) GTEST_SKIP() << "pipe-max-size " << max_size << " is too large to exceed cheaply";
  const int set = fcntl(p.w.get(), F_SETPIPE_SZ, static_cast<int>(want));
  ASSERT_THAT(set, SyscallSucceeds()) << "asked for " << want << " bytes, twice pipe-max-size (" << max_size << ")";
  EXPECT_GE(set, want);
  EXPECT_THAT(fcntl(p.r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(set));
  EXPECT_EQ(FillPipe(p.w.get()), static_cast<std::size_t>(set)) << "the pipe should really hold that much";
}

IPC_CASE(pipe, fcntl, setfl_nonblock_makes_read_nonblocking,
         .title = "F_SETFL O_NONBLOCK on the read end makes a read of the empty pipe fail with EAGAIN",
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
         .title = "F_SETFL O_DIRECT on an existing pipe switches it to packet mode",
         .statement = "Since Linux 4.5, it is possible to change the O_DIRECT setting of a pipe file descriptor "
                      "using fcntl(2). [O_DIRECT:] Each write(2) to the pipe is dealt with as a separate packet, "
                      "and read(2)s from the pipe will read one packet at a time.",
         .refs = {"pipe2(2) O_DIRECT", "fcntl(2) F_SETFL"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe();
  for (int fd : {p.r.get(), p.w.get()}) {
    const int fl = fcntl(fd, F_GETFL);
    ASSERT_THAT(fl, SyscallSucceeds());
    if (fcntl(fd, F_SETFL, fl | O_DIRECT) != 0) {
      if (errno == EINVAL) IPCC_UNSUPPORTED("F_SETFL refuses O_DIRECT on pipes with EINVAL (needs Linux 4.5)");
      FAIL() << "fcntl(F_SETFL, O_DIRECT) failed with " << ErrnoName(errno);
    }
    if (!(fcntl(fd, F_GETFL) & O_DIRECT)) {
      IPCC_UNSUPPORTED("F_SETFL ignores O_DIRECT on pipes (changing it needs Linux 4.5)");
    }
  }
  ASSERT_THAT(write(p.w.get(), "ab", 2), SyscallSucceedsWithValue(2));
  ASSERT_THAT(write(p.w.get(), "cd", 2), SyscallSucceedsWithValue(2));
  char buf[64];
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(2))
      << "in packet mode a read returns one write's bytes";
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(2));
}

IPC_CASE(pipe, fcntl, o_async_read_end_raises_sigio,
         .title = "O_ASYNC on the read end sends SIGIO to the owner process when input arrives",
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
    ASSERT_THAT(sigprocmask(SIG_BLOCK, &set, nullptr), SyscallSucceeds());
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
