#include "harness/gate/gate.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "harness/caselib/coverage.h"
#include "harness/caselib/fingerprint.h"
#include "harness/caselib/names.h"

namespace ipcc::gate {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

enum Mech { kMemcpy, kShmSysv, kShmAnon, kShmZeroCopy, kPipe, kPipeBig, kSocket, kSysvMsg, kPosixMq, kMechCount };
constexpr const char* kMechNames[kMechCount] = {"memcpy",        "shm_ring_sysv", "shm_ring_anon",
                                                "shm_zero_copy", "pipe",          "pipe_raised",
                                                "socketpair",    "sysv_msg",      "posix_mq"};

// ---- waiting: a short bounded spin, then a futex on a sequence word ----

struct alignas(64) Event {
  std::atomic<std::uint32_t> seq{0};
  std::atomic<std::uint32_t> waiters{0};

  void Signal() {
    seq.fetch_add(1, std::memory_order_release);
    if (waiters.load(std::memory_order_acquire) != 0) {
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&seq), FUTEX_WAKE, INT32_MAX, nullptr, nullptr, 0);
    }
  }
  template <typename Pred>
  void WaitUntil(Pred pred) {
    for (int i = 0; i < 2000; ++i) {
      if (pred()) return;
      __builtin_ia32_pause();
    }
    const timespec tick{0, 2000000};  // bounded: re-check at least every 2 ms
    for (;;) {
      std::uint32_t s = seq.load(std::memory_order_acquire);
      waiters.fetch_add(1);
      if (pred()) {
        waiters.fetch_sub(1);
        return;
      }
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&seq), FUTEX_WAIT, s, &tick, nullptr, 0);
      waiters.fetch_sub(1);
      if (pred()) return;
    }
  }
};

struct alignas(64) RingHeader {
  alignas(64) std::atomic<std::uint64_t> head{0};  // chunks produced
  alignas(64) std::atomic<std::uint64_t> tail{0};  // chunks consumed
  Event not_empty;
  Event not_full;
};

struct Control {
  Event command;  // consumer -> producer: a slice starts (or quit)
  Event done;     // producer -> consumer: the slice's production ended
  alignas(64) std::atomic<std::uint32_t> slice{0};
  std::atomic<std::int32_t> mech{0};
  std::atomic<std::uint32_t> stop{0};
  std::atomic<std::uint32_t> quit{0};
  std::atomic<std::uint32_t> finished_slice{0};
  std::atomic<std::uint64_t> produced{0};
  std::atomic<std::uint64_t> producer_cpu_ns{0};
  std::atomic<std::uint64_t> producer_nivcsw{0};
  std::atomic<std::int32_t> producer_errno{0};
};

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

bool PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

long ReadLong(const char* path, long fallback) {
  std::string v = ReadSmallFile(path);
  if (v.empty()) return fallback;
  return std::strtol(v.c_str(), nullptr, 10);
}

// Everything both processes share, created before the producer is forked.
struct World {
  std::size_t chunk = 0;
  std::size_t ring_chunks = 0;
  std::size_t ring_bytes = 0;
  Control* ctl = nullptr;
  RingHeader* sysv_hdr = nullptr;
  char* sysv_data = nullptr;
  RingHeader* anon_hdr = nullptr;
  char* anon_data = nullptr;
  int pipe_small[2] = {-1, -1};
  int pipe_big[2] = {-1, -1};
  long pipe_big_size = 0;
  int sock[2] = {-1, -1};
  int msqid = -1;
  std::size_t msg_size = 0;
  mqd_t mq = static_cast<mqd_t>(-1);
  std::size_t mq_size = 0;
  std::string mq_note;
  std::vector<char> src;      // producer's private source (ring-size) / memcpy source
  std::vector<char> dst;      // consumer's private destination (one chunk)
  std::vector<char> ref_dst;  // memcpy reference's destination (ring-size, laid out like the ring)
};

struct MsgBuf {
  long mtype;
  char mtext[1];
};

// ---- producer side ----

void ProduceRing(World& w, RingHeader* hdr, char* data) {
  Control& c = *w.ctl;
  std::uint64_t produced = 0;
  while (c.stop.load(std::memory_order_acquire) == 0) {
    const std::uint64_t head = hdr->head.load(std::memory_order_relaxed);
    hdr->not_full.WaitUntil([&] {
      return c.stop.load(std::memory_order_acquire) != 0 ||
             head - hdr->tail.load(std::memory_order_acquire) < w.ring_chunks;
    });
    if (c.stop.load(std::memory_order_acquire) != 0) break;
    char* slot = data + (head % w.ring_chunks) * w.chunk;
    std::memcpy(slot, w.src.data() + (head % w.ring_chunks) * w.chunk, w.chunk);
    std::memcpy(slot, &head, sizeof head);  // stamp: the consumer checks the sequence
    hdr->head.store(head + 1, std::memory_order_release);
    hdr->not_empty.Signal();
    produced += w.chunk;
  }
  c.produced.store(produced);
}

