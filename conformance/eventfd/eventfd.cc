// eventfd(2) eventfd(): the initial value, the flags, the errors, and what fork, exec, descriptor passing and
// /proc/<pid>/fdinfo show of the object.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/eventfd.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::eventfd;

IPC_CASE(eventfd, eventfd, initval_sets_counter, .title = "the counter of a new eventfd starts at initval",
         .covers = {"initval_sets_counter"}, .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(1234567, EFD_NONBLOCK);
  ASSERT_THAT(fd, SyscallSucceeds()) << "eventfd(1234567, EFD_NONBLOCK)";
  const UniqueFd owner(fd);
  ExpectReads(fd, 1234567, "the first read of eventfd(1234567, ...)");
}

IPC_CASE(eventfd, eventfd, zero_flags_blocking_and_inherited,
         .title = "eventfd with flags 0 gives a descriptor with O_NONBLOCK and FD_CLOEXEC clear",
         .covers = {"zero_flags_blocking_inherited"}, .refs = {"fcntl(2) F_GETFL", "fcntl(2) F_GETFD"},
         .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(0, 0);
  ASSERT_THAT(fd, SyscallSucceeds()) << "eventfd(0, 0)";
  const UniqueFd owner(fd);
  const int fl = fcntl(fd, F_GETFL);
  ASSERT_THAT(fl, SyscallSucceeds());
  EXPECT_FALSE(fl & O_NONBLOCK) << "F_GETFL = 0" << std::oct << fl << ": O_NONBLOCK set without EFD_NONBLOCK";
  const int fdfl = fcntl(fd, F_GETFD);
  ASSERT_THAT(fdfl, SyscallSucceeds());
  EXPECT_FALSE(fdfl & FD_CLOEXEC) << "F_GETFD = " << fdfl << ": FD_CLOEXEC set without EFD_CLOEXEC";
}

IPC_CASE(eventfd, eventfd, cloexec_sets_fd_cloexec, .title = "eventfd(EFD_CLOEXEC) sets FD_CLOEXEC on the descriptor",
         .covers = {"EFD_CLOEXEC"}, .refs = {"fcntl(2) F_GETFD"}, .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(0, EFD_CLOEXEC);
  ASSERT_THAT(fd, SyscallSucceeds()) << "eventfd(0, EFD_CLOEXEC)";
  const UniqueFd owner(fd);
  const int fdfl = fcntl(fd, F_GETFD);
  ASSERT_THAT(fdfl, SyscallSucceeds());
  EXPECT_TRUE(fdfl & FD_CLOEXEC) << "F_GETFD = " << fdfl << ": EFD_CLOEXEC should have set FD_CLOEXEC";
}

IPC_CASE(eventfd, eventfd, cloexec_descriptor_closed_in_exec_program,
         .title = "an eventfd made with EFD_CLOEXEC is not open in a program started by execve",
         .covers = {"EFD_CLOEXEC"}, .refs = {"open(2) O_CLOEXEC", "execve(2) DESCRIPTION"},
         .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(0, EFD_CLOEXEC);
  ASSERT_THAT(fd, SyscallSucceeds()) << "eventfd(0, EFD_CLOEXEC)";
  const UniqueFd owner(fd);
  // The fixture looks at /proc/self/fd/<fd> in the exec'd program: it must not be an eventfd there.
  Child fixture = SpawnFixture("eventfd-fd", {std::to_string(fd), "closed"});
  ExpectCleanExit(fixture.Wait(), "exec'd eventfd-fd fixture");
}

IPC_CASE(eventfd, eventfd, nonblock_sets_o_nonblock,
         .title = "eventfd(EFD_NONBLOCK) sets O_NONBLOCK on the open file description", .covers = {"EFD_NONBLOCK"},
         .refs = {"fcntl(2) F_GETFL"}, .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(0, EFD_NONBLOCK);
  ASSERT_THAT(fd, SyscallSucceeds()) << "eventfd(0, EFD_NONBLOCK)";
  const UniqueFd owner(fd);
  const int fl = fcntl(fd, F_GETFL);
  ASSERT_THAT(fl, SyscallSucceeds());
  EXPECT_TRUE(fl & O_NONBLOCK) << "F_GETFL = 0" << std::oct << fl << ": EFD_NONBLOCK should have set O_NONBLOCK";
}

