// memfd_create(2) anonymous files and their fcntl(2) file seals, for the memfd cases (conformance/memfd):
// files made as set-up, mappings owned, seal masks by name, and the other processes that hold a file
// (a forked child, a receiver of SCM_RIGHTS) in which a seal's effect is checked.
#pragma once

#include <sys/mman.h>
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>

#include "harness/caselib/fd.h"

namespace ipcc::memfd {

// memfd_create(name, flags) as set-up: a harness error when the file cannot be made (the cases about
// memfd_create itself call it directly and judge the result).
UniqueFd MakeMemfd(const std::string& name, unsigned flags);

// A file made with MFD_ALLOW_SEALING, `size` bytes long and holding Contents(size), with no seal yet
// (set-up: a harness error on any failure). The seals are added by the case, which asserts them.
UniqueFd SealableFile(const std::string& name, std::size_t size);

// The bytes SealableFile writes: 'a'..'z' repeated.
std::string Contents(std::size_t n);

// st_size of the file behind fd (set-up: fstat failing is a harness error).
off_t FileSize(int fd);

// The n bytes at `offset` of the file behind fd, read with pread (set-up: a failed read is a harness
// error; a short read returns what there was, for the caller's comparison to report).
std::string ReadAt(int fd, std::size_t n, off_t offset = 0);

// "F_SEAL_SEAL|F_SEAL_GROW", "0" for none; unknown bits in hex.
std::string SealNames(int seals);

// The set of seals F_GET_SEALS reports (set-up: a failing F_GET_SEALS is a harness error, for the cases
// where the seals only confirm that a refused call changed nothing).
int SealsOf(int fd);

// Owns a mapping (munmap when it goes). Made from mmap's result, MAP_FAILED included (then owns nothing).
class Mapping {
 public:
  Mapping() = default;
  Mapping(void* addr, std::size_t len) : addr_(addr == MAP_FAILED ? nullptr : addr), len_(len) {}
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { reset(); }

  char* get() const { return static_cast<char*>(addr_); }
  bool valid() const { return addr_ != nullptr; }
  void reset();

 private:
  void* addr_ = nullptr;
  std::size_t len_ = 0;
};

// mmap(len, prot, flags) of the file behind fd at offset 0, as set-up (a harness error on failure).
Mapping MapOrThrow(int fd, std::size_t len, int prot, int flags = MAP_SHARED);

// The other process of a cross-process seal case, and how it holds the file.
enum class Holder {
  kForkedChild,        // forked while the case holds the file: it inherited the descriptor
  kScmRightsReceiver,  // forked, closed its inherited copy and received the descriptor with SCM_RIGHTS
};
const char* HolderName(Holder how);

// Runs `in_holder(fd)` in another process that holds the file behind `fd` as `how` says, once
// `in_case()` has run in the case process after the other process held the file: a seal that
// `in_case` adds is added while the other process already has the file. The receiver variant needs
// need::Feature("unix_socket"). Expectations in either function fail the case; the other process is
// waited for (bounded) and must end cleanly.
void InOtherHolder(Holder how, int fd, const std::function<void()>& in_case, const std::function<void(int)>& in_holder);

}  // namespace ipcc::memfd
