// Round-trip latency of a 1-byte ping-pong between two processes, one benchmark per IPC mechanism.
// The echo peer is forked once per benchmark run and echoes until it is killed; one iteration is one
// round trip (the benchmark process sends, the peer receives and answers, the benchmark receives).
// Each mechanism runs with both processes on one CPU (cpus:1) and on two CPUs (cpus:2).
// Run: ipcconform-bench-latency --benchmark_repetitions=5   (docs/benchmarks.md)
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/caselib/fd.h"
#include "harness/caselib/names.h"
#include "harness/gate/bench/bench_support.h"

namespace {

using ipcc::ScopedCleanup;
using ipcc::UniqueFd;

using ipcc::bench::Failed;
using ipcc::bench::InstallSignalHandlers;
using ipcc::bench::kPeerIoExit;
using ipcc::bench::kPeerSetupExit;
using ipcc::bench::Peer;
using ipcc::bench::RunPlaced;
using ipcc::bench::SysvObject;

void Broken(benchmark::State& state, Peer& peer, const std::string& what) {
  ipcc::bench::Broken(state, peer, what, "echo peer");
}

// The mechanism cannot be set up here (ENOSYS, a limit): a skip that names the cause.
void Unavailable(benchmark::State& state, const char* call, int err) {
  ipcc::bench::Unavailable(state, Failed(call, -1, err));
}

// ---- Byte streams and datagrams: pipe, FIFO, socketpair ----

int EchoBytes(int in, int out) {
  char byte = 0;
  for (;;) {
    ssize_t n = read(in, &byte, 1);
    if (n == 0) return 0;
    if (n != 1 || write(out, &byte, 1) != 1) return kPeerIoExit;
  }
}

void PingPongBytes(benchmark::State& state, Peer& peer, int out, int in) {
  char byte = 'x';
  for (auto _ : state) {
    ssize_t n = write(out, &byte, 1);
    if (n != 1) {
      Broken(state, peer, Failed("write", n, errno));
      break;
    }
    n = read(in, &byte, 1);
    if (n != 1) {
      Broken(state, peer, Failed("read", n, errno));
      break;
    }
  }
}

bool MakePipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

void BM_Pipe(benchmark::State& state) {
  UniqueFd ping_r, ping_w, pong_r, pong_w;
  if (!MakePipe(ping_r, ping_w) || !MakePipe(pong_r, pong_w)) return Unavailable(state, "pipe", errno);
  Peer peer([&] {
    ping_w.reset();
    pong_r.reset();
    return EchoBytes(ping_r.get(), pong_w.get());
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  ping_r.reset();
  pong_w.reset();
  PingPongBytes(state, peer, ping_w.get(), pong_r.get());
}

void BM_Fifo(benchmark::State& state) {
  char dir[] = "/tmp/ipcconform-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return Unavailable(state, "mkdtemp", errno);
  const std::string ping = std::string(dir) + "/ping";
  const std::string pong = std::string(dir) + "/pong";
  // Both ends are open before the loop, so the names go right after (and on every error path).
  ScopedCleanup remove_names([&] {
    unlink(ping.c_str());
    unlink(pong.c_str());
    rmdir(dir);
  });
  if (mkfifo(ping.c_str(), 0600) != 0 || mkfifo(pong.c_str(), 0600) != 0) {
    return Unavailable(state, "mkfifo", errno);
  }
  Peer peer([&] {
    UniqueFd in(open(ping.c_str(), O_RDONLY));
    UniqueFd out(open(pong.c_str(), O_WRONLY));
    const char ready = 'r';
    if (!in.valid() || !out.valid() || write(out.get(), &ready, 1) != 1) return kPeerSetupExit;
    return EchoBytes(in.get(), out.get());
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));

  // Opening a FIFO blocks until the other side opens it; with O_NONBLOCK the waits are bounded, so a
  // peer that never gets there is reported rather than waited for.
  UniqueFd in(open(pong.c_str(), O_RDONLY | O_NONBLOCK));
  if (!in.valid()) return Broken(state, peer, Failed("open pong", -1, errno));
  UniqueFd out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!out.valid()) {
    out.reset(open(ping.c_str(), O_WRONLY | O_NONBLOCK));
    if (out.valid()) break;
    if (errno != ENXIO || !peer.Ended().empty() || std::chrono::steady_clock::now() > deadline) {
      return Broken(state, peer, Failed("open ping", -1, errno));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pollfd ready{in.get(), POLLIN, 0};
  if (int n = poll(&ready, 1, 5000); n != 1) {
    return Broken(state, peer, Failed("poll for the peer", n, errno));
  }
  fcntl(in.get(), F_SETFL, 0);
  fcntl(out.get(), F_SETFL, 0);
  char byte = 0;
  if (ssize_t n = read(in.get(), &byte, 1); n != 1) return Broken(state, peer, Failed("read", n, errno));
  remove_names.Run();
  PingPongBytes(state, peer, out.get(), in.get());
}

void BM_Socketpair(benchmark::State& state, int type) {
  int fds[2];
  if (socketpair(AF_UNIX, type, 0, fds) != 0) return Unavailable(state, "socketpair", errno);
  UniqueFd mine(fds[0]), theirs(fds[1]);
  Peer peer([&] {
    mine.reset();
    return EchoBytes(theirs.get(), theirs.get());
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  theirs.reset();
  PingPongBytes(state, peer, mine.get(), mine.get());
}

// ---- System V: one message queue with two mtypes, one semaphore set ----

struct OneByteMessage {
  long mtype;
  char byte;
};

void BM_SysvMsg(benchmark::State& state) {
  SysvObject queue(msgget(IPC_PRIVATE, IPC_CREAT | 0600), false);
  if (queue.id() < 0) return Unavailable(state, "msgget", errno);
  constexpr long kPing = 1, kPong = 2;
  Peer peer([&] {
    OneByteMessage m{};
    for (;;) {
      if (msgrcv(queue.id(), &m, 1, kPing, 0) != 1) return kPeerIoExit;
      m.mtype = kPong;
      if (msgsnd(queue.id(), &m, 1, 0) != 0) return kPeerIoExit;
    }
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  OneByteMessage ping{kPing, 'x'};
  OneByteMessage pong{};
  for (auto _ : state) {
    if (msgsnd(queue.id(), &ping, 1, 0) != 0) {
      Broken(state, peer, Failed("msgsnd", -1, errno));
      break;
    }
    if (ssize_t n = msgrcv(queue.id(), &pong, 1, kPong, 0); n != 1) {
      Broken(state, peer, Failed("msgrcv", n, errno));
      break;
    }
  }
}

void BM_SysvSem(benchmark::State& state) {
  SysvObject set(semget(IPC_PRIVATE, 2, IPC_CREAT | 0600), true);
  if (set.id() < 0) return Unavailable(state, "semget", errno);
  unsigned short zeros[2] = {0, 0};
  if (semctl(set.id(), 0, SETALL, zeros) != 0) return Unavailable(state, "semctl SETALL", errno);
  // Semaphore 0 carries the ping, semaphore 1 the pong.
  Peer peer([&] {
    sembuf take_ping{0, -1, 0};
    sembuf give_pong{1, 1, 0};
    for (;;) {
      if (semop(set.id(), &take_ping, 1) != 0 || semop(set.id(), &give_pong, 1) != 0) return kPeerIoExit;
    }
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  sembuf give_ping{0, 1, 0};
  sembuf take_pong{1, -1, 0};
  for (auto _ : state) {
    if (semop(set.id(), &give_ping, 1) != 0) {
      Broken(state, peer, Failed("semop +1", -1, errno));
      break;
    }
    if (semop(set.id(), &take_pong, 1) != 0) {
      Broken(state, peer, Failed("semop -1", -1, errno));
      break;
    }
  }
}

// ---- POSIX message queues: two queues, unlinked as soon as they are open ----

class MessageQueue {
 public:
  // Opens a new queue under a name unique to this process and removes the name at once: the
  // descriptor (inherited by the forked peer) is all that keeps the queue.
  MessageQueue(const char* role, long max_messages, long message_size) {
    const std::string name = "/ipcconform-bench-" + std::to_string(getpid()) + "-" + role;
    mq_attr attr{};
    attr.mq_maxmsg = max_messages;
    attr.mq_msgsize = message_size;
    mq_ = mq_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    error_ = errno;
    if (valid()) mq_unlink(name.c_str());
  }
  MessageQueue(const MessageQueue&) = delete;
  MessageQueue& operator=(const MessageQueue&) = delete;
  ~MessageQueue() {
    if (valid()) mq_close(mq_);
  }
  bool valid() const { return mq_ != static_cast<mqd_t>(-1); }
  int error() const { return error_; }
  mqd_t get() const { return mq_; }

 private:
  mqd_t mq_;
  int error_ = 0;
};

void BM_PosixMq(benchmark::State& state) {
  MessageQueue ping("ping", 1, 1);
  if (!ping.valid()) return Unavailable(state, "mq_open", ping.error());
  MessageQueue pong("pong", 1, 1);
  if (!pong.valid()) return Unavailable(state, "mq_open", pong.error());
  Peer peer([&] {
    char byte = 0;
    for (;;) {
      if (mq_receive(ping.get(), &byte, 1, nullptr) != 1 || mq_send(pong.get(), &byte, 1, 0) != 0) {
        return kPeerIoExit;
      }
    }
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  char byte = 'x';
  for (auto _ : state) {
    if (mq_send(ping.get(), &byte, 1, 0) != 0) {
      Broken(state, peer, Failed("mq_send", -1, errno));
      break;
    }
    if (ssize_t n = mq_receive(pong.get(), &byte, 1, nullptr); n != 1) {
      Broken(state, peer, Failed("mq_receive", n, errno));
      break;
    }
  }
}

// ---- Shared memory: one futex word in an anonymous shared mapping ----

long Futex(std::atomic<uint32_t>* word, int op, uint32_t value) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, nullptr, nullptr, 0);
}

// Sleeps until *word is no longer `value`. False when the wait was interrupted and `give_up` says so.
bool WaitWhile(std::atomic<uint32_t>* word, uint32_t value, const std::function<bool()>& give_up) {
  while (word->load(std::memory_order_acquire) == value) {
    if (Futex(word, FUTEX_WAIT, value) != 0 && errno == EINTR && give_up()) return false;
  }
  return true;
}

void BM_ShmFutex(benchmark::State& state) {
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return Unavailable(state, "mmap", errno);
  ScopedCleanup unmap([page] { munmap(page, 4096); });
  // The word counts half trips: the benchmark makes it odd (ping), the peer makes it even (pong).
  auto* word = new (page) std::atomic<uint32_t>(0);
  Peer peer([word] {
    for (uint32_t seen = 0;; seen += 2) {
      WaitWhile(word, seen, [] { return false; });
      word->store(seen + 2, std::memory_order_release);
      Futex(word, FUTEX_WAKE, 1);
    }
    return 0;
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  uint32_t count = 0;
  auto peer_gone = [&] { return !peer.Ended().empty(); };
  for (auto _ : state) {
    word->store(++count, std::memory_order_release);
    Futex(word, FUTEX_WAKE, 1);
    if (!WaitWhile(word, count, peer_gone)) {
      Broken(state, peer, "futex wait interrupted");
      break;
    }
    ++count;
  }
}

// ---- Shared memory, polled: the same word, but nobody sleeps ----

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Polls until *word is no longer `value`. Every 256 polls it yields the CPU (a peer on the same CPU
// gets to run) and asks `give_up`; false when that says to stop.
bool SpinWhile(std::atomic<uint32_t>* word, uint32_t value, const std::function<bool()>& give_up) {
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

void BM_ShmSpin(benchmark::State& state) {
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return Unavailable(state, "mmap", errno);
  ScopedCleanup unmap([page] { munmap(page, 4096); });
  auto* word = new (page) std::atomic<uint32_t>(0);
  Peer peer([word] {
    for (uint32_t seen = 0;; seen += 2) {
      SpinWhile(word, seen, [] { return false; });
      word->store(seen + 2, std::memory_order_release);
    }
    return 0;
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  uint32_t count = 0;
  auto peer_gone = [&] { return !peer.Ended().empty(); };
  for (auto _ : state) {
    word->store(++count, std::memory_order_release);
    if (!SpinWhile(word, count, peer_gone)) {
      Broken(state, peer, "the peer stopped answering");
      break;
    }
    ++count;
  }
}

// ---- Signals: sigqueue to the peer, which answers with another real-time signal ----

void BM_SignalRt(benchmark::State& state) {
  const int ping = SIGRTMIN, pong = SIGRTMIN + 1;
  sigset_t both, ping_set, pong_set, old_mask;
  sigemptyset(&both);
  sigaddset(&both, ping);
  sigaddset(&both, pong);
  sigemptyset(&ping_set);
  sigaddset(&ping_set, ping);
  sigemptyset(&pong_set);
  sigaddset(&pong_set, pong);
  // Blocked before the fork so the peer starts with them blocked; an answer still pending when the
  // run ends is taken before the old mask comes back (its default action would end the program).
  if (sigprocmask(SIG_BLOCK, &both, &old_mask) != 0) return Unavailable(state, "sigprocmask", errno);
  ScopedCleanup restore([&] {
    const timespec zero{0, 0};
    while (sigtimedwait(&both, nullptr, &zero) > 0) {
    }
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  });
  const pid_t parent = getpid();
  Peer peer([&] {
    const sigval value{};
    for (;;) {
      if (sigwaitinfo(&ping_set, nullptr) != ping || sigqueue(parent, pong, value) != 0) return kPeerIoExit;
    }
  });
  if (!peer.started()) return Broken(state, peer, Failed("fork", -1, peer.fork_error()));
  const sigval value{};
  for (auto _ : state) {
    if (sigqueue(peer.pid(), ping, value) != 0) {
      Broken(state, peer, Failed("sigqueue", -1, errno));
      break;
    }
    if (int sig = sigwaitinfo(&pong_set, nullptr); sig != pong) {
      Broken(state, peer, Failed("sigwaitinfo", sig, errno));
      break;
    }
  }
  peer.Stop();
}

void RegisterAll() {
  struct Entry {
    const char* name;
    std::function<void(benchmark::State&)> run;
  };
  const Entry entries[] = {
      {"pipe", BM_Pipe},
      {"fifo", BM_Fifo},
      {"socketpair_stream", [](benchmark::State& s) { BM_Socketpair(s, SOCK_STREAM); }},
      {"socketpair_seqpacket", [](benchmark::State& s) { BM_Socketpair(s, SOCK_SEQPACKET); }},
      {"socketpair_dgram", [](benchmark::State& s) { BM_Socketpair(s, SOCK_DGRAM); }},
      {"sysv_msg", BM_SysvMsg},
      {"sysv_sem", BM_SysvSem},
      {"posix_mq", BM_PosixMq},
      {"shm_futex", BM_ShmFutex},
      {"shm_spin", BM_ShmSpin},
      {"signal_rt", BM_SignalRt},
  };
  for (const Entry& e : entries) {
    const std::string name = std::string("roundtrip/") + e.name;
    auto run = [name, fn = e.run](benchmark::State& state) {
      const int cpus = static_cast<int>(state.range(0));
      RunPlaced(state, name + "/" + std::to_string(cpus), cpus, fn);
    };
    benchmark::RegisterBenchmark(name.c_str(), run)
        ->ArgName("cpus")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // An IPC namespace of its own where allowed (root): the System V objects and POSIX queues of a run
  // are seen and removed by no other process (a conformance run's leak check would do both), and go
  // with the namespace even if the benchmark is killed. Elsewhere the host's, as the gate does.
  unshare(CLONE_NEWIPC);
  InstallSignalHandlers();
  RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
