// pidfd_send_signal(2): sending a signal to the process a pidfd refers to.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pidfd.h"
#include "harness/caselib/ipc/signal.h"

namespace {

using namespace ipcc;
using namespace ipcc::pidfd;
using namespace ipcc::signals;

// A siginfo_t for `sig` as rt_sigqueueinfo(2) describes it: the given si_code, this process as sender,
// and `value` in si_value.
siginfo_t QueueInfo(int sig, int code, int value) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  info.si_signo = sig;
  info.si_errno = 0;
  info.si_code = code;
  info.si_pid = getpid();
  info.si_uid = getuid();
  info.si_value.sival_int = value;
  return info;
}

IPC_CASE(pidfd, pidfd_send_signal, null_info_delivers_like_kill,
         .title = "with info NULL the target receives the signal with si_code SI_USER, the sender's pid and real uid",
         .covers = {"info_null_as_kill"}, .cls = Conformance::linux_specific) {
  const pid_t sender = getpid();
  const uid_t sender_uid = getuid();
  SendToWaitingChild([] { Block({SIGUSR1}); },
                     [](pid_t pid) {
                       UniqueFd fd = Open(pid);
                       ASSERT_THAT(pidfd_send_signal(fd.get(), SIGUSR1, nullptr, 0), SyscallSucceeds());
                     },
                     [&] {
                       const auto info = ExpectAccepted(SIGUSR1, "the signal sent through the pidfd with info NULL");
                       if (!info) return;
                       EXPECT_EQ(info->si_signo, SIGUSR1) << "si_signo";
                       EXPECT_EQ(info->si_errno, 0) << "si_errno";
                       EXPECT_EQ(info->si_code, SI_USER)
                           << "si_code is " << SiCodeName(info->si_code) << ", expected SI_USER as for kill";
                       EXPECT_EQ(info->si_pid, sender) << "si_pid must be the sender's pid";
                       EXPECT_EQ(info->si_uid, sender_uid) << "si_uid must be the sender's real uid";
                     });
}

IPC_CASE(pidfd, pidfd_send_signal, siginfo_si_queue_value_delivered,
         .title = "with a siginfo_t of si_code SI_QUEUE the target receives that si_code and si_value",
         .covers = {"info_as_rt_sigqueueinfo"}, .cls = Conformance::linux_specific) {
  SendToWaitingChild([] { Block({SIGUSR1}); },
                     [](pid_t pid) {
                       UniqueFd fd = Open(pid);
                       siginfo_t info = QueueInfo(SIGUSR1, SI_QUEUE, 0x1234);
                       ASSERT_THAT(pidfd_send_signal(fd.get(), SIGUSR1, &info, 0), SyscallSucceeds());
                     },
                     [] {
                       const auto info = ExpectAccepted(SIGUSR1, "the signal sent with an SI_QUEUE siginfo_t");
                       if (!info) return;
                       EXPECT_EQ(info->si_code, SI_QUEUE) << "si_code is " << SiCodeName(info->si_code);
                       EXPECT_EQ(info->si_value.sival_int, 0x1234) << "si_value.sival_int as the sender filled it";
                     });
}

IPC_CASE(pidfd, pidfd_send_signal, kernel_si_code_to_other_process_fails_eperm,
         .title = "a siginfo_t with si_code SI_USER or SI_TKILL for another process fails with EPERM and sends nothing",
         .covers = {"EPERM"}, .cls = Conformance::linux_specific) {
  SendToWaitingChild([] { Block({SIGUSR1}); },
                     [](pid_t pid) {
                       UniqueFd fd = Open(pid);
                       siginfo_t user = QueueInfo(SIGUSR1, SI_USER, 1);
                       EXPECT_THAT(pidfd_send_signal(fd.get(), SIGUSR1, &user, 0), SyscallFailsWithErrno(EPERM))
                           << "si_code SI_USER (0) may only be given for the caller itself";
                       siginfo_t tkill = QueueInfo(SIGUSR1, SI_TKILL, 2);
                       EXPECT_THAT(pidfd_send_signal(fd.get(), SIGUSR1, &tkill, 0), SyscallFailsWithErrno(EPERM))
                           << "si_code SI_TKILL may only be given for the caller itself";
                     },
                     [] {
                       EXPECT_FALSE(Has(PendingSet(), SIGUSR1))
                           << "a send refused with EPERM must not leave SIGUSR1 pending in the target";
                     });
}

IPC_CASE(pidfd, pidfd_send_signal, self_si_user_siginfo_accepted,
         .title = "a process may send itself a siginfo_t with si_code SI_USER through its own pidfd",
         .covers = {"self_may_use_any_si_code"}, .cls = Conformance::linux_specific) {
  InChild("process signalling itself", [] {
    Block({SIGUSR1});
    UniqueFd self = Open(getpid());
    siginfo_t info = QueueInfo(SIGUSR1, SI_USER, 5);
    ASSERT_THAT(pidfd_send_signal(self.get(), SIGUSR1, &info, 0), SyscallSucceeds())
        << "the si_code restriction does not apply when the pidfd refers to the caller";
    const auto got = ExpectAccepted(SIGUSR1, "the signal the process sent itself");
    if (!got) return;
    EXPECT_EQ(got->si_code, SI_USER) << "si_code is " << SiCodeName(got->si_code);
  });
}