void ProduceStream(World& w, int fd) {
  Control& c = *w.ctl;
  std::uint64_t produced = 0;
  while (c.stop.load(std::memory_order_acquire) == 0) {
    ssize_t n = write(fd, w.src.data(), w.chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      c.producer_errno.store(errno);
      break;
    }
    produced += static_cast<std::uint64_t>(n);
  }
  c.produced.store(produced);
}

void ProduceSysvMsg(World& w) {
  Control& c = *w.ctl;
  std::vector<char> buf(sizeof(long) + w.msg_size);
  auto* m = reinterpret_cast<MsgBuf*>(buf.data());
  m->mtype = 1;
  std::uint64_t produced = 0;
  while (c.stop.load(std::memory_order_acquire) == 0) {
    if (msgsnd(w.msqid, m, w.msg_size, 0) != 0) {
      if (errno == EINTR) continue;
      c.producer_errno.store(errno);
      break;
    }
    produced += w.msg_size;
  }
  c.produced.store(produced);
}

void ProducePosixMq(World& w) {
  Control& c = *w.ctl;
  std::uint64_t produced = 0;
  while (c.stop.load(std::memory_order_acquire) == 0) {
    if (mq_send(w.mq, w.src.data(), w.mq_size, 0) != 0) {
      if (errno == EINTR) continue;
      c.producer_errno.store(errno);
      break;
    }
    produced += w.mq_size;
  }
  c.produced.store(produced);
}

[[noreturn]] void ProducerMain(World& w, int cpu) {
  PinTo(cpu);
  Control& c = *w.ctl;
  std::uint32_t seen = 0;
  for (;;) {
    c.command.WaitUntil([&] { return c.slice.load() != seen || c.quit.load() != 0; });
    if (c.quit.load() != 0) {
      FlushCoverage();
      _exit(0);
    }
    seen = c.slice.load();
    const std::uint64_t cpu0 = ThreadCpuNs();
    const long sw0 = InvoluntarySwitches();
    c.producer_errno.store(0);
    switch (c.mech.load()) {
      case kShmSysv:
        ProduceRing(w, w.sysv_hdr, w.sysv_data);
        break;
      case kShmAnon:
      case kShmZeroCopy:
        ProduceRing(w, w.anon_hdr, w.anon_data);
        break;
      case kPipe:
        ProduceStream(w, w.pipe_small[1]);
        break;
      case kPipeBig:
        ProduceStream(w, w.pipe_big[1]);
        break;
      case kSocket:
        ProduceStream(w, w.sock[1]);
        break;
      case kSysvMsg:
        ProduceSysvMsg(w);
        break;
      case kPosixMq:
        ProducePosixMq(w);
        break;
      default:
        c.produced.store(0);
        break;
    }
    c.producer_cpu_ns.store(ThreadCpuNs() - cpu0);
    c.producer_nivcsw.store(static_cast<std::uint64_t>(InvoluntarySwitches() - sw0));
    c.finished_slice.store(seen, std::memory_order_release);
    c.done.Signal();
  }
}

// ---- consumer side ----

struct SliceFigures {
  double bytes_per_s = 0;
  double consumer_cpu = 0;  // share of the slice's wall time
  double producer_cpu = 0;
  long consumer_nivcsw = 0;
  long producer_nivcsw = 0;
  std::string error;       // the transport failed: no figure (makes the attempt inconclusive)
  bool data_lost = false;  // the ring delivered wrong data: shared memory is broken (fails the gate)
};

volatile std::uint64_t g_sink;

// The zero-copy consumer's use of a chunk: every byte is loaded where it lies, 128 bytes per step
// into eight independent 16-byte accumulators (registers on any 64-bit target), so the loads run
// at the cache's width rather than at one add's latency per word.
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))  // 32-byte loads where the CPU has them
#endif
std::uint64_t
ReadInPlace(const char* p, std::size_t n) {
  typedef std::uint64_t Lane __attribute__((vector_size(16)));
  Lane a0 = {}, a1 = {}, a2 = {}, a3 = {}, a4 = {}, a5 = {}, a6 = {}, a7 = {};
  std::size_t i = 0;
  for (; i + 8 * sizeof(Lane) <= n; i += 8 * sizeof(Lane)) {
    Lane v[8];
    std::memcpy(v, p + i, sizeof v);
    a0 ^= v[0], a1 ^= v[1], a2 ^= v[2], a3 ^= v[3], a4 ^= v[4], a5 ^= v[5], a6 ^= v[6], a7 ^= v[7];
  }
  const Lane a = a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7;
  std::uint64_t sum = a[0] ^ a[1];
  for (; i < n; ++i) sum += static_cast<unsigned char>(p[i]);
  return sum;
}

