// Telling "this system does not let a case set an IPC sysctl" (a feature proven absent: the case is
// UNSUPPORTED) from a harness breakage (ERROR).
#pragma once

#include <cerrno>

namespace ipcc {

// True for the errors with which a system refuses a write to a /proc/sys file: the file is missing
// (ENOENT), not writable here (EACCES, EPERM, EROFS), or read-only in a sandbox's emulated /proc
// (gVisor answers EIO). Anything else (EINVAL for a valid value, EBADF, EFAULT) is not "absent".
inline bool SysctlWriteRefused(int err) {
  return err == ENOENT || err == EACCES || err == EPERM || err == EROFS || err == EIO;
}

}  // namespace ipcc
