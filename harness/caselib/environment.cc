#include "harness/caselib/environment.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "harness/caselib/case.h"
#include "harness/caselib/coverage.h"
#include "harness/caselib/names.h"
#include "harness/caselib/state.h"
#include "harness/caselib/sysctl.h"

namespace ipcc {
namespace {

using nlohmann::json;

// The features, in the order they are probed and listed. A probe decides "absent" only on the
// answer that proves the whole mechanism missing (ENOSYS, or EINVAL for a namespace type the kernel
// was built without); any other failure leaves the feature present for the cases to judge.
const std::vector<FeatureInfo> kFeatures = {
    {"sysv_msg", "System V message queues"},
    {"sysv_sem", "System V semaphore sets"},
    {"sysv_shm", "System V shared memory"},
    {"msg_copy", "msgrcv(2) MSG_COPY (kernels built with CONFIG_CHECKPOINT_RESTORE)"},
    {"posix_mq", "POSIX message queues"},
    {"posix_shm", "POSIX shared memory objects"},
    {"unix_socket", "Unix domain sockets"},
    {"posix_sem", "POSIX named and unnamed semaphores"},
    {"eventfd", "eventfd(2) counters"},
    {"signalfd", "signalfd(2) descriptors"},
    {"pidfd", "pidfd_open(2) process descriptors"},
    {"memfd", "memfd_create(2) anonymous files and file seals"},
    {"splice", "splice(2), tee(2) and vmsplice(2)"},
    {"futex", "futex(2) and process-shared pthread mutexes"},
    {"sched_fifo", "SCHED_FIFO real-time scheduling (sched_setscheduler(2)), for cases about wake-up order"},
    {"ipc_namespace", "IPC namespaces (unshare CLONE_NEWIPC)"},
    {"pid_namespace", "PID namespaces (unshare CLONE_NEWPID)"},
    {"user_namespace", "user namespaces (unshare CLONE_NEWUSER)"},
    {"selftest_never", "a feature no system has (the harness's own tests)"},
};

FeatureResult Present(std::string evidence) {
  return {FeatureState::kPresent, std::move(evidence)};
}

// ENOSYS proves the mechanism absent; anything else is for the cases to judge.
FeatureResult FromCall(const std::string& call, int result, int err) {
  if (result >= 0) return Present(call + " succeeded");
  if (err == ENOSYS) return {FeatureState::kAbsent, call + " failed with ENOSYS"};
  return Present(fmt::format("{} failed with {} (not ENOSYS: the cases judge it)", call, ErrnoName(err)));
}

FeatureResult ProbeSysv(const char* what) {
  const std::string w = what;
  if (w == "sysv_msg") {
    const int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    const int err = errno;
    if (id >= 0) msgctl(id, IPC_RMID, nullptr);
    return FromCall("msgget(IPC_PRIVATE, IPC_CREAT|0600)", id, err);
  }
  if (w == "sysv_sem") {
    const int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    const int err = errno;
    if (id >= 0) semctl(id, 0, IPC_RMID);
    return FromCall("semget(IPC_PRIVATE, 1, IPC_CREAT|0600)", id, err);
  }
  const int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  const int err = errno;
  if (id >= 0) shmctl(id, IPC_RMID, nullptr);
  return FromCall("shmget(IPC_PRIVATE, 4096, IPC_CREAT|0600)", id, err);
}

FeatureResult ProbeMsgCopy() {
  const int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (id < 0) return {FeatureState::kAbsent, "no System V message queue to try MSG_COPY on"};
  struct {
    long mtype;
    char mtext[8];
  } buf{};
  const ssize_t r = msgrcv(id, &buf, sizeof buf.mtext, 0, IPC_NOWAIT | MSG_COPY);
  const int err = errno;
  msgctl(id, IPC_RMID, nullptr);
  const std::string call = "msgrcv(empty queue, msgtyp 0, IPC_NOWAIT|MSG_COPY)";
  if (r < 0 && err == ENOSYS) return {FeatureState::kAbsent, call + " failed with ENOSYS"};
  return Present(r < 0 ? fmt::format("{} failed with {}", call, ErrnoName(err)) : call + " returned a message");
}

FeatureResult ProbePosixMq() {
  const std::string name = fmt::format("/ipcconform-probe-{}", getpid());
  mq_attr attr{};
  attr.mq_maxmsg = 1;
  attr.mq_msgsize = 8;
  const mqd_t q = mq_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
  const int err = errno;
  if (q != static_cast<mqd_t>(-1)) {
    mq_close(q);
    mq_unlink(name.c_str());
  }
  return FromCall(fmt::format("mq_open(\"{}\", O_CREAT|O_EXCL|O_RDWR)", name), q == static_cast<mqd_t>(-1) ? -1 : 0,
                  err);
}

FeatureResult ProbePosixShm() {
  const std::string name = fmt::format("/ipcconform-probe-{}", getpid());
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  const int err = errno;
  if (fd >= 0) {
    close(fd);
    shm_unlink(name.c_str());
  }
  return FromCall(fmt::format("shm_open(\"{}\", O_CREAT|O_EXCL|O_RDWR)", name), fd, err);
}

FeatureResult ProbeUnixSocket() {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int err = errno;
  if (fd >= 0) close(fd);
  if (fd < 0 && (err == EAFNOSUPPORT || err == ENOSYS)) {
    return {FeatureState::kAbsent, fmt::format("socket(AF_UNIX, SOCK_STREAM) failed with {}", ErrnoName(err))};
  }
  return FromCall("socket(AF_UNIX, SOCK_STREAM)", fd, err);
}

FeatureResult ProbePosixSem() {
  const std::string name = fmt::format("/ipcconform-probe-{}", getpid());
  sem_t* sem = sem_open(name.c_str(), O_CREAT | O_EXCL, 0600, 0U);
  const int err = errno;
  if (sem != SEM_FAILED) {
    sem_close(sem);
    sem_unlink(name.c_str());
  }
  return FromCall(fmt::format("sem_open(\"{}\", O_CREAT|O_EXCL)", name), sem == SEM_FAILED ? -1 : 0, err);
}

// The probes of the descriptor-based families: each creating call once, closed at once.
FeatureResult ProbeFd(const std::string& call, int fd) {
  const int err = errno;
  if (fd >= 0) close(fd);
  return FromCall(call, fd, err);
}

FeatureResult ProbeSignalfd() {
  sigset_t none;
  sigemptyset(&none);
  return ProbeFd("signalfd(-1, {}, SFD_CLOEXEC)", signalfd(-1, &none, SFD_CLOEXEC));
}

FeatureResult ProbeSplice() {
  int a[2];
  int b[2];
  if (pipe2(a, O_CLOEXEC) != 0) return Present("pipe2 failed: not probed");
  if (pipe2(b, O_CLOEXEC) != 0) {
    close(a[0]);
    close(a[1]);
    return Present("pipe2 failed: not probed");
  }
  const ssize_t n = splice(a[0], nullptr, b[1], nullptr, 1, SPLICE_F_NONBLOCK);
  const int err = errno;
  for (int fd : {a[0], a[1], b[0], b[1]}) close(fd);
  // An empty pipe: EAGAIN is the answer of a kernel that has splice.
  return FromCall("splice(empty pipe, pipe, 1, SPLICE_F_NONBLOCK)", n < 0 && err == EAGAIN ? 0 : static_cast<int>(n),
                  err);
}

FeatureResult ProbeFutex() {
  std::uint32_t word = 0;
  const long r = syscall(SYS_futex, &word, FUTEX_WAKE, 1, nullptr, nullptr, 0);
  return FromCall("futex(FUTEX_WAKE)", static_cast<int>(r), errno);
}

// Runs `fn` in a throw-away child (a raw fork: nothing is exec'd, and what the child changes about itself
// dies with it) and returns the int it reports back, or nullopt when the child did not answer.
std::optional<int> AnswerOfChild(const std::function<int()>& fn) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const int answer = fn();
    (void)!write(fds[1], &answer, sizeof answer);
    FlushCoverage();
    _exit(0);
  }
  close(fds[1]);
  int answer = 0;
  const bool got = pid > 0 && read(fds[0], &answer, sizeof answer) == static_cast<ssize_t>(sizeof answer);
  close(fds[0]);
  if (pid > 0) waitpid(pid, nullptr, 0);
  return got ? std::optional<int>(answer) : std::nullopt;
}

