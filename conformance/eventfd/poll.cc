// eventfd(2) poll(2), select(2), epoll(7), ppoll and pselect: readiness of the counter, waiting for it,
// and the overflow report.
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/eventfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::eventfd;

// What select (timeout 0) says of one descriptor.
struct SelectSeen {
  bool readable = false;
  bool writable = false;
};

SelectSeen SelectNow(int fd) {
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(fd, &r);
  FD_SET(fd, &w);
  timeval tv{0, 0};
  const int n = select(fd + 1, &r, &w, nullptr, &tv);
  EXPECT_THAT(n, SyscallSucceeds()) << "select of the eventfd";
  return {n > 0 && FD_ISSET(fd, &r) != 0, n > 0 && FD_ISSET(fd, &w) != 0};
}

// What pselect (timeout 0, empty mask) says of one descriptor.
SelectSeen PselectNow(int fd) {
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(fd, &r);
  FD_SET(fd, &w);
  timespec ts{0, 0};
  sigset_t none;
  sigemptyset(&none);
  const int n = pselect(fd + 1, &r, &w, nullptr, &ts, &none);
  EXPECT_THAT(n, SyscallSucceeds()) << "pselect of the eventfd";
  return {n > 0 && FD_ISSET(fd, &r) != 0, n > 0 && FD_ISSET(fd, &w) != 0};
}

// The events epoll_wait (timeout 0) reports for fd, registered level-triggered for EPOLLIN|EPOLLOUT in a
// fresh epoll instance; 0 when none.
std::uint32_t EpollNow(int fd) {
  const UniqueFd ep(IPCC_SETUP(epoll_create1(EPOLL_CLOEXEC)));
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.fd = fd;
  IPCC_SETUP(epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &ev));
  epoll_event got{};
  const int n = epoll_wait(ep.get(), &got, 1, 0);
  EXPECT_THAT(n, SyscallSucceeds()) << "epoll_wait of the eventfd";
  return n == 1 ? got.events : 0u;
}

IPC_CASE(eventfd, poll, pollin_when_counter_positive,
         .title = "poll reports POLLIN for a counter above 0, and again while it stays above 0", .covers = {"POLLIN"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK | EFD_SEMAPHORE);
  Add(fd.get(), 2);
  short rev = PollNow(fd.get(), POLLIN);
  EXPECT_TRUE(rev & POLLIN) << "revents = " << PollEvents(rev) << " with the counter at 2";
  ExpectReads(fd.get(), 1, "a semaphore-mode read taking the counter from 2 to 1");
  rev = PollNow(fd.get(), POLLIN);
  EXPECT_TRUE(rev & POLLIN) << "revents = " << PollEvents(rev) << " with the counter at 1";
}