// Consumes until the deadline; returns bytes consumed in the timed part.
std::uint64_t ConsumeRing(World& w, RingHeader* hdr, char* data, bool in_place, Clock::time_point deadline,
                          std::uint64_t& next_stamp, std::string& error, bool& data_lost) {
  std::uint64_t bytes = 0;
  std::uint64_t sum = 0;
  while (Clock::now() < deadline) {
    const std::uint64_t tail = hdr->tail.load(std::memory_order_relaxed);
    hdr->not_empty.WaitUntil([&] { return hdr->head.load(std::memory_order_acquire) != tail; });
    const char* slot = data + (tail % w.ring_chunks) * w.chunk;
    std::uint64_t stamp;
    std::memcpy(&stamp, slot, sizeof stamp);
    if (stamp != next_stamp && !data_lost) {
      data_lost = true;
      error = fmt::format("ring chunk {} carried stamp {}: data was lost or reordered", next_stamp, stamp);
    }
    ++next_stamp;
    if (in_place) {
      sum += ReadInPlace(slot, w.chunk);
    } else {
      std::memcpy(w.dst.data(), slot, w.chunk);
    }
    hdr->tail.store(tail + 1, std::memory_order_release);
    hdr->not_full.Signal();
    bytes += w.chunk;
  }
  g_sink = sum + static_cast<unsigned char>(w.dst[w.chunk / 2]);
  return bytes;
}

void DrainRing(World& w, RingHeader* hdr) {
  Control& c = *w.ctl;
  const std::uint32_t slice = c.slice.load();
  for (;;) {
    hdr->tail.store(hdr->head.load(std::memory_order_acquire), std::memory_order_release);
    hdr->not_full.Signal();
    if (c.finished_slice.load(std::memory_order_acquire) == slice) break;
    c.done.WaitUntil([&] {
      return c.finished_slice.load(std::memory_order_acquire) == slice ||
             hdr->head.load(std::memory_order_acquire) != hdr->tail.load(std::memory_order_acquire);
    });
  }
}

std::uint64_t ConsumeStream(World& w, int fd, Clock::time_point deadline, std::string& error) {
  std::uint64_t bytes = 0;
  while (Clock::now() < deadline) {
    ssize_t n = read(fd, w.dst.data(), w.chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = fmt::format("read: {}", ErrnoName(errno));
      break;
    }
    bytes += static_cast<std::uint64_t>(n);
  }
  return bytes;
}

// Reads until the producer has stopped and everything it wrote was read.
void DrainStream(World& w, int fd, std::uint64_t consumed) {
  Control& c = *w.ctl;
  const std::uint32_t slice = c.slice.load();
  for (;;) {
    const bool finished = c.finished_slice.load(std::memory_order_acquire) == slice;
    if (finished && consumed >= c.produced.load()) return;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1) > 0) {
      ssize_t n = read(fd, w.dst.data(), w.chunk);
      if (n > 0) consumed += static_cast<std::uint64_t>(n);
    }
  }
}

std::uint64_t ConsumeSysvMsg(World& w, Clock::time_point deadline, std::string& error) {
  std::vector<char> buf(sizeof(long) + w.msg_size);
  std::uint64_t bytes = 0;
  while (Clock::now() < deadline) {
    ssize_t n = msgrcv(w.msqid, buf.data(), w.msg_size, 0, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = fmt::format("msgrcv: {}", ErrnoName(errno));
      break;
    }
    bytes += static_cast<std::uint64_t>(n);
  }
  return bytes;
}

void DrainSysvMsg(World& w) {
  Control& c = *w.ctl;
  const std::uint32_t slice = c.slice.load();
  std::vector<char> buf(sizeof(long) + w.msg_size);
  for (;;) {
    const bool finished = c.finished_slice.load(std::memory_order_acquire) == slice;
    if (msgrcv(w.msqid, buf.data(), w.msg_size, 0, IPC_NOWAIT) >= 0) continue;
    if (finished) return;
    __builtin_ia32_pause();
  }
}

