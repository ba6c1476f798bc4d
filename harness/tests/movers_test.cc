// The byte movers the gate and the benchmarks share (harness/gate/movers.h): each carries bytes from
// one process to a forked one, intact and in order, and leaves nothing behind. No test here judges a
// speed.
#include "harness/gate/movers.h"

#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/leaks.h"

namespace {

namespace movers = ipcc::movers;
using ::testing::HasSubstr;

// A forked child that runs `body` and exits with what it returns; killed and reaped if the test ends
// first (a failed assertion leaves no peer blocked behind).
class Forked {
 public:
  explicit Forked(const std::function<int()>& body) {
    fflush(nullptr);
    pid_ = fork();
    if (pid_ == 0) _exit(body());
  }
  Forked(const Forked&) = delete;
  Forked& operator=(const Forked&) = delete;
  ~Forked() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // Its exit status (-1 when it did not exit normally).
  int Exit() {
    int status = 0;
    waitpid(std::exchange(pid_, -1), &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
};

int InChild(const std::function<int()>& body) {
  return Forked(body).Exit();
}

std::vector<char> Pattern(std::size_t n, int seed) {
  std::vector<char> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<char>(i * 131 + static_cast<std::size_t>(seed));
  return v;
}

TEST(GateMovers, PipeAndSocketpairCarryBytesToAForkedReader) {
  for (bool socket : {false, true}) {
    movers::Stream s = socket ? movers::OpenSocketpair(SOCK_STREAM) : movers::OpenPipe();
    ASSERT_TRUE(s.open()) << s.error;
    const std::vector<char> sent = Pattern(200000, 7);
    Forked writer([&] {
      s.receive.reset();
      return movers::WriteAll(s.send.get(), sent.data(), sent.size()) ? 0 : 1;
    });
    s.send.reset();
    std::vector<char> got;
    char buf[65536];
    for (ssize_t n; (n = read(s.receive.get(), buf, sizeof buf)) > 0;) got.insert(got.end(), buf, buf + n);
    EXPECT_EQ(writer.Exit(), 0);
    EXPECT_EQ(got, sent) << (socket ? "socketpair" : "pipe");
  }
}

TEST(GateMovers, RaisedPipeReportsItsSize) {
  const movers::Stream p = movers::OpenPipe();
  ASSERT_TRUE(p.open());
  const long before = movers::PipeSize(p);
  EXPECT_GT(before, 0);
  const int got = movers::RaisePipe(p, static_cast<int>(before * 2));
  if (got < 0) GTEST_SKIP() << "F_SETPIPE_SZ refused here: " << movers::Failed("fcntl", got, errno);
  EXPECT_EQ(movers::PipeSize(p), got);
  EXPECT_GE(got, before * 2);
}

TEST(GateMovers, SysvQueueCarriesTypedMessagesAndIsRemoved) {
  const auto before = ipcc::TakeIpcSnapshot();
  {
    const movers::SysvQueue q;
    if (!q.open()) GTEST_SKIP() << "no System V queue here: " << movers::Failed("msgget", -1, q.error());
    const int status = InChild([&] {
      movers::SysvMessage m(16, 2, 'b');
      if (q.Send(m) != 0) return 1;
      movers::SysvMessage other(16, 1, 'a');
      return q.Send(other) == 0 ? 0 : 2;
    });
    ASSERT_EQ(status, 0);
    movers::SysvMessage got(16);
    ASSERT_EQ(q.Receive(got, 1), 16) << "the type chooses the message";
    EXPECT_EQ(got.type(), 1);
    EXPECT_EQ(static_cast<const char*>(got.data())[sizeof(long)], 'a');
    ASSERT_EQ(q.Receive(got), 16);
    EXPECT_EQ(got.type(), 2);
    EXPECT_EQ(q.Receive(got, 0, IPC_NOWAIT), -1) << "nothing is left";
  }
  EXPECT_THAT(ipcc::NewObjects(before, ipcc::TakeIpcSnapshot()), ::testing::IsEmpty());
}

TEST(GateMovers, SysvObjectInUseIsRemovedFromASignalHandlerPath) {
  const int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (id < 0) GTEST_SKIP() << "no System V queue here";
  {
    const movers::SysvObject owner(id, false);
    movers::RemoveSysvInUse();  // what the benchmarks' fatal-signal handler does
    msqid_ds ds{};
    EXPECT_NE(msgctl(id, IPC_STAT, &ds), 0) << "the queue in use is gone";
  }
  movers::RemoveSysvInUse();  // none in use once its owner went: nothing to do
}

TEST(GateMovers, PosixQueueHasNoNameAndCarriesMessages) {
  const movers::PosixQueue q("movers-test", 4, 64);
  if (!q.open()) GTEST_SKIP() << "no POSIX queue here: " << movers::Failed("mq_open", -1, q.error());
  const int status = InChild([&] { return q.Send("hello", 5) == 0 ? 0 : 1; });
  ASSERT_EQ(status, 0);
  char buf[64];
  ASSERT_EQ(q.ReceiveWithin(buf, sizeof buf, std::chrono::seconds(2)), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
  errno = 0;
  EXPECT_EQ(q.ReceiveWithin(buf, sizeof buf, std::chrono::milliseconds(5)), -1) << "empty: the wait is bounded";
  EXPECT_EQ(errno, ETIMEDOUT);
  // Where the queues' file system is mounted, no name of this process's is in it.
  const std::string prefix = "ipcconform-movers-test-" + std::to_string(getpid()) + "-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/mqueue", ec)) {
    EXPECT_NE(entry.path().filename().string().rfind(prefix, 0), 0u) << entry.path() << " was left";
  }
}

TEST(GateMovers, SharedMemoryAndSysvSegmentAreSeenByTheChild) {
  const auto before = ipcc::TakeIpcSnapshot();
  {
    const movers::SharedMemory anon(4096);
    ASSERT_TRUE(anon.mapped()) << anon.error();
    const movers::SharedMemory seg(4096, movers::SharedMemory::Kind::kSysvSegment);
    if (!seg.mapped()) GTEST_SKIP() << "no System V shared memory here";
    EXPECT_EQ(InChild([&] {
                anon.get()[10] = 'a';
                seg.get()[20] = 's';
                return 0;
              }),
              0);
    EXPECT_EQ(anon.get()[10], 'a');
    EXPECT_EQ(seg.get()[20], 's');
  }
  EXPECT_THAT(ipcc::NewObjects(before, ipcc::TakeIpcSnapshot()), ::testing::IsEmpty())
      << "the segment was marked for removal at once";
}

TEST(GateMovers, SlotRingDeliversStampedChunksInOrder) {
  constexpr std::size_t kSlot = 4096, kSlots = 4, kChunks = 1000;
  const movers::SharedMemory memory(movers::SlotRing::Bytes(kSlot, kSlots));
  ASSERT_TRUE(memory.mapped());
  movers::SlotRing ring(memory.get(), kSlot, kSlots);
  const std::vector<char> source = Pattern(kSlot * kSlots, 3);
  Forked producer([&] {
    for (std::size_t i = 0; i < kChunks; ++i) ring.Put(source.data(), [] { return false; });
    return 0;
  });
  for (std::uint64_t i = 0; i < kChunks; ++i) {
    const char* slot = ring.Take();
    ASSERT_EQ(movers::SlotRing::StampOf(slot), i);
    const std::size_t at = (i % kSlots) * kSlot;
    ASSERT_EQ(std::memcmp(slot + 8, source.data() + at + 8, kSlot - 8), 0) << "chunk " << i;
    ring.Release();
  }
  EXPECT_TRUE(ring.Empty());
  EXPECT_EQ(producer.Exit(), 0);
}

TEST(GateMovers, SlotRingProducerStopsWhenToldWhileTheRingIsFull) {
  const movers::SharedMemory memory(movers::SlotRing::Bytes(64, 2));
  ASSERT_TRUE(memory.mapped());
  movers::SlotRing ring(memory.get(), 64, 2);
  const std::vector<char> source(128, 'x');
  auto never = [] { return false; };
  EXPECT_TRUE(ring.Put(source.data(), never));
  EXPECT_TRUE(ring.Put(source.data(), never));
  int asked = 0;
  EXPECT_FALSE(ring.Put(source.data(), [&] { return ++asked > 3; })) << "full: it waits until stop says so";
  ring.Discard();
  EXPECT_TRUE(ring.Empty());
  ring.Reset();
  EXPECT_TRUE(ring.Put(source.data(), never));
  EXPECT_EQ(movers::SlotRing::StampOf(ring.Take()), 0u) << "a reset ring numbers from 0 again";
}

TEST(GateMovers, ByteRingCarriesMessagesOfAnySizeAcrossTheWrap) {
  constexpr std::uint32_t kSize = 1u << 16;
  const movers::SharedMemory memory(movers::ByteRing::Bytes(kSize));
  ASSERT_TRUE(memory.mapped());
  movers::ByteRing ring(memory.get(), kSize);
  const std::vector<char> sent = Pattern(1000003, 11);
  auto never = [] { return false; };
  Forked producer([&] {
    // Messages of uneven sizes, some larger than the ring.
    std::size_t done = 0;
    for (std::size_t size = 1; done < sent.size(); size = size * 3 + 1) {
      const std::size_t n = std::min(size % 100000 + 1, sent.size() - done);
      if (!ring.Write(sent.data() + done, n, never)) return 1;
      done += n;
    }
    return 0;
  });
  std::vector<char> got;
  std::vector<char> buf(kSize);
  while (got.size() < sent.size()) {
    const std::uint32_t n = ring.Read(buf.data(), never);
    ASSERT_GT(n, 0u);
    got.insert(got.end(), buf.begin(), buf.begin() + n);
  }
  EXPECT_EQ(got, sent);
  EXPECT_EQ(producer.Exit(), 0);
}

TEST(GateMovers, FutexAndSpinWordsPingPong) {
  const movers::SharedMemory page(4096);
  ASSERT_TRUE(page.mapped());
  auto* word = new (page.get()) std::atomic<std::uint32_t>(0);
  // Each side's own "asleep" word, which the other looks at when it publishes.
  auto* mine_asleep = new (page.get() + 64) std::atomic<std::uint32_t>(0);
  auto* peer_asleep = new (page.get() + 128) std::atomic<std::uint32_t>(0);
  auto never = [] { return false; };
  // 0: futex, no spin, always woken; 1: spin, then futex with "asleep" words; 2: polling only.
  for (int style = 0; style < 3; ++style) {
    word->store(0);
    auto wait = [&](std::uint32_t v, std::atomic<std::uint32_t>* asleep) {
      return style == 2 ? movers::SpinWhile(word, v, never)
                        : movers::WaitWhile(word, v, style == 1 ? 200 : 0, style == 1 ? asleep : nullptr, never);
    };
    auto publish = [&](std::uint32_t v, std::atomic<std::uint32_t>* other_asleep) {
      if (style == 2) return word->store(v);
      movers::Publish(word, v, style == 1 ? other_asleep : nullptr);
    };
    Forked peer([&] {
      for (std::uint32_t seen = 0; seen < 200; seen += 2) {
        wait(seen, peer_asleep);
        publish(seen + 2, mine_asleep);
      }
      return 0;
    });
    for (std::uint32_t count = 1; count < 200; count += 2) {
      publish(count, peer_asleep);
      ASSERT_TRUE(wait(count, mine_asleep));
      ASSERT_EQ(word->load(), count + 1) << "style " << style;
    }
    EXPECT_EQ(peer.Exit(), 0) << "style " << style;
  }
}

TEST(GateMovers, WaitsGiveUpWhenAskedAfterAnInterruption) {
  std::atomic<std::uint32_t> word{5};
  int asked = 0;
  EXPECT_FALSE(movers::SpinWhile(&word, 5, [&] { return ++asked == 2; }));
  EXPECT_EQ(asked, 2);
  EXPECT_TRUE(movers::SpinWhile(&word, 4, [] { return true; })) << "a word that already moved: no wait";
  EXPECT_TRUE(movers::WaitWhile(&word, 4, 10, nullptr, [] { return true; }));
}

TEST(GateMovers, ThreadFiguresAndPlacement) {
  const std::vector<int> cpus = movers::AffinityCpus();
  ASSERT_FALSE(cpus.empty());
  EXPECT_TRUE(std::is_sorted(cpus.begin(), cpus.end()));
  EXPECT_EQ(InChild([&] {
              return movers::PinTo(cpus.back()) && movers::AffinityCpus() == std::vector<int>{cpus.back()} ? 0 : 1;
            }),
            0);
  const std::uint64_t t0 = movers::ThreadCpuNs();
  volatile std::uint64_t x = 0;
  for (int i = 0; i < 10000000; ++i) x = x + static_cast<std::uint64_t>(i);
  EXPECT_GT(movers::ThreadCpuNs(), t0);
  EXPECT_GE(movers::InvoluntarySwitches(), 0);
  EXPECT_GT(movers::ReadSysNumber("/proc/sys/kernel/pid_max").value_or(0), 0);
  EXPECT_FALSE(movers::ReadSysNumber("/proc/sys/no/such/file").has_value());
  EXPECT_EQ(movers::Failed("write", -1, EAGAIN), "write: EAGAIN");
  EXPECT_EQ(movers::Failed("write", 3, 0), "write returned 3");
}

}  // namespace
