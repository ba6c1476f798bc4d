// ipcconform-cases: the same cases under plain GoogleTest, for running by hand with --gtest_* flags.
// No namespaces or timeouts here (that is `ipcconform run`); failures in child processes still fail
// the test. The hidden self-test cases are left out unless a filter names them.
#include <cstring>

#include <gtest/gtest.h>

#include "harness/caselib/in_process.h"

int main(int argc, char** argv) {
  bool filtered = false;
  for (int i = 1; i < argc; ++i) filtered |= std::strncmp(argv[i], "--gtest_filter", 14) == 0;
  ::testing::InitGoogleTest(&argc, argv);
  if (!filtered) ::testing::GTEST_FLAG(filter) = "-selftest_*";
  return ipcc::RunTestsInProcess();
}