std::uint64_t ConsumePosixMq(World& w, Clock::time_point deadline, std::string& error) {
  std::vector<char> buf(w.mq_size);
  std::uint64_t bytes = 0;
  while (Clock::now() < deadline) {
    ssize_t n = mq_receive(w.mq, buf.data(), buf.size(), nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = fmt::format("mq_receive: {}", ErrnoName(errno));
      break;
    }
    bytes += static_cast<std::uint64_t>(n);
  }
  return bytes;
}

void DrainPosixMq(World& w) {
  Control& c = *w.ctl;
  const std::uint32_t slice = c.slice.load();
  std::vector<char> buf(w.mq_size);
  for (;;) {
    const bool finished = c.finished_slice.load(std::memory_order_acquire) == slice;
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 1000000;
    if (now.tv_nsec >= 1000000000) {
      now.tv_sec++;
      now.tv_nsec -= 1000000000;
    }
    if (mq_timedreceive(w.mq, buf.data(), buf.size(), nullptr, &now) >= 0) continue;
    if (finished) return;
  }
}

bool Available(const World& w, int mech) {
  if (mech == kSysvMsg) return w.msqid >= 0;
  if (mech == kPosixMq) return w.mq != static_cast<mqd_t>(-1);
  if (mech == kShmSysv) return w.sysv_hdr != nullptr;
  return true;
}

SliceFigures RunSlice(World& w, int mech, double slice_ms, std::uint64_t& stamp_sysv, std::uint64_t& stamp_anon) {
  SliceFigures f;
  Control& c = *w.ctl;
  const auto length = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(slice_ms));
  const std::uint64_t cpu0 = ThreadCpuNs();
  const long sw0 = InvoluntarySwitches();
  const auto t0 = Clock::now();
  std::uint64_t bytes = 0;
  if (mech == kMemcpy) {
    // The physical reference: one thread doing exactly the producer's copy without the sharing: the
    // ring-size source into a ring-size destination laid out like the ring, chunk by chunk.
    std::size_t i = 0;
    while (Clock::now() < t0 + length) {
      const std::size_t slot = (i % w.ring_chunks) * w.chunk;
      std::memcpy(w.ref_dst.data() + slot, w.src.data() + slot, w.chunk);
      ++i;
      bytes += w.chunk;
    }
    g_sink = static_cast<unsigned char>(w.ref_dst[7]);
  } else {
    RingHeader* hdr = mech == kShmSysv ? w.sysv_hdr : w.anon_hdr;
    char* data = mech == kShmSysv ? w.sysv_data : w.anon_data;
    std::uint64_t& stamp = mech == kShmSysv ? stamp_sysv : stamp_anon;
    if (mech == kShmSysv || mech == kShmAnon || mech == kShmZeroCopy) {
      // The producer is idle between slices: restart the ring so stamps line up with chunk numbers.
      hdr->head.store(0);
      hdr->tail.store(0);
      stamp = 0;
    }
    c.stop.store(0);
    c.mech.store(mech);
    c.slice.fetch_add(1);
    c.command.Signal();
    const auto deadline = t0 + length;
    switch (mech) {
      case kShmSysv:
      case kShmAnon:
      case kShmZeroCopy:
        bytes = ConsumeRing(w, hdr, data, mech == kShmZeroCopy, deadline, stamp, f.error, f.data_lost);
        break;
      case kPipe:
        bytes = ConsumeStream(w, w.pipe_small[0], deadline, f.error);
        break;
      case kPipeBig:
        bytes = ConsumeStream(w, w.pipe_big[0], deadline, f.error);
        break;
      case kSocket:
        bytes = ConsumeStream(w, w.sock[0], deadline, f.error);
        break;
      case kSysvMsg:
        bytes = ConsumeSysvMsg(w, deadline, f.error);
        break;
      case kPosixMq:
        bytes = ConsumePosixMq(w, deadline, f.error);
        break;
      default:
        break;
    }
  }
  const auto t1 = Clock::now();
  f.consumer_cpu = static_cast<double>(ThreadCpuNs() - cpu0) / 1e9;
  f.consumer_nivcsw = InvoluntarySwitches() - sw0;
  if (mech != kMemcpy) {
    c.stop.store(1, std::memory_order_release);
    w.sysv_hdr->not_full.Signal();
    w.anon_hdr->not_full.Signal();
    switch (mech) {
      case kShmSysv:
        DrainRing(w, w.sysv_hdr);
        break;
      case kShmAnon:
      case kShmZeroCopy:
        DrainRing(w, w.anon_hdr);
        break;
      case kPipe:
        DrainStream(w, w.pipe_small[0], bytes);
        break;
      case kPipeBig:
        DrainStream(w, w.pipe_big[0], bytes);
        break;
      case kSocket:
        DrainStream(w, w.sock[0], bytes);
        break;
      case kSysvMsg:
        DrainSysvMsg(w);
        break;
      case kPosixMq:
        DrainPosixMq(w);
        break;
      default:
        break;
    }
    const std::uint32_t slice = c.slice.load();
    c.done.WaitUntil([&] { return c.finished_slice.load(std::memory_order_acquire) == slice; });
    f.producer_cpu = static_cast<double>(c.producer_cpu_ns.load()) / 1e9;
    f.producer_nivcsw = static_cast<long>(c.producer_nivcsw.load());
    if (c.producer_errno.load() != 0 && f.error.empty()) {
      f.error = fmt::format("producer: {}", ErrnoName(c.producer_errno.load()));
    }
  }
  const double wall = std::chrono::duration<double>(t1 - t0).count();
  f.bytes_per_s = wall > 0 ? static_cast<double>(bytes) / wall : 0;
  f.consumer_cpu /= wall;
  f.producer_cpu /= wall;
  return f;
}

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double Round3(double x) {
  return std::isfinite(x) ? std::round(x * 1000.0) / 1000.0 : x;
}

