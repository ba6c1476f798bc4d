#include "harness/caselib/names.h"

#include <sys/wait.h>
#include <cerrno>
#include <csignal>

#include <array>
#include <utility>

#include <fmt/format.h>

namespace ipcc {
namespace {

#define IPCC_NAME(x)            \
  std::pair<int, const char*> { \
    x, #x                       \
  }
constexpr std::array kErrnos = {
    IPCC_NAME(EPERM),
    IPCC_NAME(ENOENT),
    IPCC_NAME(ESRCH),
    IPCC_NAME(EINTR),
    IPCC_NAME(EIO),
    IPCC_NAME(ENXIO),
    IPCC_NAME(E2BIG),
    IPCC_NAME(ENOEXEC),
    IPCC_NAME(EBADF),
    IPCC_NAME(ECHILD),
    IPCC_NAME(EAGAIN),
    IPCC_NAME(ENOMEM),
    IPCC_NAME(EACCES),
    IPCC_NAME(EFAULT),
    IPCC_NAME(EBUSY),
    IPCC_NAME(EEXIST),
    IPCC_NAME(EXDEV),
    IPCC_NAME(ENODEV),
    IPCC_NAME(ENOTDIR),
    IPCC_NAME(EISDIR),
    IPCC_NAME(EINVAL),
    IPCC_NAME(ENFILE),
    IPCC_NAME(EMFILE),
    IPCC_NAME(ENOTTY),
    IPCC_NAME(EFBIG),
    IPCC_NAME(ENOSPC),
    IPCC_NAME(ESPIPE),
    IPCC_NAME(EROFS),
    IPCC_NAME(EMLINK),
    IPCC_NAME(EPIPE),
    IPCC_NAME(EDOM),
    IPCC_NAME(ERANGE),
    IPCC_NAME(EDEADLK),
    IPCC_NAME(ENAMETOOLONG),
    IPCC_NAME(ENOLCK),
    IPCC_NAME(ENOSYS),
    IPCC_NAME(ENOTEMPTY),
    IPCC_NAME(ELOOP),
    IPCC_NAME(ENOMSG),
    IPCC_NAME(EIDRM),
    IPCC_NAME(ENOSTR),
    IPCC_NAME(ENODATA),
    IPCC_NAME(ETIME),
    IPCC_NAME(EOVERFLOW),
    IPCC_NAME(EBADMSG),
    IPCC_NAME(EILSEQ),
    IPCC_NAME(ENOTSOCK),
    IPCC_NAME(EDESTADDRREQ),
    IPCC_NAME(EMSGSIZE),
    IPCC_NAME(EPROTOTYPE),
    IPCC_NAME(ENOPROTOOPT),
    IPCC_NAME(EPROTONOSUPPORT),
    IPCC_NAME(EOPNOTSUPP),
    IPCC_NAME(EAFNOSUPPORT),
    IPCC_NAME(EADDRINUSE),
    IPCC_NAME(EADDRNOTAVAIL),
    IPCC_NAME(ENETDOWN),
    IPCC_NAME(ECONNABORTED),
    IPCC_NAME(ECONNRESET),
    IPCC_NAME(ENOBUFS),
    IPCC_NAME(EISCONN),
    IPCC_NAME(ENOTCONN),
    IPCC_NAME(ETIMEDOUT),
    IPCC_NAME(ECONNREFUSED),
    IPCC_NAME(EALREADY),
    IPCC_NAME(EINPROGRESS),
    IPCC_NAME(ECANCELED),
    IPCC_NAME(EOWNERDEAD),
    IPCC_NAME(ENOTRECOVERABLE),
    IPCC_NAME(ETXTBSY),
    IPCC_NAME(ESTALE),
    IPCC_NAME(EDQUOT),
};

constexpr std::array kSignals = {
    IPCC_NAME(SIGHUP),    IPCC_NAME(SIGINT),  IPCC_NAME(SIGQUIT),  IPCC_NAME(SIGILL),  IPCC_NAME(SIGTRAP),
    IPCC_NAME(SIGABRT),   IPCC_NAME(SIGBUS),  IPCC_NAME(SIGFPE),   IPCC_NAME(SIGKILL), IPCC_NAME(SIGUSR1),
    IPCC_NAME(SIGSEGV),   IPCC_NAME(SIGUSR2), IPCC_NAME(SIGPIPE),  IPCC_NAME(SIGALRM), IPCC_NAME(SIGTERM),
    IPCC_NAME(SIGSTKFLT), IPCC_NAME(SIGCHLD), IPCC_NAME(SIGCONT),  IPCC_NAME(SIGSTOP), IPCC_NAME(SIGTSTP),
    IPCC_NAME(SIGTTIN),   IPCC_NAME(SIGTTOU), IPCC_NAME(SIGURG),   IPCC_NAME(SIGXCPU), IPCC_NAME(SIGXFSZ),
    IPCC_NAME(SIGVTALRM), IPCC_NAME(SIGPROF), IPCC_NAME(SIGWINCH), IPCC_NAME(SIGIO),   IPCC_NAME(SIGPWR),
    IPCC_NAME(SIGSYS),
};
#undef IPCC_NAME

}  // namespace

std::string ErrnoName(int err) {
  if (err == 0) return "no error";
  for (const auto& [value, name] : kErrnos) {
    if (value == err) return name;
  }
  return fmt::format("errno {}", err);
}

std::string SignalName(int sig) {
  for (const auto& [value, name] : kSignals) {
    if (value == sig) return name;
  }
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
    return sig == SIGRTMIN ? std::string("SIGRTMIN") : fmt::format("SIGRTMIN+{}", sig - SIGRTMIN);
  }
  return fmt::format("signal {}", sig);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by {}{}", SignalName(WTERMSIG(status)), WCOREDUMP(status) ? " (core dumped)" : "");
  }
  if (WIFSTOPPED(status)) return fmt::format("stopped by {}", SignalName(WSTOPSIG(status)));
  if (WIFCONTINUED(status)) return "continued";
  return fmt::format("wait status {:#x}", status);
}

}  // namespace ipcc
