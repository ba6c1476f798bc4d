// signalfd descriptors (signalfd(2)) for the signalfd cases and their fixtures: making a descriptor for
// blocked signals, bounded reads of signalfd_siginfo structures, readiness, the mask the kernel shows
// in /proc/<pid>/fdinfo, and a forked sender.
//
// The namespace is ipcc::signalfd, which hides the signalfd() function where `using namespace ipcc;` is
// in force: call it as ::signalfd(...).
#pragma once

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "harness/caselib/fd.h"

namespace ipcc::signalfd {

// The size of one structure a read returns (signalfd(2): padded to 128 bytes).
inline constexpr ssize_t kSiginfoSize = sizeof(signalfd_siginfo);
static_assert(sizeof(signalfd_siginfo) == 128, "signalfd_siginfo is documented as 128 bytes");

// Blocks `sigs` in the calling thread (a harness error when sigprocmask refuses) and makes a signalfd for
// them with `flags`. signalfd is the call the family is about: a refusal is recorded as a failure naming
// the call and the errno, and the descriptor returned is invalid (the caller stops on it).
UniqueFd BlockedSignalfd(std::initializer_list<int> sigs, int flags = SFD_CLOEXEC);
// ::signalfd(-1, &set, flags), judged the same way, without touching the signal mask.
UniqueFd NewSignalfd(const sigset_t& set, int flags = SFD_CLOEXEC);

// Whether poll (timeout 0) reports the descriptor readable (POLLIN) for the calling thread now. A failing
// poll is recorded as a failure and answers false.
bool Readable(int fd);

// Waits, at most `bound`, for the descriptor to become readable, then reads one structure with a buffer
// of exactly one. A failure naming `what` and nullopt when nothing became readable or the read returned
// anything other than one structure.
std::optional<signalfd_siginfo> ReadOne(int fd, const std::string& what,
                                        std::chrono::milliseconds bound = std::chrono::seconds(5));

// One read with a buffer of `slots` structures plus `extra` bytes: its result, its errno, and the
// structures it filled (result / 128 of them when it succeeded).
struct SlotsRead {
  ssize_t result = -1;
  int error = 0;
  std::vector<signalfd_siginfo> infos;
};
SlotsRead ReadSlots(int fd, std::size_t slots, std::size_t extra = 0);

// "SIGUSR1 (ssi_code SI_USER, ssi_pid 5, ssi_uid 0)", for messages.
std::string Describe(const signalfd_siginfo& si);
// "[SIGRTMIN, SIGRTMIN+1]": the ssi_signo of each structure, in order.
std::string Signals(const std::vector<signalfd_siginfo>& infos);

// Forks a child that runs `send(target)`, target being the caller's pid, and expects it to exit cleanly;
// returns the child's pid (reaped). kill, sigqueue and tgkill queue the signal before they return, so it
// is pending for the target once this returns.
pid_t SendFromChild(const std::function<void(pid_t target)>& send, const std::string& what = "sending child");

// The signal mask as the kernel prints it in the sigmask field of /proc/<pid>/fdinfo/<fd>: 16 hex digits,
// bit sig-1 set for each signal.
std::string MaskHex(std::initializer_list<int> sigs);
// The sigmask field of /proc/<pid>/fdinfo/<fd> (pid 0: self), or nullopt when the file or the field is
// missing.
std::optional<std::string> FdinfoMask(int fd, pid_t pid = 0);
// Whether descriptor fd of the calling process is a signalfd (/proc/self/fd/<fd> names
// "anon_inode:[signalfd]").
bool IsSignalfd(int fd);

}  // namespace ipcc::signalfd
