#include "harness/gate/gate.h"

#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <new>

#include <fmt/format.h>

#include "harness/caselib/coverage.h"
#include "harness/caselib/names.h"
#include "harness/caselib/records.h"
#include "harness/gate/movers.h"

namespace ipcc::gate {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

enum Mech { kMemcpy, kShmSysv, kShmAnon, kShmZeroCopy, kPipe, kPipeBig, kSocket, kSysvMsg, kPosixMq, kMechCount };
constexpr const char* kMechNames[kMechCount] = {"memcpy",        "shm_ring_sysv", "shm_ring_anon",
                                                "shm_zero_copy", "pipe",          "pipe_raised",
                                                "socketpair",    "sysv_msg",      "posix_mq"};

// A verdict word as the record writes it: the records.h name in lower case ("pass", "fail", "error").
std::string RecordWord(std::string_view name) {
  std::string word(name);
  for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return word;
}

// The consumer's commands to the producer, and the producer's figures of each slice.
struct Control {
  movers::Event command;  // consumer -> producer: a slice starts (or quit)
  movers::Event done;     // producer -> consumer: the slice's production ended
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

// Everything both processes share, created before the producer is forked.
struct World {
  std::size_t chunk = 0;
  std::size_t ring_chunks = 0;
  std::size_t ring_bytes = 0;
  std::unique_ptr<movers::SharedMemory> control_memory;
  Control* ctl = nullptr;
  std::unique_ptr<movers::SharedMemory> sysv_memory;
  movers::SlotRing sysv_ring;
  std::unique_ptr<movers::SharedMemory> anon_memory;
  movers::SlotRing anon_ring;
  movers::Stream pipe_small;
  movers::Stream pipe_big;
  long pipe_big_size = 0;
  movers::Stream sock;
  std::unique_ptr<movers::SysvQueue> msg;
  std::size_t msg_size = 0;
  std::unique_ptr<movers::PosixQueue> mq;
  std::size_t mq_size = 0;
  std::string mq_note;
  std::vector<char> src;      // producer's private source (ring-size) / memcpy source
  std::vector<char> dst;      // consumer's private destination (one chunk)
  std::vector<char> ref_dst;  // memcpy reference's destination (ring-size, laid out like the ring)
};

// The ring a shared-memory mechanism uses, or nullptr.
movers::SlotRing* RingOf(World& w, int mech) {
  if (mech == kShmSysv) return &w.sysv_ring;
  if (mech == kShmAnon || mech == kShmZeroCopy) return &w.anon_ring;
  return nullptr;
}

// The stream a pipe or socket mechanism uses, or nullptr.
const movers::Stream* StreamOf(const World& w, int mech) {
  if (mech == kPipe) return &w.pipe_small;
  if (mech == kPipeBig) return &w.pipe_big;
  if (mech == kSocket) return &w.sock;
  return nullptr;
}

bool Available(const World& w, int mech) {
  if (mech == kSysvMsg) return w.msg != nullptr && w.msg->open();
  if (mech == kPosixMq) return w.mq != nullptr && w.mq->open();
  if (mech == kShmSysv) return w.sysv_ring.valid();
  return true;
}

// ---- producer side ----

void ProduceRing(World& w, movers::SlotRing& ring) {
  Control& c = *w.ctl;
  auto stopped = [&] { return c.stop.load(std::memory_order_acquire) != 0; };
  std::uint64_t produced = 0;
  while (!stopped()) {
    if (!ring.Put(w.src.data(), stopped)) break;
    produced += w.chunk;
  }
  c.produced.store(produced);
}

// The producer's loop for the stream and queue mechanisms: `send` sends one unit and returns the
// bytes it took, or -1 with errno.
template <typename SendOne>
void ProduceUntilStopped(Control& c, SendOne send) {
  std::uint64_t produced = 0;
  while (c.stop.load(std::memory_order_acquire) == 0) {
    const ssize_t n = send();
    if (n < 0) {
      if (errno == EINTR) continue;
      c.producer_errno.store(errno);
      break;
    }
    produced += static_cast<std::uint64_t>(n);
  }
  c.produced.store(produced);
}

void ProduceSlice(World& w, int mech) {
  Control& c = *w.ctl;
  if (movers::SlotRing* ring = RingOf(w, mech)) return ProduceRing(w, *ring);
  if (const movers::Stream* s = StreamOf(w, mech)) {
    return ProduceUntilStopped(c, [&] { return write(s->send.get(), w.src.data(), w.chunk); });
  }
  if (mech == kSysvMsg) {
    const movers::SysvMessage m(w.msg_size);
    return ProduceUntilStopped(c, [&] { return w.msg->Send(m) == 0 ? static_cast<ssize_t>(w.msg_size) : -1; });
  }
  if (mech == kPosixMq) {
    return ProduceUntilStopped(
        c, [&] { return w.mq->Send(w.src.data(), w.mq_size) == 0 ? static_cast<ssize_t>(w.mq_size) : -1; });
  }
  c.produced.store(0);
}

[[noreturn]] void ProducerMain(World& w, int cpu) {
  movers::PinTo(cpu);
  Control& c = *w.ctl;
  std::uint32_t seen = 0;
  for (;;) {
    c.command.WaitUntil([&] { return c.slice.load() != seen || c.quit.load() != 0; });
    if (c.quit.load() != 0) {
      FlushCoverage();
      _exit(0);
    }
    seen = c.slice.load();
    const std::uint64_t cpu0 = movers::ThreadCpuNs();
    const long sw0 = movers::InvoluntarySwitches();
    c.producer_errno.store(0);
    ProduceSlice(w, c.mech.load());
    c.producer_cpu_ns.store(movers::ThreadCpuNs() - cpu0);
    c.producer_nivcsw.store(static_cast<std::uint64_t>(movers::InvoluntarySwitches() - sw0));
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

// The physical reference: one thread doing exactly the producer's copy without the sharing: the
// ring-size source into a ring-size destination laid out like the ring, chunk by chunk.
std::uint64_t CopyUntil(World& w, Clock::time_point deadline) {
  std::uint64_t bytes = 0;
  std::size_t i = 0;
  while (Clock::now() < deadline) {
    const std::size_t slot = (i % w.ring_chunks) * w.chunk;
    std::memcpy(w.ref_dst.data() + slot, w.src.data() + slot, w.chunk);
    ++i;
    bytes += w.chunk;
  }
  g_sink = static_cast<unsigned char>(w.ref_dst[7]);
  return bytes;
}

// Consumes the ring until the deadline, checking every chunk's stamp; returns the bytes consumed.
std::uint64_t ConsumeRing(World& w, movers::SlotRing& ring, bool in_place, Clock::time_point deadline,
                          SliceFigures& f) {
  std::uint64_t bytes = 0;
  std::uint64_t sum = 0;
  std::uint64_t next_stamp = 0;  // the ring restarts with every slice
  while (Clock::now() < deadline) {
    const char* slot = ring.Take();
    const std::uint64_t stamp = movers::SlotRing::StampOf(slot);
    if (stamp != next_stamp && !f.data_lost) {
      f.data_lost = true;
      f.error = fmt::format("ring chunk {} carried stamp {}: data was lost or reordered", next_stamp, stamp);
    }
    ++next_stamp;
    if (in_place) {
      sum += ReadInPlace(slot, w.chunk);
    } else {
      std::memcpy(w.dst.data(), slot, w.chunk);
    }
    ring.Release();
    bytes += w.chunk;
  }
  g_sink = sum + static_cast<unsigned char>(w.dst[w.chunk / 2]);
  return bytes;
}

// The consumer's loop for the stream and queue mechanisms: `receive` takes one unit and returns its
// bytes, or -1 with errno (`call` names it in the error).
template <typename ReceiveOne>
std::uint64_t ConsumeUntil(Clock::time_point deadline, const char* call, std::string& error, ReceiveOne receive) {
  std::uint64_t bytes = 0;
  while (Clock::now() < deadline) {
    const ssize_t n = receive();
    if (n < 0) {
      if (errno == EINTR) continue;
      error = movers::Failed(call, -1, errno);
      break;
    }
    bytes += static_cast<std::uint64_t>(n);
  }
  return bytes;
}

std::uint64_t ConsumeSlice(World& w, int mech, Clock::time_point deadline, SliceFigures& f) {
  if (movers::SlotRing* ring = RingOf(w, mech)) return ConsumeRing(w, *ring, mech == kShmZeroCopy, deadline, f);
  if (const movers::Stream* s = StreamOf(w, mech)) {
    return ConsumeUntil(deadline, "read", f.error, [&] { return read(s->receive.get(), w.dst.data(), w.chunk); });
  }
  if (mech == kSysvMsg) {
    movers::SysvMessage m(w.msg_size);
    return ConsumeUntil(deadline, "msgrcv", f.error, [&] { return w.msg->Receive(m); });
  }
  if (mech == kPosixMq) {
    std::vector<char> buf(w.mq_size);
    return ConsumeUntil(deadline, "mq_receive", f.error, [&] { return w.mq->Receive(buf.data(), buf.size()); });
  }
  return 0;
}

// ---- between slices: what the producer sent after the deadline is taken and thrown away ----

void DrainRing(World& w, movers::SlotRing& ring) {
  Control& c = *w.ctl;
  const std::uint32_t slice = c.slice.load();
  for (;;) {
    ring.Discard();
    if (c.finished_slice.load(std::memory_order_acquire) == slice) break;
    c.done.WaitUntil([&] { return c.finished_slice.load(std::memory_order_acquire) == slice || !ring.Empty(); });
  }
}

// Reads until the producer has stopped and everything it wrote was read.
void DrainStream(World& w, const movers::Stream& s, std::uint64_t consumed) {
  Control& c = *w.ctl;
  const std::uint32_t slice = c.slice.load();
  for (;;) {
    const bool finished = c.finished_slice.load(std::memory_order_acquire) == slice;
    if (finished && consumed >= c.produced.load()) return;
    pollfd p{s.receive.get(), POLLIN, 0};
    if (poll(&p, 1, 1) > 0) {
      ssize_t n = read(s.receive.get(), w.dst.data(), w.chunk);
      if (n > 0) consumed += static_cast<std::uint64_t>(n);
    }
  }
}

void DrainSysvMsg(World& w) {
  Control& c = *w.ctl;
  const std::uint32_t slice = c.slice.load();
  movers::SysvMessage m(w.msg_size);
  for (;;) {
    const bool finished = c.finished_slice.load(std::memory_order_acquire) == slice;
    if (w.msg->Receive(m, 0, IPC_NOWAIT) >= 0) continue;
    if (finished) return;
    movers::CpuRelax();
  }
}

void DrainPosixMq(World& w) {
  Control& c = *w.ctl;
  const std::uint32_t slice = c.slice.load();
  std::vector<char> buf(w.mq_size);
  for (;;) {
    const bool finished = c.finished_slice.load(std::memory_order_acquire) == slice;
    if (w.mq->ReceiveWithin(buf.data(), buf.size(), std::chrono::milliseconds(1)) >= 0) continue;
    if (finished) return;
  }
}

void DrainSlice(World& w, int mech, std::uint64_t consumed) {
  if (movers::SlotRing* ring = RingOf(w, mech)) return DrainRing(w, *ring);
  if (const movers::Stream* s = StreamOf(w, mech)) return DrainStream(w, *s, consumed);
  if (mech == kSysvMsg) return DrainSysvMsg(w);
  if (mech == kPosixMq) return DrainPosixMq(w);
}

// ---- one slice ----

// Tells the idle producer to start a slice of `mech`.
void StartProducing(World& w, int mech) {
  Control& c = *w.ctl;
  // The producer is idle between slices: restart the ring so stamps line up with chunk numbers.
  if (movers::SlotRing* ring = RingOf(w, mech)) ring->Reset();
  c.stop.store(0);
  c.mech.store(mech);
  c.slice.fetch_add(1);
  c.command.Signal();
}

// Stops the producer, takes what is left of the slice and the producer's figures.
void StopProducing(World& w, int mech, std::uint64_t consumed, SliceFigures& f) {
  Control& c = *w.ctl;
  c.stop.store(1, std::memory_order_release);
  w.sysv_ring.WakeProducer();
  w.anon_ring.WakeProducer();
  DrainSlice(w, mech, consumed);
  const std::uint32_t slice = c.slice.load();
  c.done.WaitUntil([&] { return c.finished_slice.load(std::memory_order_acquire) == slice; });
  f.producer_cpu = static_cast<double>(c.producer_cpu_ns.load()) / 1e9;
  f.producer_nivcsw = static_cast<long>(c.producer_nivcsw.load());
  if (c.producer_errno.load() != 0 && f.error.empty())
    f.error = movers::Failed("producer", -1, c.producer_errno.load());
}

SliceFigures RunSlice(World& w, int mech, double slice_ms) {
  SliceFigures f;
  const auto length = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(slice_ms));
  const std::uint64_t cpu0 = movers::ThreadCpuNs();
  const long sw0 = movers::InvoluntarySwitches();
  const auto t0 = Clock::now();
  std::uint64_t bytes = 0;
  if (mech == kMemcpy) {
    bytes = CopyUntil(w, t0 + length);
  } else {
    StartProducing(w, mech);
    bytes = ConsumeSlice(w, mech, t0 + length, f);
  }
  const auto t1 = Clock::now();
  f.consumer_cpu = static_cast<double>(movers::ThreadCpuNs() - cpu0) / 1e9;
  f.consumer_nivcsw = movers::InvoluntarySwitches() - sw0;
  if (mech != kMemcpy) StopProducing(w, mech, bytes, f);
  const double wall = std::chrono::duration<double>(t1 - t0).count();
  f.bytes_per_s = wall > 0 ? static_cast<double>(bytes) / wall : 0;
  f.consumer_cpu /= wall;
  f.producer_cpu /= wall;
  return f;
}

// ---- an attempt: rounds of slices, their ratios, the verdict ----

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double Round3(double x) {
  return std::isfinite(x) ? std::round(x * 1000.0) / 1000.0 : x;
}

// The per-round ratios the verdict rests on (shm ring over each other mechanism, in the same round).
struct RoundRatios {
  std::vector<double> memcpy, anon_memcpy, pipe, socket, msg, zero;

  void Add(std::map<int, SliceFigures>& figs) {
    const double shm = figs[kShmSysv].bytes_per_s;
    const double best_pipe = std::max(figs[kPipe].bytes_per_s, figs[kPipeBig].bytes_per_s);
    memcpy.push_back(shm / figs[kMemcpy].bytes_per_s);
    anon_memcpy.push_back(figs[kShmAnon].bytes_per_s / figs[kMemcpy].bytes_per_s);
    pipe.push_back(shm / best_pipe);
    socket.push_back(shm / figs[kSocket].bytes_per_s);
    if (figs.count(kSysvMsg)) msg.push_back(shm / figs[kSysvMsg].bytes_per_s);
    zero.push_back(shm / figs[kShmZeroCopy].bytes_per_s);
  }
  json Medians() const {
    return {{"shm_vs_memcpy", Round3(Median(memcpy))},
            {"shm_anon_vs_memcpy", Round3(Median(anon_memcpy))},
            {"shm_vs_pipe", Round3(Median(pipe))},
            {"shm_vs_socketpair", Round3(Median(socket))},
            {"shm_vs_sysv_msg", msg.empty() ? json(nullptr) : json(Round3(Median(msg)))},
            {"shm_ring_vs_zero_copy", Round3(Median(zero))}};
  }
};

struct AttemptResult {
  Outcome outcome = Outcome::kError;  // kPass, kFail, or kError (a transport broke: no verdict)
  std::string reason;                 // the failed thresholds and errors, "; "-separated
  json record;
};

// What an attempt gathers round by round.
struct AttemptLog {
  json rounds = json::array();
  int contended_rounds = 0;
  std::map<int, std::vector<double>> rate;
  RoundRatios ratios;
  std::vector<std::string> errors;  // a transport failed: the attempt has no verdict
  std::vector<std::string> lost;    // a ring delivered wrong data

  void AddRound(int r, const std::vector<int>& order, std::map<int, SliceFigures>& figs) {
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
    ratios.Add(figs);
    rounds.push_back(round);
  }

  AttemptResult Judge(const Thresholds& t, int attempt) const {
    json medians_rate = json::object();
    for (const auto& [m, v] : rate) medians_rate[kMechNames[m]] = Round3(Median(v) / (1 << 20));
    const json medians = ratios.Medians();
    std::vector<std::string> failed;
    auto check = [&](const char* key, double threshold) {
      if (medians[key].is_null()) return;
      const double v = medians[key].get<double>();
      if (!(v >= threshold)) failed.push_back(fmt::format("{} = {:.3f} < {}", key, v, threshold));
    };
    check("shm_vs_memcpy", t.shm_vs_memcpy);
    check("shm_vs_pipe", t.shm_vs_pipe);
    check("shm_vs_socketpair", t.shm_vs_socket);
    check("shm_vs_sysv_msg", t.shm_vs_sysv_msg);
    // Lost data is a finding about the system whatever else happened; a broken transport leaves the
    // attempt without a verdict (its ratios are not to be trusted either way).
    AttemptResult a;
    a.outcome = !lost.empty()     ? Outcome::kFail
                : !errors.empty() ? Outcome::kError
                : failed.empty()  ? Outcome::kPass
                                  : Outcome::kFail;
    failed.insert(failed.begin(), lost.begin(), lost.end());
    for (const auto& why : failed) a.reason += (a.reason.empty() ? "" : "; ") + why;
    for (const auto& why : errors) a.reason += (a.reason.empty() ? "" : "; ") + why;
    a.record = {{"attempt", attempt + 1},
                {field::kVerdict, RecordWord(OutcomeName(a.outcome))},
                {"ratios", medians},
                {"median_mib_s", medians_rate},
                {"contended_rounds", contended_rounds},
                {"failed_thresholds", failed},
                {"errors", errors},
                {"rounds", rounds}};
    return a;
  }
};

AttemptResult RunAttempt(World& w, const Options& o, int attempt) {
  std::vector<int> mechs;
  for (int m = 0; m < kMechCount; ++m) {
    if (Available(w, m)) mechs.push_back(m);
  }
  AttemptLog log;
  for (int r = 0; r < o.rounds; ++r) {
    std::vector<int> order = mechs;
    std::rotate(order.begin(), order.begin() + (r + attempt) % static_cast<int>(order.size()), order.end());
    std::map<int, SliceFigures> figs;
    for (int m : order) figs[m] = RunSlice(w, m, o.slice_ms);
    log.AddRound(r, order, figs);
  }
  return log.Judge(o.thresholds, attempt);
}

// ---- the world both processes share ----

// The shared-memory rings and the control page. Returns "" or the reason the gate cannot run at all.
std::string BuildShared(World& w) {
  w.control_memory = std::make_unique<movers::SharedMemory>(sizeof(Control));
  if (!w.control_memory->mapped()) return "mmap of the control page: " + ErrnoName(w.control_memory->error());
  w.ctl = new (w.control_memory->get()) Control();

  const std::size_t ring_total = movers::SlotRing::Bytes(w.chunk, w.ring_chunks);
  w.anon_memory = std::make_unique<movers::SharedMemory>(ring_total);
  if (!w.anon_memory->mapped()) return "mmap of the anonymous ring: " + ErrnoName(w.anon_memory->error());
  w.anon_ring = movers::SlotRing(w.anon_memory->get(), w.chunk, w.ring_chunks);

  w.sysv_memory = std::make_unique<movers::SharedMemory>(ring_total, movers::SharedMemory::Kind::kSysvSegment);
  if (!w.sysv_memory->mapped()) {
    return "System V shared memory is not available: " + ErrnoName(w.sysv_memory->error());
  }
  w.sysv_ring = movers::SlotRing(w.sysv_memory->get(), w.chunk, w.ring_chunks);
  return {};
}

// POSIX messages of the queue's size, or the note that says why the mechanism is left out.
void BuildPosixMq(World& w) {
  const long msgsize_max = movers::ReadSysNumber("/proc/sys/fs/mqueue/msgsize_max").value_or(8192);
  const long msg_max = movers::ReadSysNumber("/proc/sys/fs/mqueue/msg_max").value_or(10);
  const long size = std::min<long>(msgsize_max, 8192);
  w.mq = std::make_unique<movers::PosixQueue>("gate", std::min<long>(msg_max, 10), size);
  if (!w.mq->open()) {
    w.mq_note = "POSIX message queues unavailable: mq_open gives " + ErrnoName(w.mq->error());
    return;
  }
  w.mq_size = static_cast<std::size_t>(size);
  // Opening is not enough (some sandboxes open queues but implement neither send nor receive):
  // one message through it, or the mechanism is left out with the reason.
  std::vector<char> probe(w.mq_size);
  const auto wait = std::chrono::seconds(2);
  if (w.mq->SendWithin("p", 1, wait) != 0) {
    w.mq_note = "POSIX message queues unavailable: mq_timedsend gives " + ErrnoName(errno);
  } else if (w.mq->ReceiveWithin(probe.data(), probe.size(), wait) != 1) {
    w.mq_note = "POSIX message queues unavailable: mq_timedreceive gives " + ErrnoName(errno);
  }
  if (!w.mq_note.empty()) {
    w.mq->Close();
    w.mq_size = 0;
  }
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
  if (std::string why = BuildShared(w); !why.empty()) return why;

  w.pipe_small = movers::OpenPipe();
  w.pipe_big = movers::OpenPipe();
  for (const movers::Stream* p : {&w.pipe_small, &w.pipe_big}) {
    if (!p->open()) return "pipe: " + ErrnoName(p->error);
  }
  const long max_pipe = movers::ReadSysNumber("/proc/sys/fs/pipe-max-size").value_or(1048576);
  movers::RaisePipe(w.pipe_big, static_cast<int>(std::min<long>(max_pipe, 1 << 20)));
  w.pipe_big_size = movers::PipeSize(w.pipe_big);
  w.sock = movers::OpenSocketpair(SOCK_STREAM);
  if (!w.sock.open()) return "socketpair: " + ErrnoName(w.sock.error);
  movers::AskSocketBuffers(w.sock, 4 << 20);

  w.msg_size = static_cast<std::size_t>(
      std::min<long>(movers::ReadSysNumber("/proc/sys/kernel/msgmax").value_or(8192), 1 << 20));
  w.msg = std::make_unique<movers::SysvQueue>();
  BuildPosixMq(w);
  if (w.src.size() < w.mq_size) w.src.resize(w.mq_size);
  return {};
}

// ---- the run ----

json RecordHead(const Options& o) {
  return {{field::kRecord, "gate"},
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
}

// The record's verdict word: "pass", "fail", "inconclusive".
std::string RecordVerdict(Verdict v) {
  return RecordWord(VerdictName(v));
}

Result Inconclusive(Result result, const std::string& why) {
  result.verdict = Verdict::inconclusive;
  result.reason = why;
  result.record[field::kVerdict] = RecordVerdict(result.verdict);
  result.record["reason"] = why;
  return result;
}

// Forks the producer, pinned to `cpu`. A raw fork, not the case library's Fork(): the producer is a
// measured process, persistent across every slice, that must run nothing but its loop (no case state,
// no harness bookkeeping, no exit status to judge) and dies with the gate (PR_SET_PDEATHSIG).
pid_t StartProducer(World& w, int cpu) {
  fflush(nullptr);
  const pid_t producer = fork();
  if (producer == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    ProducerMain(w, cpu);
  }
  return producer;
}

void StopProducer(World& w, pid_t producer) {
  w.ctl->quit.store(1);
  w.ctl->command.Signal();
  int status = 0;
  waitpid(producer, &status, 0);
}

// One unmeasured round first: every page of every buffer is touched by the process that uses it
// (after the fork, writes fault pages in; under gVisor each such fault costs microseconds).
void WarmUp(World& w, const Options& o) {
  for (int m = 0; m < kMechCount; ++m) {
    if (Available(w, m)) RunSlice(w, m, o.slice_ms);
  }
}

// Up to o.attempts attempts (one with a single CPU: its figures are shown, the verdict cannot pass);
// the first that passes ends them. Returns the last attempt's reason.
std::string RunAttempts(World& w, const Options& o, std::size_t cpus, Result& result) {
  std::string last_reason;
  const int attempts = cpus < 2 ? 1 : o.attempts;
  for (int a = 0; a < attempts; ++a) {
    AttemptResult attempt = RunAttempt(w, o, a);
    result.record["attempts"].push_back(std::move(attempt.record));
    if (attempt.outcome == Outcome::kPass) {
      result.verdict = Verdict::pass;
      break;
    }
    result.verdict = attempt.outcome == Outcome::kFail ? Verdict::fail : Verdict::inconclusive;
    last_reason = attempt.reason;
  }
  return last_reason;
}

}  // namespace

// PASS and FAIL are the outcomes of records.h; INCONCLUSIVE is the gate's own (no two CPUs to be had,
// or a transport that broke), for which no case outcome stands.
std::string VerdictName(Verdict v) {
  if (v == Verdict::inconclusive) return "INCONCLUSIVE";
  return std::string(OutcomeName(v == Verdict::pass ? Outcome::kPass : Outcome::kFail));
}

Result Run(const Options& o) {
  Result result;
  const auto started = Clock::now();
  result.record = RecordHead(o);
  const std::vector<int> cpus = movers::AffinityCpus();
  result.record["cpus"] = cpus;

  World w;
  if (std::string why = BuildWorld(w, o); !why.empty()) return Inconclusive(std::move(result), why);
  json& rec = result.record;
  rec["pipe_raised_bytes"] = w.pipe_big_size;
  rec["sysv_msg_bytes"] = w.msg_size;
  rec["posix_mq_bytes"] = w.mq_size;
  if (!w.mq_note.empty()) rec["notes"] = {w.mq_note};

  const int producer_cpu = cpus.empty() ? 0 : cpus[0];
  const int consumer_cpu = cpus.size() >= 2 ? cpus[1] : producer_cpu;
  const pid_t producer = StartProducer(w, producer_cpu);
  if (producer < 0) return Inconclusive(std::move(result), "fork: " + ErrnoName(errno));
  cpu_set_t old;
  sched_getaffinity(0, sizeof old, &old);
  movers::PinTo(consumer_cpu);
  WarmUp(w, o);
  const std::string last_reason = RunAttempts(w, o, cpus.size(), result);
  StopProducer(w, producer);
  sched_setaffinity(0, sizeof old, &old);

  if (cpus.size() < 2) {
    result.verdict = Verdict::inconclusive;
    result.reason =
        fmt::format("fewer than two usable CPUs ({}): producer and consumer cannot run in parallel", cpus.size());
  } else if (result.verdict != Verdict::pass) {
    result.reason = last_reason;
  }
  rec[field::kVerdict] = RecordVerdict(result.verdict);
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
