// signalfd(2) read(2): the signalfd_siginfo structures a read returns, how many, what blocks, what is
// consumed, and how standard and real-time signals queue.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"
#include "harness/caselib/ipc/signalfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;
namespace sfd = ipcc::signalfd;

constexpr uint32_t U(int v) {
  return static_cast<uint32_t>(v);
}

// In a forked child: `sig` blocked with a signalfd for it; a grandchild sends it with `send(target)`; then
// `check(si, sender pid)` judges the structure read.
void ReadSentFromChild(int sig, const std::function<void(pid_t target)>& send,
                       const std::function<void(const signalfd_siginfo&, pid_t sender)>& check) {
  InChild("receiving child", [&] {
    UniqueFd fd = sfd::BlockedSignalfd({sig}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    const pid_t sender = sfd::SendFromChild(send);
    const auto si = sfd::ReadOne(fd.get(), "the " + SignalName(sig) + " the sending child sent");
    if (si) check(*si, sender);
  });
}

// sigqueue(target, sig, value) for the sending child.
void Queue(pid_t target, int sig, sigval value) {
  EXPECT_THAT(sigqueue(target, sig, value), SyscallSucceeds())
      << "sigqueue(" << target << ", " << SignalName(sig) << ")";
}

// ------------------------------------------------------------------------------ fields of the structure

IPC_CASE(signalfd, read, ssi_signo_is_signal_sent,
         .title = "the structure read for a signal sent with kill has ssi_signo set to that signal",
         .covers = {"ssi_signo_is_signal_number"}, .cls = Conformance::linux_specific) {
  ReadSentFromChild(
      SIGUSR2, [](pid_t target) { EXPECT_THAT(kill(target, SIGUSR2), SyscallSucceeds()); },
      [](const signalfd_siginfo& si, pid_t) {
        EXPECT_EQ(si.ssi_signo, U(SIGUSR2)) << "read " << sfd::Describe(si) << " for the SIGUSR2 sent";
      });
}

IPC_CASE(signalfd, read, ssi_pid_is_sending_process,
         .title = "the structure read for a signal sent with kill has the sender's pid in ssi_pid",
         .covers = {"ssi_pid_is_sender"}, .cls = Conformance::linux_specific) {
  ReadSentFromChild(
      SIGUSR1, [](pid_t target) { EXPECT_THAT(kill(target, SIGUSR1), SyscallSucceeds()); },
      [](const signalfd_siginfo& si, pid_t sender) {
        EXPECT_EQ(si.ssi_pid, U(sender)) << "read " << sfd::Describe(si) << "; the sending child's pid is " << sender;
      });
}

IPC_CASE(signalfd, read, kill_gives_ssi_code_si_user,
         .title = "the structure read for a signal sent with kill has ssi_code SI_USER", .covers = {"SI_USER"},
         .cls = Conformance::linux_specific) {
  ReadSentFromChild(
      SIGUSR1, [](pid_t target) { EXPECT_THAT(kill(target, SIGUSR1), SyscallSucceeds()); },
      [](const signalfd_siginfo& si, pid_t) {
        EXPECT_EQ(si.ssi_code, SI_USER) << "read " << sfd::Describe(si) << " for a signal sent with kill";
      });
}

IPC_CASE(signalfd, read, ssi_uid_is_senders_real_uid,
         .title = "ssi_uid is the sender's real uid: a sender with real uid nobody and effective uid 0 gives nobody",
         .covers = {"ssi_uid_is_sender_real_uid"}, .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  const Identity nobody = SecondIdentity();
  if (nobody.uid == geteuid()) ThrowHarnessError("set-up: the second identity is the case's own uid");
  ReadSentFromChild(
      SIGUSR1,
      [&](pid_t target) {
        // Real uid nobody, effective and saved uid kept (0): the kill stays permitted.
        IPCC_SETUP(setresuid(nobody.uid, geteuid(), geteuid()));
        EXPECT_THAT(kill(target, SIGUSR1), SyscallSucceeds());
      },
      [&](const signalfd_siginfo& si, pid_t) {
        EXPECT_EQ(si.ssi_uid, U(static_cast<int>(nobody.uid)))
            << "read " << sfd::Describe(si) << "; the sender's real uid was " << nobody.uid << ", its effective uid "
            << geteuid();
      });
}

IPC_CASE(signalfd, read, sigqueue_gives_ssi_code_si_queue,
         .title = "the structure read for a signal sent with sigqueue has ssi_code SI_QUEUE", .covers = {"SI_QUEUE"},
         .cls = Conformance::linux_specific) {
  const int rt = SIGRTMIN + 1;
  ReadSentFromChild(
      rt, [&](pid_t target) { Queue(target, rt, sigval{.sival_int = 5}); },
      [](const signalfd_siginfo& si, pid_t) {
        EXPECT_EQ(si.ssi_code, SI_QUEUE) << "read " << sfd::Describe(si) << " for a signal sent with sigqueue";
      });
}

IPC_CASE(signalfd, read, sigqueue_int_in_ssi_int,
         .title = "the structure read for a signal sent with sigqueue carries sival_int in ssi_int",
         .covers = {"ssi_int_from_sigqueue"}, .cls = Conformance::linux_specific) {
  const int rt = SIGRTMIN + 2;
  ReadSentFromChild(
      rt, [&](pid_t target) { Queue(target, rt, sigval{.sival_int = 0x5eed}); },
      [](const signalfd_siginfo& si, pid_t) {
        EXPECT_EQ(si.ssi_int, 0x5eed) << "read " << sfd::Describe(si) << "; sigqueue sent sival_int 0x5eed";
      });
}

IPC_CASE(signalfd, read, sigqueue_ptr_in_ssi_ptr,
         .title = "the structure read for a signal sent with sigqueue carries sival_ptr in ssi_ptr",
         .covers = {"ssi_ptr_from_sigqueue"}, .cls = Conformance::linux_specific) {
  static char marker;
  void* const ptr = &marker;
  ReadSentFromChild(
      SIGUSR1, [&](pid_t target) { Queue(target, SIGUSR1, sigval{.sival_ptr = ptr}); },
      [&](const signalfd_siginfo& si, pid_t) {
        EXPECT_EQ(si.ssi_ptr, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ptr)))
            << "read " << sfd::Describe(si) << "; sigqueue sent sival_ptr " << ptr;
      });
}

