// Hidden self-test cases: not in the catalogue, run only when a filter names "selftest.". They prove
// that the harness turns a hang into TIMEOUT, a crash into CRASH, a failure in another process into
// FAIL and a broken set-up into ERROR, and that nothing they leave behind survives the case.
#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/harness.h"

namespace {

using namespace ipcc;
using std::chrono::milliseconds;

// Leaves every kind of object behind and then hangs in processes that ignore SIGTERM, one of which
// left the session: only killing the whole tree ends it.
IPC_CASE(selftest, timeout, hang_becomes_timeout, .title = "a hanging case becomes TIMEOUT",
         .statement = "A case that does not finish within its timeout is reported as TIMEOUT and its whole "
                      "process tree is killed.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined,
         .timeout = milliseconds(1000), .hidden = true) {
  int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  ASSERT_GE(shm, 0);
  int fd = shm_open("/ipcconform-selftest-leak", O_CREAT | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(mkfifo(TempPath("leak.fifo").c_str(), 0600), 0);
  for (int i = 0; i < 2; ++i) {
    Child c = Fork([] {
      signal(SIGTERM, SIG_IGN);
      setsid();
      for (;;) pause();
    });
    c.Release();
  }
  signal(SIGTERM, SIG_IGN);
  for (;;) pause();
}

IPC_CASE(selftest, crash, segfault_becomes_crash, .title = "a crashing case becomes CRASH",
         .statement = "A case whose process dies of a signal is reported as CRASH.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {
  ASSERT_GE(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), 0);
  raise(SIGSEGV);
}

IPC_CASE(selftest, child, failure_propagates, .title = "a failure in a child fails the case",
         .statement = "An expectation that fails in any process of the tree fails the case with that "
                      "process's message.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {
  int status = RunInChild([] { EXPECT_EQ(1, 2) << "message from the child"; });
  ExpectCleanExit(status, "child");
}

IPC_CASE(selftest, fixture, failure_propagates, .title = "a failure in an exec'd fixture fails the case",
         .statement = "A fixture program that reports a failure fails the case with its message.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {
  Child f = SpawnFixture("fail", {"message from the fixture"});
  f.Wait();
}

IPC_CASE(selftest, checkpoint, expired_wait_is_error, .title = "an expired checkpoint wait is ERROR",
         .statement = "A checkpoint wait that expires is a harness error, not a failure.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {
  CheckpointWait(3, 1, milliseconds(50));
}

IPC_CASE(selftest, unsupported, is_not_pass, .title = "UNSUPPORTED is reported as such",
         .statement = "A case that proves its feature absent is UNSUPPORTED with the reason.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {
  IPCC_UNSUPPORTED("selftest: the feature is absent");
}

IPC_CASE(selftest, empty, passes, .title = "an empty case passes",
         .statement = "A case with an empty body passes; used to measure isolation overhead.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {}

IPC_CASE(selftest, isolation, reports_namespaces, .title = "the case sees its own PID namespace",
         .statement = "Under namespace isolation the case process is pid 2 of a fresh PID namespace.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {
  if (!InOwnNamespaces()) IPCC_UNSUPPORTED("the case runs without namespaces of its own here");
  RecordProperty("pid", getpid());
  EXPECT_EQ(getpid(), 2) << "expected the case process to be pid 2 of its namespace";
  EXPECT_EQ(access("/dev/shm/ipcconform-selftest-leak", F_OK), -1) << "private /dev/shm sees a host file";
}

// Fails on every second run when IPCCONFORM_SELFTEST_FLIP_FILE names a counter file (each run appends
// one byte to it), passes otherwise: the soak test's unstable case.
IPC_CASE(selftest, soak, alternates_with_counter_file, .title = "a case whose outcome alternates between runs",
         .statement = "A case whose outcome differs between runs is reported by `ipcconform soak` as changed.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {
  const char* path = getenv("IPCCONFORM_SELFTEST_FLIP_FILE");
  if (path == nullptr) return;
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "x", 1), 1);
  struct stat st {};
  ASSERT_EQ(fstat(fd, &st), 0);
  close(fd);
  EXPECT_EQ(st.st_size % 2, 1) << "run number " << st.st_size << " of this case fails, as it is meant to";
}


}  // namespace

