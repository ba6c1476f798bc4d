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

#include "harness/caselib/caselib.h"

namespace {

using namespace ipcc;
using std::chrono::milliseconds;

// Leaves every kind of object behind and then hangs in processes that ignore SIGTERM, one of which
// left the session: only killing the whole tree ends it.
IPC_CASE(selftest, timeout, hang_becomes_timeout, .title = "a hanging case becomes TIMEOUT",
         .statement = "A case that does not finish within its timeout is reported as TIMEOUT and its whole "
                      "process tree is killed.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .timeout = milliseconds(1000),
         .hidden = true) {
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
         .statement = "A case whose process dies of a signal is reported as CRASH.", .refs = {"ipcconform harness"},
         .cls = Conformance::implementation_defined, .hidden = true) {
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

// Unmet needs (docs/verdicts.md): the runner decides before the case starts, so none of these bodies
// may run; each fails if it does.
#define IPCC_SELFTEST_NEED(interface, behaviour, statement_text, need_expr)                              \
  IPC_CASE(selftest, interface, behaviour, .title = statement_text, .statement = statement_text,         \
           .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined, .needs = need_expr, \
           .hidden = true) {                                                                             \
    ADD_FAILURE() << "the body ran although its need is unmet here";                                     \
  }
IPCC_SELFTEST_NEED(unsupported, is_not_pass, "A case whose feature the runner's probe finds absent is UNSUPPORTED.",
                   need::Feature("selftest_never"))
IPCC_SELFTEST_NEED(needs, newer_kernel_is_unsupported,
                   "A case documented since a kernel newer than this one is UNSUPPORTED.", need::MinKernel(999, 0))
IPCC_SELFTEST_NEED(needs, config_option_unset_is_unsupported,
                   "A case needing a kernel option the readable configuration lacks is UNSUPPORTED.",
                   need::KernelConfig("CONFIG_IPCC_SELFTEST_NEVER"))
IPCC_SELFTEST_NEED(needs, too_few_cpus_is_skip, "A case needing more CPUs than this process may use is SKIP.",
                   need::Cpus(100000))
IPCC_SELFTEST_NEED(needs, read_only_sysctl_is_skip, "A case that must set a read-only sysctl is SKIP.",
                   need::WritableSysctl("/proc/sys/kernel/osrelease"))
IPCC_SELFTEST_NEED(needs, missing_sysctl_is_skip, "A case that must set a sysctl this system lacks is SKIP.",
                   need::WritableSysctl("/proc/sys/kernel/ipcconform_selftest_missing"))
#undef IPCC_SELFTEST_NEED

// Needs that are met natively as root (PASS) and unmet in the test's other environments (SKIP).
IPC_CASE(selftest, needs, capability_met_runs, .title = "a case needing CAP_SYS_BOOT runs where it is held",
         .statement = "A case needing a capability runs where the runner holds it and is SKIP where it does not.",
         .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined,
         .needs = IPCC_NEED_CAPABILITY(CAP_SYS_BOOT), .hidden = true) {}

IPC_CASE(selftest, needs, root_met_runs, .title = "a case needing root runs as root with its capabilities",
         .statement = "A case declaring kNeedRoot runs as root with CAP_SYS_ADMIN and is SKIP elsewhere.",
         .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined, .needs = kNeedRoot, .hidden = true) {
  EXPECT_EQ(geteuid(), 0u);
}

IPC_CASE(selftest, needs, second_identity_met_runs, .title = "a case needing a second identity gets one",
         .statement = "A case declaring kNeedSecondUid runs where one exists and SecondIdentity() gives it.",
         .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined, .needs = kNeedSecondUid,
         .hidden = true) {
  EXPECT_NE(SecondIdentity().uid, 0u);
}

IPC_CASE(selftest, needs, own_ipc_namespace_met_runs, .title = "a case needing its own IPC namespace has one",
         .statement = "A case declaring kNeedIpcNamespace runs only in IPC namespaces of its own.",
         .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined, .needs = kNeedIpcNamespace,
         .hidden = true) {
  EXPECT_TRUE(InOwnNamespaces());
}

IPC_CASE(selftest, needs, config_option_set_runs, .title = "a case needing a kernel option that is set runs",
         .statement = "A case needing a kernel option runs where the configuration has it (or cannot be read).",
         .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined,
         .needs = need::KernelConfig("CONFIG_IPCC_SELFTEST_PRESENT"), .hidden = true) {}

// What a case may not do: skip itself, or use what it did not declare. Each is an ERROR.
IPC_CASE(selftest, needs, body_skip_is_error, .title = "a body that skips itself is ERROR",
         .statement = "Only the harness skips; a case body that calls GTEST_SKIP() is an ERROR.",
         .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined, .hidden = true) {
  GTEST_SKIP() << "selftest: skipping from the body";
}

IPC_CASE(selftest, needs, undeclared_identity_is_error, .title = "an undeclared second identity is ERROR",
         .statement = "A case that drops to another identity without declaring kNeedSecondUid is an ERROR.",
         .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined, .hidden = true) {
  (void)SecondIdentity();
  ADD_FAILURE() << "SecondIdentity() returned although undeclared";
}

IPC_CASE(selftest, needs, undeclared_sysctl_write_is_error, .title = "an undeclared sysctl write is ERROR",
         .statement = "A case that writes a sysctl it did not declare with need::WritableSysctl is an ERROR.",
         .refs = {"docs/verdicts.md"}, .cls = Conformance::implementation_defined, .needs = kNeedIpcNamespace,
         .hidden = true) {
  (void)TryWriteSysctl("/proc/sys/kernel/msgmax", "8192");
  ADD_FAILURE() << "TryWriteSysctl returned although undeclared";
}

IPC_CASE(selftest, empty, passes, .title = "an empty case passes",
         .statement = "A case with an empty body passes; used to measure isolation overhead.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .hidden = true) {}

IPC_CASE(selftest, isolation, reports_namespaces, .title = "the case sees its own PID namespace",
         .statement = "Under namespace isolation the case process is pid 2 of a fresh PID namespace.",
         .refs = {"ipcconform harness"}, .cls = Conformance::implementation_defined, .needs = kNeedIpcNamespace,
         .hidden = true) {
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
