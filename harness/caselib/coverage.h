// Coverage builds (-DIPCC_COVERAGE=ON, which defines IPCC_COVERAGE_BUILD): gcov writes its counters
// from an exit handler, which _exit() and _Exit() skip, so every process of the harness that ends
// that way (case processes, supervisors, forked children, fixtures) calls FlushCoverage() first.
// Elsewhere it does nothing.
#pragma once

#ifdef IPCC_COVERAGE_BUILD
extern "C" void __gcov_dump(void);  // libgcov (GCC >= 11; clang's --coverage runtime has it too)
#endif

namespace ipcc {

inline void FlushCoverage() {
#ifdef IPCC_COVERAGE_BUILD
  __gcov_dump();
#endif
}

}  // namespace ipcc
