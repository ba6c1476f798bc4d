// One-way throughput by message size: the benchmark process sends, a forked receiver takes every
// byte. One iteration sends one message of the benchmark's size; the last iteration also waits for the
// receiver to confirm the byte count, so the figure is bytes that arrived, not bytes handed to a
// kernel buffer. The receiver is forked once per benchmark run; the two processes share one CPU
// (cpus:1) or have one each (cpus:2).
// Run: ipcconform-bench-throughput --benchmark_repetitions=5   (docs/benchmarks.md)
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/gate/bench/bench_support.h"
#include "harness/gate/movers.h"

namespace ipcc::bench {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// ---- The receiver's side of every mechanism: a ready byte, then the byte count, on a pipe ----

class AckChannel {
 public:
  // "" or what failed.
  std::string Open() {
    pipe_ = movers::OpenPipe();
    return pipe_.open() ? "" : movers::Failed("pipe", -1, pipe_.error);
  }
  // In the receiver, after its set-up.
  bool SendReady() {
    pipe_.receive.reset();
    const char ready = 'r';
    return write(pipe_.send.get(), &ready, 1) == 1;
  }
  // The receiver's last act: it then waits to be killed, so that its only way to end on its own is a
  // failure (and the benchmark's SIGCHLD always means one).
  int SendCount(uint64_t count) {
    if (write(pipe_.send.get(), &count, sizeof count) != sizeof count) return kPeerIoExit;
    for (;;) pause();
  }
  // In the benchmark, after the fork: "" or what went wrong.
  std::string AwaitReady() {
    pipe_.send.reset();
    char ready = 0;
    ssize_t n = read(pipe_.receive.get(), &ready, 1);
    return n == 1 ? "" : movers::Failed("waiting for the receiver: read", n, errno);
  }
  std::string AwaitCount(uint64_t expected) {
    uint64_t count = 0;
    ssize_t n = read(pipe_.receive.get(), &count, sizeof count);
    if (n != sizeof count) return movers::Failed("waiting for the byte count: read", n, errno);
    if (count != expected) {
      return "the receiver got " + std::to_string(count) + " bytes of " + std::to_string(expected);
    }
    return "";
  }

