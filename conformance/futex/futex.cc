// futex(2): waiting and waking on a futex word shared between processes, timeouts, errors, the bitset
// operations, requeueing, FUTEX_WAKE_OP and the priority-inheritance (PI) operations.
#include <linux/futex.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/futex.h"
#include "harness/caselib/ipc/signal.h"
#include "harness/caselib/ipc/sysv_shm.h"

namespace {

using namespace ipcc;
using namespace ipcc::futex;
using std::chrono::milliseconds;

// No FUTEX_* command has this number (they run from 0 to 13).
constexpr int kNoSuchOperation = 99;
constexpr Need kNeedPi = need::KernelConfig("CONFIG_FUTEX_PI");
constexpr milliseconds kShortTimeout{20};

// ---- FUTEX_WAIT and FUTEX_WAKE between processes ----

IPC_CASE(futex, futex, wait_blocks_until_wake_from_other_process,
         .title = "FUTEX_WAIT on a word of a MAP_SHARED mapping blocks until another process's FUTEX_WAKE",
         .covers = {"FUTEX_WAIT", "shared_mapping_between_processes"}, .cls = Conformance::linux_specific,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child waiter = Fork([&] {
    EXPECT_THAT(Futex(word, FUTEX_WAIT, 0), SyscallSucceedsWithValue(0)) << "FUTEX_WAIT should return 0 once woken";
    EXPECT_EQ(Load(word), 1u) << "the waker stores 1 before its FUTEX_WAKE: a return that sees 0 was no wake-up";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  Store(word, 1);
  EXPECT_THAT(Futex(word, FUTEX_WAKE, 1), SyscallSucceedsWithValue(1))
      << "one process sleeps in FUTEX_WAIT on the shared word";
  ExpectReleased(waiter, "the process blocked in FUTEX_WAIT, after the other process's FUTEX_WAKE");
}

IPC_CASE(futex, futex, sysv_segment_wake_through_other_address,
         .title = "a FUTEX_WAKE through one attach of a System V segment wakes a waiter that used another address",
         .covers = {"sysv_segment_at_different_addresses"}, .cls = Conformance::linux_specific,
         .needs = need::Feature("sysv_shm"), .raw_syscalls = kRawFutex) {
  IPCC_SHM_CREATE(segment, IPC_PRIVATE, PageSize(), IPC_CREAT | 0600);
  IPCC_SHM_ATTACH(first, segment.id(), nullptr, 0);
  IPCC_SHM_ATTACH(second, segment.id(), nullptr, 0);
  if (first.get() == second.get()) ThrowHarnessError("set-up: two attaches of one segment share an address");
  auto* wait_word = reinterpret_cast<std::uint32_t*>(first.get());
  auto* wake_word = reinterpret_cast<std::uint32_t*>(second.get());
  Child waiter = Fork([&] {
    EXPECT_THAT(Futex(wait_word, FUTEX_WAIT, 0), SyscallSucceedsWithValue(0))
        << "FUTEX_WAIT through the first attach address should return 0 once woken";
    EXPECT_EQ(Load(wait_word), 1u) << "the waker stores 1 (through the second address) before its FUTEX_WAKE";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  Store(wake_word, 1);
  EXPECT_THAT(Futex(wake_word, FUTEX_WAKE, 1), SyscallSucceedsWithValue(1))
      << "the waiter used address " << static_cast<void*>(wait_word) << " and this wake uses "
      << static_cast<void*>(wake_word) << ": both name the same word of the segment";
  ExpectReleased(waiter, "the process blocked in FUTEX_WAIT on the segment");
}

IPC_CASE(futex, futex, wake_returns_number_woken,
         .title = "FUTEX_WAKE with val INT_MAX returns the number of waiters it woke",
         .covers = {"wake_returns_number_woken"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  std::vector<Child> waiters;
  waiters.reserve(3);
  for (int i = 0; i < 3; ++i) waiters.push_back(Waiter(word, 0, fmt::format("waiter {}", i + 1)));
  for (const Child& w : waiters) IPCC_ASSERT_BLOCKED(w.pid(), SYS_futex);
  Store(word, 1);
  EXPECT_THAT(Futex(word, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(3))
      << "three processes sleep in FUTEX_WAIT on the word";
  for (Child& w : waiters) ExpectReleased(w, "a waiter, after FUTEX_WAKE of all");
}

IPC_CASE(futex, futex, wake_wakes_at_most_val,
         .title = "FUTEX_WAKE with val 1 wakes one of two waiters and leaves the other asleep",
         .covers = {"FUTEX_WAKE"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child first = Waiter(word, 0, "first waiter");
  Child second = Waiter(word, 0, "second waiter");
  IPCC_ASSERT_BLOCKED(first.pid(), SYS_futex);
  IPCC_ASSERT_BLOCKED(second.pid(), SYS_futex);
  EXPECT_THAT(Futex(word, FUTEX_WAKE, 1), SyscallSucceedsWithValue(1)) << "val 1 with two waiters: one is woken";
  EXPECT_THAT(Futex(word, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(1))
      << "the other waiter must still have been asleep after the FUTEX_WAKE of at most 1";
  ExpectReleased(first, "first waiter");
  ExpectReleased(second, "second waiter");
}

IPC_CASE(futex, futex, wait_value_differs_fails_eagain,
         .title = "FUTEX_WAIT on a word that does not hold val fails at once with EAGAIN", .covers = {"EAGAIN"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Store(word, 1);
  // Bounded: a system that slept regardless of the value would block here for good.
  ExpectReturnsWithin("FUTEX_WAIT with val 0 on a word holding 1",
                      [&] { EXPECT_THAT(Futex(word, FUTEX_WAIT, 0), SyscallFailsWithErrno(EAGAIN)); });
}

IPC_CASE(futex, futex, wait_relative_timeout_fails_etimedout,
         .title = "FUTEX_WAIT with a 20 ms relative timeout fails with ETIMEDOUT, not before 20 ms have passed",
         .covers = {"ETIMEDOUT", "wait_timeout_is_relative"}, .cls = Conformance::linux_specific,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  ExpectReturnsWithin("FUTEX_WAIT with a 20 ms timeout and no waker", [&] {
    const timespec interval{0, 20000000L};  // 20 ms
    const timespec start = Now(CLOCK_MONOTONIC);
    EXPECT_THAT(Futex(word, FUTEX_WAIT, 0, &interval), SyscallFailsWithErrno(ETIMEDOUT));
    const timespec end = Now(CLOCK_MONOTONIC);
    EXPECT_TRUE(NotBefore(end, Plus(start, kShortTimeout)))
        << "FUTEX_WAIT timed out before its 20 ms interval had passed: started at " << Describe(start)
        << ", returned at " << Describe(end) << " (CLOCK_MONOTONIC)";
  });
}

IPC_CASE(futex, futex, wait_interrupted_by_handler_fails_eintr,
         .title = "a FUTEX_WAIT interrupted by a caught signal without SA_RESTART fails with EINTR",
         .covers = {"EINTR"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child waiter = Fork([&] {
    signals::SetHandler(SIGUSR1, signals::CountingHandler);
    EXPECT_THAT(Futex(word, FUTEX_WAIT, 0), SyscallFailsWithErrno(EINTR));
    EXPECT_EQ(signals::g_handled.calls, 1) << "the SIGUSR1 handler should have run once during the wait";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  waiter.Signal(SIGUSR1);
  ExpectReleased(waiter, "the waiter in FUTEX_WAIT, after SIGUSR1 reached its handler");
}

// The write end of the pipe the SA_RESTART handler reports on (set in the child before it waits).
int g_handler_report_fd = -1;
void ReportingHandler(int) {
  const char c = 'h';
  [[maybe_unused]] const ssize_t n = write(g_handler_report_fd, &c, 1);
}

IPC_CASE(futex, futex, wait_resumes_after_sa_restart_handler,
         .title = "a FUTEX_WAIT without timeout interrupted by an SA_RESTART handler resumes and ends at the wake",
         .covers = {"wait_restarted_with_sa_restart"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Pipe report = MakePipe();
  Child waiter = Fork([&] {
    g_handler_report_fd = report.w.get();
    signals::SetHandler(SIGUSR1, ReportingHandler, SA_RESTART);
    EXPECT_THAT(Futex(word, FUTEX_WAIT, 0), SyscallSucceedsWithValue(0))
        << "with SA_RESTART the interrupted wait should resume and end at the FUTEX_WAKE, not fail with EINTR";
    EXPECT_EQ(Load(word), 1u) << "the wait should have ended at the wake-up, after the word was set to 1";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  waiter.Signal(SIGUSR1);
  ASSERT_TRUE(ReadableWithin(report.r.get(), milliseconds(5000))) << "the SIGUSR1 handler never ran in the waiter";
  char c = 0;
  ASSERT_THAT(read(report.r.get(), &c, 1), SyscallSucceedsWithValue(1));
  // The handler has run: the restarted wait must be asleep in futex(2) again.
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  Store(word, 1);
  EXPECT_THAT(Futex(word, FUTEX_WAKE, 1), SyscallSucceedsWithValue(1))
      << "the waiter should be asleep on the word again after its handler returned";
  ExpectReleased(waiter, "the waiter whose FUTEX_WAIT was restarted");
}

// ---- Argument errors ----

IPC_CASE(futex, futex, misaligned_uaddr_fails_einval,
         .title = "a futex word address that is not 4-byte aligned fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  auto* odd = reinterpret_cast<std::uint32_t*>(reinterpret_cast<char*>(words.at(0)) + 1);
  EXPECT_THAT(Futex(odd, FUTEX_WAKE, 1), SyscallFailsWithErrno(EINVAL)) << "uaddr one byte past a word boundary";
}

IPC_CASE(futex, futex, misaligned_uaddr2_fails_einval,
         .title = "FUTEX_CMP_REQUEUE with a uaddr2 that is not 4-byte aligned fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  auto* odd = reinterpret_cast<std::uint32_t*>(reinterpret_cast<char*>(words.at(2)) + 2);
  // val3 matches the word, so the comparison cannot be what refuses the call.
  EXPECT_THAT(FutexVal2(word, FUTEX_CMP_REQUEUE, 1, 1, odd, Load(word)), SyscallFailsWithErrno(EINVAL))
      << "uaddr2 two bytes past a word boundary";
}

IPC_CASE(futex, futex, invalid_timeout_fails_einval,
         .title = "FUTEX_WAIT with tv_nsec of 1000000000 or a negative tv_sec fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  // The word holds val, so a system that accepted the timeout would sleep: bounded.
  ExpectReturnsWithin(
      "FUTEX_WAIT with invalid timeouts",
      [&] {
        const timespec nsec_too_large{0, 1000000000L};
        EXPECT_THAT(Futex(word, FUTEX_WAIT, 0, &nsec_too_large), SyscallFailsWithErrno(EINVAL))
            << "timeout {0 s, 1000000000 ns}";
        const timespec negative_sec{-1, 0};
        EXPECT_THAT(Futex(word, FUTEX_WAIT, 0, &negative_sec), SyscallFailsWithErrno(EINVAL)) << "timeout {-1 s, 0 ns}";
      },
      milliseconds(4000));
}

IPC_CASE(futex, futex, unmapped_uaddr_fails_efault,
         .title = "FUTEX_WAIT on an address where nothing is mapped fails with EFAULT", .covers = {"EFAULT"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  std::uint32_t* nowhere = UnmappedWord();
  ExpectReturnsWithin("FUTEX_WAIT on an unmapped address",
                      [&] { EXPECT_THAT(Futex(nowhere, FUTEX_WAIT, 0), SyscallFailsWithErrno(EFAULT)); });
}

IPC_CASE(futex, futex, unmapped_timeout_fails_efault,
         .title = "FUTEX_WAIT whose timeout pointer points where nothing is mapped fails with EFAULT",
         .covers = {"EFAULT"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  const auto* nowhere = reinterpret_cast<const timespec*>(UnmappedWord());
  ExpectReturnsWithin("FUTEX_WAIT with an unmapped timeout pointer",
                      [&] { EXPECT_THAT(Futex(word, FUTEX_WAIT, 0, nowhere), SyscallFailsWithErrno(EFAULT)); });
}

IPC_CASE(futex, futex, unreadable_word_fails_eacces,
         .title = "FUTEX_WAIT on a word in a PROT_NONE mapping (no read access) fails with EACCES",
         .covers = {"EACCES"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  const std::size_t page = PageSize();
  void* p = mmap(nullptr, page, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) ThrowHarnessError("set-up: mmap(PROT_NONE): " + ErrnoName(errno));
  ScopedCleanup unmap([&] { munmap(p, page); });
  auto* word = static_cast<std::uint32_t*>(p);
  ExpectReturnsWithin("FUTEX_WAIT on a word without read access", [&] {
    EXPECT_THAT(Futex(word, FUTEX_WAIT, 0), SyscallFailsWithErrno(EACCES))
        << "futex(2) ERRORS: EACCES \"No read access to the memory of a futex word\"; the page is mapped PROT_NONE "
           "(an unmapped address, EFAULT, is another case)";
  });
}

IPC_CASE(futex, futex, unknown_operation_fails_enosys,
         .title = "futex with an operation number no command has fails with ENOSYS", .covers = {"ENOSYS"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  EXPECT_THAT(Futex(words.at(0), kNoSuchOperation, 0), SyscallFailsWithErrno(ENOSYS))
      << "futex_op " << kNoSuchOperation;
}

IPC_CASE(futex, futex, futex_fd_removed_fails_enosys,
         .title = "FUTEX_FD, removed in Linux 2.6.26, is refused with ENOSYS", .covers = {"FUTEX_FD", "ENOSYS"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  const long r = Futex(words.at(0), FUTEX_FD, 0);
  const int err = errno;
  if (r >= 0) close(static_cast<int>(r));
  errno = err;
  EXPECT_THAT(r, SyscallFailsWithErrno(ENOSYS)) << "FUTEX_FD, with signal 0";
}

IPC_CASE(futex, futex, clock_realtime_with_wake_fails_enosys,
         .title = "FUTEX_CLOCK_REALTIME with FUTEX_WAKE fails with ENOSYS", .covers = {"ENOSYS"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  EXPECT_THAT(Futex(words.at(0), FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1), SyscallFailsWithErrno(ENOSYS))
      << "FUTEX_CLOCK_REALTIME belongs only to FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI and FUTEX_LOCK_PI2";
}

IPC_CASE(futex, futex, wait_accepts_clock_realtime,
         .title = "FUTEX_WAIT with FUTEX_CLOCK_REALTIME and a 20 ms timeout is accepted and times out",
         .covers = {"wait_accepts_clock_realtime"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  ExpectReturnsWithin("FUTEX_WAIT|FUTEX_CLOCK_REALTIME with a 20 ms timeout", [&] {
    const timespec interval{0, 20000000L};  // 20 ms
    EXPECT_THAT(Futex(word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &interval), SyscallFailsWithErrno(ETIMEDOUT))
        << "futex(2): since Linux 4.5 FUTEX_CLOCK_REALTIME may be given with FUTEX_WAIT (and ENOSYS is for "
           "operations other than FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI and FUTEX_LOCK_PI2)";
  });
}

// ---- FUTEX_WAIT_BITSET and FUTEX_WAKE_BITSET ----

IPC_CASE(futex, futex, wake_bitset_wakes_only_matching_waiters,
         .title = "FUTEX_WAKE_BITSET with mask 0x2 wakes the waiter of mask 0x2 and leaves the one of mask 0x1 asleep",
         .covers = {"FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET"}, .cls = Conformance::linux_specific,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child one = BitsetWaiter(word, 0, 0x1, "waiter with mask 0x1");
  Child two = BitsetWaiter(word, 0, 0x2, "waiter with mask 0x2");
  IPCC_ASSERT_BLOCKED(one.pid(), SYS_futex);
  IPCC_ASSERT_BLOCKED(two.pid(), SYS_futex);
  EXPECT_THAT(Futex(word, FUTEX_WAKE_BITSET, INT_MAX, nullptr, nullptr, 0x2), SyscallSucceedsWithValue(1))
      << "only the waiter of mask 0x2 shares a bit with the wake mask 0x2";
  if (!ExpectReleased(two, "waiter with mask 0x2, after FUTEX_WAKE_BITSET 0x2")) return;
  // Still asleep (a woken task would be running and then gone).
  IPCC_ASSERT_BLOCKED(one.pid(), SYS_futex);
  EXPECT_THAT(Futex(word, FUTEX_WAKE_BITSET, INT_MAX, nullptr, nullptr, 0x1), SyscallSucceedsWithValue(1))
      << "the waiter of mask 0x1 should have stayed asleep through the wake of mask 0x2";
  ExpectReleased(one, "waiter with mask 0x1, after FUTEX_WAKE_BITSET 0x1");
}

IPC_CASE(futex, futex, wait_bitset_zero_mask_fails_einval,
         .title = "FUTEX_WAIT_BITSET with a zero mask fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  // The word holds val: a system that accepted the mask would sleep, so bounded.
  ExpectReturnsWithin("FUTEX_WAIT_BITSET with val3 0", [&] {
    EXPECT_THAT(Futex(word, FUTEX_WAIT_BITSET, 0, nullptr, nullptr, 0), SyscallFailsWithErrno(EINVAL));
  });
}

IPC_CASE(futex, futex, wake_bitset_zero_mask_fails_einval,
         .title = "FUTEX_WAKE_BITSET with a zero mask fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  EXPECT_THAT(Futex(words.at(0), FUTEX_WAKE_BITSET, 1, nullptr, nullptr, 0), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(futex, futex, wait_bitset_deadline_is_absolute_monotonic,
         .title = "FUTEX_WAIT_BITSET times out at an absolute CLOCK_MONOTONIC deadline 20 ms ahead, not before it",
         .covers = {"wait_bitset_timeout_is_absolute", "ETIMEDOUT"}, .cls = Conformance::linux_specific,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  // Read as an interval, the deadline (the machine's uptime) would keep the call asleep: bounded.
  ExpectReturnsWithin("FUTEX_WAIT_BITSET with a CLOCK_MONOTONIC deadline 20 ms ahead", [&] {
    const timespec deadline = In(CLOCK_MONOTONIC, kShortTimeout);
    EXPECT_THAT(Futex(word, FUTEX_WAIT_BITSET, 0, &deadline, nullptr, FUTEX_BITSET_MATCH_ANY),
                SyscallFailsWithErrno(ETIMEDOUT));
    const timespec now = Now(CLOCK_MONOTONIC);
    EXPECT_TRUE(NotBefore(now, deadline)) << "FUTEX_WAIT_BITSET returned at " << Describe(now)
                                          << ", before its absolute CLOCK_MONOTONIC deadline " << Describe(deadline);
  });
}

IPC_CASE(futex, futex, wait_bitset_clock_realtime_deadline,
         .title = "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME times out at a CLOCK_REALTIME deadline 20 ms ahead",
         .covers = {"FUTEX_CLOCK_REALTIME", "ETIMEDOUT"}, .cls = Conformance::linux_specific,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  // Measured on CLOCK_MONOTONIC, a CLOCK_REALTIME deadline lies decades ahead: bounded.
  ExpectReturnsWithin("FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME with a deadline 20 ms ahead", [&] {
    const timespec deadline = In(CLOCK_REALTIME, kShortTimeout);
    EXPECT_THAT(Futex(word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &deadline, nullptr, FUTEX_BITSET_MATCH_ANY),
                SyscallFailsWithErrno(ETIMEDOUT));
    const timespec now = Now(CLOCK_REALTIME);
    EXPECT_TRUE(NotBefore(now, deadline)) << "FUTEX_WAIT_BITSET returned at " << Describe(now)
                                          << ", before its CLOCK_REALTIME deadline " << Describe(deadline);
  });
}

IPC_CASE(
    futex, futex, plain_wait_and_wake_match_any_bitset,
    .title =
        "FUTEX_WAIT waiters are woken by FUTEX_WAKE_BITSET of any one bit, FUTEX_BITSET_MATCH_ANY ones by FUTEX_WAKE",
    .covers = {"FUTEX_BITSET_MATCH_ANY"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child plain = Waiter(word, 0, "FUTEX_WAIT waiter");
  IPCC_ASSERT_BLOCKED(plain.pid(), SYS_futex);
  EXPECT_THAT(Futex(word, FUTEX_WAKE_BITSET, 1, nullptr, nullptr, 0x80000000u), SyscallSucceedsWithValue(1))
      << "a FUTEX_WAIT waiter has the mask FUTEX_BITSET_MATCH_ANY, which shares the bit 0x80000000";
  if (!ExpectReleased(plain, "the FUTEX_WAIT waiter, after FUTEX_WAKE_BITSET 0x80000000")) return;
  Child any = BitsetWaiter(word, 0, FUTEX_BITSET_MATCH_ANY, "FUTEX_WAIT_BITSET waiter with FUTEX_BITSET_MATCH_ANY");
  IPCC_ASSERT_BLOCKED(any.pid(), SYS_futex);
  EXPECT_THAT(Futex(word, FUTEX_WAKE, 1), SyscallSucceedsWithValue(1))
      << "FUTEX_WAKE is FUTEX_WAKE_BITSET with FUTEX_BITSET_MATCH_ANY";
  ExpectReleased(any, "the FUTEX_WAIT_BITSET waiter, after FUTEX_WAKE");
}

// ---- Requeueing ----

IPC_CASE(futex, futex, requeue_moves_at_most_val2_waiters,
         .title = "FUTEX_REQUEUE with val 0 and val2 1 moves one of two waiters to uaddr2 and leaves the other",
         .covers = {"FUTEX_REQUEUE"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* from = words.at(0);
  std::uint32_t* to = words.at(1);
  Child first = Waiter(from, 0, "first waiter on uaddr");
  Child second = Waiter(from, 0, "second waiter on uaddr");
  IPCC_ASSERT_BLOCKED(first.pid(), SYS_futex);
  IPCC_ASSERT_BLOCKED(second.pid(), SYS_futex);
  ASSERT_THAT(FutexVal2(from, FUTEX_REQUEUE, 0, 1, to, 0), SyscallSucceeds()) << "FUTEX_REQUEUE, val 0, val2 1";
  IPCC_ASSERT_BLOCKED(first.pid(), SYS_futex);
  IPCC_ASSERT_BLOCKED(second.pid(), SYS_futex);
  EXPECT_THAT(Futex(to, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(1))
      << "exactly one waiter (val2 1) should have been moved to uaddr2";
  EXPECT_THAT(Futex(from, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(1))
      << "the waiter beyond val2 should have stayed on uaddr";
  ExpectReleased(first, "first waiter");
  ExpectReleased(second, "second waiter");
}

IPC_CASE(futex, futex, requeue_returns_number_woken,
         .title = "FUTEX_REQUEUE that wakes one waiter and requeues another returns 1, the number woken",
         .covers = {"requeue_returns_number_woken"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* from = words.at(0);
  std::uint32_t* to = words.at(1);
  Child first = Waiter(from, 0, "first waiter on uaddr");
  Child second = Waiter(from, 0, "second waiter on uaddr");
  IPCC_ASSERT_BLOCKED(first.pid(), SYS_futex);
  IPCC_ASSERT_BLOCKED(second.pid(), SYS_futex);
  EXPECT_THAT(FutexVal2(from, FUTEX_REQUEUE, 1, INT_MAX, to, 0), SyscallSucceedsWithValue(1))
      << "two waiters, val 1, val2 INT_MAX: one is woken and one requeued; futex(2) RETURN VALUE says FUTEX_REQUEUE "
         "returns the number of waiters woken (FUTEX_CMP_REQUEUE is the one documented to count the requeued too)";
  EXPECT_THAT(Futex(to, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(1)) << "the requeued waiter, on uaddr2";
  ExpectReleased(first, "first waiter");
  ExpectReleased(second, "second waiter");
}

IPC_CASE(futex, futex, cmp_requeue_wakes_val_and_requeues_val2,
         .title = "FUTEX_CMP_REQUEUE, val 1 and val2 1, of three waiters wakes one, requeues one and returns 2",
         .covers = {"FUTEX_CMP_REQUEUE", "cmp_requeue_returns_woken_and_requeued"}, .cls = Conformance::linux_specific,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* from = words.at(0);
  std::uint32_t* to = words.at(1);
  std::vector<Child> waiters;
  waiters.reserve(3);
  for (int i = 0; i < 3; ++i) waiters.push_back(Waiter(from, 0, fmt::format("waiter {} on uaddr", i + 1)));
  for (const Child& w : waiters) IPCC_ASSERT_BLOCKED(w.pid(), SYS_futex);
  EXPECT_THAT(FutexVal2(from, FUTEX_CMP_REQUEUE, 1, 1, to, 0), SyscallSucceedsWithValue(2))
      << "uaddr holds val3 0: one waiter woken plus one requeued";
  EXPECT_THAT(Futex(to, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(1)) << "one waiter was requeued to uaddr2";
  EXPECT_THAT(Futex(from, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(1))
      << "the third waiter, beyond val + val2, stays on uaddr";
  for (Child& w : waiters) ExpectReleased(w, "a waiter");
}

IPC_CASE(futex, futex, cmp_requeue_value_differs_fails_eagain,
         .title = "FUTEX_CMP_REQUEUE when uaddr does not hold val3 fails with EAGAIN and moves no waiter",
         .covers = {"EAGAIN"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* from = words.at(0);
  std::uint32_t* to = words.at(1);
  Child waiter = Waiter(from, 0, "waiter on uaddr");
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  EXPECT_THAT(FutexVal2(from, FUTEX_CMP_REQUEUE, 0, INT_MAX, to, 7), SyscallFailsWithErrno(EAGAIN))
      << "uaddr holds 0, val3 is 7";
  EXPECT_THAT(Futex(to, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(0)) << "no waiter may have moved to uaddr2";
  EXPECT_THAT(Futex(from, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(1)) << "the waiter stays on uaddr";
  ExpectReleased(waiter, "the waiter on uaddr");
}

// ---- FUTEX_WAKE_OP ----

// FUTEX_WAKE_OP on words with no waiters: the word at uaddr2, holding `old`, must hold `expected` afterwards.
void ExpectWakeOpStores(int op, int oparg, std::uint32_t old, std::uint32_t expected, const std::string& name) {
  SharedWords words;
  Store(words.at(1), old);
  EXPECT_THAT(FutexVal2(words.at(0), FUTEX_WAKE_OP, 1, 1, words.at(1), FUTEX_OP(op, oparg, FUTEX_OP_CMP_EQ, 0)),
              SyscallSucceedsWithValue(0))
      << name << ": no process waits on either word";
  EXPECT_EQ(Load(words.at(1)), expected) << name << " with oparg " << oparg << " on the old value " << old;
}

// For each (old value, wakes) round: a child sleeps on uaddr2 holding `old`, FUTEX_WAKE_OP with the
// comparison `cmp` against `cmparg` (and an operation that keeps the value) must wake it exactly when
// `wakes`; the child is released either way.
void ExpectWakeOpCompares(int cmp, int cmparg, const std::vector<std::pair<std::uint32_t, bool>>& rounds,
                          const std::string& name) {
  SharedWords words;
  std::uint32_t* first = words.at(0);
  std::uint32_t* second = words.at(1);
  for (const auto& [old, wakes] : rounds) {
    Store(second, old);
    Child waiter = Waiter(second, old, fmt::format("waiter on uaddr2 holding {}", old));
    if (!AwaitBlocked(waiter.pid(), "the waiter on uaddr2")) return;
    EXPECT_THAT(FutexVal2(first, FUTEX_WAKE_OP, 1, 1, second, FUTEX_OP(FUTEX_OP_ADD, 0, cmp, cmparg)),
                SyscallSucceedsWithValue(wakes ? 1 : 0))
        << name << " with old value " << old << " and cmparg " << cmparg
        << (wakes ? " holds: the waiter on uaddr2 should be woken" : " does not hold: no waiter should be woken");
    EXPECT_THAT(Futex(second, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(wakes ? 0 : 1))
        << (wakes ? "the waiter should already have been woken by FUTEX_WAKE_OP"
                  : "the waiter should still have been asleep after FUTEX_WAKE_OP");
    if (!ExpectReleased(waiter, "the waiter on uaddr2")) return;
  }
}

IPC_CASE(futex, futex, wake_op_wakes_waiters_of_both_words,
         .title = "FUTEX_WAKE_OP whose comparison holds wakes a waiter of each word, sets uaddr2, and returns 2",
         .covers = {"FUTEX_WAKE_OP", "wake_op_returns_sum"}, .cls = Conformance::linux_specific,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* first = words.at(0);
  std::uint32_t* second = words.at(1);
  Child on_first = Waiter(first, 0, "waiter on uaddr");
  Child on_second = Waiter(second, 0, "waiter on uaddr2");
  IPCC_ASSERT_BLOCKED(on_first.pid(), SYS_futex);
  IPCC_ASSERT_BLOCKED(on_second.pid(), SYS_futex);
  EXPECT_THAT(FutexVal2(first, FUTEX_WAKE_OP, 1, 1, second, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)),
              SyscallSucceedsWithValue(2))
      << "one waiter woken on uaddr plus one on uaddr2 (its old value 0 equals cmparg 0)";
  EXPECT_EQ(Load(second), 1u) << "FUTEX_OP_SET with oparg 1 should have stored 1 at uaddr2";
  ExpectReleased(on_first, "the waiter on uaddr");
  ExpectReleased(on_second, "the waiter on uaddr2");
}

IPC_CASE(futex, futex, wake_op_set_stores_oparg, .title = "FUTEX_WAKE_OP with FUTEX_OP_SET stores oparg at uaddr2",
         .covers = {"FUTEX_OP_SET"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpStores(FUTEX_OP_SET, 9, 5, 9, "FUTEX_OP_SET");
}

IPC_CASE(futex, futex, wake_op_add_adds_oparg, .title = "FUTEX_WAKE_OP with FUTEX_OP_ADD adds oparg to uaddr2",
         .covers = {"FUTEX_OP_ADD"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpStores(FUTEX_OP_ADD, 9, 5, 14, "FUTEX_OP_ADD");
}

IPC_CASE(futex, futex, wake_op_or_sets_bits, .title = "FUTEX_WAKE_OP with FUTEX_OP_OR ORs oparg into uaddr2",
         .covers = {"FUTEX_OP_OR"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpStores(FUTEX_OP_OR, 0x0a, 0x0c, 0x0e, "FUTEX_OP_OR");
}

IPC_CASE(futex, futex, wake_op_andn_clears_bits,
         .title = "FUTEX_WAKE_OP with FUTEX_OP_ANDN clears the bits of oparg in uaddr2", .covers = {"FUTEX_OP_ANDN"},
         .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpStores(FUTEX_OP_ANDN, 0x05, 0x0f, 0x0a, "FUTEX_OP_ANDN");
}

IPC_CASE(futex, futex, wake_op_xor_flips_bits, .title = "FUTEX_WAKE_OP with FUTEX_OP_XOR XORs oparg into uaddr2",
         .covers = {"FUTEX_OP_XOR"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpStores(FUTEX_OP_XOR, 0x0a, 0x0c, 0x06, "FUTEX_OP_XOR");
}

IPC_CASE(futex, futex, wake_op_arg_shift_uses_one_shifted_by_oparg,
         .title = "FUTEX_WAKE_OP with FUTEX_OP_OR|FUTEX_OP_ARG_SHIFT and oparg 5 ORs 1 << 5 (32) into uaddr2",
         .covers = {"FUTEX_OP_ARG_SHIFT"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  // Without the shift the operand would be 5 and the result 5.
  ExpectWakeOpStores(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 5, 1, 33, "FUTEX_OP_OR|FUTEX_OP_ARG_SHIFT");
}

IPC_CASE(futex, futex, wake_op_cmp_eq_wakes_on_equal_old_value,
         .title = "FUTEX_WAKE_OP with FUTEX_OP_CMP_EQ wakes the waiter of uaddr2 only when its old value equals cmparg",
         .covers = {"FUTEX_OP_CMP_EQ"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpCompares(FUTEX_OP_CMP_EQ, 3, {{3, true}, {4, false}}, "FUTEX_OP_CMP_EQ");
}

IPC_CASE(futex, futex, wake_op_cmp_ne_wakes_on_other_old_value,
         .title = "FUTEX_WAKE_OP with FUTEX_OP_CMP_NE wakes the waiter of uaddr2 only when its old value is not cmparg",
         .covers = {"FUTEX_OP_CMP_NE"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpCompares(FUTEX_OP_CMP_NE, 3, {{3, false}, {4, true}}, "FUTEX_OP_CMP_NE");
}

IPC_CASE(
    futex, futex, wake_op_cmp_lt_wakes_on_smaller_old_value,
    .title = "FUTEX_WAKE_OP with FUTEX_OP_CMP_LT wakes the waiter of uaddr2 only when its old value is below cmparg",
    .covers = {"FUTEX_OP_CMP_LT"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpCompares(FUTEX_OP_CMP_LT, 3, {{2, true}, {3, false}, {4, false}}, "FUTEX_OP_CMP_LT");
}

IPC_CASE(
    futex, futex, wake_op_cmp_le_wakes_on_smaller_or_equal_old_value,
    .title = "FUTEX_WAKE_OP with FUTEX_OP_CMP_LE wakes the waiter of uaddr2 only when its old value is at most cmparg",
    .covers = {"FUTEX_OP_CMP_LE"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpCompares(FUTEX_OP_CMP_LE, 3, {{2, true}, {3, true}, {4, false}}, "FUTEX_OP_CMP_LE");
}

IPC_CASE(
    futex, futex, wake_op_cmp_gt_wakes_on_larger_old_value,
    .title = "FUTEX_WAKE_OP with FUTEX_OP_CMP_GT wakes the waiter of uaddr2 only when its old value is above cmparg",
    .covers = {"FUTEX_OP_CMP_GT"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpCompares(FUTEX_OP_CMP_GT, 3, {{2, false}, {3, false}, {4, true}}, "FUTEX_OP_CMP_GT");
}

IPC_CASE(
    futex, futex, wake_op_cmp_ge_wakes_on_larger_or_equal_old_value,
    .title = "FUTEX_WAKE_OP with FUTEX_OP_CMP_GE wakes the waiter of uaddr2 only when its old value is at least cmparg",
    .covers = {"FUTEX_OP_CMP_GE"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  ExpectWakeOpCompares(FUTEX_OP_CMP_GE, 3, {{2, false}, {3, true}, {4, true}}, "FUTEX_OP_CMP_GE");
}

// ---- Priority-inheritance futexes ----

IPC_CASE(futex, futex, lock_pi_free_word_stores_caller_tid,
         .title = "FUTEX_LOCK_PI on a word holding 0 returns 0 and leaves the caller's TID in the word",
         .covers = {"lock_pi_free_word_stores_tid"}, .cls = Conformance::linux_specific, .needs = kNeedPi,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  ExpectReturnsWithin("FUTEX_LOCK_PI of a free lock", [&] {
    EXPECT_THAT(Futex(word, FUTEX_LOCK_PI, 0), SyscallSucceedsWithValue(0));
    EXPECT_EQ(Load(word), MyTid()) << "the word should hold the caller's TID " << MyTid() << ", not "
                                   << DescribePiWord(Load(word));
  });
}

IPC_CASE(futex, futex, unlock_pi_without_waiters_stores_zero,
         .title = "FUTEX_UNLOCK_PI of a PI lock nobody waits for returns 0 and leaves the word 0",
         .covers = {"unlock_pi_without_waiters_stores_zero"}, .cls = Conformance::linux_specific, .needs = kNeedPi,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  ExpectReturnsWithin("FUTEX_UNLOCK_PI of the caller's uncontended lock", [&] {
    Store(word, MyTid());  // taken the user-space way: the caller's TID in a word that held 0
    EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0));
    EXPECT_EQ(Load(word), 0u) << "the word should be 0 (unlocked), not " << DescribePiWord(Load(word));
  });
}

IPC_CASE(futex, futex, lock_pi_blocks_until_unlock_pi_hands_over,
         .title = "FUTEX_LOCK_PI on a lock another process holds blocks until FUTEX_UNLOCK_PI hands the lock over",
         .covers = {"FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI"}, .cls = Conformance::linux_specific, .needs = kNeedPi,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Store(word, MyTid());  // this process takes the lock the user-space way
  Child locker = Fork([&] {
    EXPECT_THAT(Futex(word, FUTEX_LOCK_PI, 0), SyscallSucceedsWithValue(0));
    EXPECT_EQ(OwnerTid(Load(word)), MyTid())
        << "after the hand-over the word should name this process's TID: " << DescribePiWord(Load(word));
    EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0)) << "unlocking the lock handed over";
  });
  IPCC_ASSERT_BLOCKED(locker.pid(), SYS_futex);
  EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0))
      << "this process owns the lock another process waits for";
  ExpectReleased(locker, "the process blocked in FUTEX_LOCK_PI, after FUTEX_UNLOCK_PI");
}

IPC_CASE(futex, futex, lock_pi_contended_word_has_futex_waiters,
         .title = "while a process sleeps in FUTEX_LOCK_PI, the word is the owner's TID with FUTEX_WAITERS set",
         .covers = {"FUTEX_WAITERS"}, .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  const std::uint32_t me = MyTid();
  Store(word, me);
  Child locker = Fork([&] {
    EXPECT_THAT(Futex(word, FUTEX_LOCK_PI, 0), SyscallSucceedsWithValue(0));
    EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0)) << "unlocking the lock handed over";
  });
  IPCC_ASSERT_BLOCKED(locker.pid(), SYS_futex);
  const std::uint32_t seen = Load(word);
  EXPECT_EQ(seen, me | FUTEX_WAITERS) << "expected " << DescribePiWord(me | FUTEX_WAITERS) << ", the word is "
                                      << DescribePiWord(seen);
  EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0)) << "releasing the waiter";
  ExpectReleased(locker, "the process blocked in FUTEX_LOCK_PI");
}

IPC_CASE(futex, futex, owner_death_hands_lock_over_with_owner_died,
         .title = "when a PI lock's owner dies, the blocked FUTEX_LOCK_PI gets the lock and FUTEX_OWNER_DIED is set",
         .covers = {"FUTEX_OWNER_DIED"}, .cls = Conformance::linux_specific, .needs = kNeedPi,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child owner = PiOwner(word, 0, 1);
  if (!AwaitCheckpoint(owner, 0)) return;
  Child locker = Fork([&] {
    EXPECT_THAT(Futex(word, FUTEX_LOCK_PI, 0), SyscallSucceedsWithValue(0));
    const std::uint32_t seen = Load(word);
    EXPECT_EQ(OwnerTid(seen), MyTid()) << "the word should name the new owner: " << DescribePiWord(seen);
    EXPECT_NE(seen & FUTEX_OWNER_DIED, 0u) << "FUTEX_OWNER_DIED should be set: " << DescribePiWord(seen);
    EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0)) << "unlocking the lock handed over";
  });
  IPCC_ASSERT_BLOCKED(locker.pid(), SYS_futex);
  CheckpointPost(1);  // the owner ends holding the lock
  ExpectCleanExit(owner.Wait(), "the owner of the PI lock");
  ExpectReleased(locker, "the process blocked in FUTEX_LOCK_PI, after the owner died");
}

IPC_CASE(futex, futex, lock_pi_own_lock_fails_edeadlk,
         .title = "FUTEX_LOCK_PI on a PI lock the caller already owns fails with EDEADLK", .covers = {"EDEADLK"},
         .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  // Bounded: a system that did not detect the self-deadlock would sleep for good.
  ExpectReturnsWithin("FUTEX_LOCK_PI of the caller's own lock", [&] {
    Store(word, MyTid());
    EXPECT_THAT(Futex(word, FUTEX_LOCK_PI, 0), SyscallFailsWithErrno(EDEADLK));
  });
}

IPC_CASE(futex, futex, trylock_pi_own_lock_fails_edeadlk,
         .title = "FUTEX_TRYLOCK_PI on a PI lock the caller already owns fails with EDEADLK", .covers = {"EDEADLK"},
         .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  ExpectReturnsWithin("FUTEX_TRYLOCK_PI of the caller's own lock", [&] {
    Store(word, MyTid());
    EXPECT_THAT(Futex(word, FUTEX_TRYLOCK_PI, 0), SyscallFailsWithErrno(EDEADLK));
  });
}

IPC_CASE(futex, futex, unlock_pi_by_non_owner_fails_eperm,
         .title = "FUTEX_UNLOCK_PI of a PI lock another process owns fails with EPERM and leaves the word",
         .covers = {"EPERM"}, .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child owner = PiOwner(word, 0, 1);
  if (!AwaitCheckpoint(owner, 0)) return;
  EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallFailsWithErrno(EPERM))
      << "the word names the owner process " << owner.pid();
  EXPECT_EQ(Load(word), static_cast<std::uint32_t>(owner.pid()))
      << "the refused unlock should leave the owner's TID: " << DescribePiWord(Load(word));
  CheckpointPost(1);
  ExpectCleanExit(owner.Wait(), "the owner of the PI lock");
}

IPC_CASE(futex, futex, trylock_pi_dead_owner_tid_fails_esrch,
         .title = "FUTEX_TRYLOCK_PI on a word naming the TID of a process that no longer exists fails with ESRCH",
         .covers = {"ESRCH"}, .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  const pid_t gone = signals::ReapedPid();
  Store(word, static_cast<std::uint32_t>(gone));
  ExpectReturnsWithin("FUTEX_TRYLOCK_PI of a lock naming a reaped process", [&] {
    EXPECT_THAT(Futex(word, FUTEX_TRYLOCK_PI, 0), SyscallFailsWithErrno(ESRCH))
        << "the word holds the TID " << gone << " of a child that ended and was waited for";
  });
}

IPC_CASE(futex, futex, trylock_pi_held_lock_fails_without_blocking,
         .title = "FUTEX_TRYLOCK_PI on a PI lock another live process holds fails at once and leaves the owner's TID",
         .covers = {"FUTEX_TRYLOCK_PI"}, .cls = Conformance::linux_specific, .needs = kNeedPi,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child owner = PiOwner(word, 0, 1);
  if (!AwaitCheckpoint(owner, 0)) return;
  ExpectReturnsWithin("FUTEX_TRYLOCK_PI of a lock another process holds", [&] {
    // futex(2) names no errno for a lock that is simply held; Linux answers EWOULDBLOCK (EAGAIN).
    const long r = Futex(word, FUTEX_TRYLOCK_PI, 0);
    EXPECT_EQ(r, -1) << "FUTEX_TRYLOCK_PI should not take a lock held by live process " << owner.pid();
    EXPECT_EQ(OwnerTid(Load(word)), static_cast<std::uint32_t>(owner.pid()))
        << "the owner's TID should stay in the word: " << DescribePiWord(Load(word));
  });
  CheckpointPost(1);
  ExpectCleanExit(owner.Wait(), "the owner of the PI lock");
}

IPC_CASE(
    futex, futex, trylock_pi_takes_stale_owner_died_word,
    .title = "FUTEX_TRYLOCK_PI takes a lock whose word holds only a stale FUTEX_OWNER_DIED, storing the caller's TID",
    .covers = {"trylock_pi_takes_stale_owner_died"}, .cls = Conformance::linux_specific, .needs = kNeedPi,
    .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Store(word, FUTEX_OWNER_DIED);
  ExpectReturnsWithin("FUTEX_TRYLOCK_PI of a word holding FUTEX_OWNER_DIED and no TID", [&] {
    EXPECT_THAT(Futex(word, FUTEX_TRYLOCK_PI, 0), SyscallSucceedsWithValue(0));
    EXPECT_EQ(OwnerTid(Load(word)), MyTid()) << "the word should name the caller: " << DescribePiWord(Load(word));
  });
}

// A PI lock this process holds while a child's timed lock call runs against it.
void ExpectTimedLockTimesOut(int op, clockid_t clock, const std::string& name) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Store(word, MyTid());
  // The deadline read on the other clock lies far in the future or in the past: bounded, and not before it.
  ExpectReturnsWithin(name + " with a deadline 20 ms ahead on a lock another process holds", [&] {
    const timespec deadline = In(clock, kShortTimeout);
    EXPECT_THAT(Futex(word, op, 0, &deadline), SyscallFailsWithErrno(ETIMEDOUT)) << name;
    const timespec now = Now(clock);
    EXPECT_TRUE(NotBefore(now, deadline))
        << name << " returned at " << Describe(now) << ", before its deadline " << Describe(deadline)
        << (clock == CLOCK_REALTIME ? " (CLOCK_REALTIME)" : " (CLOCK_MONOTONIC)");
  });
  Futex(word, FUTEX_UNLOCK_PI, 0);
}

IPC_CASE(futex, futex, lock_pi_deadline_is_absolute_realtime,
         .title = "FUTEX_LOCK_PI on a held lock times out at an absolute CLOCK_REALTIME deadline, not before it",
         .covers = {"lock_pi_timeout_absolute_realtime", "ETIMEDOUT"}, .cls = Conformance::linux_specific,
         .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  ExpectTimedLockTimesOut(FUTEX_LOCK_PI, CLOCK_REALTIME, "FUTEX_LOCK_PI");
}

IPC_CASE(futex, futex, lock_pi2_deadline_is_absolute_monotonic,
         .title = "FUTEX_LOCK_PI2 on a held lock times out at an absolute CLOCK_MONOTONIC deadline, not before it",
         .covers = {"FUTEX_LOCK_PI2", "ETIMEDOUT"}, .cls = Conformance::linux_specific,
         .needs = kNeedPi | need::MinKernel(5, 14), .raw_syscalls = kRawFutex) {
  ExpectTimedLockTimesOut(FUTEX_LOCK_PI2, CLOCK_MONOTONIC, "FUTEX_LOCK_PI2");
}

IPC_CASE(futex, futex, lock_pi2_clock_realtime_deadline,
         .title = "FUTEX_LOCK_PI2|FUTEX_CLOCK_REALTIME on a held lock times out at a CLOCK_REALTIME deadline",
         .covers = {"FUTEX_CLOCK_REALTIME", "ETIMEDOUT"}, .cls = Conformance::linux_specific,
         .needs = kNeedPi | need::MinKernel(5, 14), .raw_syscalls = kRawFutex) {
  ExpectTimedLockTimesOut(FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME, CLOCK_REALTIME, "FUTEX_LOCK_PI2|FUTEX_CLOCK_REALTIME");
}

IPC_CASE(futex, futex, wake_with_lock_pi_waiter_fails_einval,
         .title = "FUTEX_WAKE on a word a process waits on in FUTEX_LOCK_PI fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Store(word, MyTid());
  Child locker = Fork([&] {
    EXPECT_THAT(Futex(word, FUTEX_LOCK_PI, 0), SyscallSucceedsWithValue(0));
    EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0)) << "unlocking the lock handed over";
  });
  IPCC_ASSERT_BLOCKED(locker.pid(), SYS_futex);
  EXPECT_THAT(Futex(word, FUTEX_WAKE, 1), SyscallFailsWithErrno(EINVAL))
      << "the only waiter on the word sleeps in FUTEX_LOCK_PI";
  EXPECT_THAT(Futex(word, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0)) << "releasing the waiter";
  ExpectReleased(locker, "the process blocked in FUTEX_LOCK_PI");
}

IPC_CASE(futex, futex, trylock_pi_with_futex_wait_waiter_fails_einval,
         .title = "FUTEX_TRYLOCK_PI on a word a process waits on in FUTEX_WAIT fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* word = words.at(0);
  Child waiter = Fork([&] {
    const std::uint32_t me = MyTid();
    Store(word, me);  // the word names a live thread, the waiter itself
    EXPECT_THAT(Futex(word, FUTEX_WAIT, me), SyscallSucceedsWithValue(0)) << "FUTEX_WAIT on the word";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  ExpectReturnsWithin("FUTEX_TRYLOCK_PI of a word with a FUTEX_WAIT waiter", [&] {
    EXPECT_THAT(Futex(word, FUTEX_TRYLOCK_PI, 0), SyscallFailsWithErrno(EINVAL))
        << "the word's waiter sleeps in FUTEX_WAIT, not in a PI operation";
  });
  EXPECT_THAT(Futex(word, FUTEX_WAKE, 1), SyscallSucceedsWithValue(1)) << "releasing the FUTEX_WAIT waiter";
  ExpectReleased(waiter, "the process blocked in FUTEX_WAIT");
}

IPC_CASE(
    futex, futex, cmp_requeue_pi_moves_waiter_onto_held_pi_futex,
    .title = "FUTEX_CMP_REQUEUE_PI moves a FUTEX_WAIT_REQUEUE_PI waiter onto a held PI futex, which it gets on unlock",
    .covers = {"FUTEX_CMP_REQUEUE_PI", "FUTEX_WAIT_REQUEUE_PI"}, .cls = Conformance::linux_specific, .needs = kNeedPi,
    .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* cond = words.at(0);
  std::uint32_t* lock = words.at(1);
  Store(lock, MyTid());  // this process holds the PI futex
  Child waiter = Fork([&] {
    EXPECT_THAT(Futex(cond, FUTEX_WAIT_REQUEUE_PI, 0, nullptr, lock), SyscallSucceedsWithValue(0))
        << "FUTEX_WAIT_REQUEUE_PI should return 0 once requeued and owning the PI futex";
    EXPECT_EQ(OwnerTid(Load(lock)), MyTid()) << "the PI futex should name the waiter: " << DescribePiWord(Load(lock));
    EXPECT_THAT(Futex(lock, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0)) << "unlocking the PI futex";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  EXPECT_THAT(FutexVal2(cond, FUTEX_CMP_REQUEUE_PI, 1, INT_MAX, lock, 0), SyscallSucceedsWithValue(1))
      << "one waiter requeued (the PI futex is held, so it cannot be woken with the lock)";
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  EXPECT_THAT(Futex(cond, FUTEX_WAKE, INT_MAX), SyscallSucceedsWithValue(0))
      << "no waiter should be left on the non-PI futex";
  EXPECT_THAT(Futex(lock, FUTEX_UNLOCK_PI, 0), SyscallSucceedsWithValue(0)) << "handing the PI futex over";
  ExpectReleased(waiter, "the requeued waiter, after FUTEX_UNLOCK_PI");
}

IPC_CASE(futex, futex, cmp_requeue_pi_to_same_futex_fails_einval,
         .title = "FUTEX_CMP_REQUEUE_PI with uaddr2 equal to uaddr fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* cond = words.at(0);
  EXPECT_THAT(FutexVal2(cond, FUTEX_CMP_REQUEUE_PI, 1, 1, cond, Load(cond)), SyscallFailsWithErrno(EINVAL));
}

IPC_CASE(futex, futex, cmp_requeue_pi_val_other_than_one_fails_einval,
         .title = "FUTEX_CMP_REQUEUE_PI with val 2 fails with EINVAL", .covers = {"EINVAL"},
         .cls = Conformance::linux_specific, .needs = kNeedPi, .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* cond = words.at(0);
  std::uint32_t* lock = words.at(1);
  EXPECT_THAT(FutexVal2(cond, FUTEX_CMP_REQUEUE_PI, 2, 1, lock, Load(cond)), SyscallFailsWithErrno(EINVAL))
      << "val must be 1";
}

IPC_CASE(futex, futex, wait_requeue_pi_woken_by_wake_fails_eagain,
         .title = "FUTEX_WAKE takes a FUTEX_WAIT_REQUEUE_PI waiter off uaddr, and its call fails with EAGAIN",
         .covers = {"wait_requeue_pi_woken_by_wake_fails_eagain"}, .cls = Conformance::linux_specific, .needs = kNeedPi,
         .raw_syscalls = kRawFutex) {
  SharedWords words;
  std::uint32_t* cond = words.at(0);
  std::uint32_t* lock = words.at(1);
  Child waiter = Fork([&] {
    EXPECT_THAT(Futex(cond, FUTEX_WAIT_REQUEUE_PI, 0, nullptr, lock), SyscallFailsWithErrno(EAGAIN))
        << "woken on uaddr by FUTEX_WAKE, without a requeue";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_futex);
  const long woken = Futex(cond, FUTEX_WAKE, 1);
  EXPECT_THAT(woken, SyscallSucceedsWithValue(1))
      << "futex(2): \"The waiter can be removed from the wait on uaddr without requeueing on uaddr2 via a FUTEX_WAKE "
         "operation in another task\"";
  if (woken != 1) return;  // the waiter is still asleep; its Child ends it
  ExpectReleased(waiter, "the FUTEX_WAIT_REQUEUE_PI waiter, after FUTEX_WAKE");
}

// ---- FUTEX_PRIVATE_FLAG ----

IPC_CASE(futex, futex, private_wait_and_wake_between_threads,
         .title = "FUTEX_WAKE_PRIVATE wakes another thread of the process sleeping in FUTEX_WAIT_PRIVATE",
         .covers = {"FUTEX_PRIVATE_FLAG"}, .cls = Conformance::linux_specific, .raw_syscalls = kRawFutex) {
  // In a child of its own, so that a thread left asleep on a deviating system ends with it.
  Child process = Fork([] {
    std::uint32_t word = 0;  // private memory of this process, shared by its threads
    Thread sleeper([&] {
      EXPECT_THAT(Futex(&word, FUTEX_WAIT_PRIVATE, 0), SyscallSucceedsWithValue(0))
          << "FUTEX_WAIT_PRIVATE should return 0 once woken";
    });
    if (!AwaitBlocked(sleeper.tid(), "the thread in FUTEX_WAIT_PRIVATE")) return;
    Store(&word, 1);
    EXPECT_THAT(Futex(&word, FUTEX_WAKE_PRIVATE, 1), SyscallSucceedsWithValue(1))
        << "one thread of this process sleeps on the word";
    EXPECT_TRUE(sleeper.Join()) << "the thread should end once woken by FUTEX_WAKE_PRIVATE, but it was still asleep";
  });
  ExpectCleanExit(process.Wait(milliseconds(9000)), "the process whose threads use the private futex");
}

}  // namespace
