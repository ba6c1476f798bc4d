// The shared-memory throughput gate: moves the same byte volume between two persistent processes by
// each mechanism, in short interleaved slices, measures the machine's single-thread memcpy bandwidth
// over the same working set in the same run, and judges the median of per-round ratios.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ipcc::gate {

struct Thresholds {
  double shm_vs_memcpy = 0.4;    // shm ring >= this x memcpy of the same working set
  double shm_vs_pipe = 5.0;      // >= this x the best pipe
  double shm_vs_socket = 2.0;    // >= this x socketpair
  double shm_vs_sysv_msg = 5.0;  // >= this x System V messages
};

struct Options {
  int rounds = 15;
  double slice_ms = 12.0;
  std::size_t chunk_bytes = 64 * 1024;
  std::size_t ring_chunks = 16;  // ring (and memcpy working set) = chunk_bytes * ring_chunks
  int attempts = 3;
  Thresholds thresholds;
};

enum class Verdict { pass, fail, inconclusive };

struct Result {
  Verdict verdict = Verdict::inconclusive;
  std::string reason;     // why it failed or is inconclusive
  nlohmann::json record;  // everything measured, every attempt
};

// Runs the gate in this process (forks the producer). Never throws for measurement problems: they
// make the verdict inconclusive with the reason.
Result Run(const Options& options);

// The terminal table for a record produced by Run().
std::string FormatTable(const nlohmann::json& record);

std::string VerdictName(Verdict v);

}  // namespace ipcc::gate