IPC_CASE(eventfd, eventfd, all_flags_together_accepted,
         .title = "eventfd accepts EFD_CLOEXEC|EFD_NONBLOCK|EFD_SEMAPHORE together and applies each",
         .covers = {"EFD_CLOEXEC", "EFD_NONBLOCK", "EFD_SEMAPHORE"}, .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(2, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
  ASSERT_THAT(fd, SyscallSucceeds()) << "eventfd(2, EFD_CLOEXEC|EFD_NONBLOCK|EFD_SEMAPHORE)";
  const UniqueFd owner(fd);
  const int fdfl = fcntl(fd, F_GETFD);
  const int fl = fcntl(fd, F_GETFL);
  ASSERT_THAT(fdfl, SyscallSucceeds());
  ASSERT_THAT(fl, SyscallSucceeds());
  EXPECT_TRUE(fdfl & FD_CLOEXEC) << "F_GETFD = " << fdfl << ": FD_CLOEXEC missing";
  EXPECT_TRUE(fl & O_NONBLOCK) << "F_GETFL = 0" << std::oct << fl << ": O_NONBLOCK missing";
  ExpectReads(fd, 1, "a semaphore-mode read of the counter 2");
  ExpectReads(fd, 1, "a second semaphore-mode read of the counter (now 1)");
  std::uint64_t v = 0;
  EXPECT_THAT(read(fd, &v, sizeof v), SyscallFailsWithErrno(EAGAIN)) << "the nonblocking counter is now 0";
}

IPC_CASE(eventfd, eventfd, unknown_flag_fails_einval, .title = "eventfd with a flag it does not know fails with EINVAL",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  // Bits next to the documented ones: 2 (O_RDWR), O_APPEND, O_DIRECT, and the bit just above EFD_CLOEXEC.
  const int known = EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE;
  for (const int bad : {2, O_APPEND, O_DIRECT, EFD_CLOEXEC << 1}) {
    ASSERT_EQ(bad & known, 0) << "test value " << bad << " overlaps a documented flag";
    const int fd = ::eventfd(0, bad);
    EXPECT_THAT(fd, SyscallFailsWithErrno(EINVAL))
        << "eventfd(0, 0" << std::oct << bad << std::dec << "): not one of EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE";
    if (fd >= 0) close(fd);
    const int fd2 = ::eventfd(0, EFD_NONBLOCK | bad);
    EXPECT_THAT(fd2, SyscallFailsWithErrno(EINVAL)) << "eventfd(0, EFD_NONBLOCK|0" << std::oct << bad << std::dec
                                                    << "): a known flag does not excuse an unknown one";
    if (fd2 >= 0) close(fd2);
  }
}

IPC_CASE(eventfd, eventfd, fd_limit_fails_emfile,
         .title = "eventfd fails with EMFILE when no descriptor number is free under RLIMIT_NOFILE",
         .covers = {"EMFILE"}, .refs = {"getrlimit(2) RLIMIT_NOFILE"}, .cls = Conformance::linux_specific) {
  InChild("child at its descriptor limit", [] {
    const UniqueFd spare = Make(0, EFD_CLOEXEC);
    rlimit lim{64, 64};
    IPCC_SETUP(setrlimit(RLIMIT_NOFILE, &lim));
    std::vector<UniqueFd> taken;
    for (int fd; (fd = dup(spare.get())) >= 0;) taken.emplace_back(fd);
    if (errno != EMFILE) ThrowHarnessError("set-up: dup while using up descriptors: " + ErrnoName(errno));
    const int fd = ::eventfd(0, 0);
    EXPECT_THAT(fd, SyscallFailsWithErrno(EMFILE)) << "with every descriptor number below RLIMIT_NOFILE (64) in use";
    if (fd >= 0) close(fd);
  });
}

IPC_CASE(eventfd, eventfd, each_call_makes_own_counter,
         .title = "two eventfds have counters of their own: a write to one leaves the other at its initval",
         .covers = {"each_call_new_object"}, .cls = Conformance::linux_specific) {
  const int a = ::eventfd(0, EFD_NONBLOCK);
  ASSERT_THAT(a, SyscallSucceeds());
  const UniqueFd a_owner(a);
  const int b = ::eventfd(5, EFD_NONBLOCK);
  ASSERT_THAT(b, SyscallSucceeds());
  const UniqueFd b_owner(b);
  Add(a, 40);
  ExpectReads(b, 5, "the second eventfd, after 40 was written to the first");
  ExpectReads(a, 40, "the first eventfd");
}

IPC_CASE(eventfd, eventfd, shared_across_fork,
         .title = "parent and forked child share one counter: the child's writes add to the parent's value",
         .covers = {"shared_across_fork"}, .refs = {"fork(2) DESCRIPTION"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_CLOEXEC);
  Add(fd.get(), 2);
  InChild("child adding 5 and 7 through its inherited descriptor", [&] {
    std::uint64_t v = 5;
    EXPECT_THAT(write(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8));
    v = 7;
    EXPECT_THAT(write(fd.get(), &v, sizeof v), SyscallSucceedsWithValue(8));
  });
  ExpectReads(fd.get(), 14, "the parent's read after it wrote 2 and its child 5 and 7");
  Add(fd.get(), 9);
  InChild("child draining the counter the parent set to 9",
          [&] { ExpectReads(fd.get(), 9, "the child's read after the parent wrote 9"); });
  ExpectZero(fd.get(), "after the child's read the parent's counter");
}

IPC_CASE(eventfd, eventfd, survives_exec_on_same_object,
         .title = "an eventfd without close-on-exec stays open on the same object in a program started by execve",
         .covers = {"survives_exec"}, .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(0, 0);
  ASSERT_THAT(fd, SyscallSucceeds()) << "eventfd(0, 0)";
  const UniqueFd owner(fd);
  Add(fd, 1000);
  // The exec'd program checks /proc/self/fd/<fd> is an eventfd and adds 234 through it.
  Child fixture = SpawnFixture("eventfd-add", {std::to_string(fd), "234"});
  ExpectCleanExit(fixture.Wait(), "exec'd eventfd-add fixture");
  ExpectReads(fd, 1234, "after this process wrote 1000 and the exec'd program 234");
}

IPC_CASE(eventfd, eventfd, passed_with_scm_rights_shares_counter,
         .title = "an eventfd passed with SCM_RIGHTS reaches the same counter in the receiving process",
         .covers = {"passed_with_scm_rights"}, .refs = {"cmsg(3)", "sendmsg(2)", "recvmsg(2)"},
         .cls = Conformance::linux_specific, .needs = need::Feature("unix_socket")) {
  unix_socket::SocketPair sp = unix_socket::MakeSocketPair(SOCK_STREAM);
  // The receiver is forked before the eventfd exists: the socket is its only way to reach it.
  Child receiver = Fork([&] {
    sp.a.reset();
    unix_socket::ReceivedFds r = unix_socket::RecvFds(sp.b.get(), 1);
    ASSERT_EQ(r.result, 1) << "recvmsg of the SCM_RIGHTS message: expected 1 data byte; it " << r.Describe();
    ASSERT_EQ(r.fds.size(), 1u) << "expected one descriptor in the SCM_RIGHTS control message";
    const int fd = r.fds[0].get();
    ExpectReads(fd, 77, "the receiver's read of the passed eventfd, which the sender set to 77");
    std::uint64_t v = 300;
    EXPECT_THAT(write(fd, &v, sizeof v), SyscallSucceedsWithValue(8)) << "adding 300 through the passed descriptor";
  });
  sp.b.reset();
  const UniqueFd fd = Make(0, EFD_CLOEXEC);
  Add(fd.get(), 77);
  ASSERT_THAT(unix_socket::SendFds(sp.a.get(), {fd.get()}), SyscallSucceedsWithValue(1));
  ExpectCleanExit(receiver.Wait(), "receiving child");
  ExpectReads(fd.get(), 300, "the sender's read after the receiver added 300 through the passed descriptor");
}

IPC_CASE(eventfd, eventfd, fdinfo_shows_eventfd_count,
         .title = "/proc/self/fdinfo/<fd> of an eventfd has an eventfd-count line with the counter in hexadecimal",
         .covers = {"fdinfo_eventfd_count"}, .cls = Conformance::linux_specific) {
  const int fd = ::eventfd(0x1f, EFD_NONBLOCK);
  ASSERT_THAT(fd, SyscallSucceeds());
  const UniqueFd owner(fd);
  std::string text;
  const std::optional<std::uint64_t> count = FdinfoCount(getpid(), fd, &text);
  ASSERT_TRUE(count.has_value()) << "no readable eventfd-count line in /proc/self/fdinfo/" << fd << ":\n" << text;
  EXPECT_EQ(*count, 0x1fu) << "eventfd-count of eventfd(0x1f, ...), read as hexadecimal; fdinfo:\n" << text;
}

IPC_CASE(eventfd, eventfd, fdinfo_count_follows_writes_and_reads,
         .title = "the eventfd-count of another process's fdinfo follows the shared counter through writes and reads",
         .covers = {"fdinfo_eventfd_count"}, .cls = Conformance::linux_specific) {
  const UniqueFd fd = Make(0, EFD_NONBLOCK | EFD_CLOEXEC);
  // A child holds a copy of the descriptor: its /proc/<pid>/fdinfo shows the one counter.
  Child holder = Fork([&] { CheckpointWait(0, 1, std::chrono::seconds(8)); });
  const auto expect_count = [&](std::uint64_t want, const std::string& when) {
    std::string text;
    const std::optional<std::uint64_t> count = FdinfoCount(holder.pid(), fd.get(), &text);
    EXPECT_EQ(count, std::optional<std::uint64_t>(want))
        << "eventfd-count in /proc/" << holder.pid() << "/fdinfo/" << fd.get() << " " << when << ", expected "
        << Hex(want) << "; fdinfo:\n"
        << text;
  };
  expect_count(0, "of a new eventfd(0, ...)");
  Add(fd.get(), 0xabcdef);
  expect_count(0xabcdef, "after a write of 0xabcdef");
  Add(fd.get(), 0x10);
  expect_count(0xabcdff, "after a further write of 0x10");
  ExpectReads(fd.get(), 0xabcdff, "the read that drains the counter");
  expect_count(0, "after a read drained the counter");
  CheckpointPost(0);
  ExpectCleanExit(holder.Wait(), "child holding the descriptor");
}

// The original system call exists on the older architectures only (x86_64 has it; arm64 has eventfd2 alone).
#ifdef SYS_eventfd
IPC_CASE(eventfd, eventfd, eventfd_syscall_takes_no_flags,
         .title = "the original eventfd system call makes a counter at initval with O_NONBLOCK and FD_CLOEXEC clear",
         .covers = {"eventfd_syscall_has_no_flags"}, .cls = Conformance::linux_specific,
         .raw_syscalls = "eventfd (SYS_eventfd): the original one-argument system call the page describes, which "
                         "glibc's eventfd() never uses (it calls eventfd2)") {
  const long fd = syscall(SYS_eventfd, 21u);
  ASSERT_THAT(fd, SyscallSucceeds()) << "syscall(SYS_eventfd, 21)";
  const UniqueFd owner(static_cast<int>(fd));
  const int fl = fcntl(owner.get(), F_GETFL);
  const int fdfl = fcntl(owner.get(), F_GETFD);
  ASSERT_THAT(fl, SyscallSucceeds());
  ASSERT_THAT(fdfl, SyscallSucceeds());
  EXPECT_FALSE(fl & O_NONBLOCK) << "F_GETFL = 0" << std::oct << fl << ": the original call has no flags";
  EXPECT_FALSE(fdfl & FD_CLOEXEC) << "F_GETFD = " << fdfl << ": the original call has no flags";
  ExpectReads(owner.get(), 21, "the first read of the counter made with initval 21");
}
#endif

}  // namespace
