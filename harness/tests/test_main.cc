#include <gtest/gtest.h>

#include "harness/state.h"
#include "harness/supervisor.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ipcc::InstallStateListener();
  ipcc::State();
  return RUN_ALL_TESTS();
}