// Builds the shared objects. Returns "" or the reason the gate cannot run at all.
std::string BuildWorld(World& w, const Options& o) {
  w.chunk = o.chunk_bytes;
  w.ring_chunks = o.ring_chunks;
  w.ring_bytes = w.chunk * w.ring_chunks;
  w.src.assign(w.ring_bytes, 0);
  for (std::size_t i = 0; i < w.src.size(); ++i) w.src[i] = static_cast<char>(i * 131 + 7);
  w.dst.assign(w.chunk, 0);
  w.ref_dst.assign(w.ring_bytes, 0);

  void* ctl = mmap(nullptr, sizeof(Control), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (ctl == MAP_FAILED) return "mmap of the control page: " + ErrnoName(errno);
  w.ctl = new (ctl) Control();

  const std::size_t ring_total = sizeof(RingHeader) + w.ring_bytes;
  void* anon = mmap(nullptr, ring_total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (anon == MAP_FAILED) return "mmap of the anonymous ring: " + ErrnoName(errno);
  w.anon_hdr = new (anon) RingHeader();
  w.anon_data = static_cast<char*>(anon) + sizeof(RingHeader);
  std::memset(w.anon_data, 1, w.ring_bytes);

  int shmid = shmget(IPC_PRIVATE, ring_total, IPC_CREAT | 0600);
  if (shmid >= 0) {
    void* p = shmat(shmid, nullptr, 0);
    shmctl(shmid, IPC_RMID, nullptr);  // destroyed once both processes detach: nothing can leak
    if (p != reinterpret_cast<void*>(-1)) {
      w.sysv_hdr = new (p) RingHeader();
      w.sysv_data = static_cast<char*>(p) + sizeof(RingHeader);
      std::memset(w.sysv_data, 1, w.ring_bytes);
    }
  }
  if (w.sysv_hdr == nullptr) return "System V shared memory is not available: " + ErrnoName(errno);

  if (pipe(w.pipe_small) != 0 || pipe(w.pipe_big) != 0) return "pipe: " + ErrnoName(errno);
  const long max_pipe = ReadLong("/proc/sys/fs/pipe-max-size", 1048576);
  fcntl(w.pipe_big[1], F_SETPIPE_SZ, static_cast<int>(std::min<long>(max_pipe, 1 << 20)));
  w.pipe_big_size = fcntl(w.pipe_big[1], F_GETPIPE_SZ);
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, w.sock) != 0) return "socketpair: " + ErrnoName(errno);
  int sockbuf = 4 << 20;
  setsockopt(w.sock[1], SOL_SOCKET, SO_SNDBUF, &sockbuf, sizeof sockbuf);
  setsockopt(w.sock[0], SOL_SOCKET, SO_RCVBUF, &sockbuf, sizeof sockbuf);

  w.msg_size = static_cast<std::size_t>(std::min<long>(ReadLong("/proc/sys/kernel/msgmax", 8192), 1 << 20));
  w.msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

  const long mq_msgsize = ReadLong("/proc/sys/fs/mqueue/msgsize_max", 8192);
  const long mq_maxmsg = ReadLong("/proc/sys/fs/mqueue/msg_max", 10);
  mq_attr attr{};
  attr.mq_maxmsg = std::min<long>(mq_maxmsg, 10);
  attr.mq_msgsize = std::min<long>(mq_msgsize, 8192);
  const std::string name = fmt::format("/ipcconform-gate-{}", getpid());
  w.mq = mq_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
  if (w.mq == static_cast<mqd_t>(-1)) {
    w.mq_note = "POSIX message queues unavailable: mq_open gives " + ErrnoName(errno);
  } else {
    mq_unlink(name.c_str());  // the open descriptors keep it alive; the name cannot leak
    w.mq_size = static_cast<std::size_t>(attr.mq_msgsize);
    // Opening is not enough (some sandboxes open queues but implement neither send nor receive):
    // one message through it, or the mechanism is left out with the reason.
    std::vector<char> probe(w.mq_size);
    const timespec now_plus{time(nullptr) + 2, 0};
    if (mq_timedsend(w.mq, "p", 1, 0, &now_plus) != 0) {
      w.mq_note = "POSIX message queues unavailable: mq_timedsend gives " + ErrnoName(errno);
    } else if (mq_timedreceive(w.mq, probe.data(), probe.size(), nullptr, &now_plus) != 1) {
      w.mq_note = "POSIX message queues unavailable: mq_timedreceive gives " + ErrnoName(errno);
    }
    if (!w.mq_note.empty()) {
      mq_close(w.mq);
      w.mq = static_cast<mqd_t>(-1);
      w.mq_size = 0;
    }
  }
  if (w.src.size() < w.mq_size) w.src.resize(w.mq_size);
  return {};
}

