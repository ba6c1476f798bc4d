#include "harness/caselib/ipc/futex.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <exception>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/caselib/matchers.h"
#include "harness/caselib/names.h"
#include "harness/caselib/probe.h"
#include "harness/caselib/state.h"

namespace ipcc::futex {

long Futex(std::uint32_t* uaddr, int op, std::uint32_t val, const timespec* timeout, std::uint32_t* uaddr2,
           std::uint32_t val3) {
  return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

long FutexVal2(std::uint32_t* uaddr, int op, std::uint32_t val, std::uint32_t val2, std::uint32_t* uaddr2,
               std::uint32_t val3) {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the kernel reads this argument as an integer.
  return syscall(SYS_futex, uaddr, op, val, reinterpret_cast<void*>(static_cast<std::uintptr_t>(val2)), uaddr2, val3);
}

std::uint32_t* SharedWords::at(std::size_t i) const {
  if (i >= kCount) ThrowHarnessError(fmt::format("futex word {} asked of a block of {}", i, kCount));
  return &page_->w[i];
}

std::uint32_t* UnmappedWord() {
  const std::size_t page = PageSize();
  void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) ThrowHarnessError("set-up: mmap of a page to unmap: " + ErrnoName(errno));
  if (munmap(p, page) != 0) ThrowHarnessError("set-up: munmap: " + ErrnoName(errno));
  return static_cast<std::uint32_t*>(p);
}

timespec Now(clockid_t clock) {
  timespec t{};
  if (clock_gettime(clock, &t) != 0) ThrowHarnessError("clock_gettime: " + ErrnoName(errno));
  return t;
}

timespec Plus(const timespec& t, std::chrono::milliseconds d) {
  timespec r = t;
  const long long ns = static_cast<long long>(r.tv_nsec) + static_cast<long long>(d.count()) * 1000000LL;
  r.tv_sec += static_cast<time_t>(ns / 1000000000LL);
  r.tv_nsec = static_cast<long>(ns % 1000000000LL);
  return r;
}

timespec In(clockid_t clock, std::chrono::milliseconds ahead) {
  return Plus(Now(clock), ahead);
}

std::string Describe(const timespec& t) {
  return fmt::format("{}.{:09}", static_cast<long long>(t.tv_sec), t.tv_nsec);
}

bool AwaitBlocked(pid_t tid, const std::string& who) {
  const ProbeResult r = WaitUntilBlocked(tid, {SYS_futex});
  switch (r.kind) {
    case ProbeResult::kBlocked:
      return true;
    case ProbeResult::kExited:
      ADD_FAILURE() << "expected " << who << " (task " << tid << ") to block in futex(2), but it completed without "
                    << "blocking (" << r.last_seen << ")";
      return false;
    case ProbeResult::kBlockedElsewhere:
      ADD_FAILURE() << "expected " << who << " (task " << tid << ") to block in futex(2), but it did not stay there: "
                    << "it is " << r.last_seen << " (the call returned and the task went on)";
      return false;
    case ProbeResult::kTimedOut:
      break;
  }
  ThrowHarnessError(fmt::format("blocked-task probe expired: {} (task {}) never seen blocked in futex; last seen: {}",
                                who, tid, r.last_seen));
}

Child Waiter(std::uint32_t* word, std::uint32_t val, const std::string& who) {
  return Fork([=] {
    EXPECT_THAT(Futex(word, FUTEX_WAIT, val), SyscallSucceedsWithValue(0))
        << who << ": FUTEX_WAIT should sleep and return 0 when a wake-up ends the sleep";
  });
}

Child BitsetWaiter(std::uint32_t* word, std::uint32_t val, std::uint32_t bitset, const std::string& who) {
  return Fork([=] {
    EXPECT_THAT(Futex(word, FUTEX_WAIT_BITSET, val, nullptr, nullptr, bitset), SyscallSucceedsWithValue(0))
        << who << ": FUTEX_WAIT_BITSET (mask " << fmt::format("{:#x}", bitset)
        << ") should sleep and return 0 when a wake-up ends the sleep";
  });
}

std::string DescribePiWord(std::uint32_t word) {
  if (word == 0) return "0 (unlocked)";
  std::string out = fmt::format("{:#x} = TID {}", word, OwnerTid(word));
  if ((word & FUTEX_WAITERS) != 0) out += " | FUTEX_WAITERS";
  if ((word & FUTEX_OWNER_DIED) != 0) out += " | FUTEX_OWNER_DIED";
  return out;
}

std::uint32_t MyTid() {
  return static_cast<std::uint32_t>(gettid());
}

Child PiOwner(std::uint32_t* word, int locked, int release) {
  return Fork([=] {
    std::uint32_t expected = 0;
    if (!__atomic_compare_exchange_n(word, &expected, MyTid(), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
      ThrowHarnessError("set-up: the PI futex word to lock in user space was " + DescribePiWord(expected));
    }
    CheckpointPost(locked);
    CheckpointWait(release);
  });
}

Thread::Thread(std::function<void()> fn) : state_(std::make_shared<State>()) {
  thread_ = std::thread([state = state_, fn = std::move(fn)] {
    {
      std::lock_guard<std::mutex> lock(state->m);
      state->tid = gettid();
    }
    state->cv.notify_all();
    try {
      fn();
    } catch (const HarnessError&) {
      // recorded where it was thrown
    } catch (const std::exception& e) {
      Record(kMarkError, fmt::format("exception in a thread: {}", e.what()));
    }
    {
      std::lock_guard<std::mutex> lock(state->m);
      state->done = true;
    }
    state->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(state_->m);
  if (!state_->cv.wait_for(lock, kReturnBound, [&] { return state_->tid != 0; })) {
    lock.unlock();
    thread_.detach();
    ThrowHarnessError("set-up: a new thread did not start");
  }
  tid_ = state_->tid;
}

bool Thread::Join(std::chrono::milliseconds bound) {
  if (!thread_.joinable()) return true;
  {
    std::unique_lock<std::mutex> lock(state_->m);
    if (!state_->cv.wait_for(lock, bound, [&] { return state_->done; })) return false;
  }
  thread_.join();
  return true;
}

Thread::~Thread() {
  if (!thread_.joinable()) return;
  bool done = false;
  {
    std::lock_guard<std::mutex> lock(state_->m);
    done = state_->done;
  }
  if (done) {
    thread_.join();
  } else {
    thread_.detach();
  }
}

namespace {

void SetupCall(int err, const char* call) {
  if (err != 0) ThrowHarnessError(fmt::format("set-up: {}: {}", call, ErrnoName(err)));
}

}  // namespace

SharedMutex::SharedMutex(MutexKind kind) : maker_(getpid()) {
  pthread_mutexattr_t attr;
  SetupCall(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
  SetupCall(pthread_mutexattr_setpshared(&attr, kind.pshared), "pthread_mutexattr_setpshared");
  SetupCall(pthread_mutexattr_setrobust(&attr, kind.robust), "pthread_mutexattr_setrobust");
  const int err = pthread_mutex_init(page_.get(), &attr);
  pthread_mutexattr_destroy(&attr);
  SetupCall(err, "pthread_mutex_init");
}

SharedMutex::~SharedMutex() {
  if (getpid() == maker_) pthread_mutex_destroy(page_.get());
}

void EndHolding(pthread_mutex_t* m, const std::string& who, int expect) {
  // The child's exit, with the mutex still locked, is what the cases are about.
  InChild(who, [&] { EXPECT_THAT(pthread_mutex_lock(m), ReturnsErrno(expect)) << who << ": pthread_mutex_lock"; });
}

Child Locker(pthread_mutex_t* m, int expect, const std::string& who, const std::function<void()>& then) {
  return Fork([=] {
    const int r = pthread_mutex_lock(m);
    EXPECT_THAT(r, ReturnsErrno(expect)) << who << ": pthread_mutex_lock";
    if (r == expect && then) then();
  });
}

SharedCondition::SharedCondition() : maker_(getpid()) {
  pthread_mutexattr_t ma;
  SetupCall(pthread_mutexattr_init(&ma), "pthread_mutexattr_init");
  SetupCall(pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED), "pthread_mutexattr_setpshared");
  int err = pthread_mutex_init(&box_->mutex, &ma);
  pthread_mutexattr_destroy(&ma);
  SetupCall(err, "pthread_mutex_init");
  pthread_condattr_t ca;
  SetupCall(pthread_condattr_init(&ca), "pthread_condattr_init");
  SetupCall(pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED), "pthread_condattr_setpshared");
  err = pthread_cond_init(&box_->cond, &ca);
  pthread_condattr_destroy(&ca);
  SetupCall(err, "pthread_cond_init");
  box_->ready = 0;
}

SharedCondition::~SharedCondition() {
  if (getpid() != maker_) return;
  pthread_cond_destroy(&box_->cond);
  pthread_mutex_destroy(&box_->mutex);
}

void SharedCondition::WaitUntilReady(const std::string& who) const {
  ASSERT_THAT(pthread_mutex_lock(mutex()), ReturnsErrno(0)) << who << ": pthread_mutex_lock of the shared mutex";
  while (ready() == 0) {
    const int r = pthread_cond_wait(cond(), mutex());
    if (r != 0) {
      ADD_FAILURE() << who << ": pthread_cond_wait returned " << ErrnoName(r);
      break;
    }
  }
  EXPECT_THAT(pthread_mutex_unlock(mutex()), ReturnsErrno(0)) << who << ": pthread_mutex_unlock";
}

}  // namespace ipcc::futex
