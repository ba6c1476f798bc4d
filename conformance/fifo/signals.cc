// signal(7), open(2) EINTR, sigaction(2) SA_RESTART: a signal during a blocked FIFO open.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/fifo.h"

namespace {

using namespace ipcc;
using namespace ipcc::fifo;
using namespace ipcc::pipes;

// The write end of a pipe the signal handler reports to (write(2) is async-signal-safe).
int g_handler_note_fd = -1;

void NoteHandler(int) {
  const int saved = errno;
  const char c = 'h';
  [[maybe_unused]] ssize_t n = write(g_handler_note_fd, &c, 1);
  errno = saved;
}

// Forks `opener`, which installs the note handler for SIGUSR1 with `sa_flags` and runs open_step (a
// blocking open of the FIFO at path, which no other process has open); proves it blocked in open, sends
// SIGUSR1 and waits, bounded, until the handler has run (its note is written at once on delivery).
// False when a fatal failure stopped it (the caller then stops too).
bool InterruptBlockedOpen(Child& opener, const std::string& path, int sa_flags,
                          const std::function<void()>& open_step) {
  Pipe note = MakePipe();
  opener = Fork([&] {
    g_handler_note_fd = note.w.get();
    struct sigaction sa {};
    sa.sa_handler = NoteHandler;
    sa.sa_flags = sa_flags;
    sigemptyset(&sa.sa_mask);
    IPCC_SETUP(sigaction(SIGUSR1, &sa, nullptr));
    open_step();
  });
  [&] {
    IPCC_ASSERT_BLOCKED(opener.pid(), SYS_openat, IPCC_FIFO_SYS_OPEN);
    opener.Signal(SIGUSR1);
    pollfd p{note.r.get(), POLLIN, 0};
    ASSERT_THAT(poll(&p, 1, static_cast<int>(kDefaultWait.count())), SyscallSucceedsWithValue(1))
        << "expected the SIGUSR1 handler of the blocked opener of " << path << " to run";
  }();
  return !::testing::Test::HasFatalFailure();
}

IPC_CASE(fifo, signals, blocked_open_fails_eintr_without_sa_restart,
         .title = "a signal caught during a blocked FIFO open makes it fail with EINTR when SA_RESTART is not set",
         .covers = {"open.EINTR"},
         .statement = "If a blocked call to one of the following interfaces is interrupted by a signal handler, "
                      "then the call is automatically restarted after the signal handler returns if the "
                      "SA_RESTART flag was used; otherwise the call fails with the error EINTR: ... open(2), if "
                      "it can block (e.g., when opening a FIFO; see fifo(7)). EINTR While blocked waiting to "
                      "complete an open of a slow device (e.g., a FIFO), the call was interrupted by a signal "
                      "handler.",
         .refs = {"signal(7) Interruption of system calls", "open(2) EINTR", "POSIX.1-2017 open() [EINTR]"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  Child opener;
  if (!InterruptBlockedOpen(opener, path, 0 /* no SA_RESTART */, [&] {
        UniqueFd fd(open(path.c_str(), O_RDONLY));
        EXPECT_THAT(fd.get(), SyscallFailsWithErrno(EINTR))
            << "a FIFO open interrupted by a handler installed without SA_RESTART";
      }))
    return;
  // Seen asleep in open again after its handler ran, the call was restarted instead of failing.
  const ProbeResult after = WaitUntilBlocked(opener.pid(), kOpenCalls);
  // (Where the probe can only see "asleep in the kernel", not which call, the opener must also still be
  // running after a bounded wait before that counts as a restart.)
  if (after.kind == ProbeResult::kBlocked && (after.method == "syscall" || !opener.TryWait(kDefaultWait).has_value())) {
    FAIL() << "expected open to fail with EINTR after the handler (no SA_RESTART) ran, but the opener is "
              "blocked in open again (the call was restarted)";
  }
  ExpectCleanExit(opener.Wait(), "opener interrupted by SIGUSR1");
}

IPC_CASE(fifo, signals, blocked_open_restarted_with_sa_restart,
         .title = "a blocked FIFO open interrupted by a SA_RESTART handler is restarted and completes when a "
                  "writer opens",
         .covers = {"open.restarted_with_sa_restart"},
         .statement = "If a blocked call to one of the following interfaces is interrupted by a signal handler, "
                      "then the call is automatically restarted after the signal handler returns if the "
                      "SA_RESTART flag was used: ... open(2), if it can block (e.g., when opening a FIFO; see "
                      "fifo(7)).",
         .refs = {"signal(7) Interruption of system calls", "sigaction(2) SA_RESTART",
                  "POSIX.1-2017 sigaction() SA_RESTART"},
         .cls = Conformance::posix) {
  const std::string path = MakeFifo();
  Child opener;
  if (!InterruptBlockedOpen(opener, path, SA_RESTART, [&] {
        UniqueFd fd(open(path.c_str(), O_RDONLY));
        ASSERT_THAT(fd.get(), SyscallSucceeds()) << "a FIFO open interrupted by a SA_RESTART handler is restarted";
        EXPECT_EQ(ReadAll(fd.get()), "restarted") << "expected the writer's data once the restarted open completed";
      }))
    return;
  // After the handler returned, the open is back in the kernel, still waiting for a writer.
  ExpectBlockedUntilReleased(opener, kOpenCalls, "opener", [&] { WriteAsUnrelatedProcess(path, "restarted"); });
}

}  // namespace
