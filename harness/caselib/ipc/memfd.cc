#include "harness/caselib/ipc/memfd.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include "harness/caselib/child.h"
#include "harness/caselib/ipc/unix_socket.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc::memfd {

namespace {

// Checkpoints of InOtherHolder, far from the low numbers the cases use themselves.
constexpr int kHolderHasFile = 62;
constexpr int kCaseDone = 63;

}  // namespace

UniqueFd MakeMemfd(const std::string& name, unsigned flags) {
  const int fd = memfd_create(name.c_str(), flags);
  if (fd < 0) ThrowHarnessError(fmt::format("set-up: memfd_create(\"{}\", {:#x}): {}", name, flags, ErrnoName(errno)));
  return UniqueFd(fd);
}

std::string Contents(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

UniqueFd SealableFile(const std::string& name, std::size_t size) {
  UniqueFd fd = MakeMemfd(name, MFD_ALLOW_SEALING);
  const std::string data = Contents(size);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = pwrite(fd.get(), data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n <= 0) ThrowHarnessError(fmt::format("set-up: pwrite of {} bytes into the memfd: {}", size, ErrnoName(errno)));
    done += static_cast<std::size_t>(n);
  }
  return fd;
}

off_t FileSize(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) ThrowHarnessError("set-up: fstat of the memfd: " + ErrnoName(errno));
  return st.st_size;
}

std::string ReadAt(int fd, std::size_t n, off_t offset) {
  std::string buf(n, '\0');
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = pread(fd, buf.data() + done, n - done, offset + static_cast<off_t>(done));
    if (r < 0) ThrowHarnessError("set-up: pread of the memfd: " + ErrnoName(errno));
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  buf.resize(done);
  return buf;
}

std::string SealNames(int seals) {
  if (seals == 0) return "0";
  static const std::pair<int, const char*> kNames[] = {{F_SEAL_SEAL, "F_SEAL_SEAL"},
                                                       {F_SEAL_SHRINK, "F_SEAL_SHRINK"},
                                                       {F_SEAL_GROW, "F_SEAL_GROW"},
                                                       {F_SEAL_WRITE, "F_SEAL_WRITE"},
                                                       {F_SEAL_FUTURE_WRITE, "F_SEAL_FUTURE_WRITE"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((seals & bit) == 0) continue;
    if (!out.empty()) out += '|';
    out += name;
    seals &= ~bit;
  }
  if (seals != 0) out += fmt::format("{}{:#x}", out.empty() ? "" : "|", static_cast<unsigned>(seals));
  return out;
}

int SealsOf(int fd) {
  const int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0) ThrowHarnessError("set-up: fcntl(F_GET_SEALS): " + ErrnoName(errno));
  return seals;
}

Mapping::Mapping(Mapping&& other) noexcept
    : addr_(std::exchange(other.addr_, nullptr)), len_(std::exchange(other.len_, 0)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    reset();
    addr_ = std::exchange(other.addr_, nullptr);
    len_ = std::exchange(other.len_, 0);
  }
  return *this;
}

void Mapping::reset() {
  if (addr_ != nullptr) munmap(addr_, len_);
  addr_ = nullptr;
  len_ = 0;
}

Mapping MapOrThrow(int fd, std::size_t len, int prot, int flags) {
  void* p = mmap(nullptr, len, prot, flags, fd, 0);
  if (p == MAP_FAILED)
    ThrowHarnessError(fmt::format("set-up: mmap of {} bytes of the memfd: {}", len, ErrnoName(errno)));
  return Mapping(p, len);
}

const char* HolderName(Holder how) {
  return how == Holder::kForkedChild ? "forked child" : "SCM_RIGHTS receiver";
}

void InOtherHolder(Holder how, int fd, const std::function<void()>& in_case,
                   const std::function<void(int)>& in_holder) {
  if (how == Holder::kForkedChild) {
    Child child = Fork([&] {
      CheckpointPost(kHolderHasFile);
      CheckpointWait(kCaseDone);
      in_holder(fd);
    });
    if (!AwaitCheckpoint(child, kHolderHasFile)) return;
    {
      // Whatever in_case does (an assertion returning early included), the holder goes on.
      ScopedCleanup done([] { CheckpointPost(kCaseDone); });
      in_case();
    }
    ExpectCleanExit(child.Wait(), HolderName(how));
    return;
  }
  unix_socket::SocketPair sp = unix_socket::MakeSocketPair(SOCK_STREAM);
  Child child = Fork([&] {
    // The receiver holds the file only through the descriptor SCM_RIGHTS brings it.
    close(fd);
    sp.a.reset();
    unix_socket::ReceivedFds got = unix_socket::RecvFds(sp.b.get(), 1);
    if (got.result != 1 || got.fds.size() != 1) {
      ThrowHarnessError("set-up: receiving the memfd with SCM_RIGHTS: recvmsg " + got.Describe() + " with " +
                        std::to_string(got.fds.size()) + " descriptors");
    }
    CheckpointPost(kHolderHasFile);
    CheckpointWait(kCaseDone);
    in_holder(got.fds[0].get());
  });
  sp.b.reset();
  if (unix_socket::SendFds(sp.a.get(), {fd}) != 1) {
    ThrowHarnessError("set-up: sending the memfd with SCM_RIGHTS: " + ErrnoName(errno));
  }
  if (!AwaitCheckpoint(child, kHolderHasFile)) return;
  {
    ScopedCleanup done([] { CheckpointPost(kCaseDone); });
    in_case();
  }
  ExpectCleanExit(child.Wait(), HolderName(how));
}

}  // namespace ipcc::memfd
