// The state every process of one case tree shares: outcome marks, the messages of every process, and
// checkpoint counters. It lives in a memfd mapped MAP_SHARED, created before the case process starts
// and inherited across fork and exec (fixture programs find it through IPCCONFORM_STATE_FD), so a
// failed expectation anywhere in the tree reaches the verdict with that process's message.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ipcc {

enum Mark : std::uint32_t {
  kMarkFailed = 1u << 0,       // an expectation failed in some process
  kMarkError = 1u << 1,        // the harness broke (set-up, checkpoint expired): no verdict
  kMarkUnsupported = 1u << 2,  // an unmet need the harness judged UNSUPPORTED (a hand run; docs/verdicts.md)
  kMarkSkipped = 1u << 3,      // not run: an unmet need, recorded by the harness before the body
  kMarkCrashed = 1u << 4,      // a process of the tree died unexpectedly
  kMarkFinished = 1u << 5,     // the case body returned in the case process
};

inline constexpr int kCheckpointCount = 64;
inline constexpr std::size_t kStateSize = std::size_t{128} * 1024;

struct SharedState {
  std::atomic<std::uint32_t> marks;
  std::atomic<std::uint32_t> log_used;
  std::atomic<std::int32_t> root_pid;     // the process running the gtest body
  std::atomic<std::int32_t> case_status;  // its wait status, stored by the namespace's init
  std::atomic<std::uint32_t> case_ended;  // 1 once case_status is valid
  std::atomic<std::uint32_t> first_bad;   // the first of failed/error/crashed recorded in the tree
  std::atomic<std::uint32_t> reserved[10];
  std::atomic<std::uint32_t> checkpoints[kCheckpointCount];
  char log[kStateSize - 64 - std::size_t{kCheckpointCount} * 4];
};
static_assert(sizeof(SharedState) <= kStateSize);

// The state of the current case tree. Maps the inherited memfd when IPCCONFORM_STATE_FD is set,
// otherwise (a case run by hand under plain gtest) creates one on first use.
SharedState& State();
// The memfd behind State(), for handing to exec'd programs.
int StateFd();
// Creates a fresh state (memfd) and exports it through the environment; used by the supervisor.
int CreateStateFd();
// Clears marks, log and checkpoints: the start of a case.
void ResetState();

// Records a mark with a message, prefixed by the recording process when it is not the case process.
void Record(Mark mark, std::string_view message);
std::string LogText();

// A harness failure: recorded as ERROR (never FAIL) and thrown, so the case stops there.
class HarnessError : public std::runtime_error {
 public:
  explicit HarnessError(const std::string& what);
};
[[noreturn]] void ThrowHarnessError(const std::string& message);

// Checkpoints: counters that processes of the tree post and wait on (futex, bounded). An expired wait
// is a harness error.
void CheckpointPost(int id);
void CheckpointWait(int id, std::uint32_t count = 1, std::chrono::milliseconds timeout = std::chrono::seconds(5));
std::uint32_t CheckpointValue(int id);

// True when the case runs in IPC, mount and PID namespaces of its own (so it may change IPC sysctls
// and see only its own objects); false under process-group isolation or when run by hand.
bool InOwnNamespaces();

// The case's private temporary folder (removed by the supervisor after the case).
std::string TempDir();
// A fresh path inside TempDir() that does not exist yet.
std::string TempPath(std::string_view stem);

}  // namespace ipcc
