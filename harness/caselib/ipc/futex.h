// futex(2) and the process-shared pthread objects built on it, as the futex cases use them (namespace
// ipcc::futex): the raw call (the C library has no wrapper), futex words in shared memory, deadlines on
// either clock, children blocked in futex(2) and their release, PI futex words, threads known by their
// thread id, and process-shared (robust) mutexes and condition variables in MAP_SHARED memory.
#pragma once

#include <linux/futex.h>
#include <pthread.h>
#include <sys/types.h>
#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "harness/caselib/child.h"
#include "harness/caselib/ipc/shared_page.h"

namespace ipcc::futex {

// What the cases that call futex(2) say in `.raw_syscalls`.
inline constexpr const char* kRawFutex =
    "futex(2) through syscall(SYS_futex, ...): the C library provides no wrapper for it (futex(2) SYNOPSIS)";

// ---- The call ----

// futex(2): its result, errno intact. `timeout` is the timespec pointer of the operations that take one.
long Futex(std::uint32_t* uaddr, int op, std::uint32_t val, const timespec* timeout = nullptr,
           std::uint32_t* uaddr2 = nullptr, std::uint32_t val3 = 0);
// For the operations that read the fourth argument as the integer val2 (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE,
// FUTEX_WAKE_OP, FUTEX_CMP_REQUEUE_PI): the kernel casts the pointer to unsigned long, then to uint32_t.
long FutexVal2(std::uint32_t* uaddr, int op, std::uint32_t val, std::uint32_t val2, std::uint32_t* uaddr2,
               std::uint32_t val3);

// ---- Futex words ----

// Atomic access to a word other processes use too.
inline std::uint32_t Load(const std::uint32_t* word) {
  return __atomic_load_n(word, __ATOMIC_SEQ_CST);
}
inline void Store(std::uint32_t* word, std::uint32_t value) {
  __atomic_store_n(word, value, __ATOMIC_SEQ_CST);
}

// Sixteen futex words, all 0, in one anonymous MAP_SHARED page: children forked after it use the same words.
class SharedWords {
 public:
  static constexpr std::size_t kCount = 16;
  std::uint32_t* at(std::size_t i) const;

 private:
  struct Block {
    std::uint32_t w[kCount];
  };
  SharedPage<Block> page_;
};

// An address where nothing is mapped (a page mapped and unmapped again), for EFAULT.
std::uint32_t* UnmappedWord();

// ---- Clocks ----

timespec Now(clockid_t clock);
// `clock`'s time `ahead` from now: an absolute deadline.
timespec In(clockid_t clock, std::chrono::milliseconds ahead);
timespec Plus(const timespec& t, std::chrono::milliseconds d);
inline bool NotBefore(const timespec& t, const timespec& deadline) {
  return t.tv_sec > deadline.tv_sec || (t.tv_sec == deadline.tv_sec && t.tv_nsec >= deadline.tv_nsec);
}
// "1712345678.012345678" for messages.
std::string Describe(const timespec& t);

// ---- Blocking and release ----

// kReturnBound, ExpectReturnsWithin and ExpectReleased: harness/caselib/child.h.

// IPCC_ASSERT_BLOCKED(tid, SYS_futex) for helpers and loops: true once `tid` (a process or a thread of this
// one) is seen asleep in futex(2). A task that ends or blocks elsewhere instead is a failure naming `who`
// (false); a probe that never sees it block is a harness error.
bool AwaitBlocked(pid_t tid, const std::string& who);

// A child that sleeps in FUTEX_WAIT on `word` (which holds `val`) and expects to be woken (result 0).
Child Waiter(std::uint32_t* word, std::uint32_t val, const std::string& who);
// The same with FUTEX_WAIT_BITSET and the wait mask `bitset`.
Child BitsetWaiter(std::uint32_t* word, std::uint32_t val, std::uint32_t bitset, const std::string& who);

// ---- PI futex words (futex(2) Priority-inheritance futexes) ----

inline std::uint32_t OwnerTid(std::uint32_t word) {
  return word & FUTEX_TID_MASK;
}
// "TID 12 | FUTEX_WAITERS | FUTEX_OWNER_DIED", "0 (unlocked)".
std::string DescribePiWord(std::uint32_t word);
// The calling thread's id, as PI futex words hold it.
std::uint32_t MyTid();

// A child that takes the PI lock `word` the user-space way (the word is 0; it stores its TID), posts
// checkpoint `locked`, waits for checkpoint `release` and ends still holding it (its exit leaves the word).
// The case waits for `locked` with AwaitCheckpoint before relying on the lock.
Child PiOwner(std::uint32_t* word, int locked, int release);

// ---- Threads ----

// A thread of this process running `fn`, whose thread id is known when the constructor returns (a harness
// error when it does not start). Join waits, bounded, for `fn` to return. A thread still running when the
// object goes is detached: use Thread inside a forked child, so that a thread left blocked on a deviating
// system ends with that child.
class Thread {
 public:
  explicit Thread(std::function<void()> fn);
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  ~Thread();

  pid_t tid() const { return tid_; }
  // True when `fn` returned within `bound` (the thread is then joined).
  bool Join(std::chrono::milliseconds bound = kReturnBound);

 private:
  struct State {
    std::mutex m;
    std::condition_variable cv;
    pid_t tid = 0;
    bool done = false;
  };
  std::shared_ptr<State> state_;
  std::thread thread_;
  pid_t tid_ = 0;
};

// ---- Process-shared pthread objects ----

// Attributes of a mutex a case makes; each is set with its pthread_mutexattr_set* call.
struct MutexKind {
  int pshared = PTHREAD_PROCESS_SHARED;
  int robust = PTHREAD_MUTEX_STALLED;
};

// A pthread mutex in an anonymous MAP_SHARED page, initialised as set-up with `kind` (a refusal is a harness
// error) and destroyed by the process that made it.
class SharedMutex {
 public:
  explicit SharedMutex(MutexKind kind);
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;
  ~SharedMutex();
  pthread_mutex_t* get() const { return page_.get(); }

 private:
  SharedPage<pthread_mutex_t> page_;
  pid_t maker_;
};
inline MutexKind RobustShared() {
  return {PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_ROBUST};
}

// A child (`who`) that locks `m`, expecting pthread_mutex_lock to return `expect`, and ends without
// unlocking it; the case waits for it to end.
void EndHolding(pthread_mutex_t* m, const std::string& who, int expect = 0);

// A child that locks `m`, expecting pthread_mutex_lock to return `expect`, and then runs `then` (it
// usually makes the mutex consistent and unlocks it). The case proves it blocked (AwaitBlocked) and lets
// it go.
Child Locker(pthread_mutex_t* m, int expect, const std::string& who, const std::function<void()>& then = {});

// A process-shared mutex, a process-shared condition variable and the `ready` flag they guard, in one
// anonymous MAP_SHARED page, initialised as set-up.
class SharedCondition {
 public:
  SharedCondition();
  SharedCondition(const SharedCondition&) = delete;
  SharedCondition& operator=(const SharedCondition&) = delete;
  ~SharedCondition();

  pthread_mutex_t* mutex() const { return &box_->mutex; }
  pthread_cond_t* cond() const { return &box_->cond; }
  // Under the mutex; read or written only with it held.
  int& ready() const { return box_->ready; }

  // In a child: locks the mutex, waits with pthread_cond_wait while `ready` is 0, unlocks; expects every
  // call to return 0 (`who` names the child).
  void WaitUntilReady(const std::string& who) const;

 private:
  struct Box {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int ready;
  };
  SharedPage<Box> box_;
  pid_t maker_;
};

}  // namespace ipcc::futex
