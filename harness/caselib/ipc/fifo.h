// FIFOs as set-up, for the FIFO cases (conformance/fifo): a fresh FIFO, both ends opened without
// blocking, a bounded blocking open, an unrelated (exec'd) writer, file types by name. Reading, poll and
// the blocking skeleton are the pipe tools (ipc/pipe.h, ipcc::pipes): a FIFO's ends are a pipe's ends.
#pragma once

#include <sys/stat.h>
#include <sys/syscall.h>

#include <chrono>
#include <string>
#include <vector>

#include "harness/caselib/child.h"
#include "harness/caselib/ipc/pipe.h"

// glibc's open() enters the kernel through openat; architectures that still have open(2) list it too
// (where it does not exist, listing openat twice is harmless).
#ifdef SYS_open
#define IPCC_FIFO_SYS_OPEN SYS_open
#else
#define IPCC_FIFO_SYS_OPEN SYS_openat
#endif

namespace ipcc::fifo {

// The system calls a blocking open(2) of a FIFO sleeps in.
inline const std::vector<long> kOpenCalls = {SYS_openat, IPCC_FIFO_SYS_OPEN};

// mkfifo(0600) at a fresh path in the case's private folder, as set-up (a failure is a harness error;
// the mkfifo cases call mkfifo themselves). Returns the path.
std::string MakeFifo();

// open(path, flags) as set-up: a harness error when it fails (for an open the case is not about).
UniqueFd OpenOrThrow(const std::string& path, int flags);

// Both ends of the FIFO at path, opened with O_NONBLOCK, the read end first (so that the write-only
// open finds a reader), as set-up.
Pipe OpenBothEnds(const std::string& path);

// A blocking open(2) of a FIFO by the case process itself, whose completion depends on the rendezvous
// under test (the other end's process is already waiting or about to open). Bounded: a timer signal
// (no SA_RESTART) interrupts an open still blocked after `bound`, which then fails with ETIMEDOUT, so
// the caller's assertion FAILs instead of the case hanging until its timeout.
int OpenWithin(const std::string& path, int flags, std::chrono::milliseconds bound = kDefaultWait);

// Execs the fifo fixture as an unrelated writer that opens path for writing (waiting there for a
// reader, as documented), writes `text` (if any) and exits; `who` must end cleanly.
void WriteAsUnrelatedProcess(const std::string& path, const std::string& text,
                             const std::string& who = "exec'd writer");

// Execs the fifo fixture as an unrelated writer of path that opens it, writes each of `writes` and
// exits; opens the read end here (OpenWithin) and returns all that arrives before end-of-file. A failed
// open or an unclean fixture exit fails the case.
std::string ReadFromUnrelatedWriter(const std::string& path, const std::vector<std::string>& writes);

// "FIFO", "regular file", "directory", ...: the file type in st_mode, for messages.
std::string FileTypeName(mode_t mode);

// stat(path) must succeed and report a FIFO (`what` says what was expected, in the message); the stat
// goes to *st when st is given. False when stat failed (the failure is recorded).
bool ExpectFifoAt(const std::string& path, const std::string& what, struct stat* st = nullptr);

}  // namespace ipcc::fifo