 private:
  movers::Stream pipe_;
};

// What the receiver must get in this run: it is forked after the iteration count is known.
uint64_t TotalBytes(const benchmark::State& state, size_t size) {
  return static_cast<uint64_t>(state.max_iterations) * size;
}

// The receiver's loop of every mechanism: `receive(left)` takes what one call gives (at most `left`
// bytes) and returns how many, 0 or less for a failure.
template <typename Receive>
int ReceiveAll(uint64_t total, AckChannel& ack, Receive&& receive) {
  if (!ack.SendReady()) return kPeerSetupExit;
  uint64_t got = 0;
  while (got < total) {
    const ssize_t n = receive(total - got);
    if (n <= 0) return kPeerIoExit;
    got += static_cast<uint64_t>(n);
  }
  return ack.SendCount(got);
}

// The timed loop of every mechanism. `send` sends one message of `size` bytes and returns "" or what
// failed. The receiver was told the total before the fork; the last iteration waits for its count.
template <typename Send>
void SendMessages(benchmark::State& state, Peer& peer, AckChannel& ack, size_t size, Send&& send) {
  if (!Started(state, peer)) return;
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

void StreamThroughput(benchmark::State& state, movers::Stream& stream, AckChannel& ack) {
  const size_t size = static_cast<size_t>(state.range(0));
  const uint64_t total = TotalBytes(state, size);
  Peer peer("receiver", [&] {
    stream.send.reset();
    std::vector<char> buffer(kMiB);
    return ReceiveAll(total, ack, [&](uint64_t left) {
      return read(stream.receive.get(), buffer.data(), static_cast<size_t>(std::min<uint64_t>(buffer.size(), left)));
    });
  });
  stream.receive.reset();
  const std::vector<char> message(size, 'x');
  SendMessages(state, peer, ack, size, [&]() -> std::string {
    return movers::WriteAll(stream.send.get(), message.data(), size) ? "" : movers::Failed("write", -1, errno);
  });
}

void BM_Pipe(benchmark::State& state, bool raise_to_1mib) {
  AckChannel ack;
  if (std::string why = ack.Open(); !why.empty()) return Unavailable(state, why);
  movers::Stream pipe = movers::OpenPipe();
  if (!pipe.open()) return Unavailable(state, "pipe", pipe.error);
  if (raise_to_1mib) {
    int got = movers::RaisePipe(pipe, static_cast<int>(kMiB));
    if (got < static_cast<int>(kMiB)) {
      const long max = movers::ReadSysNumber("/proc/sys/fs/pipe-max-size").value_or(-1);
      return Unavailable(state, movers::Failed("F_SETPIPE_SZ 1 MiB", got, errno) + " (/proc/sys/fs/pipe-max-size is " +
                                    std::to_string(max) + ")");
    }
  }
  StreamThroughput(state, pipe, ack);
}

void BM_SocketpairStream(benchmark::State& state) {
  AckChannel ack;
  if (std::string why = ack.Open(); !why.empty()) return Unavailable(state, why);
  movers::Stream pair = movers::OpenSocketpair(SOCK_STREAM);
  if (!pair.open()) return Unavailable(state, "socketpair", pair.error);
  StreamThroughput(state, pair, ack);
}

// ---- Message queues: System V and POSIX, one message per iteration ----

constexpr const char* kMsgmaxPath = "/proc/sys/kernel/msgmax";
constexpr const char* kMsgsizeMaxPath = "/proc/sys/fs/mqueue/msgsize_max";

// "" when messages of `size` bytes fit under the limit in `path`, else the skip message.
std::string CheckLimit(size_t size, const char* name, const char* path) {
  const std::optional<long> limit = movers::ReadSysNumber(path);
  if (!limit) return std::string("cannot read ") + path;
  if (static_cast<long>(size) <= *limit) return "";
  return std::to_string(size) + "-byte messages exceed " + name + " " + std::to_string(*limit) + " (" + path + ")";
}

// "" when a System V queue holds a message of `size` bytes, else the skip message.
std::string CheckQueueRoom(const movers::SysvQueue& queue, size_t size) {
  msqid_ds info{};
  if (msgctl(queue.id(), IPC_STAT, &info) != 0) return movers::Failed("msgctl IPC_STAT", -1, errno);
  if (info.msg_qbytes >= size) return "";
  // A message larger than the queue would wait for room forever.
  return std::to_string(size) + "-byte messages exceed the queue size msg_qbytes " + std::to_string(info.msg_qbytes) +
         " (/proc/sys/kernel/msgmnb)";
}

void BM_SysvMsg(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  if (std::string why = CheckLimit(size, "msgmax", kMsgmaxPath); !why.empty()) return Unavailable(state, why);
  AckChannel ack;
  if (std::string why = ack.Open(); !why.empty()) return Unavailable(state, why);
  const movers::SysvQueue queue;
  if (!queue.open()) return Unavailable(state, "msgget", queue.error());
  if (std::string why = CheckQueueRoom(queue, size); !why.empty()) return Unavailable(state, why);
  const uint64_t total = TotalBytes(state, size);
  Peer peer("receiver", [&] {
    movers::SysvMessage m(size);
    return ReceiveAll(total, ack, [&](uint64_t) { return queue.Receive(m) == static_cast<ssize_t>(size) ? size : 0; });
  });
  const movers::SysvMessage message(size, 1, 'x');
  SendMessages(state, peer, ack, size,
               [&]() -> std::string { return queue.Send(message) == 0 ? "" : movers::Failed("msgsnd", -1, errno); });
}

void BM_PosixMq(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  if (std::string why = CheckLimit(size, "msgsize_max", kMsgsizeMaxPath); !why.empty()) return Unavailable(state, why);
  AckChannel ack;
  if (std::string why = ack.Open(); !why.empty()) return Unavailable(state, why);
  const long max_messages = std::min(10L, movers::ReadSysNumber("/proc/sys/fs/mqueue/msg_max").value_or(10));
  const movers::PosixQueue queue("bench", max_messages, static_cast<long>(size));
  if (!queue.open()) return Unavailable(state, "mq_open", queue.error());
  const uint64_t total = TotalBytes(state, size);
  Peer peer("receiver", [&] {
    std::vector<char> buffer(size);
    return ReceiveAll(total, ack, [&](uint64_t) {
      return queue.Receive(buffer.data(), size) == static_cast<ssize_t>(size) ? size : 0;
    });
  });
  const std::vector<char> message(size, 'x');
  SendMessages(state, peer, ack, size, [&]() -> std::string {
    return queue.Send(message.data(), size) == 0 ? "" : movers::Failed("mq_send", -1, errno);
  });
}

// ---- Shared memory: a single-producer single-consumer byte ring in an anonymous shared mapping ----

constexpr uint32_t kRingBytes = 1u << 20;  // as large as the raised pipe

void BM_ShmRing(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  AckChannel ack;
  if (std::string why = ack.Open(); !why.empty()) return Unavailable(state, why);
  const movers::SharedMemory mapping(movers::ByteRing::Bytes(kRingBytes));
  if (!mapping.mapped()) return Unavailable(state, "mmap", mapping.error());
  movers::ByteRing ring(mapping.get(), kRingBytes);
  const uint64_t total = TotalBytes(state, size);
  Peer peer("receiver", [&] {
    std::vector<char> buffer(kRingBytes);
    return ReceiveAll(total, ack, [&](uint64_t) {
      const uint32_t n = ring.Read(buffer.data(), [] { return false; });
      benchmark::DoNotOptimize(buffer.data());
      benchmark::ClobberMemory();
      return n;
    });
  });
  const std::function<bool()> peer_gone = [&] { return !peer.Ended().empty(); };
  const std::vector<char> message(size, 'x');
  SendMessages(state, peer, ack, size, [&]() -> std::string {
    return ring.Write(message.data(), size, peer_gone) ? "" : "futex wait interrupted";
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
    const long limit = e.size_limit != nullptr ? movers::ReadSysNumber(e.size_limit).value_or(-1) : -1;
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

// An IPC namespace of its own where allowed (root): the System V queues and POSIX queues of a run are
// seen and removed by no other process (a conformance run's leak check would do both), and go with
// the namespace even if the benchmark is killed. A new namespace starts with the kernel's default
// limits, so the host's are copied in: the figures and skips are for this system's settings.
// Elsewhere the host's namespace, as the gate does.
void EnterOwnIpcNamespace() {
  const char* const limits[] = {"/proc/sys/kernel/msgmax", "/proc/sys/kernel/msgmnb", "/proc/sys/fs/mqueue/msg_max",
                                "/proc/sys/fs/mqueue/msgsize_max"};
  std::vector<std::optional<long>> host;
  for (const char* path : limits) host.push_back(movers::ReadSysNumber(path));
  if (unshare(CLONE_NEWIPC) != 0) return;
  for (size_t i = 0; i < host.size(); ++i) {
    if (!host[i]) continue;
    std::ofstream out(limits[i]);
    out << *host[i] << '\n';
    out.flush();
    if (!out || movers::ReadSysNumber(limits[i]) != host[i]) {
      std::fprintf(stderr, "note: %s in the benchmark's IPC namespace is %ld, not the host's %ld\n", limits[i],
                   movers::ReadSysNumber(limits[i]).value_or(-1), *host[i]);
    }
  }
}

}  // namespace
}  // namespace ipcc::bench

int main(int argc, char** argv) {
  ipcc::bench::EnterOwnIpcNamespace();
  ipcc::bench::InstallSignalHandlers();
  ipcc::bench::RegisterAll();
  return ipcc::bench::RunBenchmarks(argc, argv);
}
