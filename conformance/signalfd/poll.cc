// signalfd(2) poll(2), select(2) (and similar): readiness of a signalfd for the signals of its mask.
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"
#include "harness/caselib/ipc/signal.h"
#include "harness/caselib/ipc/signalfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::signals;
namespace sfd = ipcc::signalfd;

// In a forked child: a nonblocking signalfd for SIGUSR1 (blocked) and SIGUSR2 blocked too. `ready(fd)`
// asks one multiplexer, without waiting, whether fd is readable: it must say no with nothing pending,
// no with only SIGUSR2 (outside the mask) pending, and yes once SIGUSR1 is pending.
void ExpectReadyOnlyWithSignalOfMask(const std::string& how, const std::function<bool(int fd)>& ready) {
  InChild("child", [&] {
    Block({SIGUSR2});
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    EXPECT_FALSE(ready(fd.get())) << how << " reports the signalfd readable with nothing pending";
    ASSERT_THAT(kill(getpid(), SIGUSR2), SyscallSucceeds());
    EXPECT_FALSE(ready(fd.get())) << how << " reports the signalfd for {SIGUSR1} readable with only SIGUSR2 pending";
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    EXPECT_TRUE(ready(fd.get())) << how << " does not report the signalfd readable with SIGUSR1 pending";
  });
}

IPC_CASE(signalfd, poll, pollin_when_signal_of_mask_pending,
         .title = "poll reports POLLIN on a signalfd when a signal of its mask is pending", .covers = {"POLLIN"},
         .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
    pollfd p{fd.get(), POLLIN, 0};
    ASSERT_THAT(poll(&p, 1, 0), SyscallSucceedsWithValue(1)) << "SIGUSR1 is pending";
    EXPECT_EQ(p.revents, POLLIN) << "revents = " << pipes::PollEvents(p.revents) << " with SIGUSR1 pending";
  });
}

IPC_CASE(signalfd, poll, no_pollin_without_signal_of_mask,
         .title = "poll reports nothing on a signalfd with no signal pending, or only one outside its mask",
         .covers = {"POLLIN"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    Block({SIGUSR2});
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    pollfd p{fd.get(), POLLIN, 0};
    EXPECT_THAT(poll(&p, 1, 0), SyscallSucceedsWithValue(0))
        << "revents = " << pipes::PollEvents(p.revents) << " with nothing pending";
    ASSERT_THAT(kill(getpid(), SIGUSR2), SyscallSucceeds());
    p.revents = 0;
    EXPECT_THAT(poll(&p, 1, 0), SyscallSucceedsWithValue(0))
        << "revents = " << pipes::PollEvents(p.revents) << " with only SIGUSR2, outside the mask, pending";
  });
}

IPC_CASE(signalfd, poll, poll_blocks_until_signal_of_mask,
         .title = "poll without a timeout on a signalfd blocks until a signal of its mask is sent, then reports POLLIN",
         .covers = {"blocks_until_signal"}, .cls = Conformance::linux_specific) {
  Child poller = Fork([] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    pollfd p{fd.get(), POLLIN, 0};
    ASSERT_THAT(poll(&p, 1, -1), SyscallSucceedsWithValue(1));
    EXPECT_TRUE(p.revents & POLLIN) << "revents = " << pipes::PollEvents(p.revents) << " after SIGUSR1 was sent";
  });
  IPCC_ASSERT_BLOCKED(poller.pid(), SYS_poll, SYS_ppoll);
  ASSERT_THAT(kill(poller.pid(), SIGUSR1), SyscallSucceeds());
  ExpectEndsCleanly(poller, "child polling its signalfd, sent SIGUSR1");
}

