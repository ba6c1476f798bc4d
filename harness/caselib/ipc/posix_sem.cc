#include "harness/caselib/ipc/posix_sem.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::posix_sem {

std::string UniqueSemName(std::string_view stem) {
  static std::atomic<unsigned> counter{0};
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return fmt::format("/ipcc-{}-{}-{}-{}", stem, getpid(), counter.fetch_add(1), ts.tv_nsec);
}

std::string NameOfLength(std::string_view stem, std::size_t chars) {
  std::string name = UniqueSemName(stem);
  if (name.size() - 1 > chars) {
    ThrowHarnessError(fmt::format("set-up: the unique name {} is longer than {} characters", name, chars));
  }
  name.append(chars + 1 - name.size(), 'n');
  return name;
}

std::string SemFilePath(std::string_view name) {
  const std::size_t first = name.find_first_not_of('/');
  return "/dev/shm/sem." + std::string(first == std::string_view::npos ? std::string_view{} : name.substr(first));
}

NamedSem::NamedSem(std::string_view stem) : NamedSem(UniqueSemName(stem), Exact{}) {}

NamedSem::NamedSem(std::string_view stem, unsigned value, mode_t mode) : NamedSem(stem) {
  Create(value, mode);
}

NamedSem::NamedSem(std::string name, Exact) : name_(std::move(name)), owner_(getpid()) {}

NamedSem::~NamedSem() {
  if (getpid() != owner_) return;
  if (sem_ != SEM_FAILED) sem_close(sem_);
  if (created_) sem_unlink(name_.c_str());
}

sem_t* NamedSem::TryCreate(unsigned value, mode_t mode) {
  sem_t* sem = sem_open(name_.c_str(), O_CREAT | O_EXCL, mode, value);
  if (sem != SEM_FAILED) set(sem);
  return sem;
}

void NamedSem::Create(unsigned value, mode_t mode) {
  if (TryCreate(value, mode) == SEM_FAILED) {
    const int err = errno;
    ThrowHarnessError(fmt::format("set-up: sem_open(\"{}\", O_CREAT|O_EXCL, {:#o}, {}) failed with {}", name_, mode,
                                  value, ErrnoName(err)));
  }
}

void ExpectOpenFails(const std::string& name, int oflag, unsigned value, int err, const std::string& what) {
  sem_t* sem = (oflag & O_CREAT) != 0 ? sem_open(name.c_str(), oflag, 0600, value) : sem_open(name.c_str(), oflag);
  EXPECT_THAT(sem, SyscallFailsWithErrno(err)) << what;
  if (sem == SEM_FAILED) return;
  sem_close(sem);
  if ((oflag & O_CREAT) != 0) sem_unlink(name.c_str());
}

SharedSem::SharedSem(unsigned value) : owner_(getpid()) {
  void* page = mmap(nullptr, PageSize(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) ThrowHarnessError("set-up: mmap(MAP_SHARED|MAP_ANONYMOUS): " + ErrnoName(errno));
  sem_ = static_cast<sem_t*>(page);
  if (sem_init(sem_, 1, value) != 0) {
    const int err = errno;
    munmap(page, PageSize());
    ThrowHarnessError(fmt::format("set-up: sem_init(pshared 1, value {}) failed with {}", value, ErrnoName(err)));
  }
}

SharedSem::~SharedSem() {
  if (getpid() != owner_) return;
  if (!destroyed_) sem_destroy(sem_);
  munmap(sem_, PageSize());
}

int ValueOf(sem_t* sem) {
  int value = 0;
  if (sem_getvalue(sem, &value) != 0) {
    ThrowHarnessError("read-back: sem_getvalue failed with " + ErrnoName(errno));
  }
  return value;
}

Child ForkSemWait(sem_t* sem, const std::function<void()>& before) {
  return Fork([&] {
    if (before) before();
    EXPECT_THAT(sem_wait(sem), SyscallSucceeds()) << "sem_wait of the waiting process";
  });
}

Child ForkTaggedSemWait(sem_t* sem, int done_fd, char tag, const std::function<void()>& before) {
  return Fork([&] {
    if (before) before();
    const int r = sem_wait(sem);
    EXPECT_THAT(r, SyscallSucceeds()) << "sem_wait of waiting process '" << tag << "'";
    if (r == 0 && write(done_fd, &tag, 1) != 1) ThrowHarnessError("writing the release tag: " + ErrnoName(errno));
  });
}

std::optional<char> NextReleased(int done_r) {
  if (!ReadableWithin(done_r, kReturnBound)) return std::nullopt;
  char tag = 0;
  if (read(done_r, &tag, 1) != 1) ThrowHarnessError("reading a release tag: " + ErrnoName(errno));
  return tag;
}

void MountPrivateDevShm(const std::string& options) {
  if (unshare(CLONE_NEWNS) != 0) ThrowHarnessError("set-up: unshare(CLONE_NEWNS): " + ErrnoName(errno));
  // Private propagation, so the mount below stays in this namespace: of every mount where "/" is one (the
  // usual case), else of /dev/shm's own mount, under which the new one then lands.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 &&
      mount(nullptr, "/dev/shm", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    ThrowHarnessError("set-up: making the mounts private: " + ErrnoName(errno));
  }
  if (mount("ipcconform-sem", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    ThrowHarnessError(fmt::format("set-up: mounting a tmpfs ({}) on /dev/shm: {}", options, ErrnoName(errno)));
  }
}

long DevShmInodesInUse() {
  struct statfs fs {};
  if (statfs("/dev/shm", &fs) != 0) ThrowHarnessError("read-back: statfs(/dev/shm): " + ErrnoName(errno));
  return static_cast<long>(fs.f_files) - static_cast<long>(fs.f_ffree);
}

std::optional<bool> MapsSemaphoreFile(std::string_view name) {
  // By device and inode: glibc maps a new semaphore's file under a temporary name before it links it
  // to the semaphore's, so the path a mapping shows need not be the semaphore's.
  struct stat st {};
  if (stat(SemFilePath(name).c_str(), &st) != 0) return std::nullopt;
  std::ifstream maps("/proc/self/maps");
  if (!maps) return std::nullopt;
  for (std::string line; std::getline(maps, line);) {
    unsigned dev_major = 0, dev_minor = 0;
    unsigned long inode = 0;
    if (std::sscanf(line.c_str(), "%*s %*s %*s %x:%x %lu", &dev_major, &dev_minor, &inode) != 3) continue;
    if (inode == st.st_ino && dev_major == major(st.st_dev) && dev_minor == minor(st.st_dev)) return true;
  }
  return false;
}

void NoteSignal(int) {}

}  // namespace ipcc::posix_sem
