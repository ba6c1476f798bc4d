// The blocked-task probe on a process that no longer exists, and the names its messages use.
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness/caselib/probe.h"

namespace {

using namespace ipcc;

TEST(ProbeGone, AReapedProcessIsReportedGoneAtOnce) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  const ProbeResult p = WaitUntilBlocked(pid, {SYS_read}, std::chrono::seconds(5));
  EXPECT_EQ(p.kind, ProbeResult::kExited);
  EXPECT_EQ(p.last_seen, "process gone");
}

TEST(ProbeGone, MessagesNameTheCallsCasesWaitIn) {
  EXPECT_EQ(SyscallName(SYS_flock), "flock");
  EXPECT_EQ(SyscallName(SYS_fcntl), "fcntl");
  EXPECT_EQ(SyscallName(SYS_epoll_wait), "epoll_wait");
  EXPECT_EQ(SyscallName(SYS_mq_timedreceive), "mq_timedreceive");
  EXPECT_EQ(SyscallName(SYS_semtimedop), "semtimedop");
}

}  // namespace
