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
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/fd.h"
#include "harness/names.h"

namespace {

using ipcc::ErrnoName;
using ipcc::ScopedCleanup;
using ipcc::UniqueFd;

constexpr int kPeerSetupExit = 120;
constexpr int kPeerIoExit = 121;

// ---- Where the two processes run ----

// Unpinned, a 2-vCPU VM gives bimodal figures: the scheduler sometimes keeps both processes on one
// CPU (a context switch per hand-over) and sometimes spreads them over two (a cross-CPU wake-up, dear
// on a VM whose other vCPU idles). So every run pins them, and says where: the benchmark process on
// the first CPU of its affinity mask, the peer on the same CPU or on the second one.
class Placement {
 public:
  explicit Placement(int cpus) {
    CPU_ZERO(&saved_);
    if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) {
      why_not_ = "sched_getaffinity: " + ErrnoName(errno);
      return;
    }
    std::vector<int> usable;
    for (int cpu = 0; cpu < CPU_SETSIZE && usable.size() < 2; ++cpu) {
      if (CPU_ISSET(cpu, &saved_)) usable.push_back(cpu);
    }
    if (static_cast<int>(usable.size()) < cpus) {
      why_not_ = "needs " + std::to_string(cpus) + " CPUs in the affinity mask, which has " +
                 std::to_string(usable.size());
      return;
    }
    mine_ = usable[0];
    peer_ = usable[static_cast<size_t>(cpus - 1)];
    if (!Pin(mine_)) {
      why_not_ = "sched_setaffinity: " + ErrnoName(errno);
      return;
    }
    pinned_ = true;
  }
  Placement(const Placement&) = delete;
  Placement& operator=(const Placement&) = delete;
  ~Placement() {
    if (pinned_) sched_setaffinity(0, sizeof saved_, &saved_);
  }

  bool ok() const { return pinned_; }
  const std::string& why_not() const { return why_not_; }
  int peer_cpu() const { return peer_; }
  std::string Describe() const {
    return mine_ == peer_ ? "both on CPU " + std::to_string(mine_)
                          : "CPUs " + std::to_string(mine_) + " and " + std::to_string(peer_);
  }
  static bool Pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
  }

 private:
  cpu_set_t saved_;
  int mine_ = -1;
  int peer_ = -1;
  bool pinned_ = false;
  std::string why_not_;
};

// The CPU the current run's peer goes to (set by RunPlaced for the length of a run).
int g_peer_cpu = -1;

// ---- Process and object ownership (the same helpers as ipc_throughput_bench.cc) ----

