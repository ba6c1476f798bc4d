// One-way throughput by message size: the benchmark process sends, a forked receiver takes every
// byte. One iteration sends one message of the benchmark's size; the last iteration also waits for the
// receiver to confirm the byte count, so the figure is bytes that arrived, not bytes handed to a
// kernel buffer. The receiver is forked once per benchmark run; the two processes share one CPU
// (cpus:1) or have one each (cpus:2).
// Run: ipcconform-bench-throughput --benchmark_repetitions=5   (docs/benchmarks.md)
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/caselib/fd.h"
#include "harness/caselib/names.h"
#include "harness/gate/bench/bench_support.h"

namespace {

using ipcc::ScopedCleanup;
using ipcc::UniqueFd;

constexpr size_t kMiB = size_t{1} << 20;

using ipcc::bench::Failed;
using ipcc::bench::InstallSignalHandlers;
using ipcc::bench::kPeerIoExit;
using ipcc::bench::kPeerSetupExit;
using ipcc::bench::Peer;
using ipcc::bench::RunPlaced;
using ipcc::bench::SysvObject;
using ipcc::bench::Unavailable;

void Broken(benchmark::State& state, Peer& peer, const std::string& what) {
  ipcc::bench::Broken(state, peer, what, "receiver");
}

std::optional<long> ReadLimit(const char* path) {
  std::ifstream in(path);
  long value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

// ---- The receiver's side of every mechanism: a ready byte, then the byte count, on a pipe ----

class AckChannel {
 public:
  bool Open() {
    int fds[2];
    if (pipe(fds) != 0) return false;
    read_.reset(fds[0]);
    write_.reset(fds[1]);
    return true;
  }
  // In the receiver, after its set-up.
  bool SendReady() {
    read_.reset();
    const char ready = 'r';
    return write(write_.get(), &ready, 1) == 1;
  }
  // The receiver's last act: it then waits to be killed, so that its only way to end on its own is a
  // failure (and the benchmark's SIGCHLD always means one).
  int SendCount(uint64_t count) {
    if (write(write_.get(), &count, sizeof count) != sizeof count) return kPeerIoExit;
    for (;;) pause();
  }
  // In the benchmark, after the fork: "" or what went wrong.
  std::string AwaitReady() {
    write_.reset();
    char ready = 0;
    ssize_t n = read(read_.get(), &ready, 1);
    return n == 1 ? "" : Failed("waiting for the receiver: read", n, errno);
  }
  std::string AwaitCount(uint64_t expected) {
    uint64_t count = 0;
    ssize_t n = read(read_.get(), &count, sizeof count);
    if (n != sizeof count) return Failed("waiting for the byte count: read", n, errno);
    if (count != expected) {
      return "the receiver got " + std::to_string(count) + " bytes of " + std::to_string(expected);
    }
    return "";
  }

 private:
  UniqueFd read_, write_;
};

// What the receiver must get in this run: it is forked after the iteration count is known.
uint64_t TotalBytes(const benchmark::State& state, size_t size) {
  return static_cast<uint64_t>(state.max_iterations) * size;
}

// The timed loop of every mechanism. `send` sends one message of `size` bytes and returns "" or what
// failed. The receiver was told the total before the fork; the last iteration waits for its count.
template <typename Send>
void SendMessages(benchmark::State& state, Peer& peer, AckChannel& ack, size_t size, Send&& send) {
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  if (std::string err = ack.AwaitReady(); !err.empty()) return Broken(state, peer, err);
  const uint64_t total = TotalBytes(state, size);
  benchmark::IterationCount sent = 0;
  for (auto _ : state) {
    if (std::string err = send(); !err.empty()) {
      Broken(state, peer, err);
      break;
    }
    if (++sent == state.max_iterations) {
      if (std::string err = ack.AwaitCount(total); !err.empty()) {
        Broken(state, peer, err);
        break;
      }
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
  state.SetItemsProcessed(state.iterations());
}

// ---- Byte streams: pipe (default and 1 MiB buffer) and socketpair ----

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

int ReceiveStream(int fd, uint64_t total, AckChannel& ack) {
  std::vector<char> buffer(kMiB);
  if (!ack.SendReady()) return kPeerSetupExit;
  uint64_t got = 0;
  while (got < total) {
    ssize_t n = read(fd, buffer.data(), static_cast<size_t>(std::min<uint64_t>(buffer.size(), total - got)));
    if (n <= 0) return kPeerIoExit;
    got += static_cast<uint64_t>(n);
  }
  return ack.SendCount(got);
}

void StreamThroughput(benchmark::State& state, UniqueFd& out, UniqueFd& in, AckChannel& ack) {
  const size_t size = static_cast<size_t>(state.range(0));
  const uint64_t total = TotalBytes(state, size);
  Peer peer([&] {
    out.reset();
    return ReceiveStream(in.get(), total, ack);
  });
  in.reset();
  const std::vector<char> message(size, 'x');
  SendMessages(state, peer, ack, size, [&]() -> std::string {
    return WriteAll(out.get(), message.data(), size) ? "" : Failed("write", -1, errno);
  });
}

void BM_Pipe(benchmark::State& state, bool raise_to_1mib) {
  AckChannel ack;
  int fds[2];
  if (!ack.Open() || pipe(fds) != 0) return Unavailable(state, Failed("pipe", -1, errno));
  UniqueFd in(fds[0]), out(fds[1]);
  if (raise_to_1mib) {
    int got = fcntl(out.get(), F_SETPIPE_SZ, static_cast<int>(kMiB));
    if (got < static_cast<int>(kMiB)) {
      const long max = ReadLimit("/proc/sys/fs/pipe-max-size").value_or(-1);
      return Unavailable(state, Failed("F_SETPIPE_SZ 1 MiB", got, errno) + " (/proc/sys/fs/pipe-max-size is " +
                                    std::to_string(max) + ")");
    }
  }
  StreamThroughput(state, out, in, ack);
}

void BM_SocketpairStream(benchmark::State& state) {
  AckChannel ack;
  int fds[2];
  if (!ack.Open() || socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
    return Unavailable(state, Failed("socketpair", -1, errno));
  }
  UniqueFd out(fds[0]), in(fds[1]);
  StreamThroughput(state, out, in, ack);
}

// ---- Message queues: System V and POSIX, one message per iteration ----

constexpr const char* kMsgmaxPath = "/proc/sys/kernel/msgmax";
constexpr const char* kMsgsizeMaxPath = "/proc/sys/fs/mqueue/msgsize_max";

// "" when messages of `size` bytes fit under the limit in `path`, else the skip message.
std::string CheckLimit(size_t size, const char* name, const char* path) {
  const std::optional<long> limit = ReadLimit(path);
  if (!limit) return std::string("cannot read ") + path;
  if (static_cast<long>(size) <= *limit) return "";
  return std::to_string(size) + "-byte messages exceed " + name + " " + std::to_string(*limit) + " (" + path + ")";
}

void BM_SysvMsg(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  if (std::string why = CheckLimit(size, "msgmax", kMsgmaxPath); !why.empty()) {
    return Unavailable(state, why);
  }
  AckChannel ack;
  if (!ack.Open()) return Unavailable(state, Failed("pipe", -1, errno));
  SysvObject queue(msgget(IPC_PRIVATE, IPC_CREAT | 0600), false);
  if (queue.id() < 0) return Unavailable(state, Failed("msgget", -1, errno));
  msqid_ds info{};
  if (msgctl(queue.id(), IPC_STAT, &info) != 0) {
    return Unavailable(state, Failed("msgctl IPC_STAT", -1, errno));
  }
  if (info.msg_qbytes < size) {
    // A message larger than the queue would wait for room forever.
    return Unavailable(state, std::to_string(size) + "-byte messages exceed the queue size msg_qbytes " +
                                  std::to_string(info.msg_qbytes) + " (/proc/sys/kernel/msgmnb)");
  }
  // A message is an mtype followed by the bytes.
  const size_t record = sizeof(long) + size;
  const uint64_t total = TotalBytes(state, size);
  Peer peer([&] {
    std::vector<char> buffer(record);
    if (!ack.SendReady()) return kPeerSetupExit;
    uint64_t got = 0;
    while (got < total) {
      ssize_t n = msgrcv(queue.id(), buffer.data(), size, 0, 0);
      if (n != static_cast<ssize_t>(size)) return kPeerIoExit;
      got += size;
    }
    return ack.SendCount(got);
  });
  std::vector<char> message(record, 'x');
  const long mtype = 1;
  std::memcpy(message.data(), &mtype, sizeof mtype);
  SendMessages(state, peer, ack, size, [&]() -> std::string {
    return msgsnd(queue.id(), message.data(), size, 0) == 0 ? "" : Failed("msgsnd", -1, errno);
  });
}

void BM_PosixMq(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  if (std::string why = CheckLimit(size, "msgsize_max", kMsgsizeMaxPath); !why.empty()) {
    return Unavailable(state, why);
  }
  AckChannel ack;
  if (!ack.Open()) return Unavailable(state, Failed("pipe", -1, errno));
  mq_attr attr{};
  attr.mq_maxmsg = std::min(10L, ReadLimit("/proc/sys/fs/mqueue/msg_max").value_or(10));
  attr.mq_msgsize = static_cast<long>(size);
  // The name goes as soon as the queue is open: the descriptor, inherited by the receiver, keeps it.
  static int serial = 0;
  const std::string name = "/ipcconform-bench-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
  const mqd_t mq = mq_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
  if (mq == static_cast<mqd_t>(-1)) return Unavailable(state, Failed("mq_open", -1, errno));
  mq_unlink(name.c_str());
  ScopedCleanup close_queue([mq] { mq_close(mq); });
  const uint64_t total = TotalBytes(state, size);
  Peer peer([&] {
    std::vector<char> buffer(size);
    if (!ack.SendReady()) return kPeerSetupExit;
    uint64_t got = 0;
    while (got < total) {
      ssize_t n = mq_receive(mq, buffer.data(), size, nullptr);
      if (n != static_cast<ssize_t>(size)) return kPeerIoExit;
      got += size;
    }
    return ack.SendCount(got);
  });
  const std::vector<char> message(size, 'x');
  SendMessages(state, peer, ack, size, [&]() -> std::string {
    return mq_send(mq, message.data(), size, 0) == 0 ? "" : Failed("mq_send", -1, errno);
  });
}

// ---- Shared memory: a single-producer single-consumer byte ring in an anonymous shared mapping ----

constexpr uint32_t kRingBytes = 1u << 20;  // as large as the raised pipe
constexpr int kSpins = 200;                // polls before sleeping on the futex

// head and tail are free-running byte counters (mod 2^32; the ring size divides 2^32). Each side
// publishes with a sequentially consistent store and then looks at the other side's "waiting" word,
// which that side sets before its last look at the counter: one of the two always sees the other.
struct RingHeader {
  alignas(64) std::atomic<uint32_t> head{0};
  alignas(64) std::atomic<uint32_t> tail{0};
  alignas(64) std::atomic<uint32_t> consumer_waiting{0};
  alignas(64) std::atomic<uint32_t> producer_waiting{0};
};
constexpr size_t kRingDataOffset = 4096;
static_assert(sizeof(RingHeader) <= kRingDataOffset);

long Futex(std::atomic<uint32_t>* word, int op, uint32_t value) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, nullptr, nullptr, 0);
}

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Waits until *counter is no longer `value`: a short spin, then the futex. False when a wait was
// interrupted and `give_up` says to stop.
bool WaitForChange(std::atomic<uint32_t>* counter, uint32_t value, std::atomic<uint32_t>* waiting,
                   const std::function<bool()>& give_up) {
  for (int i = 0; i < kSpins; ++i) {
    if (counter->load(std::memory_order_acquire) != value) return true;
    CpuRelax();
  }
  waiting->store(1);
  bool ok = true;
  while (ok && counter->load() == value) {
    if (Futex(counter, FUTEX_WAIT, value) != 0 && errno == EINTR && give_up()) ok = false;
  }
  waiting->store(0, std::memory_order_relaxed);
  return ok;
}

void Publish(std::atomic<uint32_t>* counter, uint32_t value, std::atomic<uint32_t>* waiting) {
  counter->store(value);
  if (waiting->load() != 0) Futex(counter, FUTEX_WAKE, 1);
}

int ReceiveRing(RingHeader* ring, const char* data, uint64_t total, AckChannel& ack) {
  std::vector<char> buffer(kRingBytes);
  if (!ack.SendReady()) return kPeerSetupExit;
  uint32_t tail = 0;
  uint64_t got = 0;
  while (got < total) {
    const uint32_t head = ring->head.load(std::memory_order_acquire);
    if (head == tail) {
      WaitForChange(&ring->head, tail, &ring->consumer_waiting, [] { return false; });
      continue;
    }
    const uint32_t n = head - tail;
    const uint32_t at = tail % kRingBytes;
    const uint32_t first = std::min(n, kRingBytes - at);
    std::memcpy(buffer.data(), data + at, first);
    std::memcpy(buffer.data() + first, data, n - first);
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
    tail += n;
    got += n;
    Publish(&ring->tail, tail, &ring->producer_waiting);
  }
  return ack.SendCount(got);
}

void BM_ShmRing(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  AckChannel ack;
  if (!ack.Open()) return Unavailable(state, Failed("pipe", -1, errno));
  constexpr size_t kLength = kRingDataOffset + kRingBytes;
  void* mapping = mmap(nullptr, kLength, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) return Unavailable(state, Failed("mmap", -1, errno));
  ScopedCleanup unmap([mapping] { munmap(mapping, kLength); });
  auto* ring = new (mapping) RingHeader;
  char* data = static_cast<char*>(mapping) + kRingDataOffset;
  const uint64_t total = TotalBytes(state, size);
  Peer peer([&] { return ReceiveRing(ring, data, total, ack); });
  auto peer_gone = [&] { return !peer.Ended().empty(); };
  const std::vector<char> message(size, 'x');
  uint32_t head = 0;
  SendMessages(state, peer, ack, size, [&]() -> std::string {
    size_t done = 0;
    while (done < size) {
      const uint32_t tail = ring->tail.load(std::memory_order_acquire);
      const uint32_t room = kRingBytes - (head - tail);
      if (room == 0) {
        if (!WaitForChange(&ring->tail, tail, &ring->producer_waiting, peer_gone)) {
          return "futex wait interrupted";
        }
        continue;
      }
      const uint32_t n = static_cast<uint32_t>(std::min<size_t>(room, size - done));
      const uint32_t at = head % kRingBytes;
      const uint32_t first = std::min(n, kRingBytes - at);
      std::memcpy(data + at, message.data() + done, first);
      std::memcpy(data, message.data() + done + first, n - first);
      head += n;
      done += n;
      Publish(&ring->head, head, &ring->consumer_waiting);
    }
    return "";
  });
}

void RegisterAll() {
  struct Entry {
    const char* name;
    std::function<void(benchmark::State&)> run;
    const char* size_limit;  // the /proc file that bounds a message, if any
  };
  const Entry entries[] = {
      {"pipe", [](benchmark::State& s) { BM_Pipe(s, false); }, nullptr},
      {"pipe_1MiB", [](benchmark::State& s) { BM_Pipe(s, true); }, nullptr},
      {"socketpair_stream", BM_SocketpairStream, nullptr},
      {"sysv_msg", BM_SysvMsg, kMsgmaxPath},
      {"posix_mq", BM_PosixMq, kMsgsizeMaxPath},
      {"shm_ring", BM_ShmRing, nullptr},
  };
  for (const Entry& e : entries) {
    const long limit = e.size_limit != nullptr ? ReadLimit(e.size_limit).value_or(-1) : -1;
    const std::string name = std::string("oneway/") + e.name;
    std::vector<int64_t> within, above;
    for (int64_t size : {64, 1024, 4096, 16384, 65536, 262144, 1048576}) {
      (limit >= 0 && size > limit ? above : within).push_back(size);
    }
    if (!within.empty()) {
      auto run = [name, fn = e.run](benchmark::State& state) {
        const int cpus = static_cast<int>(state.range(1));
        RunPlaced(state, name + "/" + std::to_string(state.range(0)) + "/" + std::to_string(cpus), cpus, fn);
      };
      auto* family = benchmark::RegisterBenchmark(name.c_str(), run);
      family->ArgNames({"bytes", "cpus"})->UseRealTime()->Unit(benchmark::kMicrosecond);
      for (int64_t cpus : {1, 2}) {
        for (int64_t size : within) family->Args({size, cpus});
      }
    }
    if (!above.empty()) {
      // Sizes above the limit only say so, once rather than once per repetition and placement.
      auto* family = benchmark::RegisterBenchmark(name.c_str(), e.run);
      family->ArgName("bytes")->Repetitions(1)->UseRealTime()->Unit(benchmark::kMicrosecond);
      for (int64_t size : above) family->Arg(size);
    }
  }
}

}  // namespace

// An IPC namespace of its own where allowed (root): the System V queues and POSIX queues of a run are
// seen and removed by no other process (a conformance run's leak check would do both), and go with
// the namespace even if the benchmark is killed. A new namespace starts with the kernel's default
// limits, so the host's are copied in: the figures and skips are for this system's settings.
// Elsewhere the host's namespace, as the gate does.
void EnterOwnIpcNamespace() {
  const char* const limits[] = {"/proc/sys/kernel/msgmax", "/proc/sys/kernel/msgmnb", "/proc/sys/fs/mqueue/msg_max",
                                "/proc/sys/fs/mqueue/msgsize_max"};
  std::vector<std::optional<long>> host;
  for (const char* path : limits) host.push_back(ReadLimit(path));
  if (unshare(CLONE_NEWIPC) != 0) return;
  for (size_t i = 0; i < host.size(); ++i) {
    if (!host[i]) continue;
    std::ofstream out(limits[i]);
    out << *host[i] << '\n';
    out.flush();
    if (!out || ReadLimit(limits[i]) != host[i]) {
      std::fprintf(stderr, "note: %s in the benchmark's IPC namespace is %ld, not the host's %ld\n", limits[i],
                   ReadLimit(limits[i]).value_or(-1), *host[i]);
    }
  }
}

int main(int argc, char** argv) {
  EnterOwnIpcNamespace();
  InstallSignalHandlers();
  RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
