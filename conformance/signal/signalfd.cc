// signalfd(2): accepting signals through a file descriptor.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;

// Blocks `sigs` and makes a signalfd for them. signalfd is the interface under test, so a refusal (ENOSYS
// included: a system whose signals work but whose signalfd does not implements the page in part) is
// recorded as a failure naming the call; the caller stops on the invalid descriptor.
UniqueFd BlockedSignalfd(std::initializer_list<int> sigs, int flags) {
  const sigset_t set = Block(sigs);
  int fd = signalfd(-1, &set, flags | SFD_CLOEXEC);
  if (fd < 0)
    ADD_FAILURE() << "signalfd(-1, " << Describe(set) << ", flags " << flags << ") failed with " << ErrnoName(errno)
                  << "; expected a new signalfd descriptor";
  return UniqueFd(fd);
}

constexpr ssize_t kSiginfoSize = sizeof(signalfd_siginfo);

IPC_CASE(signal, signalfd, read_returns_siginfo,
         .title = "reading a signalfd returns a signalfd_siginfo for the pending signal (ssi_signo, ssi_pid)",
         .covers = {"read_returns_siginfo"},
         .statement = "If one or more of the signals specified in mask is pending for the process, then the "
                      "buffer supplied to read(2) is used to return one or more signalfd_siginfo structures ... "
                      "ssi_signo Signal number ... ssi_pid PID of sender ... ssi_uid Real UID of sender.",
         .refs = {"signalfd(2) read(2), The signalfd_siginfo structure"}, .cls = Conformance::linux_specific) {
  UniqueFd fd;  // made in the child
  SendToWaitingChild(
      [&] {
        fd = BlockedSignalfd({SIGUSR1}, 0);
        ASSERT_TRUE(fd.valid());
      },
      [](pid_t pid) { EXPECT_THAT(kill(pid, SIGUSR1), SyscallSucceeds()); },
      [&] {
        signalfd_siginfo si{};
        ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(kSiginfoSize));
        EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "ssi_signo";
        EXPECT_EQ(si.ssi_code, SI_USER) << "ssi_code is " << SiCodeName(si.ssi_code);
        EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(getppid())) << "ssi_pid should be the sender (the parent)";
        EXPECT_EQ(si.ssi_uid, static_cast<uint32_t>(getuid())) << "ssi_uid should be the sender's real uid";
      },
      "child reading its signalfd");
}

IPC_CASE(signal, signalfd, read_consumes_signal, .title = "a signal read from a signalfd is no longer pending",
         .covers = {"read_consumes_signal"},
         .statement = "As a consequence of the read(2), the signals are consumed, so that they are no longer "
                      "pending for the process (i.e., will not be caught by signal handlers, and cannot be "
                      "accepted using sigwaitinfo(2)).",
         .refs = {"signalfd(2) read(2)"}, .cls = Conformance::linux_specific) {
  InChild("child reading its signalfd", [] {
    SetHandler(SIGUSR2, CountingHandler);
    UniqueFd fd = BlockedSignalfd({SIGUSR2}, SFD_NONBLOCK);
    ASSERT_TRUE(fd.valid());
    raise(SIGUSR2);
    signalfd_siginfo si{};
    ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(kSiginfoSize));
    EXPECT_FALSE(Has(PendingSet(), SIGUSR2)) << "the signal read from the signalfd should not be pending";
    EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN)) << "nothing left to read";
    Unblock({SIGUSR2});
    EXPECT_EQ(g_handled.calls, 0) << "a consumed signal must not be caught by the handler when unblocked";
  });
}

IPC_CASE(signal, signalfd, read_blocks_until_signal,
         .title = "a read of a signalfd with nothing pending blocks until a signal of its mask arrives",
         .covers = {"read_blocks_until_signal"},
         .statement = "If none of the signals in mask is pending for the process, then the read(2) either blocks "
                      "until one of the signals in mask is generated for the process, or fails with the error "
                      "EAGAIN if the file descriptor has been made nonblocking.",
         .refs = {"signalfd(2) read(2)"}, .cls = Conformance::linux_specific) {
  Child c = Fork([] {
    UniqueFd fd = BlockedSignalfd({SIGUSR1}, 0);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    ASSERT_THAT(read(fd.get(), &si, sizeof si), SyscallSucceedsWithValue(kSiginfoSize));
    EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR1)) << "ssi_signo";
    EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(getppid())) << "ssi_pid should be the sender (the parent)";
  });
  IPCC_ASSERT_BLOCKED(c.pid(), SYS_read);
  EXPECT_THAT(kill(c.pid(), SIGUSR1), SyscallSucceeds());
  ExpectEndsCleanly(c, "child blocked reading its signalfd, sent SIGUSR1");
}

IPC_CASE(signal, signalfd, nonblock_empty_fails_eagain,
         .title = "a read of an SFD_NONBLOCK signalfd with nothing pending fails with EAGAIN",
         .covers = {"nonblock_empty_read_fails_eagain"},
         .statement = "If none of the signals in mask is pending for the process, then the read(2) either blocks "
                      "until one of the signals in mask is generated for the process, or fails with the error "
                      "EAGAIN if the file descriptor has been made nonblocking.",
         .refs = {"signalfd(2) read(2), SFD_NONBLOCK"}, .cls = Conformance::linux_specific) {
  InChild("child reading its signalfd", [] {
    UniqueFd fd = BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK);
    ASSERT_TRUE(fd.valid());
    signalfd_siginfo si{};
    EXPECT_THAT(read(fd.get(), &si, sizeof si), SyscallFailsWithErrno(EAGAIN));
    pollfd p{fd.get(), POLLIN, 0};
    EXPECT_THAT(poll(&p, 1, 0), SyscallSucceedsWithValue(0)) << "not readable while nothing is pending";
    raise(SIGUSR1);
    EXPECT_THAT(poll(&p, 1, 0), SyscallSucceedsWithValue(1)) << "readable (POLLIN) once SIGUSR1 is pending";
  });
}

}  // namespace
