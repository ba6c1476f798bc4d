#include "harness/gate/movers.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "harness/caselib/names.h"

namespace ipcc::movers {
namespace {

// The SysvObject in use, for RemoveSysvInUse (called from signal handlers).
volatile sig_atomic_t g_sysv_id = -1;
volatile sig_atomic_t g_sysv_is_sem = 0;

void RemoveSysv(int id, bool is_sem) {
  if (is_sem) {
    semctl(id, 0, IPC_RMID);
  } else {
    msgctl(id, IPC_RMID, nullptr);
  }
}

// The CLOCK_REALTIME moment `wait` from now, as the timed queue calls take it.
timespec RealtimeIn(std::chrono::milliseconds wait) {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  const long long ns = t.tv_nsec + static_cast<long long>(wait.count() % 1000) * 1000000;
  t.tv_sec += static_cast<time_t>(wait.count() / 1000 + ns / 1000000000);
  t.tv_nsec = static_cast<long>(ns % 1000000000);
  return t;
}

}  // namespace

// ---- The calling thread ----

std::vector<int> AffinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int i = 0; i < CPU_SETSIZE; ++i) {
    if (CPU_ISSET(i, &set)) cpus.push_back(i);
  }
  return cpus;
}

bool PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

std::uint64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

long InvoluntarySwitches() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nivcsw;
}

