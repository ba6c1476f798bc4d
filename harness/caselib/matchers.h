// gMock matchers over system-call results. errno is read when the matcher runs, right after the call
// expression was evaluated, and every failure message names the errno values by name:
//
//   EXPECT_THAT(write(fd, "x", 1), SyscallFailsWithErrno(EPIPE));
//   -> Value of: write(fd, "x", 1)
//      Expected: fails with EPIPE
//        Actual: 1 (succeeded)
#pragma once

#include <cerrno>
#include <string>
#include <vector>

#include <gmock/gmock.h>

#include "harness/caselib/names.h"

namespace ipcc {

template <typename T>
bool SyscallFailed(T value) {
  if constexpr (std::is_pointer_v<T>) {
    // mmap/shmat give (void*)-1 on failure: a pointer made from an integer on purpose.
    return value == reinterpret_cast<T>(-1) || value == nullptr;  // NOLINT(performance-no-int-to-ptr)
  } else {
    return value == static_cast<T>(-1);
  }
}

[[noreturn]] void ThrowSetupFailure(const char* call, int err, const char* file, int line);

// The one set-up rule (docs/verdicts.md): a call that only prepares the case and fails is a harness
// ERROR, never a FAIL. Returns the call's value when it succeeded.
//   const int fd = IPCC_SETUP(open(path.c_str(), O_RDONLY));
template <typename T>
T SetupOrThrow(T value, const char* call, const char* file, int line) {
  if (SyscallFailed(value)) ThrowSetupFailure(call, errno, file, line);
  return value;
}

MATCHER(SyscallSucceeds, "succeeds") {
  const int err = errno;
  if (!::ipcc::SyscallFailed(arg)) return true;
  *result_listener << "failed with " << ::ipcc::ErrnoName(err);
  return false;
}

MATCHER_P(SyscallSucceedsWithValue, expected, "succeeds with value " + ::testing::PrintToString(expected)) {
  const int err = errno;
  if (::ipcc::SyscallFailed(arg)) {
    *result_listener << "failed with " << ::ipcc::ErrnoName(err);
    return false;
  }
  if (arg == expected) return true;
  *result_listener << "succeeded with " << arg;
  return false;
}

MATCHER_P(SyscallFailsWithErrno, expected, "fails with " + ::ipcc::ErrnoName(expected)) {
  const int err = errno;
  if (!::ipcc::SyscallFailed(arg)) {
    *result_listener << "succeeded";
    return false;
  }
  if (err == expected) return true;
  *result_listener << "failed with " << ::ipcc::ErrnoName(err);
  return false;
}

// Accepts any of several errno values (where the documentation allows more than one).
MATCHER_P(SyscallFailsWithAnyErrno, expected_list, "fails with one of the listed errno values") {
  const int err = errno;
  if (!::ipcc::SyscallFailed(arg)) {
    *result_listener << "succeeded";
    return false;
  }
  for (int e : expected_list) {
    if (e == err) return true;
  }
  *result_listener << "failed with " << ::ipcc::ErrnoName(err);
  return false;
}

// For functions that return an error number instead of setting errno (posix_spawn, pthread_*).
MATCHER_P(ReturnsErrno, expected, "returns " + ::ipcc::ErrnoName(expected)) {
  if (arg == expected) return true;
  *result_listener << "returned " << ::ipcc::ErrnoName(arg);
  return false;
}

}  // namespace ipcc

#define IPCC_SETUP(call) ::ipcc::SetupOrThrow((call), #call, __FILE__, __LINE__)