// sched_setscheduler(SCHED_FIFO) in a throw-away child. ENOSYS: absent; EPERM, EINVAL and the like: this
// environment refuses real-time scheduling (a sandbox without it, a cgroup without real-time budget).
FeatureResult ProbeSchedFifo() {
  const std::optional<int> err = AnswerOfChild([] {
    sched_param param{};
    param.sched_priority = 1;
    return sched_setscheduler(0, SCHED_FIFO, &param) == 0 ? 0 : errno;
  });
  const std::string call = "sched_setscheduler(0, SCHED_FIFO, priority 1)";
  if (!err) return Present(call + ": the probe process did not answer");
  if (*err == 0) return Present(call + " succeeded");
  if (*err == ENOSYS) return {FeatureState::kAbsent, call + " failed with ENOSYS"};
  return {FeatureState::kRefused, fmt::format("{} failed with {}", call, ErrnoName(*err))};
}

// unshare(flag) in a throw-away child (with a user namespace of its own when not root). EINVAL: the
// kernel has no such namespace type; EPERM and the like: this environment refuses it.
FeatureResult ProbeNamespace(int flag, const char* flag_name) {
  const bool want_user = geteuid() != 0 && flag != CLONE_NEWUSER;
  const std::optional<int> err = AnswerOfChild([&] {
    if (want_user && unshare(CLONE_NEWUSER) != 0) return -errno;
    return unshare(flag) != 0 ? errno : 0;
  });
  const std::string call = fmt::format("unshare({}{})", want_user ? "CLONE_NEWUSER, then " : "", flag_name);
  if (!err) return Present(call + ": the probe process did not answer");
  if (*err == 0) return Present(call + " succeeded");
  if (*err < 0) return {FeatureState::kRefused, fmt::format("unshare(CLONE_NEWUSER) failed with {}", ErrnoName(-*err))};
  if (*err == EINVAL) return {FeatureState::kAbsent, call + " failed with EINVAL: the kernel has no such namespaces"};
  return {FeatureState::kRefused, fmt::format("{} failed with {}", call, ErrnoName(*err))};
}