IPC_CASE(eventfd, poll, no_pollin_at_zero,
         .title = "poll (timeout 0) does not report POLLIN for a zero counter, new or drained", .covers = {"POLLIN"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  short rev = PollNow(fd.get(), POLLIN);
  EXPECT_FALSE(rev & POLLIN) << "revents = " << PollEvents(rev) << " for a new eventfd(0, ...)";
  Add(fd.get(), 8);
  ExpectReads(fd.get(), 8, "the read draining the counter");
  rev = PollNow(fd.get(), POLLIN);
  EXPECT_FALSE(rev & POLLIN) << "revents = " << PollEvents(rev) << " after a read drained the counter";
}

IPC_CASE(eventfd, poll, pollout_while_write_of_one_fits,
         .title = "poll reports POLLOUT for a counter of 0 and of 0xfffffffffffffffd, where a write of 1 still fits",
         .covers = {"POLLOUT"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  short rev = PollNow(fd.get(), POLLOUT);
  EXPECT_TRUE(rev & POLLOUT) << "revents = " << PollEvents(rev) << " with the counter at 0";
  Add(fd.get(), kMaxCounter - 1);
  rev = PollNow(fd.get(), POLLOUT);
  EXPECT_TRUE(rev & POLLOUT) << "revents = " << PollEvents(rev)
                             << " with the counter at 0xfffffffffffffffd, one below the maximum";
}

IPC_CASE(eventfd, poll, no_pollout_at_max,
         .title = "poll (timeout 0) does not report POLLOUT for a counter at 0xfffffffffffffffe", .covers = {"POLLOUT"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  Add(fd.get(), kMaxCounter);
  const short rev = PollNow(fd.get(), POLLIN | POLLOUT);
  EXPECT_FALSE(rev & POLLOUT) << "revents = " << PollEvents(rev)
                              << " with the counter at its maximum, where a write of 1 would block";
  EXPECT_TRUE(rev & POLLIN) << "revents = " << PollEvents(rev) << " with the counter at its maximum";
}

IPC_CASE(eventfd, poll, pollerr_after_overflow,
         .title = "poll reports POLLERR once a kernel AIO post has overflowed the counter", .covers = {"POLLERR"},
         .refs = {"io_submit(2) IOCB_FLAG_RESFD"}, .cls = Conformance::linux_specific,
         .needs = need::KernelConfig("CONFIG_AIO"),
         .raw_syscalls = "io_setup, io_submit, io_getevents, io_destroy: Linux AIO, which glibc does not wrap, is "
                         "the only way the page gives to overflow the counter (IOCB_FLAG_RESFD posts to the eventfd)") {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  short rev = PollNow(fd.get(), POLLIN | POLLOUT);
  EXPECT_FALSE(rev & POLLERR) << "revents = " << PollEvents(rev) << " before the overflow";
  Overflow(fd.get());
  rev = PollNow(fd.get(), POLLIN | POLLOUT);
  EXPECT_TRUE(rev & POLLERR) << "revents = " << PollEvents(rev) << " after the counter overflowed";
}

IPC_CASE(eventfd, poll, waits_until_another_process_writes,
         .title = "poll without a timeout on a zero counter waits until another process writes, then reports POLLIN",
         .covers = {"waits_until_written", "POLLIN"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_CLOEXEC);
  Child poller = Fork([&] {
    pollfd p{fd.get(), POLLIN, 0};
    ASSERT_THAT(poll(&p, 1, -1), SyscallSucceedsWithValue(1));
    EXPECT_TRUE(p.revents & POLLIN) << "revents = " << PollEvents(p.revents) << " after the parent's write";
  });
  IPCC_ASSERT_BLOCKED(poller.pid(), SYS_poll, SYS_ppoll);
  Add(fd.get(), 1);
  ExpectReleased(poller, "poller blocked on the zero counter, after the parent wrote 1");
}

IPC_CASE(eventfd, poll, select_readable_only_while_positive,
         .title = "select puts the eventfd in readfds while the counter is above 0, and not while it is 0",
         .covers = {"select_readable_when_positive"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  EXPECT_FALSE(SelectNow(fd.get()).readable) << "select reports readable with the counter at 0";
  Add(fd.get(), 3);
  EXPECT_TRUE(SelectNow(fd.get()).readable) << "select does not report readable with the counter at 3";
  ExpectReads(fd.get(), 3, "the read draining the counter");
  EXPECT_FALSE(SelectNow(fd.get()).readable) << "select reports readable after a read drained the counter";
}

IPC_CASE(eventfd, poll, select_writable_only_below_max,
         .title = "select puts the eventfd in writefds below 0xfffffffffffffffe, and not at that value",
         .covers = {"select_writable_below_max"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  EXPECT_TRUE(SelectNow(fd.get()).writable) << "select does not report writable with the counter at 0";
  Add(fd.get(), kMaxCounter - 1);
  EXPECT_TRUE(SelectNow(fd.get()).writable)
      << "select does not report writable with the counter at 0xfffffffffffffffd (a write of 1 fits)";
  Add(fd.get(), 1);
  EXPECT_FALSE(SelectNow(fd.get()).writable)
      << "select reports writable with the counter at 0xfffffffffffffffe (a write of 1 would block)";
}

IPC_CASE(eventfd, poll, select_overflow_readable_and_writable,
         .title = "select reports an overflowed counter both readable and writable",
         .covers = {"select_overflow_readable_and_writable"}, .refs = {"io_submit(2) IOCB_FLAG_RESFD"},
         .cls = Conformance::linux_specific, .needs = need::KernelConfig("CONFIG_AIO"),
         .raw_syscalls = "io_setup, io_submit, io_getevents, io_destroy: Linux AIO, which glibc does not wrap, is "
                         "the only way the page gives to overflow the counter (IOCB_FLAG_RESFD posts to the eventfd)") {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  Overflow(fd.get());
  const SelectSeen seen = SelectNow(fd.get());
  EXPECT_TRUE(seen.readable) << "select does not report the overflowed counter readable";
  EXPECT_TRUE(seen.writable) << "select does not report the overflowed counter writable";
}

IPC_CASE(eventfd, poll, epoll_reports_in_and_out_as_poll,
         .title = "epoll_wait reports EPOLLOUT at 0, EPOLLIN|EPOLLOUT above 0, and EPOLLIN alone at the maximum",
         .covers = {"epoll_readiness"}, .refs = {"epoll_wait(2) DESCRIPTION"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  const auto expect_events = [&](std::uint32_t want, const std::string& when) {
    const std::uint32_t got = EpollNow(fd.get());
    EXPECT_EQ(got & (EPOLLIN | EPOLLOUT), want)
        << "epoll events 0x" << std::hex << got << " " << when << " (EPOLLIN = 0x1, EPOLLOUT = 0x4)";
  };
  expect_events(EPOLLOUT, "with the counter at 0");
  Add(fd.get(), 4);
  expect_events(EPOLLIN | EPOLLOUT, "with the counter at 4");
  Add(fd.get(), kMaxCounter - 4);
  expect_events(EPOLLIN, "with the counter at 0xfffffffffffffffe");
}

IPC_CASE(eventfd, poll, epoll_wait_waits_until_written,
         .title = "epoll_wait without a timeout waits until another process writes to the zero counter",
         .covers = {"epoll_readiness", "waits_until_written"}, .refs = {"epoll_wait(2) DESCRIPTION"},
         .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_CLOEXEC);
  const UniqueFd ep(IPCC_SETUP(epoll_create1(EPOLL_CLOEXEC)));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0x5eed;
  IPCC_SETUP(epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd.get(), &ev));
  Child waiter = Fork([&] {
    epoll_event got{};
    ASSERT_THAT(epoll_wait(ep.get(), &got, 1, -1), SyscallSucceedsWithValue(1));
    EXPECT_TRUE(got.events & EPOLLIN) << "epoll events 0x" << std::hex << got.events << " after the parent's write";
    EXPECT_EQ(got.data.u64, 0x5eedu) << "the event should carry the data registered for the eventfd";
  });
  IPCC_ASSERT_BLOCKED(waiter.pid(), SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_pwait2);
  Add(fd.get(), 1);
  ExpectReleased(waiter, "epoll_wait blocked on the zero counter, after the parent wrote 1");
}

IPC_CASE(eventfd, poll, ppoll_reports_readiness,
         .title = "ppoll reports POLLOUT at 0 and POLLIN once the counter is above 0", .covers = {"pselect_and_ppoll"},
         .refs = {"ppoll(2)"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  const auto ppoll_now = [&] {
    pollfd p{fd.get(), POLLIN | POLLOUT, 0};
    timespec ts{0, 0};
    sigset_t none;
    sigemptyset(&none);
    EXPECT_THAT(ppoll(&p, 1, &ts, &none), SyscallSucceeds()) << "ppoll of the eventfd";
    return p.revents;
  };
  short rev = ppoll_now();
  EXPECT_EQ(rev & (POLLIN | POLLOUT), POLLOUT) << "revents = " << PollEvents(rev) << " with the counter at 0";
  Add(fd.get(), 2);
  rev = ppoll_now();
  EXPECT_EQ(rev & (POLLIN | POLLOUT), POLLIN | POLLOUT) << "revents = " << PollEvents(rev) << " with the counter at 2";
}

IPC_CASE(eventfd, poll, pselect_reports_readiness,
         .title = "pselect reports writable only at 0 and readable and writable once the counter is above 0",
         .covers = {"pselect_and_ppoll"}, .refs = {"pselect(2)"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK);
  SelectSeen seen = PselectNow(fd.get());
  EXPECT_FALSE(seen.readable) << "pselect reports readable with the counter at 0";
  EXPECT_TRUE(seen.writable) << "pselect does not report writable with the counter at 0";
  Add(fd.get(), 2);
  seen = PselectNow(fd.get());
  EXPECT_TRUE(seen.readable) << "pselect does not report readable with the counter at 2";
  EXPECT_TRUE(seen.writable) << "pselect does not report writable with the counter at 2";
}

}  // namespace
