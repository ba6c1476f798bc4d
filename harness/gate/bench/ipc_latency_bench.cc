// Round-trip latency of a 1-byte ping-pong between two processes, one benchmark per IPC mechanism.
// The echo peer is forked once per benchmark run and echoes until it is killed; one iteration is one
// round trip (the benchmark process sends, the peer receives and answers, the benchmark receives).
// Each mechanism runs with both processes on one CPU (cpus:1) and on two CPUs (cpus:2).
// Run: ipcconform-bench-latency --benchmark_repetitions=5   (docs/benchmarks.md)
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "harness/caselib/fd.h"
#include "harness/gate/bench/bench_support.h"
#include "harness/gate/movers.h"

namespace ipcc::bench {
namespace {

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
      Broken(state, peer, movers::Failed("write", n, errno));
      break;
    }
    n = read(in, &byte, 1);
    if (n != 1) {
      Broken(state, peer, movers::Failed("read", n, errno));
      break;
    }
  }
}

void BM_Pipe(benchmark::State& state) {
  movers::Stream ping = movers::OpenPipe();
  if (!ping.open()) return Unavailable(state, "pipe", ping.error);
  movers::Stream pong = movers::OpenPipe();
  if (!pong.open()) return Unavailable(state, "pipe", pong.error);
  Peer peer("echo peer", [&] {
    ping.send.reset();
    pong.receive.reset();
    return EchoBytes(ping.receive.get(), pong.send.get());
  });
  if (!Started(state, peer)) return;
  ping.receive.reset();
  pong.send.reset();
  PingPongBytes(state, peer, ping.send.get(), pong.receive.get());
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
  Peer peer("echo peer", [&] {
    UniqueFd in(open(ping.c_str(), O_RDONLY));
    UniqueFd out(open(pong.c_str(), O_WRONLY));
    const char ready = 'r';
    if (!in.valid() || !out.valid() || write(out.get(), &ready, 1) != 1) return kPeerSetupExit;
    return EchoBytes(in.get(), out.get());
  });
  if (!Started(state, peer)) return;

  // Opening a FIFO blocks until the other side opens it; with O_NONBLOCK the waits are bounded, so a
  // peer that never gets there is reported rather than waited for.
  UniqueFd in(open(pong.c_str(), O_RDONLY | O_NONBLOCK));
  if (!in.valid()) return Broken(state, peer, movers::Failed("open pong", -1, errno));
  UniqueFd out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!out.valid()) {
    out.reset(open(ping.c_str(), O_WRONLY | O_NONBLOCK));
    if (out.valid()) break;
    if (errno != ENXIO || !peer.Ended().empty() || std::chrono::steady_clock::now() > deadline) {
      return Broken(state, peer, movers::Failed("open ping", -1, errno));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pollfd ready{in.get(), POLLIN, 0};
  if (int n = poll(&ready, 1, 5000); n != 1) {
    return Broken(state, peer, movers::Failed("poll for the peer", n, errno));
  }
  fcntl(in.get(), F_SETFL, 0);
  fcntl(out.get(), F_SETFL, 0);
  char byte = 0;
  if (ssize_t n = read(in.get(), &byte, 1); n != 1) return Broken(state, peer, movers::Failed("read", n, errno));
  remove_names.Run();
  PingPongBytes(state, peer, out.get(), in.get());
}

void BM_Socketpair(benchmark::State& state, int type) {
  // Both ends carry both ways: the benchmark has `send`, the peer `receive`.
  movers::Stream pair = movers::OpenSocketpair(type);
  if (!pair.open()) return Unavailable(state, "socketpair", pair.error);
  Peer peer("echo peer", [&] {
    pair.send.reset();
    return EchoBytes(pair.receive.get(), pair.receive.get());
  });
  if (!Started(state, peer)) return;
  pair.receive.reset();
  PingPongBytes(state, peer, pair.send.get(), pair.send.get());
}

// ---- System V: one message queue with two mtypes, one semaphore set ----

void BM_SysvMsg(benchmark::State& state) {
  const movers::SysvQueue queue;
  if (!queue.open()) return Unavailable(state, "msgget", queue.error());
  constexpr long kPing = 1, kPong = 2;
  Peer peer("echo peer", [&] {
    movers::SysvMessage m(1);
    for (;;) {
      if (queue.Receive(m, kPing) != 1) return kPeerIoExit;
      m.set_type(kPong);
      if (queue.Send(m) != 0) return kPeerIoExit;
    }
  });
  if (!Started(state, peer)) return;
  const movers::SysvMessage ping(1, kPing, 'x');
  movers::SysvMessage pong(1);
  for (auto _ : state) {
    if (queue.Send(ping) != 0) {
      Broken(state, peer, movers::Failed("msgsnd", -1, errno));
      break;
    }
    if (ssize_t n = queue.Receive(pong, kPong); n != 1) {
      Broken(state, peer, movers::Failed("msgrcv", n, errno));
      break;
    }
  }
}

void BM_SysvSem(benchmark::State& state) {
  const movers::SysvObject set(semget(IPC_PRIVATE, 2, IPC_CREAT | 0600), true);
  if (set.id() < 0) return Unavailable(state, "semget", errno);
  unsigned short zeros[2] = {0, 0};
  if (semctl(set.id(), 0, SETALL, zeros) != 0) return Unavailable(state, "semctl SETALL", errno);
  // Semaphore 0 carries the ping, semaphore 1 the pong.
  Peer peer("echo peer", [&] {
    sembuf take_ping{0, -1, 0};
    sembuf give_pong{1, 1, 0};
    for (;;) {
      if (semop(set.id(), &take_ping, 1) != 0 || semop(set.id(), &give_pong, 1) != 0) return kPeerIoExit;
    }
  });
  if (!Started(state, peer)) return;
  sembuf give_ping{0, 1, 0};
  sembuf take_pong{1, -1, 0};
  for (auto _ : state) {
    if (semop(set.id(), &give_ping, 1) != 0) {
      Broken(state, peer, movers::Failed("semop +1", -1, errno));
      break;
    }
    if (semop(set.id(), &take_pong, 1) != 0) {
      Broken(state, peer, movers::Failed("semop -1", -1, errno));
      break;
    }
  }
}

// ---- POSIX message queues: two queues, unlinked as soon as they are open ----

void BM_PosixMq(benchmark::State& state) {
  const movers::PosixQueue ping("bench", 1, 1);
  if (!ping.open()) return Unavailable(state, "mq_open", ping.error());
  const movers::PosixQueue pong("bench", 1, 1);
  if (!pong.open()) return Unavailable(state, "mq_open", pong.error());
  Peer peer("echo peer", [&] {
    char byte = 0;
    for (;;) {
      if (ping.Receive(&byte, 1) != 1 || pong.Send(&byte, 1) != 0) return kPeerIoExit;
    }
  });
  if (!Started(state, peer)) return;
  char byte = 'x';
  for (auto _ : state) {
    if (ping.Send(&byte, 1) != 0) {
      Broken(state, peer, movers::Failed("mq_send", -1, errno));
      break;
    }
    if (ssize_t n = pong.Receive(&byte, 1); n != 1) {
      Broken(state, peer, movers::Failed("mq_receive", n, errno));
      break;
    }
  }
}

// ---- Shared memory: one 32-bit word in an anonymous shared mapping ----

// The word counts half trips: the benchmark makes it odd (ping), the peer makes it even (pong). `wait`
// waits while the word has a value (false when the peer is gone, asked through its give_up argument);
// `publish` stores the next one. `broken` is what a failed wait is called.
template <typename Wait, typename Publish>
void PingPongWord(benchmark::State& state, Wait wait, Publish publish, const char* broken) {
  const movers::SharedMemory page(4096);
  if (!page.mapped()) return Unavailable(state, "mmap", page.error());
  auto* word = new (page.get()) std::atomic<uint32_t>(0);
  Peer peer("echo peer", [&] {
    for (uint32_t seen = 0;; seen += 2) {
      wait(word, seen, [] { return false; });
      publish(word, seen + 2);
    }
    return 0;
  });
  if (!Started(state, peer)) return;
  uint32_t count = 0;
  const std::function<bool()> peer_gone = [&] { return !peer.Ended().empty(); };
  for (auto _ : state) {
    publish(word, ++count);
    if (!wait(word, count, peer_gone)) {
      Broken(state, peer, broken);
      break;
    }
    ++count;
  }
}

// Each side stores, FUTEX_WAKEs, and sleeps in FUTEX_WAIT until the word changes; no spinning.
void BM_ShmFutex(benchmark::State& state) {
  PingPongWord(
      state,
      [](std::atomic<uint32_t>* word, uint32_t value, const std::function<bool()>& give_up) {
        return movers::WaitWhile(word, value, 0, nullptr, give_up);
      },
      [](std::atomic<uint32_t>* word, uint32_t value) { movers::Publish(word, value, nullptr); },
      "futex wait interrupted");
}

// The same word, polled: nobody sleeps.
void BM_ShmSpin(benchmark::State& state) {
  PingPongWord(
      state, movers::SpinWhile,
      [](std::atomic<uint32_t>* word, uint32_t value) { word->store(value, std::memory_order_release); },
      "the peer stopped answering");
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
  Peer peer("echo peer", [&] {
    const sigval value{};
    for (;;) {
      if (sigwaitinfo(&ping_set, nullptr) != ping || sigqueue(parent, pong, value) != 0) return kPeerIoExit;
    }
  });
  if (!Started(state, peer)) return;
  const sigval value{};
  for (auto _ : state) {
    if (sigqueue(peer.pid(), ping, value) != 0) {
      Broken(state, peer, movers::Failed("sigqueue", -1, errno));
      break;
    }
    if (int sig = sigwaitinfo(&pong_set, nullptr); sig != pong) {
      Broken(state, peer, movers::Failed("sigwaitinfo", sig, errno));
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
}  // namespace ipcc::bench

int main(int argc, char** argv) {
  // An IPC namespace of its own where allowed (root): the System V objects and POSIX queues of a run
  // are seen and removed by no other process (a conformance run's leak check would do both), and go
  // with the namespace even if the benchmark is killed. Elsewhere the host's, as the gate does.
  unshare(CLONE_NEWIPC);
  ipcc::bench::InstallSignalHandlers();
  ipcc::bench::RegisterAll();
  return ipcc::bench::RunBenchmarks(argc, argv);
}
