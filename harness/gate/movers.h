// The byte movers: every way the shared-memory gate and the IPC benchmarks move bytes from one process
// to another (pipes, socketpairs, System V and POSIX message queues, shared-memory rings and futex
// words). Each is made before a fork, so that both processes hold it, and comes with the calls that
// move one unit through it. Beside them, what both measurements need around a mover: where the
// calling thread runs and what it costs, and the system limits that size a unit. Nothing here times
// anything or judges a figure; that is the gate's (gate.cc) and the benchmarks' (bench/) own.
#pragma once

#include <linux/futex.h>
#include <mqueue.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/caselib/fd.h"

namespace ipcc::movers {

// ---- The calling thread: where it runs, what it costs ----

// The CPUs of the calling thread's affinity mask, lowest first; empty when the mask cannot be read.
std::vector<int> AffinityCpus();
// Pins the calling thread to one CPU; false (errno set) when the system refuses.
bool PinTo(int cpu);
// CPU time the calling thread has used, in ns.
std::uint64_t ThreadCpuNs();
// Involuntary context switches of the calling thread so far.
long InvoluntarySwitches();

// The number in a /proc/sys file ("/proc/sys/kernel/msgmax"); nullopt when it cannot be read.
std::optional<long> ReadSysNumber(const char* path);

// "write: EAGAIN" for a call that failed (result < 0), "write returned 3" for one that came up short.
std::string Failed(const char* call, long result, int err);

// One step of a busy wait: tells the CPU this is a spin loop.
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// ---- Byte streams: pipes and socketpairs ----

// What goes into `send` comes out of `receive`: a pipe, or a socketpair (whose two ends also carry bytes
// the other way). `error` is the errno of the call that could not make it.
struct Stream {
  UniqueFd receive;
  UniqueFd send;
  int error = 0;
  bool open() const { return receive.valid() && send.valid(); }
};
Stream OpenPipe();
Stream OpenSocketpair(int type);  // SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM

// F_SETPIPE_SZ: asks for a pipe buffer of `bytes`; returns what the call returns (the size the pipe
// got, or -1 with errno).
int RaisePipe(const Stream& pipe, int bytes);
// F_GETPIPE_SZ: the pipe's buffer size now.
long PipeSize(const Stream& pipe);
// Asks for socket buffers of `bytes` (SO_SNDBUF on the sending end, SO_RCVBUF on the receiving one);
// the kernel may give less.
void AskSocketBuffers(const Stream& socketpair, int bytes);

// Writes all `size` bytes, in as many writes as it takes; false on a failed write (errno set).
bool WriteAll(int fd, const char* data, std::size_t size);

// ---- System V objects and message queues ----

// A System V message queue or semaphore set this process made (its id; -1 when the call that was to
// make it failed). System V objects vanish for everyone at IPC_RMID, so unlike a mapping or a name they
// cannot be removed right after creation: the one in use is removed by the destructor, and by
// RemoveSysvInUse should a fatal signal come first.
class SysvObject {
 public:
  SysvObject(int id, bool is_sem);
  SysvObject(const SysvObject&) = delete;
  SysvObject& operator=(const SysvObject&) = delete;
  ~SysvObject();
  int id() const { return id_; }

 private:
  int id_;
  bool is_sem_;
};
// Removes the SysvObject in use, if any. Async-signal-safe: for a fatal-signal handler.
void RemoveSysvInUse();

// One System V message as msgsnd(2) and msgrcv(2) take it: its mtype, then `size` bytes of text.
class SysvMessage {
 public:
  explicit SysvMessage(std::size_t size, long type = 1, char fill = 0);
  std::size_t size() const { return size_; }
  long type() const;
  void set_type(long type);
  const void* data() const { return buffer_.data(); }
  void* data() { return buffer_.data(); }

 private:
  std::vector<char> buffer_;
  std::size_t size_;
};

// A private System V message queue (msgget IPC_PRIVATE), removed when it goes.
class SysvQueue {
 public:
  SysvQueue();
  bool open() const { return object_.id() >= 0; }
  int id() const { return object_.id(); }
  int error() const { return error_; }  // msgget's errno when it is not open
  // msgsnd of the whole message: 0, or -1 with errno.
  int Send(const SysvMessage& m, int flags = 0) const;
  // msgrcv of up to m.size() bytes of a message of `type` (0: any) into m: the text's length, or -1.
  ssize_t Receive(SysvMessage& m, long type = 0, int flags = 0) const;

 private:
  int error_;
  SysvObject object_;
};

// ---- POSIX message queues ----

// A POSIX message queue made under a name of this process's own ("/ipcconform-WHO-PID-N"), which goes
// as soon as the queue is open: the descriptor (a forked peer inherits it) is all that keeps the queue,
// and no name can be left behind. Closed when it goes.
class PosixQueue {
 public:
  PosixQueue(const char* who, long max_messages, long message_size);
  PosixQueue(const PosixQueue&) = delete;
  PosixQueue& operator=(const PosixQueue&) = delete;
  ~PosixQueue() { Close(); }
  bool open() const { return mq_ != static_cast<mqd_t>(-1); }
  int error() const { return error_; }  // mq_open's errno when it is not open
  mqd_t get() const { return mq_; }
  void Close();