void DestroyWorld(World& w) {
  for (int fd : {w.pipe_small[0], w.pipe_small[1], w.pipe_big[0], w.pipe_big[1], w.sock[0], w.sock[1]}) {
    if (fd >= 0) close(fd);
  }
  if (w.msqid >= 0) msgctl(w.msqid, IPC_RMID, nullptr);
  if (w.mq != static_cast<mqd_t>(-1)) mq_close(w.mq);
  if (w.sysv_hdr != nullptr) shmdt(w.sysv_hdr);
}

json RunAttempt(World& w, const Options& o, int attempt) {
  std::vector<int> mechs;
  for (int m = 0; m < kMechCount; ++m) {
    if (Available(w, m)) mechs.push_back(m);
  }
  std::map<int, std::vector<double>> rate;
  std::vector<double> r_memcpy, r_pipe, r_socket, r_msg, r_zero, r_anon_memcpy;
  json rounds = json::array();
  int contended_rounds = 0;
  std::vector<std::string> errors;  // a transport failed: the attempt has no verdict
  std::vector<std::string> lost;    // a ring delivered wrong data
  std::uint64_t stamp_sysv = 0;
  std::uint64_t stamp_anon = 0;
  for (int r = 0; r < o.rounds; ++r) {
    std::vector<int> order = mechs;
    std::rotate(order.begin(), order.begin() + (r + attempt) % static_cast<int>(order.size()), order.end());
    std::map<int, SliceFigures> figs;
    for (int m : order) figs[m] = RunSlice(w, m, o.slice_ms, stamp_sysv, stamp_anon);
    json round = {{"round", r}, {"order", json::array()}};
    bool contended = false;
    for (int m : order) {
      const auto& f = figs[m];
      round["order"].push_back(kMechNames[m]);
      round[kMechNames[m]] = {{"mib_s", Round3(f.bytes_per_s / (1 << 20))},
                              {"consumer_cpu", Round3(f.consumer_cpu)},
                              {"producer_cpu", Round3(f.producer_cpu)},
                              {"consumer_involuntary_switches", f.consumer_nivcsw},
                              {"producer_involuntary_switches", f.producer_nivcsw}};
      if (!f.error.empty()) {
        round[kMechNames[m]]["error"] = f.error;
        (f.data_lost ? lost : errors).push_back(fmt::format("round {} {}: {}", r, kMechNames[m], f.error));
      }
      // A preempted side during the slices the verdict rests on makes the round contended.
      if ((m == kMemcpy || m == kShmSysv) && (f.consumer_nivcsw > 1 || f.producer_nivcsw > 1)) contended = true;
      rate[m].push_back(f.bytes_per_s);
    }
    round["contended"] = contended;
    contended_rounds += contended ? 1 : 0;
    const double shm = figs[kShmSysv].bytes_per_s;
    const double best_pipe = std::max(figs[kPipe].bytes_per_s, figs[kPipeBig].bytes_per_s);
    r_memcpy.push_back(shm / figs[kMemcpy].bytes_per_s);
    r_anon_memcpy.push_back(figs[kShmAnon].bytes_per_s / figs[kMemcpy].bytes_per_s);
    r_pipe.push_back(shm / best_pipe);
    r_socket.push_back(shm / figs[kSocket].bytes_per_s);
    if (figs.count(kSysvMsg)) r_msg.push_back(shm / figs[kSysvMsg].bytes_per_s);
    r_zero.push_back(shm / figs[kShmZeroCopy].bytes_per_s);
    rounds.push_back(round);
  }
  json medians_rate = json::object();
  for (auto& [m, v] : rate) medians_rate[kMechNames[m]] = Round3(Median(v) / (1 << 20));
  json ratios = {{"shm_vs_memcpy", Round3(Median(r_memcpy))},
                 {"shm_anon_vs_memcpy", Round3(Median(r_anon_memcpy))},
                 {"shm_vs_pipe", Round3(Median(r_pipe))},
                 {"shm_vs_socketpair", Round3(Median(r_socket))},
                 {"shm_vs_sysv_msg", r_msg.empty() ? json(nullptr) : json(Round3(Median(r_msg)))},
                 {"shm_ring_vs_zero_copy", Round3(Median(r_zero))}};
  const Thresholds& t = o.thresholds;
  std::vector<std::string> failed;
  auto check = [&](const char* key, double threshold) {
    if (ratios[key].is_null()) return;
    const double v = ratios[key].get<double>();
    if (!(v >= threshold)) failed.push_back(fmt::format("{} = {:.3f} < {}", key, v, threshold));
  };
  check("shm_vs_memcpy", t.shm_vs_memcpy);
  check("shm_vs_pipe", t.shm_vs_pipe);
  check("shm_vs_socketpair", t.shm_vs_socket);
  check("shm_vs_sysv_msg", t.shm_vs_sysv_msg);
  // Lost data is a finding about the system whatever else happened; a broken transport leaves the
  // attempt without a verdict (its ratios are not to be trusted either way).
  std::string verdict = !lost.empty() ? "fail" : !errors.empty() ? "error" : failed.empty() ? "pass" : "fail";
  failed.insert(failed.begin(), lost.begin(), lost.end());
  json out = {{"attempt", attempt + 1},
              {"verdict", verdict},
              {"ratios", ratios},
              {"median_mib_s", medians_rate},
              {"contended_rounds", contended_rounds},
              {"failed_thresholds", failed},
              {"errors", errors},
              {"rounds", rounds}};
  return out;
}

}  // namespace