IPC_CASE(signalfd, read, tgkill_gives_ssi_code_si_tkill,
         .title = "the structure read for a signal sent with tgkill has ssi_code SI_TKILL", .covers = {"SI_TKILL"},
         .cls = Conformance::linux_specific) {
  ReadSentFromChild(
      SIGUSR1, [](pid_t target) { EXPECT_THAT(tgkill(target, target, SIGUSR1), SyscallSucceeds()); },
      [](const signalfd_siginfo& si, pid_t) {
        EXPECT_EQ(si.ssi_code, SI_TKILL) << "read " << sfd::Describe(si) << " for a signal sent with tgkill";
      });
}

IPC_CASE(signalfd, read, sigchld_of_exited_child_gives_cld_exited_and_status,
         .title = "the SIGCHLD read for a child that called _exit(7) has CLD_EXITED, its pid and ssi_status 7",
         .covers = {"CLD_EXITED"}, .cls = Conformance::linux_specific) {
  InChild("parent process", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGCHLD}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    Child child = Fork([] { _exit(7); });
    const auto si = sfd::ReadOne(fd.get(), "the SIGCHLD of the child that called _exit(7)");
    const int status = child.Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) << "the child " << DescribeWaitStatus(status);
    ASSERT_TRUE(si.has_value());
    EXPECT_EQ(si->ssi_signo, U(SIGCHLD)) << "read " << sfd::Describe(*si);
    EXPECT_EQ(si->ssi_code, CLD_EXITED) << "ssi_code is " << CldCodeName(si->ssi_code);
    EXPECT_EQ(si->ssi_pid, U(child.pid())) << "ssi_pid should be the child's pid";
    EXPECT_EQ(si->ssi_status, 7) << "ssi_status should be the exit status";
  });
}