IPC_CASE(pidfd, pidfd_send_signal, invalid_signal_fails_einval,
         .title = "pidfd_send_signal of a signal number above the last signal, or negative, fails with EINVAL",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  Held target;
  UniqueFd fd = Open(target.pid());
  EXPECT_THAT(pidfd_send_signal(fd.get(), SIGRTMAX + 1, nullptr, 0), SyscallFailsWithErrno(EINVAL))
      << "signal " << SIGRTMAX + 1 << ", one above SIGRTMAX";
  EXPECT_THAT(pidfd_send_signal(fd.get(), -1, nullptr, 0), SyscallFailsWithErrno(EINVAL)) << "signal -1";
  target.Release();
  ExpectCleanExit(target.child.Wait(), "the target");
}

IPC_CASE(pidfd, pidfd_send_signal, undefined_flag_fails_einval,
         .title = "pidfd_send_signal with a flag bit it does not define fails with EINVAL and sends nothing",
         .covers = {"EINVAL"}, .cls = Conformance::linux_specific) {
  Held target;
  UniqueFd fd = Open(target.pid());
  EXPECT_THAT(pidfd_send_signal(fd.get(), SIGTERM, nullptr, 1u << 30), SyscallFailsWithErrno(EINVAL))
      << "flags 1 << 30, a bit no kernel defines for pidfd_send_signal";
  target.Release();
  ExpectCleanExit(target.child.Wait(), "the target (the refused SIGTERM must not reach it)");
}

