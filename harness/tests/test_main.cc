#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "harness/caselib/state.h"
#include "harness/caselib/supervisor.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ipcc::InstallStateListener();
  ipcc::State();
  const int rc = RUN_ALL_TESTS();
  std::error_code ec;
  if (std::getenv("IPCCONFORM_TMPDIR") == nullptr) std::filesystem::remove_all(ipcc::TempDir(), ec);
  return rc;
}