IPC_CASE(signalfd, poll, select_reports_readable_only_with_signal_of_mask,
         .title = "select puts a signalfd in readfds only when a signal of its mask is pending",
         .covers = {"select_readfds"}, .cls = Conformance::linux_specific) {
  ExpectReadyOnlyWithSignalOfMask("select (zero timeout)", [](int fd) {
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    timeval now{0, 0};
    const int r = select(fd + 1, &rd, nullptr, nullptr, &now);
    EXPECT_THAT(r, SyscallSucceeds());
    return r == 1 && FD_ISSET(fd, &rd);
  });
}

IPC_CASE(signalfd, poll, ppoll_reports_readable_only_with_signal_of_mask,
         .title = "ppoll reports POLLIN on a signalfd only when a signal of its mask is pending",
         .covers = {"other_multiplexers"}, .cls = Conformance::linux_specific) {
  ExpectReadyOnlyWithSignalOfMask("ppoll (zero timeout)", [](int fd) {
    pollfd p{fd, POLLIN, 0};
    const timespec now{0, 0};
    const int r = ppoll(&p, 1, &now, nullptr);
    EXPECT_THAT(r, SyscallSucceeds());
    return r == 1 && (p.revents & POLLIN);
  });
}

IPC_CASE(signalfd, poll, pselect_reports_readable_only_with_signal_of_mask,
         .title = "pselect puts a signalfd in readfds only when a signal of its mask is pending",
         .covers = {"other_multiplexers"}, .cls = Conformance::linux_specific) {
  ExpectReadyOnlyWithSignalOfMask("pselect (zero timeout)", [](int fd) {
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    const timespec now{0, 0};
    const int r = pselect(fd + 1, &rd, nullptr, nullptr, &now, nullptr);
    EXPECT_THAT(r, SyscallSucceeds());
    return r == 1 && FD_ISSET(fd, &rd);
  });
}

IPC_CASE(signalfd, poll, epoll_reports_epollin_only_with_signal_of_mask,
         .title = "epoll_wait reports EPOLLIN for a signalfd only when a signal of its mask is pending",
         .covers = {"other_multiplexers"}, .cls = Conformance::linux_specific) {
  InChild("child", [] {
    UniqueFd ep(IPCC_SETUP(epoll_create1(EPOLL_CLOEXEC)));
    ExpectReadyOnlyWithSignalOfMask("epoll_wait (zero timeout)", [&](int fd) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      // Added on the first question (epoll_ctl fails with EEXIST after that, which is fine).
      if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &ev) != 0 && errno != EEXIST) {
        ThrowHarnessError("set-up: epoll_ctl(EPOLL_CTL_ADD) of the signalfd: " + ErrnoName(errno));
      }
      epoll_event out{};
      const int r = epoll_wait(ep.get(), &out, 1, 0);
      EXPECT_THAT(r, SyscallSucceeds());
      return r == 1 && out.data.fd == fd && (out.events & EPOLLIN);
    });
  });
}

IPC_CASE(signalfd, poll, epoll_wait_blocks_until_signal_of_mask,
         .title = "epoll_wait without a timeout on a signalfd blocks until a signal of its mask is sent",
         .covers = {"other_multiplexers"}, .cls = Conformance::linux_specific) {
  Child waiter = Fork([] {
    UniqueFd fd = sfd::BlockedSignalfd({SIGUSR1}, SFD_CLOEXEC);
    ASSERT_TRUE(fd.valid());
    UniqueFd ep(IPCC_SETUP(epoll_create1(EPOLL_CLOEXEC)));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd.get();
    IPCC_SETUP(epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd.get(), &ev));
    epoll_event out{};
    ASSERT_THAT(epoll_wait(ep.get(), &out, 1, -1), SyscallSucceedsWithValue(1));
    EXPECT_TRUE(out.events & EPOLLIN) << "events " << std::hex << std::showbase << out.events
                                      << " after SIGUSR1 was sent";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_pwait2);
  ASSERT_THAT(kill(waiter.pid(), SIGUSR1), SyscallSucceeds());
  ExpectEndsCleanly(waiter, "child in epoll_wait on its signalfd, sent SIGUSR1");
}

}  // namespace