IPC_CASE(signalfd, read, sigchld_of_killed_child_gives_cld_killed_and_signal,
         .title = "the SIGCHLD read for a child killed by SIGKILL has CLD_KILLED and ssi_status SIGKILL",
         .covers = {"CLD_KILLED"}, .cls = Conformance::linux_specific) {
  InChild("parent process", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGCHLD}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    Pipe hold = MakePipe();
    Child child = HeldChild(hold);
    ASSERT_THAT(kill(child.pid(), SIGKILL), SyscallSucceeds());
    const auto si = sfd::ReadOne(fd.get(), "the SIGCHLD of the child killed by SIGKILL");
    ExpectKilledBy(child.Wait(), SIGKILL, "child");
    ASSERT_TRUE(si.has_value());
    EXPECT_EQ(si->ssi_signo, U(SIGCHLD)) << "read " << sfd::Describe(*si);
    EXPECT_EQ(si->ssi_code, CLD_KILLED) << "ssi_code is " << CldCodeName(si->ssi_code);
    EXPECT_EQ(si->ssi_pid, U(child.pid())) << "ssi_pid should be the child's pid";
    EXPECT_EQ(si->ssi_status, SIGKILL) << "ssi_status should be the number of the signal that killed the child";
  });
}

IPC_CASE(signalfd, read, io_signal_gives_poll_in_fd_and_band,
         .title = "the F_SETSIG signal for input on a pipe is read with POLL_IN, the pipe's fd in ssi_fd and POLLIN in "
                  "ssi_band",
         .covers = {"POLL_IN"}, .refs = {"fcntl(2) F_SETSIG"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    const int rt = SIGRTMIN + 2;
    UniqueFd fd = sfd::BlockedSignalfd({rt, SIGIO}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    Pipe p = MakePipe();
    IPCC_SETUP(fcntl(p.r.get(), F_SETOWN, getpid()));
    IPCC_SETUP(fcntl(p.r.get(), F_SETSIG, rt));
    IPCC_SETUP(fcntl(p.r.get(), F_SETFL, IPCC_SETUP(fcntl(p.r.get(), F_GETFL)) | O_ASYNC));
    ASSERT_THAT(write(p.w.get(), "x", 1), SyscallSucceedsWithValue(1));
    const auto si = sfd::ReadOne(fd.get(), "the I/O signal for the byte written into the pipe");
    ASSERT_TRUE(si.has_value());
    EXPECT_EQ(si->ssi_signo, U(rt)) << "read " << sfd::Describe(*si) << "; F_SETSIG chose " << SignalName(rt);
    EXPECT_EQ(si->ssi_code, POLL_IN) << "read " << sfd::Describe(*si) << "; expected POLL_IN (" << POLL_IN << ")";
    EXPECT_EQ(si->ssi_fd, p.r.get()) << "ssi_fd should be the pipe's read end";
    EXPECT_TRUE(si->ssi_band & POLLIN) << "ssi_band is " << std::hex << std::showbase << si->ssi_band
                                       << ", expected POLLIN in it";
  });
}