std::optional<long> ReadSysNumber(const char* path) {
  std::ifstream in(path);
  long value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

std::string Failed(const char* call, long result, int err) {
  if (result < 0) return std::string(call) + ": " + ErrnoName(err);
  return std::string(call) + " returned " + std::to_string(result);
}

// ---- Byte streams ----

Stream OpenPipe() {
  Stream s;
  int fds[2];
  if (pipe(fds) != 0) {
    s.error = errno;
    return s;
  }
  s.receive.reset(fds[0]);
  s.send.reset(fds[1]);
  return s;
}

Stream OpenSocketpair(int type) {
  Stream s;
  int fds[2];
  if (socketpair(AF_UNIX, type, 0, fds) != 0) {
    s.error = errno;
    return s;
  }
  s.send.reset(fds[0]);
  s.receive.reset(fds[1]);
  return s;
}

int RaisePipe(const Stream& pipe, int bytes) {
  return fcntl(pipe.send.get(), F_SETPIPE_SZ, bytes);
}

long PipeSize(const Stream& pipe) {
  return fcntl(pipe.send.get(), F_GETPIPE_SZ);
}

void AskSocketBuffers(const Stream& socketpair, int bytes) {
  setsockopt(socketpair.send.get(), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  setsockopt(socketpair.receive.get(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

bool WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// ---- System V ----

SysvObject::SysvObject(int id, bool is_sem) : id_(id), is_sem_(is_sem) {
  if (id_ < 0) return;
  g_sysv_is_sem = is_sem ? 1 : 0;
  g_sysv_id = id;
}

SysvObject::~SysvObject() {
  if (id_ < 0) return;
  // Removed before it is forgotten: a signal in between removes a stale id (EINVAL: ids carry a
  // sequence number), never leaves the object behind.
  RemoveSysv(id_, is_sem_);
  g_sysv_id = -1;
}

void RemoveSysvInUse() {
  if (g_sysv_id >= 0) RemoveSysv(g_sysv_id, g_sysv_is_sem != 0);
}

SysvMessage::SysvMessage(std::size_t size, long type, char fill) : buffer_(sizeof(long) + size, fill), size_(size) {
  set_type(type);
}

long SysvMessage::type() const {
  long type = 0;
  std::memcpy(&type, buffer_.data(), sizeof type);
  return type;
}

void SysvMessage::set_type(long type) {
  std::memcpy(buffer_.data(), &type, sizeof type);
}

SysvQueue::SysvQueue() : error_(0), object_(msgget(IPC_PRIVATE, IPC_CREAT | 0600), false) {
  if (object_.id() < 0) error_ = errno;
}

int SysvQueue::Send(const SysvMessage& m, int flags) const {
  return msgsnd(id(), m.data(), m.size(), flags);
}

ssize_t SysvQueue::Receive(SysvMessage& m, long type, int flags) const {
  return msgrcv(id(), m.data(), m.size(), type, flags);
}

// ---- POSIX message queues ----

PosixQueue::PosixQueue(const char* who, long max_messages, long message_size) {
  static int serial = 0;
  const std::string name =
      "/ipcconform-" + std::string(who) + "-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
  mq_attr attr{};
  attr.mq_maxmsg = max_messages;
  attr.mq_msgsize = message_size;
  mq_ = mq_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
  error_ = errno;
  if (open()) mq_unlink(name.c_str());
}

void PosixQueue::Close() {
  if (open()) mq_close(mq_);
  mq_ = static_cast<mqd_t>(-1);
}

int PosixQueue::SendWithin(const char* data, std::size_t size, std::chrono::milliseconds wait) const {
  const timespec deadline = RealtimeIn(wait);
  return mq_timedsend(mq_, data, size, 0, &deadline);
}

ssize_t PosixQueue::ReceiveWithin(char* data, std::size_t size, std::chrono::milliseconds wait) const {
  const timespec deadline = RealtimeIn(wait);
  return mq_timedreceive(mq_, data, size, nullptr, &deadline);
}

// ---- Shared memory ----

SharedMemory::SharedMemory(std::size_t bytes, Kind kind) : bytes_(bytes), kind_(kind) {
  if (kind == Kind::kAnonymous) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) memory_ = static_cast<char*>(p);
    error_ = errno;
    return;
  }
  const int id = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
  if (id < 0) {
    error_ = errno;
    return;
  }
  void* p = shmat(id, nullptr, 0);
  error_ = errno;
  shmctl(id, IPC_RMID, nullptr);  // destroyed once every process has detached
  if (p != reinterpret_cast<void*>(-1)) memory_ = static_cast<char*>(p);
}

SharedMemory::~SharedMemory() {
  if (memory_ == nullptr) return;
  if (kind_ == Kind::kAnonymous) {
    munmap(memory_, bytes_);
  } else {
    shmdt(memory_);
  }
}

// ---- Futex words ----

bool WaitWhile(std::atomic<std::uint32_t>* word, std::uint32_t value, int spins, std::atomic<std::uint32_t>* waiting,
               const std::function<bool()>& give_up) {
  for (int i = 0; i < spins; ++i) {
    if (word->load(std::memory_order_acquire) != value) return true;
    CpuRelax();
  }
  if (waiting != nullptr) waiting->store(1);
  bool ok = true;
  while (ok && word->load() == value) {
    if (Futex(word, FUTEX_WAIT, value) != 0 && errno == EINTR && give_up()) ok = false;
  }
  if (waiting != nullptr) waiting->store(0, std::memory_order_relaxed);
  return ok;
}

void Publish(std::atomic<std::uint32_t>* word, std::uint32_t value, std::atomic<std::uint32_t>* waiting) {
  if (waiting == nullptr) {
    word->store(value, std::memory_order_release);
    Futex(word, FUTEX_WAKE, 1);
    return;
  }
  word->store(value);
  if (waiting->load() != 0) Futex(word, FUTEX_WAKE, 1);
}

bool SpinWhile(std::atomic<std::uint32_t>* word, std::uint32_t value, const std::function<bool()>& give_up) {
  for (unsigned polls = 1; word->load(std::memory_order_acquire) == value; ++polls) {
    if (polls % 256 != 0) {
      CpuRelax();
      continue;
    }
    sched_yield();
    if (give_up()) return false;
  }
  return true;
}

// ---- Rings ----

SlotRing::SlotRing(char* memory, std::size_t slot_bytes, std::size_t slots)
    : hdr_(new (memory) SlotRingHeader()),
      data_(memory + sizeof(SlotRingHeader)),
      slot_bytes_(slot_bytes),
      slots_(slots) {
  std::memset(data_, 1, slot_bytes * slots);
}

ByteRing::ByteRing(char* memory, std::uint32_t size)
    : hdr_(new (memory) Header), data_(memory + kDataOffset), size_(size) {}

bool ByteRing::Write(const char* data, std::size_t n, const std::function<bool()>& give_up) {
  std::size_t done = 0;
  while (done < n) {
    const std::uint32_t tail = hdr_->tail.load(std::memory_order_acquire);
    const std::uint32_t room = size_ - (head_ - tail);
    if (room == 0) {
      if (!WaitWhile(&hdr_->tail, tail, kSpins, &hdr_->producer_waiting, give_up)) return false;
      continue;
    }
    const std::uint32_t len = static_cast<std::uint32_t>(std::min<std::size_t>(room, n - done));
    const std::uint32_t at = head_ & (size_ - 1);
    const std::uint32_t first = std::min(len, size_ - at);
    std::memcpy(data_ + at, data + done, first);
    std::memcpy(data_, data + done + first, len - first);
    head_ += len;
    done += len;
    Publish(&hdr_->head, head_, &hdr_->consumer_waiting);
  }
  return true;
}

std::uint32_t ByteRing::Read(char* out, const std::function<bool()>& give_up) {
  std::uint32_t head = hdr_->head.load(std::memory_order_acquire);
  while (head == tail_) {
    if (!WaitWhile(&hdr_->head, tail_, kSpins, &hdr_->consumer_waiting, give_up)) return 0;
    head = hdr_->head.load(std::memory_order_acquire);
  }
  const std::uint32_t n = head - tail_;
  const std::uint32_t at = tail_ & (size_ - 1);
  const std::uint32_t first = std::min(n, size_ - at);
  std::memcpy(out, data_ + at, first);
  std::memcpy(out + first, data_, n - first);
  tail_ += n;
  Publish(&hdr_->tail, tail_, &hdr_->producer_waiting);
  return n;
}

}  // namespace ipcc::movers
