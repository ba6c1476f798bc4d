// The libFuzzer entry point of one fuzz target, chosen at build time with IPCC_FUZZ_TARGET (the name
// of a function of fuzz_targets.h). A broken property aborts with its description; any other
// exception that escapes the code under test ends the process through std::terminate, as it would
// end ipcconform: both are crashes to the fuzzer.
#include <cstdio>
#include <cstdlib>

#include "harness/fuzz/fuzz_targets.h"

#ifndef IPCC_FUZZ_TARGET
#error "IPCC_FUZZ_TARGET must name the target function"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    ipcc::fuzz::IPCC_FUZZ_TARGET(data, size);
  } catch (const ipcc::fuzz::Violation& v) {
    std::fprintf(stderr, "ipcc fuzz: property broken: %s\n", v.what());
    std::abort();
  }
  return 0;
}