IPC_CASE(signalfd, read, timer_signal_gives_si_timer_and_timer_id,
         .title = "the expiry signal of a POSIX timer is read with SI_TIMER and the timer's ID in ssi_tid",
         .covers = {"SI_TIMER"}, .refs = {"timer_create(2) DESCRIPTION"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    const int rt = SIGRTMIN + 3;
    UniqueFd fd = sfd::BlockedSignalfd({rt}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    // A first timer that never signals, so that the one under test does not have the ID 0.
    sigevent none{};
    none.sigev_notify = SIGEV_NONE;
    timer_t spare{};
    IPCC_SETUP(timer_create(CLOCK_MONOTONIC, &none, &spare));
    ScopedCleanup delete_spare([&] { timer_delete(spare); });
    sigevent sev{};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = rt;
    sev.sigev_value.sival_int = 31;
    timer_t timer{};
    IPCC_SETUP(timer_create(CLOCK_MONOTONIC, &sev, &timer));
    ScopedCleanup delete_timer([&] { timer_delete(timer); });
    itimerspec once{};
    once.it_value.tv_nsec = 1000000;  // 1 ms, once
    IPCC_SETUP(timer_settime(timer, 0, &once, nullptr));
    const auto si = sfd::ReadOne(fd.get(), "the expiry signal of a 1 ms timer");
    ASSERT_TRUE(si.has_value());
    EXPECT_EQ(si->ssi_signo, U(rt)) << "read " << sfd::Describe(*si);
    EXPECT_EQ(si->ssi_code, SI_TIMER) << "read " << sfd::Describe(*si) << "; expected SI_TIMER";
    // For SIGEV_SIGNAL timers glibc's timer_t is the kernel's timer ID.
    EXPECT_EQ(si->ssi_tid, static_cast<uint32_t>(reinterpret_cast<intptr_t>(timer)))
        << "ssi_tid should be the ID of the timer that expired";
    EXPECT_EQ(si->ssi_int, 31) << "ssi_int should carry the timer's sigev_value";
  });
}

// ---------------------------------------------------------------------------------- sizes and counts

IPC_CASE(signalfd, read, one_signal_is_one_128_byte_structure,
         .title = "with one signal pending, a read with room for four structures returns 128 bytes",
         .covers = {"structure_is_128_bytes"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    const auto r = sfd::ReadSlots(fd.get(), 4);
    EXPECT_EQ(r.result, 128) << "read of a 512-byte buffer "
                             << (r.result < 0 ? "failed with " + ErrnoName(r.error)
                                              : "returned " + std::to_string(r.result))
                             << "; one signalfd_siginfo is 128 bytes";
  });
}

IPC_CASE(signalfd, read, one_read_returns_every_pending_signal_that_fits,
         .title = "with SIGUSR1 and SIGUSR2 pending, one read with room for three returns both (256 bytes)",
         .covers = {"returns_several_signals"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1, SIGUSR2}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR2), SyscallSucceeds());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    const auto r = sfd::ReadSlots(fd.get(), 3);
    ASSERT_THAT(r.result, SyscallSucceedsWithValue(2 * sfd::kSiginfoSize))
        << "two signals pending, a buffer for three structures: " << sfd::Signals(r.infos);
    std::set<uint32_t> seen;
    for (const auto& si : r.infos) seen.insert(si.ssi_signo);
    EXPECT_EQ(seen, (std::set<uint32_t>{U(SIGUSR1), U(SIGUSR2)})) << "read " << sfd::Signals(r.infos);
  });
}

IPC_CASE(signalfd, read, read_returns_only_what_fits_rest_stays,
         .title = "with three real-time signals pending, a read with room for two and a half returns two; the third "
                  "stays",
         .covers = {"returns_only_what_fits"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    const int rt = SIGRTMIN;
    UniqueFd fd = sfd::BlockedSignalfd({rt}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    for (int v = 1; v <= 3; ++v) ASSERT_THAT(sigqueue(getpid(), rt, sigval{.sival_int = v}), SyscallSucceeds());
    const auto r = sfd::ReadSlots(fd.get(), 2, sizeof(signalfd_siginfo) / 2);
    ASSERT_THAT(r.result, SyscallSucceedsWithValue(2 * sfd::kSiginfoSize))
        << "three instances pending, a buffer of 320 bytes (two and a half structures)";
    EXPECT_EQ(r.infos[0].ssi_int, 1) << "the first structure should be the first instance sent";
    EXPECT_EQ(r.infos[1].ssi_int, 2) << "the second structure should be the second instance sent";
    const auto third = sfd::ReadOne(fd.get(), "the third instance, left pending by the short read");
    if (third) {
      EXPECT_EQ(third->ssi_int, 3) << "read " << sfd::Describe(*third);
    }
  });
}

