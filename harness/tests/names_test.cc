#include <sys/wait.h>
#include <cerrno>
#include <csignal>

#include <gtest/gtest.h>

#include "harness/caselib/names.h"

namespace {

TEST(Names, ErrnoNamesAreSymbolic) {
  EXPECT_EQ(ipcc::ErrnoName(EPIPE), "EPIPE");
  EXPECT_EQ(ipcc::ErrnoName(EAGAIN), "EAGAIN");
  EXPECT_EQ(ipcc::ErrnoName(EIDRM), "EIDRM");
  EXPECT_EQ(ipcc::ErrnoName(0), "no error");
  EXPECT_EQ(ipcc::ErrnoName(4321), "errno 4321");
}

TEST(Names, SignalNamesIncludeRealtime) {
  EXPECT_EQ(ipcc::SignalName(SIGPIPE), "SIGPIPE");
  EXPECT_EQ(ipcc::SignalName(SIGRTMIN), "SIGRTMIN");
  EXPECT_EQ(ipcc::SignalName(SIGRTMIN + 3), "SIGRTMIN+3");
  EXPECT_EQ(ipcc::SignalName(200), "signal 200");
}

TEST(Names, WaitStatusesAreDescribed) {
  EXPECT_EQ(ipcc::DescribeWaitStatus(3 << 8), "exited with status 3");
  EXPECT_EQ(ipcc::DescribeWaitStatus(SIGSEGV), "killed by SIGSEGV");
  EXPECT_EQ(ipcc::DescribeWaitStatus(SIGQUIT | 0x80), "killed by SIGQUIT (core dumped)");
  EXPECT_EQ(ipcc::DescribeWaitStatus((SIGSTOP << 8) | 0x7f), "stopped by SIGSTOP");
}

}  // namespace