IPC_CASE(pidfd, pidfd_send_signal, from_non_ancestor_pid_namespace_fails_einval,
         .title = "pidfd_send_signal from a child PID namespace to a process outside it fails with EINVAL",
         .covers = {"EINVAL"}, .refs = {"pid_namespaces(7) DESCRIPTION"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("pid_namespace")) {
  Held target;
  UniqueFd fd = Open(target.pid());
  InChild("process that made a new PID namespace", [&] {
    IPCC_SETUP(unshare(CLONE_NEWPID));
    Child inner = Fork([&] {
      EXPECT_THAT(pidfd_send_signal(fd.get(), SIGTERM, nullptr, 0), SyscallFailsWithErrno(EINVAL))
          << "the target lives in an ancestor of the caller's PID namespace, from which it cannot be signalled";
    });
    ExpectCleanExit(inner.Wait(), "pid 1 of the new PID namespace");
  });
  target.Release();
  ExpectCleanExit(target.child.Wait(), "the target (the refused SIGTERM must not reach it)");
}

IPC_CASE(pidfd, pidfd_send_signal, non_pidfd_descriptor_fails_ebadf,
         .title = "pidfd_send_signal on a descriptor that is not a pidfd (a pipe) fails with EBADF",
         .covers = {"EBADF"}, .cls = Conformance::linux_specific) {
  Pipe p = MakePipe(O_CLOEXEC);
  EXPECT_THAT(pidfd_send_signal(p.r.get(), 0, nullptr, 0), SyscallFailsWithErrno(EBADF)) << "the read end of a pipe";
}

IPC_CASE(pidfd, pidfd_send_signal, closed_descriptor_fails_ebadf,
         .title = "pidfd_send_signal on a descriptor number that is not open fails with EBADF", .covers = {"EBADF"},
         .cls = Conformance::linux_specific) {
  const int fd = IPCC_SETUP(open("/dev/null", O_RDONLY | O_CLOEXEC));
  IPCC_SETUP(close(fd));
  EXPECT_THAT(pidfd_send_signal(fd, 0, nullptr, 0), SyscallFailsWithErrno(EBADF))
      << "descriptor " << fd << " was just closed";
}

IPC_CASE(pidfd, pidfd_send_signal, unprivileged_to_other_uid_fails_eperm,
         .title = "an unprivileged sender signalling a process of another uid through a pidfd fails with EPERM",
         .covers = {"EPERM"}, .refs = {"kill(2) EPERM"}, .cls = Conformance::linux_specific, .needs = kNeedSecondUid) {
  Held target;  // root's
  UniqueFd fd = Open(target.pid());
  const Identity nobody = SecondIdentity();
  RunAs(nobody, "unprivileged sender", [&] {
    EXPECT_THAT(pidfd_send_signal(fd.get(), SIGTERM, nullptr, 0), SyscallFailsWithErrno(EPERM))
        << "uid " << nobody.uid << " may not signal a process whose real and saved uid are 0";
  });
  target.Release();
  ExpectCleanExit(target.child.Wait(), "the target (the refused SIGTERM must not reach it)");
}

IPC_CASE(pidfd, pidfd_send_signal, reaped_process_fails_esrch,
         .title = "pidfd_send_signal to a process that terminated and was waited for fails with ESRCH",
         .covers = {"ESRCH"}, .cls = Conformance::linux_specific) {
  Child c = Fork([] {});
  UniqueFd fd = Open(c.pid());
  ExpectCleanExit(c.Wait(), "child");
  EXPECT_THAT(pidfd_send_signal(fd.get(), SIGTERM, nullptr, 0), SyscallFailsWithErrno(ESRCH))
      << "the process the pidfd refers to has terminated and been waited for";
}

IPC_CASE(pidfd, pidfd_send_signal, proc_pid_directory_fd_signals_process,
         .title = "a descriptor of a /proc/<pid> directory works as the pidfd: the signal reaches that process",
         .covers = {"proc_pid_dir_accepted"}, .cls = Conformance::linux_specific) {
  SendToWaitingChild([] { Block({SIGUSR1}); },
                     [](pid_t pid) {
                       const std::string dir = "/proc/" + std::to_string(pid);
                       UniqueFd fd(IPCC_SETUP(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
                       ASSERT_THAT(pidfd_send_signal(fd.get(), SIGUSR1, nullptr, 0), SyscallSucceeds())
                           << "pidfd_send_signal given a descriptor of " << dir;
                     },
                     [] { ExpectAccepted(SIGUSR1, "the signal sent through the /proc/<pid> descriptor"); });
}

// Makes the next pid this process's PID namespace hands out `pid` (set-up).
void SetNextPid(pid_t pid) {
  UniqueFd f(IPCC_SETUP(open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC)));
  const std::string text = std::to_string(pid - 1);
  if (write(f.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    ThrowHarnessError("set-up: writing " + text + " to /proc/sys/kernel/ns_last_pid: " + ErrnoName(errno));
  }
}

IPC_CASE(pidfd, pidfd_send_signal, recycled_pid_not_signalled,
         .title = "a pidfd of a reaped process fails with ESRCH even after a new process has taken the same pid",
         .covers = {"not_fooled_by_pid_reuse", "ESRCH"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("pid_namespace") | need::KernelConfig("CONFIG_CHECKPOINT_RESTORE")) {
  // In a PID namespace of its own (no other process takes pids there), ns_last_pid hands the reaped pid out again.
  InChild("process that made a new PID namespace", [] {
    IPCC_SETUP(unshare(CLONE_NEWPID));
    Child init = Fork([] {
      Child first = Fork([] {});
      const pid_t pid = first.pid();
      UniqueFd fd = Open(pid);
      ExpectCleanExit(first.Wait(), "the first child");
      SetNextPid(pid);
      Held second;
      if (second.pid() != pid) {
        ThrowHarnessError("set-up: the next child got pid " + std::to_string(second.pid()) + ", not the recycled " +
                          std::to_string(pid));
      }
      EXPECT_THAT(pidfd_send_signal(fd.get(), SIGTERM, nullptr, 0), SyscallFailsWithErrno(ESRCH))
          << "the pidfd refers to the reaped first child; pid " << pid << " now names another process";
      second.Release();
      ExpectCleanExit(second.child.Wait(), "the process that took the pid (the old pidfd must not reach it)");
    });
    ExpectCleanExit(init.Wait(), "pid 1 of the new PID namespace");
  });
}

IPC_CASE(pidfd, pidfd_send_signal, reaches_process_in_child_pid_namespace,
         .title = "a pidfd of a process in a child PID namespace delivers a signal to it from the parent namespace",
         .covers = {"same_or_ancestor_pid_namespace"}, .cls = Conformance::linux_specific,
         .needs = kNeedRoot | need::Feature("pid_namespace")) {
  // The bounds nest: the target's own wait for the signal (5 s) ends first, with its message.
  AsParent(
      "process that made a new PID namespace",
      [] {
        IPCC_SETUP(unshare(CLONE_NEWPID));
        Child inner = Fork([] {
          Block({SIGUSR1});  // pid 1 of a namespace takes from outside only signals it blocks or catches
          CheckpointPost(0);
          ExpectAccepted(SIGUSR1, "pid 1 of the child PID namespace, signalled through a pidfd from outside");
        });
        if (!AwaitCheckpoint(inner, 0)) return;
        UniqueFd fd = Open(inner.pid());
        EXPECT_THAT(pidfd_send_signal(fd.get(), SIGUSR1, nullptr, 0), SyscallSucceeds())
            << "the caller's PID namespace is the parent of the target's";
        ExpectCleanExit(inner.Wait(kDefaultWait + std::chrono::seconds(1)), "pid 1 of the child PID namespace");
      },
      kDefaultWait + std::chrono::seconds(2));
}

}  // namespace