IPC_CASE(signalfd, read, buffer_smaller_than_structure_fails_einval,
         .title = "a read of a signalfd with a buffer of 127 bytes fails with EINVAL and consumes nothing",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    char buf[sizeof(signalfd_siginfo) - 1];
    EXPECT_THAT(read(fd.get(), buf, sizeof buf), SyscallFailsWithErrno(EINVAL))
        << "a 127-byte buffer, with SIGUSR1 pending";
    EXPECT_TRUE(Has(PendingSet(), SIGUSR1)) << "the refused read should leave SIGUSR1 pending";
  });
}

// ------------------------------------------------------------------------------- blocking and EAGAIN

IPC_CASE(signalfd, read, nonblocking_read_with_nothing_pending_fails_eagain,
         .title = "a read of an SFD_NONBLOCK signalfd with no signal of its mask pending fails with EAGAIN",
         .covers = {"EAGAIN", "signalfd.SFD_NONBLOCK"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    // Bounded: a system that ignored SFD_NONBLOCK would block here for good.
    Child reader = Fork([&] {
      signalfd_siginfo si{};
      EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN)) << "nothing is pending";
    });
    const auto status = reader.TryWait(std::chrono::seconds(2));
    if (!status) {
      reader.Kill();
      ADD_FAILURE() << "the read of the SFD_NONBLOCK signalfd with nothing pending was still blocked after 2 s";
      return;
    }
    ExpectCleanExit(*status, "child reading the SFD_NONBLOCK signalfd");
  });
}

IPC_CASE(signalfd, read, read_blocks_until_signal_arrives,
         .title = "a read of a blocking signalfd with nothing pending blocks until a signal of its mask is sent",
         .covers = {"blocks_until_signal"}, .cls = Conformance::linux_specific) {
  Child reader = Fork([] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(sfd::kSiginfoSize));
    EXPECT_EQ(si.ssi_signo, U(SIGUSR1)) << "read " << sfd::Describe(si);
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  ASSERT_THAT(kill(reader.pid(), SIGUSR1), SyscallSucceeds());
  ExpectEndsCleanly(reader, "child blocked reading its signalfd, sent SIGUSR1");
}

IPC_CASE(signalfd, read, handler_for_other_signal_interrupts_read_eintr,
         .title = "a handler (no SA_RESTART) for a signal outside the mask ends a blocked read with EINTR",
         .covers = {"EINTR"}, .cls = Conformance::linux_specific) {
  Child reader = Fork([] {
    SetHandler(SIGUSR2, CountingHandler);
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EINTR))
        << "the read was blocked when SIGUSR2 was caught";
    EXPECT_EQ(g_handled.calls, 1) << "the SIGUSR2 handler should have run once";
  });
  IPCC_ASSERT_BLOCKED(reader.pid(), SYS_read);
  ASSERT_THAT(kill(reader.pid(), SIGUSR2), SyscallSucceeds());
  ExpectEndsCleanly(reader, "child blocked reading its signalfd for {SIGUSR1}, sent SIGUSR2 (caught)");
}

IPC_CASE(signalfd, read, pending_signal_outside_mask_not_read,
         .title = "a pending blocked signal that is not in the signalfd's mask is not read and stays pending",
         .covers = {"ignores_signals_outside_mask"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    Block({SIGUSR2});
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR2), SyscallSucceeds());
    signalfd_siginfo si{};
    EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN))
        << "only SIGUSR2 is pending, and the mask is {SIGUSR1}";
    EXPECT_TRUE(Has(PendingSet(), SIGUSR2)) << "SIGUSR2 should still be pending";
  });
}

// ------------------------------------------------------------------------------------------ consuming

