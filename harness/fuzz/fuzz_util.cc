// What the fuzz targets share: the property check and the input as a file.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/fuzz/fuzz_targets.h"

namespace ipcc::fuzz {

void Check(bool ok, const std::string& what) {
  if (!ok) throw Violation(what);
}

std::string InputFile(const std::uint8_t* data, std::size_t size) {
  static const int fd = memfd_create("ipcc-fuzz-input", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  if (ftruncate(fd, 0) != 0) throw std::runtime_error(std::string("ftruncate: ") + std::strerror(errno));
  std::size_t off = 0;
  while (off < size) {
    ssize_t n = pwrite(fd, data + off, size - off, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("pwrite: ") + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace ipcc::fuzz
