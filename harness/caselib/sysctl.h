// Reading and setting /proc/sys files from a case. Setting one needs need::WritableSysctl(path) in the
// case's .needs: the harness then starts the case only where the file can be written (in the case's
// own IPC namespace for the IPC limits), so a refused write here is a harness ERROR, never a verdict.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ipcc {

// The file's text with trailing white space removed, or nullopt (errno set) when it cannot be read.
std::optional<std::string> ReadSysctl(const std::string& path);
// The file as a number; a harness ERROR when it cannot be read or is not a number.
long ReadSysctlNumber(const std::string& path);

// Writes `value` (a newline is added). Returns 0 or the errno of the failed open or write, for cases
// that check what the kernel refuses (EINVAL for a value out of range). Refuses (harness ERROR) a
// path the current case did not declare.
int TryWriteSysctl(const std::string& path, std::string_view value);
// The same, and a write that fails is a harness ERROR naming the file and the errno.
void WriteSysctl(const std::string& path, std::string_view value);
inline void WriteSysctl(const std::string& path, long value) {
  WriteSysctl(path, std::to_string(value));
}

// Sets a sysctl for a scope and puts the old text back when the scope ends.
class ScopedSysctl {
 public:
  ScopedSysctl(std::string path, std::string_view value);
  ScopedSysctl(std::string path, long value) : ScopedSysctl(std::move(path), std::to_string(value)) {}
  ~ScopedSysctl();
  ScopedSysctl(const ScopedSysctl&) = delete;
  ScopedSysctl& operator=(const ScopedSysctl&) = delete;

 private:
  std::string path_;
  std::string old_;
};

}  // namespace ipcc
