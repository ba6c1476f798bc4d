#include "harness/caselib/ipc/splice.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "harness/caselib/ipc/pipe.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::splice {

TempFile MakeFile(const std::string& stem, const std::string& content, int flags) {
  TempFile f{TempPath(stem), UniqueFd()};
  {
    UniqueFd w(open(f.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!w.valid()) ThrowHarnessError("set-up: creating " + f.path + ": " + ErrnoName(errno));
    if (!content.empty() && write(w.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
      ThrowHarnessError("set-up: writing the content of " + f.path + ": " + ErrnoName(errno));
    }
  }
  f.fd.reset(open(f.path.c_str(), flags | O_CLOEXEC));
  if (!f.fd.valid()) ThrowHarnessError("set-up: opening " + f.path + ": " + ErrnoName(errno));
  return f;
}

std::string FileContent(const std::string& path) {
  UniqueFd r(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!r.valid()) ThrowHarnessError("set-up: opening " + path + " to read it back: " + ErrnoName(errno));
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(r.get(), buf, sizeof buf);
    if (n == 0) return out;
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowHarnessError("set-up: reading " + path + " back: " + ErrnoName(errno));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

off_t FileOffset(int fd) {
  const off_t off = lseek(fd, 0, SEEK_CUR);
  if (off < 0) ThrowHarnessError("set-up: lseek(SEEK_CUR): " + ErrnoName(errno));
  return off;
}

void PutInPipe(int wfd, const std::string& bytes) {
  const ssize_t n = write(wfd, bytes.data(), bytes.size());
  if (n != static_cast<ssize_t>(bytes.size())) {
    ThrowHarnessError("set-up: writing " + std::to_string(bytes.size()) +
                      " bytes into a pipe: " + (n < 0 ? ErrnoName(errno) : "only " + std::to_string(n) + " taken"));
  }
}

std::string TakeAll(int rfd) {
  const int n = pipes::UnreadBytes(rfd);
  if (n <= 0) return "";
  return pipes::ReadExactly(rfd, static_cast<std::size_t>(n));
}

}  // namespace ipcc::splice