std::string VerdictName(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "PASS";
    case Verdict::fail:
      return "FAIL";
    case Verdict::inconclusive:
      return "INCONCLUSIVE";
  }
  return "?";
}

Result Run(const Options& o) {
  Result result;
  const auto started = Clock::now();
  json& rec = result.record;
  rec = {{"record", "gate"},
         {"options",
          {{"rounds", o.rounds},
           {"slice_ms", o.slice_ms},
           {"chunk_bytes", o.chunk_bytes},
           {"ring_bytes", o.chunk_bytes * o.ring_chunks},
           {"attempts", o.attempts}}},
         {"thresholds",
          {{"shm_vs_memcpy", o.thresholds.shm_vs_memcpy},
           {"shm_vs_pipe", o.thresholds.shm_vs_pipe},
           {"shm_vs_socketpair", o.thresholds.shm_vs_socket},
           {"shm_vs_sysv_msg", o.thresholds.shm_vs_sysv_msg}}},
         {"attempts", json::array()}};

  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int i = 0; i < CPU_SETSIZE; ++i) {
      if (CPU_ISSET(i, &set)) cpus.push_back(i);
    }
  }
  rec["cpus"] = cpus;

  World w;
  if (std::string why = BuildWorld(w, o); !why.empty()) {
    result.verdict = Verdict::inconclusive;
    result.reason = why;
    rec["verdict"] = "inconclusive";
    rec["reason"] = why;
    return result;
  }
  rec["pipe_raised_bytes"] = w.pipe_big_size;
  rec["sysv_msg_bytes"] = w.msg_size;
  rec["posix_mq_bytes"] = w.mq_size;
  if (!w.mq_note.empty()) rec["notes"] = {w.mq_note};

  const int producer_cpu = cpus.empty() ? 0 : cpus[0];
  const int consumer_cpu = cpus.size() >= 2 ? cpus[1] : producer_cpu;
  fflush(nullptr);
  pid_t producer = fork();
  if (producer == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    ProducerMain(w, producer_cpu);
  }
  if (producer < 0) {
    DestroyWorld(w);
    result.reason = "fork: " + ErrnoName(errno);
    rec["verdict"] = "inconclusive";
    rec["reason"] = result.reason;
    return result;
  }
  cpu_set_t old;
  sched_getaffinity(0, sizeof old, &old);
  PinTo(consumer_cpu);

  // One unmeasured round first: every page of every buffer is touched by the process that uses it
  // (after the fork, writes fault pages in; under gVisor each such fault costs microseconds).
  {
    std::uint64_t stamp_sysv = 0;
    std::uint64_t stamp_anon = 0;
    for (int m = 0; m < kMechCount; ++m) {
      if (Available(w, m)) RunSlice(w, m, o.slice_ms, stamp_sysv, stamp_anon);
    }
  }
  std::string last_reason;
  // With one CPU the verdict is inconclusive whatever is measured: one attempt's figures are shown.
  const int attempts = cpus.size() < 2 ? 1 : o.attempts;
  for (int a = 0; a < attempts; ++a) {
    json attempt = RunAttempt(w, o, a);
    rec["attempts"].push_back(attempt);
    if (attempt["verdict"] == "pass") {
      result.verdict = Verdict::pass;
      break;
    }
    result.verdict = attempt["verdict"] == "fail" ? Verdict::fail : Verdict::inconclusive;
    last_reason.clear();
    for (const auto& f : attempt["failed_thresholds"])
      last_reason += (last_reason.empty() ? "" : "; ") + f.get<std::string>();
    for (const auto& e : attempt["errors"]) last_reason += (last_reason.empty() ? "" : "; ") + e.get<std::string>();
  }
  w.ctl->quit.store(1);
  w.ctl->command.Signal();
  int status = 0;
  waitpid(producer, &status, 0);
  sched_setaffinity(0, sizeof old, &old);
  DestroyWorld(w);

  if (cpus.size() < 2) {
    result.verdict = Verdict::inconclusive;
    result.reason =
        fmt::format("fewer than two usable CPUs ({}): producer and consumer cannot run in parallel", cpus.size());
  } else if (result.verdict != Verdict::pass) {
    result.reason = last_reason;
  }
  rec["verdict"] = result.verdict == Verdict::pass ? "pass" : result.verdict == Verdict::fail ? "fail" : "inconclusive";
  rec["reason"] = result.reason;
  rec["wall_ms"] = Round3(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  return result;
}