// The probes that create IPC objects run in a child of their own, in a private IPC namespace when
// one can be had (nothing can reach the host's), and send back one JSON object.
std::map<std::string, FeatureResult> ProbeObjects() {
  std::map<std::string, FeatureResult> out;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return out;
  fflush(nullptr);
  // A raw fork: the probe child enters a private IPC namespace and tries each object kind in this image.
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (geteuid() == 0) (void)unshare(CLONE_NEWIPC);
    json j;
    auto put = [&](const char* name, const FeatureResult& r) {
      j[name] = {{"state", static_cast<int>(r.state)}, {"evidence", r.evidence}};
    };
    put("sysv_msg", ProbeSysv("sysv_msg"));
    put("sysv_sem", ProbeSysv("sysv_sem"));
    put("sysv_shm", ProbeSysv("sysv_shm"));
    put("msg_copy", ProbeMsgCopy());
    put("posix_mq", ProbePosixMq());
    put("posix_shm", ProbePosixShm());
    put("unix_socket", ProbeUnixSocket());
    put("posix_sem", ProbePosixSem());
    const std::string text = j.dump();
    (void)!write(fds[1], text.data(), text.size());
    FlushCoverage();
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; pid > 0 && (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  if (pid > 0) waitpid(pid, nullptr, 0);
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [name, v] : j.items()) {
    out[name] = {static_cast<FeatureState>(v.value("state", 0)), v.value("evidence", std::string())};
  }
  return out;
}

