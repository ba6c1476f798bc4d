// The one way the tool side starts another program: soak's runs and its load, a target's command, the
// report bundle's sha256sum and tar, the mutation test's suite runs and the suite benchmark's. Boost.Process
// underneath; the child gets a process group of its own, /dev/null as standard input, default handling of
// the signals this tool catches or ignores, an empty signal mask and no descriptor of this process beyond
// the three standard ones. A deadline (and a stop the caller asks for) ends the whole group, first with a
// signal it can handle and, when told, with SIGKILL after a grace period.
//
// Case trees do not start through here: the supervisor and the case's children (harness/caselib) fork
// themselves, because the case decides what each process of its tree is.
//
// A small library of its own (ipcc_spawn) so that reports, the fault library's mutation test and the
// benchmarks link it without the runner.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ipcc::spawn {

// The program could not be started: not found, not executable, a folder or file it needs not there.
struct SpawnError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where one of the child's output streams goes.
struct Output {
  enum class Kind { inherit, discard, file, capture, lines, as_stdout };
  Kind kind = Kind::inherit;
  std::string path;                                 // file: created or emptied
  std::size_t keep_last = 0;                        // capture: only the last bytes are kept (0: all)
  std::function<void(const std::string&)> on_line;  // lines: each line without its newline, as it comes

  static Output Inherit() { return {}; }  // this process's own
  static Output Discard() { return {Kind::discard, {}, 0, {}}; }
  static Output ToFile(std::string file) { return {Kind::file, std::move(file), 0, {}}; }
  static Output Capture(std::size_t last = 0) { return {Kind::capture, {}, last, {}}; }  // into Result::out/err
  // Standard output only. Read until its end of file; the last line may lack its newline.
  static Output Lines(std::function<void(const std::string&)> f) { return {Kind::lines, {}, 0, std::move(f)}; }
  static Output AsStdout() { return {Kind::as_stdout, {}, 0, {}}; }  // standard error only: where stdout goes
};

struct Spec {
  std::vector<std::string> argv;               // argv[0]: a path, or a name looked up on PATH
  std::string cwd;                             // "": this process's working folder
  std::map<std::string, std::string> set_env;  // on top of this process's environment
  std::vector<std::string> unset_env;          // removed before set_env applies
  Output out;
  Output err;
  bool die_with_parent = false;  // SIGKILL when the thread that started it ends (PR_SET_PDEATHSIG)

  // Ending it early: at the deadline (from the start) end_signal goes to its process group; so does the
  // signal `stop` returns (asked at least every 100 ms while waiting; 0 lets it run on). With kill_after,
  // SIGKILL follows that long after, and output still held open by something outside the group is then
  // read for at most kill_after more.
  std::optional<std::chrono::milliseconds> deadline;
  std::function<int()> stop;
  int end_signal = SIGTERM;
  std::optional<std::chrono::milliseconds> kill_after;
};

// How a child ended: its wait status.
struct Exit {
  int status = -1;  // as waitpid(2) gives it; -1 when unknown (reaped elsewhere)
  bool Exited() const;
  int Code() const;    // the exit status, -1 when it did not exit
  int Signal() const;  // the signal that ended it, 0 when it exited
  bool Succeeded() const { return Exited() && Code() == 0; }
  int ShellStatus() const;       // as a shell's $? says it: the exit status, 128+N for signal N
  std::string Describe() const;  // "exit status 3", "killed by SIGKILL"
};

enum class Ending { by_itself, deadline, stopped };

struct Result {
  Exit exit;
  Ending ending = Ending::by_itself;  // deadline or stopped: the end signal was sent
  bool killed = false;                // SIGKILL followed
  std::string out;                    // captured standard output
  std::string err;                    // captured standard error
  bool out_cut = false;               // more was written than kept: `out` is its end
  bool err_cut = false;
};

// A started program (move-only). When it goes while the program still runs, the program is killed and
// reaped; what is left of its group is killed in any case.
class Process {
 public:
  explicit Process(const Spec& spec);  // starts it; throws SpawnError
  ~Process();
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;

  pid_t pid() const;
  void SignalGroup(int sig);  // to every process of its group
  // Until it ended (and a Lines output reached its end), with the spec's deadline and stop.
  const Result& Wait();
  // Sends `sig` to the program, gives it `grace` to end, then kills what is left of its group; reaps it.
  const Result& End(int sig, std::chrono::milliseconds grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Starts the program and waits for it.
Result Run(const Spec& spec);

// The path of the program `name` on PATH, as Spec::argv finds it; "" when there is none.
std::string FindOnPath(const std::string& name);

}  // namespace ipcc::spawn
