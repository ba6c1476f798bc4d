// Symbolic names for errno values and signals, so that every message a case prints says EPIPE rather
// than 32. Own tables rather than strerrorname_np/sigabbrev_np so the project also builds against
// older C libraries (the chroot targets).
#pragma once

#include <string>

namespace ipcc {

// "EAGAIN", or "errno 512" for a value outside the table.
std::string ErrnoName(int err);
// "SIGPIPE", "SIGRTMIN+3", or "signal 99".
std::string SignalName(int sig);
// "exited with status 3", "killed by SIGSEGV (core dumped)", "stopped by SIGSTOP", ...
std::string DescribeWaitStatus(int status);

}  // namespace ipcc
