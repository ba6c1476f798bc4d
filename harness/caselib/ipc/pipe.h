// Pipes as set-up: the owner of both ends of a pipe, for every case that needs one as a tool.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "harness/caselib/fd.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc {

// Both ends of one pipe, each closed when the owner goes.
struct Pipe {
  UniqueFd r, w;
};

// pipe2(flags) as set-up: a harness error when the pipe cannot be made (the cases about pipe creation
// itself call pipe/pipe2 directly and judge the result).
inline Pipe MakePipe(int flags = 0) {
  int fds[2];
  if (pipe2(fds, flags) != 0) ThrowHarnessError("set-up: pipe2: " + ErrnoName(errno));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Sets or clears O_NONBLOCK on the open file description behind fd (set-up: a failure is an error).
inline void SetNonblock(int fd, bool on) {
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0) ThrowHarnessError("set-up: fcntl(F_GETFL): " + ErrnoName(errno));
  if (fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK)) != 0) {
    ThrowHarnessError("set-up: fcntl(F_SETFL): " + ErrnoName(errno));
  }
}

}  // namespace ipcc