// CONFIG_X=... lines of a kernel configuration text.
std::map<std::string, std::string> ParseConfig(std::istream& in) {
  std::map<std::string, std::string> config;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CONFIG_", 0) != 0) continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) config[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return config;
}

std::string GunzipFile(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return {};
  std::string out;
  char buf[16384];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  return out;
}

// The running kernel's configuration: $IPCCONFORM_KERNEL_CONFIG (a target that knows it), else
// /proc/config.gz, else /boot/config-<release>.
void ReadKernelConfig(Environment* env) {
  std::vector<std::string> candidates;
  if (const char* p = std::getenv("IPCCONFORM_KERNEL_CONFIG"); p != nullptr && *p != '\0') candidates.emplace_back(p);
  candidates.emplace_back("/proc/config.gz");
  candidates.push_back("/boot/config-" + env->kernel_release);
  for (const auto& path : candidates) {
    std::string text;
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
      text = GunzipFile(path);
    } else {
      std::ifstream in(path);
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    std::istringstream in(text);
    auto config = ParseConfig(in);
    if (!config.empty()) {
      env->kernel_config = std::move(config);
      env->kernel_config_source = path;
      return;
    }
  }
}

int CpusAvailable() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

bool IsIpcNamespacedSysctl(std::string_view path) {
  // The IPC limits that belong to an IPC namespace (ipc_namespaces(7)); others are global.
  return path.rfind("/proc/sys/kernel/msg", 0) == 0 || path.rfind("/proc/sys/kernel/sem", 0) == 0 ||
         path.rfind("/proc/sys/kernel/shm", 0) == 0 || path.rfind("/proc/sys/fs/mqueue/", 0) == 0 ||
         path == "/proc/sys/kernel/auto_msgmni";
}

// The /proc/sys files the pages in scope document, with the page and the version that brought them.
struct SysctlDoc {
  std::string_view path;
  std::string_view page;
  int since;  // major * 1000 + minor
};
constexpr SysctlDoc kDocumentedSysctls[] = {
    {"/proc/sys/kernel/msgmax", "proc(5), msgop(2)", 2000},
    {"/proc/sys/kernel/msgmnb", "proc(5), msgop(2)", 2002},
    {"/proc/sys/kernel/msgmni", "proc(5), msgget(2)", 2004},
    {"/proc/sys/kernel/sem", "proc(5), semget(2)", 2004},
    {"/proc/sys/kernel/shmmax", "proc(5), shmget(2)", 2000},
    {"/proc/sys/kernel/shmall", "proc(5), shmget(2)", 2002},
    {"/proc/sys/kernel/shmmni", "proc(5), shmget(2)", 2004},
    {"/proc/sys/kernel/shm_rmid_forced", "proc(5), shmctl(2)", 3001},
    {"/proc/sys/fs/mqueue/msg_max", "mq_overview(7)", 2006},
    {"/proc/sys/fs/mqueue/msgsize_max", "mq_overview(7)", 2006},
    {"/proc/sys/fs/mqueue/queues_max", "mq_overview(7)", 2006},
    {"/proc/sys/fs/mqueue/msg_default", "mq_overview(7)", 3005},
    {"/proc/sys/fs/mqueue/msgsize_default", "mq_overview(7)", 3005},
    {"/proc/sys/fs/pipe-max-size", "pipe(7)", 2006},
    {"/proc/sys/fs/pipe-user-pages-hard", "pipe(7)", 4005},
    {"/proc/sys/fs/pipe-user-pages-soft", "pipe(7)", 4005},
    {"/proc/sys/kernel/core_pattern", "core(5)", 2006},
};

const SysctlDoc* DocumentedSysctl(std::string_view path) {
  for (const auto& d : kDocumentedSysctls) {
    if (d.path == path) return &d;
  }
  return nullptr;
}

const CaseInfo* g_current_case = nullptr;

}  // namespace

const std::vector<FeatureInfo>& KnownFeatures() {
  return kFeatures;
}

