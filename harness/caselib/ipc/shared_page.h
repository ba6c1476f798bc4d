// Memory shared with forked children: the page size, and the one box every case keeps shared state in.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <new>

#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc {

// sysconf(_SC_PAGESIZE); a harness error if the system does not say.
inline std::size_t PageSize() {
  const long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) ThrowHarnessError("set-up: sysconf(_SC_PAGESIZE): " + ErrnoName(errno));
  return static_cast<std::size_t>(page);
}

inline std::size_t RoundUpToPage(std::size_t n) {
  return (n + PageSize() - 1) / PageSize() * PageSize();
}

// One T, value-initialised, in an anonymous MAP_SHARED mapping: forked children see the same object,
// and a signal handler may write into it (give T std::atomic or volatile members for that). The
// process that made it destroys and unmaps it; forked children end with _exit and never do.
template <typename T>
class SharedPage {
 public:
  SharedPage() {
    void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ThrowHarnessError("set-up: mmap(MAP_SHARED|MAP_ANONYMOUS): " + ErrnoName(errno));
    ptr_ = new (p) T{};
  }
  ~SharedPage() {
    ptr_->~T();
    munmap(ptr_, sizeof(T));
  }
  SharedPage(const SharedPage&) = delete;
  SharedPage& operator=(const SharedPage&) = delete;

  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }

 private:
  T* ptr_ = nullptr;
};

}  // namespace ipcc