  int Send(const char* data, std::size_t size) const { return mq_send(mq_, data, size, 0); }
  ssize_t Receive(char* data, std::size_t size) const { return mq_receive(mq_, data, size, nullptr); }
  // The same, waiting at most `wait` (mq_timedsend, mq_timedreceive).
  int SendWithin(const char* data, std::size_t size, std::chrono::milliseconds wait) const;
  ssize_t ReceiveWithin(char* data, std::size_t size, std::chrono::milliseconds wait) const;

 private:
  mqd_t mq_;
  int error_ = 0;
};

// ---- Shared memory ----

// `bytes` of zero-filled memory shared with forked peers, made before the fork; let go of when its maker
// drops it (a forked peer ends with _exit and never does). Two kinds:
//  - anonymous: a MAP_SHARED | MAP_ANONYMOUS mapping (munmap at the end);
//  - System V: a segment (shmget IPC_PRIVATE), attached here and marked for removal at once, so that it
//    goes when the last process detaches and nothing can leak (shmdt at the end).
class SharedMemory {
 public:
  enum class Kind { kAnonymous, kSysvSegment };
  explicit SharedMemory(std::size_t bytes, Kind kind = Kind::kAnonymous);
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  ~SharedMemory();
  bool mapped() const { return memory_ != nullptr; }
  int error() const { return error_; }  // errno of the call that failed when it is not mapped
  char* get() const { return memory_; }

 private:
  char* memory_ = nullptr;
  std::size_t bytes_;
  Kind kind_;
  int error_ = 0;
};

// ---- Futex words ----

inline long Futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t value, const timespec* timeout = nullptr) {
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op, value, timeout, nullptr, 0);
}

// A sequence word one side sleeps on and the other bumps. Waiting is a short bounded spin, then a
// futex on the word, re-checked at least every 2 ms.
struct alignas(64) Event {
  std::atomic<std::uint32_t> seq{0};
  std::atomic<std::uint32_t> waiters{0};

  void Signal() {
    seq.fetch_add(1, std::memory_order_release);
    if (waiters.load(std::memory_order_acquire) != 0) Futex(&seq, FUTEX_WAKE, INT32_MAX);
  }
  template <typename Pred>
  void WaitUntil(Pred pred) {
    for (int i = 0; i < 2000; ++i) {
      if (pred()) return;
      CpuRelax();
    }
    const timespec tick{0, 2000000};  // bounded: re-check at least every 2 ms
    for (;;) {
      std::uint32_t s = seq.load(std::memory_order_acquire);
      waiters.fetch_add(1);
      if (pred()) {
        waiters.fetch_sub(1);
        return;
      }
      Futex(&seq, FUTEX_WAIT, s, &tick);
      waiters.fetch_sub(1);
      if (pred()) return;
    }
  }
};

// Waits while *word is `value`: `spins` polls first, then FUTEX_WAIT until it changes. A `waiting` word,
// if given, says "asleep" for the length of the sleep (Publish looks at it). False when a sleep was
// interrupted (EINTR) and `give_up` says to stop.
bool WaitWhile(std::atomic<std::uint32_t>* word, std::uint32_t value, int spins, std::atomic<std::uint32_t>* waiting,
               const std::function<bool()>& give_up);
// Stores `value` in *word and wakes a side asleep on it: with a `waiting` word, only one that said so
// there; without one, whoever may be.
void Publish(std::atomic<std::uint32_t>* word, std::uint32_t value, std::atomic<std::uint32_t>* waiting);
// Waits while *word is `value` without ever sleeping: polls, and every 256 polls yields the CPU (a peer
// on the same CPU gets to run) and asks `give_up`; false when that says to stop.
bool SpinWhile(std::atomic<std::uint32_t>* word, std::uint32_t value, const std::function<bool()>& give_up);

// ---- Shared-memory rings ----

// A ring of `slots` fixed slots of `slot_bytes` in shared memory, one producer and one consumer (the
// gate's). Chunk i goes in slot i mod slots and starts with its sequence number i, which the consumer
// checks. Counters are in chunks; each side waits on an Event.
struct alignas(64) SlotRingHeader {
  alignas(64) std::atomic<std::uint64_t> head{0};  // chunks produced
  alignas(64) std::atomic<std::uint64_t> tail{0};  // chunks consumed
  Event not_empty;
  Event not_full;
};

