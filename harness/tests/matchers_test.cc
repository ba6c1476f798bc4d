#include <fcntl.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/matchers.h"

namespace {

using ::testing::Not;
using namespace ipcc;

template <typename M, typename T>
std::string Explain(const M& matcher, T value) {
  ::testing::StringMatchResultListener listener;
  ::testing::ExplainMatchResult(matcher, value, &listener);
  return listener.str();
}

TEST(Matchers, SucceedsAcceptsNonNegativeAndRejectsMinusOne) {
  EXPECT_THAT(0, SyscallSucceeds());
  EXPECT_THAT(5, SyscallSucceeds());
  errno = EBADF;
  EXPECT_THAT(-1, Not(SyscallSucceeds()));
  errno = EBADF;
  EXPECT_EQ(Explain(SyscallSucceeds(), -1), "failed with EBADF");
}

TEST(Matchers, FailsWithErrnoNamesBothErrnos) {
  errno = EAGAIN;
  EXPECT_THAT(read(-1, nullptr, 0), SyscallFailsWithErrno(EBADF));
  errno = EAGAIN;
  EXPECT_THAT(-1, Not(SyscallFailsWithErrno(EPIPE)));
  errno = EAGAIN;
  EXPECT_EQ(Explain(SyscallFailsWithErrno(EPIPE), -1), "failed with EAGAIN");
  EXPECT_EQ(Explain(SyscallFailsWithErrno(EPIPE), 3), "succeeded");
  EXPECT_EQ(::testing::DescribeMatcher<int>(SyscallFailsWithErrno(EPIPE)), "fails with EPIPE");
}

TEST(Matchers, SucceedsWithValueChecksTheValue) {
  EXPECT_THAT(3, SyscallSucceedsWithValue(3));
  EXPECT_THAT(4, Not(SyscallSucceedsWithValue(3)));
  EXPECT_EQ(Explain(SyscallSucceedsWithValue(3), 4), "succeeded with 4");
}

TEST(Matchers, PointerResultsFailOnMapFailed) {
  void* failed = reinterpret_cast<void*>(-1);
  errno = ENOMEM;
  EXPECT_THAT(failed, SyscallFailsWithErrno(ENOMEM));
  int x = 0;
  EXPECT_THAT(static_cast<void*>(&x), SyscallSucceeds());
}

TEST(Matchers, AnyErrnoAndReturnsErrno) {
  errno = EIDRM;
  EXPECT_THAT(-1, SyscallFailsWithAnyErrno(std::vector<int>{EINVAL, EIDRM}));
  errno = EPERM;
  EXPECT_THAT(-1, Not(SyscallFailsWithAnyErrno(std::vector<int>{EINVAL, EIDRM})));
  EXPECT_THAT(EBUSY, ReturnsErrno(EBUSY));
  EXPECT_EQ(Explain(ReturnsErrno(EBUSY), 0), "returned no error");
}

}  // namespace