std::vector<std::string> FeatureNames() {
  std::vector<std::string> names;
  for (const auto& f : kFeatures) names.emplace_back(f.name);
  return names;
}

std::string_view FeatureStateName(FeatureState s) {
  switch (s) {
    case FeatureState::kPresent:
      return "present";
    case FeatureState::kAbsent:
      return "absent";
    case FeatureState::kRefused:
      return "refused";
  }
  return "present";
}

int ParseKernelVersion(std::string_view release) {
  int major = 0;
  int minor = 0;
  std::size_t i = 0;
  auto number = [&](int* v) {
    const std::size_t start = i;
    while (i < release.size() && release[i] >= '0' && release[i] <= '9' && i - start < 6)
      *v = *v * 10 + (release[i++] - '0');
    return i > start;
  };
  if (!number(&major) || i >= release.size() || release[i] != '.') return 0;
  ++i;
  if (!number(&minor)) return 0;
  return major * 1000 + minor;
}

Environment ProbeEnvironment(const IsolationSupport& isolation) {
  Environment env;
  env.isolation = isolation;
  utsname u{};
  uname(&u);
  env.kernel_release = u.release;
  env.kernel_version = ParseKernelVersion(env.kernel_release);
  ReadKernelConfig(&env);
  env.cpus = CpusAvailable();
  env.euid = geteuid();
  env.sys_admin = env.euid == 0 && HasCapability(CAP_SYS_ADMIN);
  env.second_identity = UnprivilegedIdentity(&env.second_identity_why);
  env.features = ProbeObjects();
  env.features["eventfd"] = ProbeFd("eventfd(0, EFD_CLOEXEC)", eventfd(0, EFD_CLOEXEC));
  env.features["signalfd"] = ProbeSignalfd();
  env.features["pidfd"] = ProbeFd("pidfd_open(getpid(), 0)", static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0)));
  env.features["memfd"] =
      ProbeFd("memfd_create(\"ipcconform-probe\", MFD_CLOEXEC)", memfd_create("ipcconform-probe", MFD_CLOEXEC));
  env.features["splice"] = ProbeSplice();
  env.features["futex"] = ProbeFutex();
  env.features["sched_fifo"] = ProbeSchedFifo();
  env.features["ipc_namespace"] = ProbeNamespace(CLONE_NEWIPC, "CLONE_NEWIPC");
  env.features["pid_namespace"] = ProbeNamespace(CLONE_NEWPID, "CLONE_NEWPID");
  env.features["user_namespace"] = ProbeNamespace(CLONE_NEWUSER, "CLONE_NEWUSER");
  env.features["selftest_never"] = {FeatureState::kAbsent, "the harness's own test feature, absent by definition"};
  for (const auto& f : kFeatures) {
    if (env.features.count(std::string(f.name)) == 0) {
      env.features[std::string(f.name)] = Present("the probe process gave no answer: left for the cases to judge");
    }
  }
  return env;
}

nlohmann::json EnvironmentJson(const Environment& env) {
  json features = json::object();
  for (const auto& f : kFeatures) {
    const auto it = env.features.find(std::string(f.name));
    if (it == env.features.end()) continue;
    features[std::string(f.name)] = {
        {"state", FeatureStateName(it->second.state)}, {"what", f.what}, {"evidence", it->second.evidence}};
  }
  return {{"features", features},
          {"kernel_release", env.kernel_release},
          {"kernel_config", env.kernel_config_source.empty() ? json(nullptr) : json(env.kernel_config_source)},
          {"cpus", env.cpus},
          {"euid", env.euid},
          {"sys_admin", env.sys_admin},
          {"second_identity", env.second_identity
                                  ? json(fmt::format("{}:{}", env.second_identity->uid, env.second_identity->gid))
                                  : json(nullptr)},
          {"second_identity_why", env.second_identity_why}};
}

