#include "harness/caselib/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "harness/caselib/environment.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc {

std::optional<std::string> ReadSysctl(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[512];
  ssize_t n = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  const int err = errno;
  close(fd);
  if (n < 0) {
    errno = err;
    return std::nullopt;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) text.pop_back();
  return text;
}

long ReadSysctlNumber(const std::string& path) {
  const auto text = ReadSysctl(path);
  if (!text) ThrowHarnessError(fmt::format("set-up: reading {}: {}", path, ErrnoName(errno)));
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text->c_str(), &end, 10);
  if (errno != 0 || end == text->c_str())
    ThrowHarnessError(fmt::format("set-up: {} holds '{}', not a number", path, *text));
  return v;
}

int TryWriteSysctl(const std::string& path, std::string_view value) {
  RequireDeclared(need::WritableSysctl(path.c_str()), "writes " + path);
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const std::string text = std::string(value) + "\n";
  int err = 0;
  if (write(fd, text.data(), text.size()) < 0) err = errno;
  close(fd);
  return err;
}

void WriteSysctl(const std::string& path, std::string_view value) {
  if (const int err = TryWriteSysctl(path, value); err != 0) {
    ThrowHarnessError(fmt::format("set-up: writing '{}' to {}: {}", value, path, ErrnoName(err)));
  }
}

ScopedSysctl::ScopedSysctl(std::string path, std::string_view value) : path_(std::move(path)) {
  auto old = ReadSysctl(path_);
  if (!old) ThrowHarnessError(fmt::format("set-up: reading {}: {}", path_, ErrnoName(errno)));
  old_ = *old;
  WriteSysctl(path_, value);
}

ScopedSysctl::~ScopedSysctl() {
  (void)TryWriteSysctl(path_, old_);
}

}  // namespace ipcc
