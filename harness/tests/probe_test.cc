#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness/caselib/child.h"
#include "harness/caselib/fd.h"
#include "harness/caselib/probe.h"
#include "harness/caselib/state.h"

namespace {

using namespace ipcc;
using std::chrono::milliseconds;

TEST(Probe, SeesAChildBlockedInRead) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  Child reader = Fork([&] {
    char c;
    (void)!read(r.get(), &c, 1);
  });
  ProbeResult p = WaitUntilBlocked(reader.pid(), {SYS_read});
  EXPECT_EQ(p.kind, ProbeResult::kBlocked) << p.last_seen;
  EXPECT_EQ(p.method, "syscall");
  ASSERT_EQ(write(w.get(), "x", 1), 1);
  EXPECT_EQ(reader.Wait(), 0);
}

TEST(Probe, ReportsAProcessThatEndsInsteadOfBlocking) {
  Child quick = Fork([] {});
  ProbeResult p = WaitUntilBlocked(quick.pid(), {SYS_read});
  EXPECT_EQ(p.kind, ProbeResult::kExited) << p.last_seen;
}

// A block in another call is never taken for the expected one. Seen there only briefly it proves
// nothing (timed out); asleep there through the last second of the wait, the expected call did not
// block (IPCC_ASSERT_BLOCKED makes that a FAIL). A harness wait (a futex checkpoint) is no evidence.
TEST(Probe, ABlockInAnotherCallIsNotTaken) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  Child reader = Fork([&] {
    char c;
    (void)!read(r.get(), &c, 1);
  });
  ProbeResult p = WaitUntilBlocked(reader.pid(), {SYS_write}, milliseconds(200));
  EXPECT_EQ(p.kind, ProbeResult::kTimedOut);
  EXPECT_NE(p.last_seen.find("read"), std::string::npos) << p.last_seen;

  ProbeResult stable = WaitUntilBlocked(reader.pid(), {SYS_write}, milliseconds(1500));
  EXPECT_EQ(stable.kind, ProbeResult::kBlockedElsewhere) << stable.last_seen;
  EXPECT_NE(stable.last_seen.find("read"), std::string::npos) << stable.last_seen;

  Child waiter = Fork([] { CheckpointWait(kCheckpointCount - 1, 1, std::chrono::seconds(10)); });
  ProbeResult q = WaitUntilBlocked(waiter.pid(), {SYS_write}, milliseconds(1500));
  EXPECT_EQ(q.kind, ProbeResult::kTimedOut) << q.last_seen;
}

TEST(Probe, ARunningProcessIsNeverTakenForBlocked) {
  Child spinner = Fork([] {
    for (;;) {
    }
  });
  ProbeResult p = WaitUntilBlocked(spinner.pid(), {SYS_read}, milliseconds(200));
  EXPECT_EQ(p.kind, ProbeResult::kTimedOut) << p.last_seen;
}

TEST(Probe, SyscallNamesAreReadable) {
  EXPECT_EQ(SyscallName(SYS_openat), "openat");
  EXPECT_EQ(SyscallName(SYS_msgrcv), "msgrcv");
  EXPECT_EQ(SyscallName(99999), "syscall 99999");
}

}  // namespace
