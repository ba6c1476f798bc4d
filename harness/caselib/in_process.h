// Internal to the harness, not for cases: the registered tests run in this one process, without a
// supervisor (ipcconform-cases by hand, and the harness's own unit tests).
#pragma once

namespace ipcc {

// After ::testing::InitGoogleTest: records every process's failures in the shared case state, runs
// the tests, and removes the temporary folder unless the caller named one (IPCCONFORM_TMPDIR).
// Returns RUN_ALL_TESTS()'s status.
int RunTestsInProcess();

}  // namespace ipcc