IPC_CASE(signalfd, read, read_signal_not_caught_when_unblocked,
         .title = "a signal read from a signalfd is not caught by its handler when it is unblocked afterwards",
         .covers = {"consumed_signal_not_handled"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    SetHandler(SIGUSR2, CountingHandler);
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR2}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR2), SyscallSucceeds());
    ASSERT_TRUE(sfd::ReadOne(fd.get(), "the SIGUSR2 sent to self").has_value());
    EXPECT_FALSE(Has(PendingSet(), SIGUSR2)) << "SIGUSR2 is still pending after it was read";
    Unblock({SIGUSR2});
    EXPECT_EQ(g_handled.calls, 0) << "the handler ran for the SIGUSR2 that was read from the signalfd";
  });
}

IPC_CASE(signalfd, read, read_signal_not_accepted_by_sigtimedwait,
         .title = "a signal read from a signalfd can no longer be accepted with sigtimedwait",
         .covers = {"consumed_signal_not_accepted"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    ASSERT_TRUE(sfd::ReadOne(fd.get(), "the SIGUSR1 sent to self").has_value());
    const sigset_t set = SetOf({SIGUSR1});
    siginfo_t info{};
    const timespec now{0, 0};
    EXPECT_THAT(sigtimedwait(&set, &info, &now), SyscallFailsWithErrno(EAGAIN))
        << "sigtimedwait (zero timeout) accepted the SIGUSR1 that was read from the signalfd";
  });
}

// ------------------------------------------------------------------------ standard and real-time signals

IPC_CASE(signalfd, read, standard_signal_sent_three_times_read_once,
         .title = "SIGUSR1 sent three times while blocked is read as one structure",
         .covers = {"standard_signals_coalesce"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    for (int i = 0; i < 3; ++i) ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    const auto r = sfd::ReadSlots(fd.get(), 4);
    EXPECT_THAT(r.result, SyscallSucceedsWithValue(sfd::kSiginfoSize))
        << "three SIGUSR1 sent while pending should be one: read " << sfd::Signals(r.infos);
    EXPECT_FALSE(sfd::Readable(fd.get())) << "something is still readable after the one SIGUSR1";
  });
}

IPC_CASE(signalfd, read, realtime_instances_read_each_in_order,
         .title = "a real-time signal sent three times is read as three structures, in order, with their values",
         .covers = {"rt_signals_queue_in_order"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    const int rt = SIGRTMIN + 4;
    UniqueFd fd = sfd::BlockedSignalfd({rt}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    for (int v : {10, 20, 30}) ASSERT_THAT(sigqueue(getpid(), rt, sigval{.sival_int = v}), SyscallSucceeds());
    const auto r = sfd::ReadSlots(fd.get(), 4);
    ASSERT_THAT(r.result, SyscallSucceedsWithValue(3 * sfd::kSiginfoSize))
        << "three instances of " << SignalName(rt) << " queued: read " << sfd::Signals(r.infos);
    std::vector<int> values;
    for (const auto& si : r.infos) values.push_back(si.ssi_int);
    EXPECT_EQ(values, (std::vector<int>{10, 20, 30})) << "ssi_int of the structures, sent 10, 20, 30";
  });
}

IPC_CASE(signalfd, read, lowest_realtime_signal_read_first,
         .title = "with SIGRTMIN+5 sent before SIGRTMIN+1, the read returns SIGRTMIN+1 first",
         .covers = {"rt_lowest_number_first"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    const int high = SIGRTMIN + 5;
    const int low = SIGRTMIN + 1;
    UniqueFd fd = sfd::BlockedSignalfd({high, low}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(sigqueue(getpid(), high, sigval{.sival_int = 1}), SyscallSucceeds());
    ASSERT_THAT(sigqueue(getpid(), low, sigval{.sival_int = 2}), SyscallSucceeds());
    const auto r = sfd::ReadSlots(fd.get(), 2);
    ASSERT_THAT(r.result, SyscallSucceedsWithValue(2 * sfd::kSiginfoSize)) << "read " << sfd::Signals(r.infos);
    EXPECT_EQ(r.infos[0].ssi_signo, U(low)) << "read " << sfd::Signals(r.infos) << "; the lowest-numbered first";
    EXPECT_EQ(r.infos[1].ssi_signo, U(high)) << "read " << sfd::Signals(r.infos);
  });
}

}  // namespace