namespace {

std::optional<Unmet> MakeUnmet(Outcome o, const Need& n, std::string reason) {
  return Unmet{o, n.Text(), std::move(reason)};
}

// A need the system lacks as a whole (a feature absent, an older kernel, a kernel built without an
// option): UNSUPPORTED.
std::optional<Unmet> CheckSystemNeed(const Need& n, const Environment& env) {
  if (n.kind == NeedKind::kFeature) {
    const auto it = env.features.find(n.name);
    const auto def =
        std::find_if(kFeatures.begin(), kFeatures.end(), [&](const FeatureInfo& f) { return f.name == n.name; });
    const std::string what = def != kFeatures.end() ? std::string(def->what) : std::string(n.name);
    if (it != env.features.end() && it->second.state == FeatureState::kAbsent) {
      return MakeUnmet(Outcome::kUnsupported, n,
                       fmt::format("{} absent here (runner probe: {})", what, it->second.evidence));
    }
  } else if (n.kind == NeedKind::kMinKernel && env.kernel_version != 0 && env.kernel_version < n.value) {
    return MakeUnmet(Outcome::kUnsupported, n,
                     fmt::format("documented since Linux {}.{}; this kernel reports {}", n.value / 1000, n.value % 1000,
                                 env.kernel_release));
  } else if (n.kind == NeedKind::kKernelConfig && !env.kernel_config.empty()) {
    const auto it = env.kernel_config.find(n.name);
    if (it == env.kernel_config.end() || (it->second != "y" && it->second != "m")) {
      return MakeUnmet(Outcome::kUnsupported, n,
                       fmt::format("the kernel was built without {} ({})", n.name, env.kernel_config_source));
    }
  }
  return std::nullopt;
}

// A need this environment withholds (a refused feature, root, a capability, a second identity, its own
// IPC namespace, a writable sysctl, CPUs): SKIP.
std::optional<Unmet> CheckEnvironmentNeed(const Need& n, const Environment& env) {
  switch (n.kind) {
    case NeedKind::kFeature: {
      const auto it = env.features.find(n.name);
      if (it != env.features.end() && it->second.state == FeatureState::kRefused) {
        return MakeUnmet(
            Outcome::kSkip, n,
            fmt::format("needs {}, which this environment refuses (runner probe: {})", n.name, it->second.evidence));
      }
      break;
    }
    case NeedKind::kRoot:
      if (env.euid != 0) return MakeUnmet(Outcome::kSkip, n, fmt::format("needs root (running as uid {})", env.euid));
      if (!env.sys_admin) {
        return MakeUnmet(Outcome::kSkip, n,
                         "needs root's capabilities (CAP_SYS_ADMIN), which this environment withholds");
      }
      break;
    case NeedKind::kCapability:
      if (!HasCapability(n.value)) {
        return MakeUnmet(Outcome::kSkip, n, fmt::format("needs {}, which this environment withholds", n.name));
      }
      break;
    case NeedKind::kSecondIdentity:
      if (!env.second_identity)
        return MakeUnmet(Outcome::kSkip, n, "needs a second identity: " + env.second_identity_why);
      break;
    case NeedKind::kOwnIpcNamespace:
      if (!env.isolation.namespaces) {
        return MakeUnmet(Outcome::kSkip, n,
                         "needs its own IPC namespace, which this environment refuses (" + env.isolation.reason + ")");
      }
      break;
    case NeedKind::kWritableSysctl:
      if (IsIpcNamespacedSysctl(n.name) && !env.isolation.namespaces) {
        return MakeUnmet(Outcome::kSkip, n,
                         fmt::format("sets {}, which only a case in its own IPC namespace may do; this environment "
                                     "refuses namespaces ({})",
                                     n.name, env.isolation.reason));
      }
      break;
    case NeedKind::kCpus:
      if (env.cpus < n.value) {
        return MakeUnmet(Outcome::kSkip, n, fmt::format("needs {} CPUs; this process may use {}", n.value, env.cpus));
      }
      break;
    case NeedKind::kMinKernel:
    case NeedKind::kKernelConfig:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Unmet> CheckNeeds(const Needs& needs, const Environment& env) {
  // What the system lacks as a whole comes first: it says more about the target than what this
  // environment withholds.
  for (const Need& n : needs.list()) {
    if (auto unmet = CheckSystemNeed(n, env)) return unmet;
  }
  for (const Need& n : needs.list()) {
    if (auto unmet = CheckEnvironmentNeed(n, env)) return unmet;
  }
  return std::nullopt;
}

std::optional<Unmet> CheckNeedsInCase(const Needs& needs) {
  for (const Need& n : needs.list()) {
    if (n.kind == NeedKind::kOwnIpcNamespace && !InOwnNamespaces()) {
      return Unmet{Outcome::kSkip, n.Text(),
                   "needs its own IPC namespace (run it with `ipcconform run`, not by hand or in a process group)"};
    }
    if (n.kind != NeedKind::kWritableSysctl) continue;
    if (IsIpcNamespacedSysctl(n.name) && !InOwnNamespaces()) {
      return Unmet{Outcome::kSkip, n.Text(),
                   fmt::format("sets {}, which only a case in its own IPC namespace may do (it would change the "
                               "host's limit)",
                               n.name)};
    }
    // Writing the current value back (in the case's own IPC namespace) proves the file writable
    // without changing anything.
    const std::optional<std::string> current = ReadSysctl(n.name);
    int err = current ? 0 : errno;
    const std::string value = current.value_or(std::string());
    if (err == 0 && !IsIpcNamespacedSysctl(n.name)) {
      // A global setting: writing it back could undo what a case running beside this one set, so
      // the permission is asked instead (root's access to /proc/sys follows the file's mode).
      if (access(n.name, W_OK) != 0) err = errno;
    } else if (err == 0) {
      const int fd = open(n.name, O_WRONLY | O_CLOEXEC);
      err = fd < 0 ? errno : 0;
      if (fd >= 0) {
        if (write(fd, value.data(), value.size()) < 0) err = errno;
        close(fd);
      }
    }
    if (err == ENOENT) {
      // A file the pages document since a kernel no newer than the one this system reports is
      // missing: that is a deviation, not an environment limit (docs/verdicts.md).
      const SysctlDoc* doc = DocumentedSysctl(n.name);
      utsname u{};
      uname(&u);
      const int kernel = ParseKernelVersion(u.release);
      if (doc != nullptr && kernel != 0 && kernel >= doc->since) {
        return Unmet{Outcome::kFail, n.Text(),
                     fmt::format("{} does not exist here, though {} documents it since Linux {}.{} and this kernel "
                                 "reports {}",
                                 n.name, doc->page, doc->since / 1000, doc->since % 1000, u.release)};
      }
      return Unmet{Outcome::kSkip, n.Text(),
                   fmt::format("sets {}, which does not exist here (a file no page in scope documents for this "
                               "kernel)",
                               n.name)};
    }
    if (err == EACCES || err == EPERM || err == EROFS || err == EIO) {
      return Unmet{Outcome::kSkip, n.Text(),
                   fmt::format("sets {}, which is not writable here ({}): a set-up step this environment withholds",
                               n.name, ErrnoName(err))};
    }
    if (err != 0) ThrowHarnessError(fmt::format("set-up: writing {} back to {}: {}", value, n.name, ErrnoName(err)));
  }
  return std::nullopt;
}

const CaseInfo* CurrentCase() {
  return g_current_case;
}
void SetCurrentCase(const CaseInfo* info) {
  g_current_case = info;
}

void RequireDeclared(const Need& need, std::string_view what) {
  const CaseInfo* c = CurrentCase();
  if (c == nullptr) return;  // not inside a case: a helper used by the harness itself
  const bool declared = std::any_of(c->meta.needs.list().begin(), c->meta.needs.list().end(), [&](const Need& n) {
    return n.kind == need.kind && (need.name == nullptr || *need.name == '\0' || std::string_view(n.name) == need.name);
  });
  if (!declared) {
    ThrowHarnessError(fmt::format("case {} {} without declaring it: add {} to its .needs", c->id, what, need.Text()));
  }
}

}  // namespace ipcc