// A forked partner for one benchmark run, on the run's peer CPU. It dies with the benchmark process
// (PR_SET_PDEATHSIG) and is killed and reaped when the object goes, so no run leaves a process
// behind, even on error paths.
class Peer {
 public:
  explicit Peer(const std::function<int()>& body) {
    std::fflush(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    fork_error_ = errno;
    if (pid_ == 0) {
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(kPeerSetupExit);
      if (g_peer_cpu >= 0 && !Placement::Pin(g_peer_cpu)) _exit(kPeerSetupExit);
      _exit(body());
    }
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  ~Peer() { Stop(); }

  bool started() const { return pid_ > 0; }
  // Why it did not start: fork's errno.
  int fork_error() const { return fork_error_; }
  pid_t pid() const { return pid_; }
  // How the peer ended ("exited with status 121"), or "" if it still runs after `grace` (a peer that
  // is closing its descriptors on the way out is not yet a zombie).
  std::string Ended(std::chrono::milliseconds grace = std::chrono::milliseconds(0)) {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (;;) {
      int status = 0;
      if (pid_ > 0 && !status_ && waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
      if (status_ || pid_ <= 0 || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return status_ ? ipcc::DescribeWaitStatus(*status_) : "";
  }
  void Stop() {
    if (pid_ <= 0) return;
    if (!status_) {
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      status_ = status;
    }
    const itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);  // armed by OnSigchld; the next run starts quiet
  }

 private:
  pid_t pid_ = -1;
  int fork_error_ = 0;
  std::optional<int> status_;
};

// System V queues and semaphore sets vanish for everyone at IPC_RMID, so unlike a mapping or an
// unlinked name they cannot be removed right after creation. The one in use is remembered here, and a
// fatal-signal handler removes it too: an interrupted run (Ctrl-C) leaves nothing behind.
volatile sig_atomic_t g_sysv_id = -1;
volatile sig_atomic_t g_sysv_is_sem = 0;

void RemoveSysv(int id, bool is_sem) {
  if (is_sem) {
    semctl(id, 0, IPC_RMID);
  } else {
    msgctl(id, IPC_RMID, nullptr);
  }
}

extern "C" void RemoveSysvAndDie(int sig) {
  if (g_sysv_id >= 0) RemoveSysv(g_sysv_id, g_sysv_is_sem != 0);
  signal(sig, SIG_DFL);
  raise(sig);
}

class SysvObject {
 public:
  SysvObject(int id, bool is_sem) : id_(id), is_sem_(is_sem) {
    if (id_ < 0) return;
    g_sysv_is_sem = is_sem ? 1 : 0;
    g_sysv_id = id;
  }
  SysvObject(const SysvObject&) = delete;
  SysvObject& operator=(const SysvObject&) = delete;
  ~SysvObject() {
    if (id_ < 0) return;
    // Removed before it is forgotten: a signal in between removes a stale id (EINVAL: ids carry a
    // sequence number), never leaves the object behind.
    RemoveSysv(id_, is_sem_);
    g_sysv_id = -1;
  }
  int id() const { return id_; }

 private:
  int id_;
  bool is_sem_;
};

// A peer that dies must not leave the benchmark blocked for ever (a System V call, a futex wait, a
// full queue). Its SIGCHLD arms a 10 ms repeating SIGALRM; both handlers are installed without
// SA_RESTART, so every blocking call from then on fails with EINTR, and the EINTR path finds the peer
// gone. (SIGCHLD alone could arrive just before the call that then blocks.) Peer::Stop disarms it.
extern "C" void OnSigchld(int) {
  const int saved_errno = errno;
  const itimerval every_10ms{{0, 10000}, {0, 10000}};
  setitimer(ITIMER_REAL, &every_10ms, nullptr);
  errno = saved_errno;
}
extern "C" void OnSigalrm(int) {}

void InstallSignalHandlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = OnSigchld;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, nullptr);
  sa.sa_handler = OnSigalrm;
  sa.sa_flags = 0;
  sigaction(SIGALRM, &sa, nullptr);
  sa.sa_handler = RemoveSysvAndDie;
  sa.sa_flags = 0;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a dead peer shows as EPIPE, not as the death of the benchmark
}

std::string Failed(const char* call, long result, int err) {
  if (result < 0) return std::string(call) + ": " + ErrnoName(err);
  return std::string(call) + " returned " + std::to_string(result);
}

// The mechanism exists but the run did not work: "broken:" is what the ctest smoke test looks for.
void Broken(benchmark::State& state, Peer& peer, const std::string& what) {
  const std::string ended = peer.Ended(std::chrono::milliseconds(100));
  const std::string message = "broken: " + what + (ended.empty() ? "" : " (the echo peer " + ended + ")");
  state.SkipWithError(message.c_str());
}

// The mechanism cannot be set up here (ENOSYS, a limit): a skip that names the cause.
void Unavailable(benchmark::State& state, const char* call, int err) {
  state.SkipWithError((std::string(call) + ": " + ErrnoName(err)).c_str());
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

// libbenchmark 1.7.1 crashes computing the aggregates of a benchmark whose first repetition failed
// and a later one did not (google/benchmark#1406, fixed after 1.8). So once a benchmark has failed,
// its further repetitions fail too, saying why.
// Runs one benchmark run with its two processes placed on `cpus` CPUs (1 or 2).
void RunPlaced(benchmark::State& state, const std::string& key, int cpus,
               const std::function<void(benchmark::State&)>& run) {
  static std::set<std::string> failed;
  if (failed.count(key) != 0) {
    state.SkipWithError("an earlier repetition of this benchmark failed (see above)");
    return;
  }
  Placement where(cpus);
  if (!where.ok()) {
    state.SkipWithError(where.why_not().c_str());
    return;
  }
  g_peer_cpu = where.peer_cpu();
  run(state);
  g_peer_cpu = -1;
  if (state.error_occurred()) {
    failed.insert(key);
  } else {
    state.SetLabel(where.Describe());
  }
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