class SlotRing {
 public:
  // The bytes the ring takes at `memory`: the header, then the slots.
  static std::size_t Bytes(std::size_t slot_bytes, std::size_t slots) {
    return sizeof(SlotRingHeader) + slot_bytes * slots;
  }
  SlotRing() = default;
  // Lays a fresh ring out at `memory` (Bytes() long, shared with the peer); the slots are filled with 1s.
  SlotRing(char* memory, std::size_t slot_bytes, std::size_t slots);
  bool valid() const { return hdr_ != nullptr; }

  // Empties the ring and starts the chunk numbers again at 0 (while neither side moves).
  void Reset() {
    hdr_->head.store(0);
    hdr_->tail.store(0);
  }

  // Producer: waits for a free slot, unless `stop()` says to stop first (false); then copies the slot's
  // bytes from the same place in `source` (which is laid out like the ring), stamps it and publishes it.
  template <typename Stop>
  bool Put(const char* source, Stop stop) {
    const std::uint64_t head = hdr_->head.load(std::memory_order_relaxed);
    hdr_->not_full.WaitUntil([&] { return stop() || head - hdr_->tail.load(std::memory_order_acquire) < slots_; });
    if (stop()) return false;
    char* slot = Slot(head);
    std::memcpy(slot, source + (head % slots_) * slot_bytes_, slot_bytes_);
    std::memcpy(slot, &head, sizeof head);  // stamp: the consumer checks the sequence
    hdr_->head.store(head + 1, std::memory_order_release);
    hdr_->not_empty.Signal();
    return true;
  }
  // Wakes a producer waiting for room, so that it looks at its stop condition again.
  void WakeProducer() { hdr_->not_full.Signal(); }

  // Consumer: waits for the next chunk and returns its slot, which stays the consumer's until Release().
  const char* Take() {
    taken_ = hdr_->tail.load(std::memory_order_relaxed);
    hdr_->not_empty.WaitUntil([&] { return hdr_->head.load(std::memory_order_acquire) != taken_; });
    return Slot(taken_);
  }
  static std::uint64_t StampOf(const char* slot) {
    std::uint64_t stamp;
    std::memcpy(&stamp, slot, sizeof stamp);
    return stamp;
  }
  void Release() {
    hdr_->tail.store(taken_ + 1, std::memory_order_release);
    hdr_->not_full.Signal();
  }
  // Consumer: drops every chunk there is, unread, and lets the producer go on.
  void Discard() {
    hdr_->tail.store(hdr_->head.load(std::memory_order_acquire), std::memory_order_release);
    hdr_->not_full.Signal();
  }
  bool Empty() const {
    return hdr_->head.load(std::memory_order_acquire) == hdr_->tail.load(std::memory_order_acquire);
  }

 private:
  char* Slot(std::uint64_t chunk) const { return data_ + (chunk % slots_) * slot_bytes_; }

  SlotRingHeader* hdr_ = nullptr;
  char* data_ = nullptr;
  std::size_t slot_bytes_ = 0;
  std::size_t slots_ = 0;
  std::uint64_t taken_ = 0;  // the consumer's: the chunk Take() gave it
};

// A ring of bytes in shared memory, one producer and one consumer (the throughput benchmark's): the
// producer copies each message in, the consumer copies everything there is out. head and tail are
// free-running byte counters (mod 2^32; the ring's size is a power of two). Each side publishes with a
// sequentially consistent store and then looks at the other side's "waiting" word, which that side sets
// before its last look at the counter: one of the two always sees the other. A waiting side polls
// `kSpins` times, then sleeps in FUTEX_WAIT.
class ByteRing {
 public:
  static constexpr std::size_t kDataOffset = 4096;  // the header's page, then the data
  static constexpr int kSpins = 200;
  static std::size_t Bytes(std::uint32_t size) { return kDataOffset + size; }
  // Lays a fresh ring of `size` bytes (a power of two) out at `memory` (Bytes(size) long).
  ByteRing(char* memory, std::uint32_t size);

  // Producer: copies all `n` bytes in, waiting for room as it must. False when a wait was interrupted
  // and `give_up` said to stop.
  bool Write(const char* data, std::size_t n, const std::function<bool()>& give_up);
  // Consumer: waits for bytes, copies all there are into `out` (room for the ring's size) and returns how
  // many; 0 when a wait was interrupted and `give_up` said to stop.
  std::uint32_t Read(char* out, const std::function<bool()>& give_up);

 private:
  struct Header {
    alignas(64) std::atomic<std::uint32_t> head{0};
    alignas(64) std::atomic<std::uint32_t> tail{0};
    alignas(64) std::atomic<std::uint32_t> consumer_waiting{0};
    alignas(64) std::atomic<std::uint32_t> producer_waiting{0};
  };
  static_assert(sizeof(Header) <= kDataOffset);

  Header* hdr_;
  char* data_;
  std::uint32_t size_;
  std::uint32_t head_ = 0;  // the producer's own copy of head
  std::uint32_t tail_ = 0;  // the consumer's own copy of tail
};

}  // namespace ipcc::movers
