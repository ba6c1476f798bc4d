#include <gtest/gtest.h>

#include "harness/caselib/in_process.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return ipcc::RunTestsInProcess();
}