std::string FormatTable(const json& rec) {
  std::string out;
  if (!rec.contains("attempts") || rec["attempts"].empty()) {
    return fmt::format("gate: {} ({})\n", rec.value("verdict", "?"), rec.value("reason", ""));
  }
  const json& last = rec["attempts"].back();
  out += fmt::format("Shared-memory throughput gate: {} rounds x {} ms slices, ring {} KiB, CPUs {}\n",
                     rec["options"]["rounds"].get<int>(), rec["options"]["slice_ms"].get<double>(),
                     rec["options"]["ring_bytes"].get<std::size_t>() / 1024, rec["cpus"].dump());
  out += fmt::format("\n{:<16} {:>14}\n", "mechanism", "median MiB/s");
  for (const auto& [name, v] : last["median_mib_s"].items()) {
    out += fmt::format("{:<16} {:>14.1f}\n", name, v.get<double>());
  }
  out += fmt::format("\n{:<24} {:>10} {:>10}\n", "median per-round ratio", "measured", "threshold");
  const json& th = rec["thresholds"];
  for (const auto& [name, v] : last["ratios"].items()) {
    std::string threshold = th.contains(name) ? fmt::format(">= {}", th[name].get<double>()) : "-";
    out += fmt::format("{:<24} {:>10} {:>10}\n", name, v.is_null() ? "n/a" : fmt::format("{:.3f}", v.get<double>()),
                       threshold);
  }
  for (const auto& a : rec["attempts"]) {
    std::string why;
    for (const auto& f : a["failed_thresholds"]) why += (why.empty() ? "" : "; ") + f.get<std::string>();
    for (const auto& e : a["errors"]) why += (why.empty() ? "" : "; ") + e.get<std::string>();
    out += fmt::format("{}attempt {}: {}{}\n", &a == &rec["attempts"].front() ? "\n" : "", a["attempt"].get<int>(),
                       a["verdict"].get<std::string>(), why.empty() ? "" : " (" + why + ")");
  }
  for (const auto& n : rec.value("notes", json::array())) out += fmt::format("note: {}\n", n.get<std::string>());
  out += fmt::format("\ncontended rounds: {} of {}; attempts: {}; wall time {:.0f} ms\n",
                     last["contended_rounds"].get<int>(), last["rounds"].size(), rec["attempts"].size(),
                     rec.value("wall_ms", 0.0));
  out += fmt::format("verdict: {}{}\n", rec.value("verdict", "?"),
                     rec.value("reason", "").empty() ? "" : " (" + rec.value("reason", "") + ")");
  return out;
}

}  // namespace ipcc::gate
