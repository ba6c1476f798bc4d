// open(2), fifo(7) on FIFOs: the rendezvous of readers and writers, O_NONBLOCK, O_RDWR, O_TRUNC.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/fifo.h"

namespace {

using namespace ipcc;
using namespace ipcc::fifo;
using namespace ipcc::pipes;

IPC_CASE(fifo, open, rdonly_blocks_until_writer,
         .title = "O_RDONLY open of a FIFO blocks until an unrelated process opens it for writing",
         .covers = {"rdonly_blocks_until_writer"},
         .statement = "The FIFO must be opened on both ends (reading and writing) before data can be passed. "
                      "Normally, opening the FIFO blocks until the other end is opened also. If O_NONBLOCK is "
                      "clear, an open() for reading-only shall block the calling thread until a thread opens "
                      "the file for writing.",
         .refs = {"fifo(7)", "mkfifo(3)", "POSIX.1-2017 open() O_NONBLOCK"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  // The exec'd fixture announces that it reaches the open, then blocks in it.
  Child reader = SpawnFixture("fifo", {path, "post:0", "open:rdonly", "read:ping", "eof"});
  CheckpointWait(0);
  ExpectBlockedUntilReleased(reader, kOpenCalls, "fixture blocked in O_RDONLY open (released by the writer)", [&] {
    UniqueFd w(OpenWithin(path, O_WRONLY));
    ASSERT_THAT(w.get(), SyscallSucceeds()) << "opening the write end while a reader waits";
    ASSERT_THAT(write(w.get(), "ping", 4), SyscallSucceedsWithValue(4));
  });
}

IPC_CASE(fifo, open, wronly_blocks_until_reader,
         .title = "O_WRONLY open of a FIFO blocks until an unrelated process opens it for reading",
         .covers = {"wronly_blocks_until_reader"},
         .statement = "Opening a FIFO for reading normally blocks until some other process opens the same FIFO "
                      "for writing, and vice versa. If O_NONBLOCK is clear, ... an open() for writing-only "
                      "shall block the calling thread until a thread opens the file for reading.",
         .refs = {"fifo(7)", "mkfifo(3)", "POSIX.1-2017 open() O_NONBLOCK"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  Child writer = SpawnFixture("fifo", {path, "post:0", "open:wronly", "write:pong"});
  CheckpointWait(0);
  UniqueFd r;
  if (!ExpectBlockedUntilReleased(writer, kOpenCalls, "fixture blocked in O_WRONLY open (released by the reader)", [&] {
        r.reset(OpenWithin(path, O_RDONLY));
        ASSERT_THAT(r.get(), SyscallSucceeds()) << "opening the read end while a writer waits";
      }))
    return;
  EXPECT_EQ(ReadAll(r.get()), "pong") << "expected the released writer's data, then end-of-file";
}

IPC_CASE(fifo, open, rdonly_released_by_unrelated_writer,
         .title = "a process blocked in O_RDONLY open of a FIFO is released when an exec'd process opens "
                  "it for writing",
         .covers = {"rdonly_blocks_until_writer"},
         .statement = "Opening a FIFO for reading normally blocks until some other process opens the same FIFO "
                      "for writing. If O_NONBLOCK is clear, an open() for reading-only shall block the calling "
                      "thread until a thread opens the file for writing.",
         .refs = {"fifo(7)", "mkfifo(3)", "POSIX.1-2017 open() O_NONBLOCK"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  Child reader = Fork([&] {
    UniqueFd r(open(path.c_str(), O_RDONLY));
    ASSERT_THAT(r.get(), SyscallSucceeds());
    EXPECT_EQ(ReadAll(r.get()), "from fixture") << "expected the unrelated writer's data, then end-of-file";
  });
  ExpectBlockedUntilReleased(reader, kOpenCalls, "child blocked in O_RDONLY open",
                             [&] { WriteAsUnrelatedProcess(path, "from fixture"); });
}

IPC_CASE(fifo, open, wronly_released_by_unrelated_reader,
         .title = "a process blocked in O_WRONLY open of a FIFO is released when an exec'd process opens "
                  "it for reading",
         .covers = {"wronly_blocks_until_reader"},
         .statement = "Opening a FIFO for reading normally blocks until some other process opens the same FIFO "
                      "for writing, and vice versa. If O_NONBLOCK is clear, ... an open() for writing-only "
                      "shall block the calling thread until a thread opens the file for reading.",
         .refs = {"fifo(7)", "mkfifo(3)", "POSIX.1-2017 open() O_NONBLOCK"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  Child writer = Fork([&] {
    UniqueFd w(open(path.c_str(), O_WRONLY));
    ASSERT_THAT(w.get(), SyscallSucceeds());
    EXPECT_THAT(write(w.get(), "from child", 10), SyscallSucceedsWithValue(10));
  });
  Child reader;
  if (!ExpectBlockedUntilReleased(writer, kOpenCalls, "child blocked in O_WRONLY open", [&] {
        reader = SpawnFixture("fifo", {path, "open:rdonly", "read:from child", "eof"});
      }))
    return;
  ExpectCleanExit(reader.Wait(), "exec'd reader");
}

IPC_CASE(fifo, open, rdonly_nonblock_succeeds_without_writer,
         .title = "O_RDONLY|O_NONBLOCK open of a FIFO succeeds at once when no process has it open",
         .covers = {"O_NONBLOCK"},
         .statement = "A process can open a FIFO in nonblocking mode. In this case, opening for read-only "
                      "succeeds even if no one has opened on the write side yet. If O_NONBLOCK is set, an "
                      "open() for reading-only shall return without delay.",
         .refs = {"fifo(7)", "open(2) O_NONBLOCK", "POSIX.1-2017 open() O_NONBLOCK"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  UniqueFd r(open(path.c_str(), O_RDONLY | O_NONBLOCK));
  EXPECT_THAT(r.get(), SyscallSucceeds());
}

IPC_CASE(fifo, open, wronly_nonblock_without_reader_fails_enxio,
         .title = "O_WRONLY|O_NONBLOCK open of a FIFO without a reader fails with ENXIO", .covers = {"ENXIO"},
         .statement = "A process can open a FIFO in nonblocking mode. In this case, ... opening for write-only "
                      "fails with ENXIO (no such device or address) unless the other end has already been "
                      "opened.",
         .refs = {"fifo(7)", "open(2) ENXIO", "POSIX.1-2017 open() [ENXIO]"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  UniqueFd w(open(path.c_str(), O_WRONLY | O_NONBLOCK));
  EXPECT_THAT(w.get(), SyscallFailsWithErrno(ENXIO));
}

IPC_CASE(fifo, open, wronly_nonblock_with_reader_succeeds,
         .title = "O_WRONLY|O_NONBLOCK open of a FIFO succeeds once a reader has it open", .covers = {"O_NONBLOCK"},
         .statement = "opening for write-only fails with ENXIO (no such device or address) unless the other "
                      "end has already been opened. ENXIO O_NONBLOCK | O_WRONLY is set, the named file is a "
                      "FIFO, and no process has the FIFO open for reading.",
         .refs = {"fifo(7)", "open(2) ENXIO", "POSIX.1-2017 open() O_NONBLOCK"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const UniqueFd r = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
  UniqueFd w(open(path.c_str(), O_WRONLY | O_NONBLOCK));
  EXPECT_THAT(w.get(), SyscallSucceeds());
}

IPC_CASE(fifo, open, rdwr_does_not_block, .title = "O_RDWR open of a FIFO with no other opener returns at once (Linux)",
         .covers = {"O_RDWR"},
         .statement = "Under Linux, opening a FIFO for read and write will succeed both in blocking and "
                      "nonblocking mode. POSIX leaves this behavior undefined. This can be used to open a FIFO "
                      "for writing while there are no readers available.",
         .refs = {"fifo(7)"}, .cls = Conformance::linux_specific) {
  const std::string path = MakeFifo();
  Child opener = Fork([&] {
    UniqueFd fd(open(path.c_str(), O_RDWR));
    ASSERT_THAT(fd.get(), SyscallSucceeds());
    // Both ends are usable through the one descriptor.
    ASSERT_THAT(write(fd.get(), "self", 4), SyscallSucceedsWithValue(4));
    EXPECT_EQ(ReadExactly(fd.get(), 4), "self") << "expected to read back what the O_RDWR descriptor wrote";
  });
  // On a correct system the child is done at once; a child still in open(2) after the bound has blocked.
  const auto status = opener.TryWait(kDefaultWait);
  if (!status) {
    const ProbeResult probe = WaitUntilBlocked(opener.pid(), kOpenCalls);
    FAIL() << "expected O_RDWR open of a FIFO to return without a peer, but the opener was still running after "
           << kDefaultWait.count() << " ms (" << probe.last_seen << ")";
  }
  ExpectCleanExit(*status, "O_RDWR opener");
}

IPC_CASE(fifo, open, rdwr_nonblock_does_not_block,
         .title = "O_RDWR|O_NONBLOCK open of a FIFO with no other opener succeeds (Linux)", .covers = {"O_RDWR"},
         .statement = "Under Linux, opening a FIFO for read and write will succeed both in blocking and "
                      "nonblocking mode. POSIX leaves this behavior undefined.",
         .refs = {"fifo(7)"}, .cls = Conformance::linux_specific) {
  const std::string path = MakeFifo();
  UniqueFd fd(open(path.c_str(), O_RDWR | O_NONBLOCK));
  ASSERT_THAT(fd.get(), SyscallSucceeds());
  // The descriptor counts as a reader: a write-only nonblocking open no longer fails with ENXIO.
  UniqueFd w(open(path.c_str(), O_WRONLY | O_NONBLOCK));
  EXPECT_THAT(w.get(), SyscallSucceeds()) << "the O_RDWR descriptor is a reader of the FIFO";
}

IPC_CASE(fifo, open, o_trunc_ignored,
         .title = "O_TRUNC on a FIFO is ignored: data already in the FIFO survives the open", .covers = {"O_TRUNC"},
         .statement = "If the file is a FIFO or terminal device file, the O_TRUNC flag is ignored. (POSIX: "
                      "O_TRUNC ... shall have no effect on FIFO special files or terminal device files.)",
         .refs = {"open(2) O_TRUNC", "POSIX.1-2017 open() O_TRUNC"}, .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  const Pipe ends = OpenBothEnds(path);
  ASSERT_THAT(write(ends.w.get(), "keep", 4), SyscallSucceedsWithValue(4));
  UniqueFd t(open(path.c_str(), O_WRONLY | O_TRUNC | O_NONBLOCK));
  ASSERT_THAT(t.get(), SyscallSucceeds()) << "O_WRONLY|O_TRUNC open of a FIFO that has a reader";
  EXPECT_EQ(ReadExactly(ends.r.get(), 4), "keep") << "expected the data written before the O_TRUNC open to be intact";
}

}  // namespace
