#include "reports/tests/sample_runs.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace ipcc::sample {

using nlohmann::json;

json Header(const std::string& target, const std::string& release) {
  return {{"record", "header"},
          {"format", 1},
          {"tool", "ipcconform"},
          {"version", "0.1.0"},
          {"commit", "abc123def456"},
          {"target", target},
          {"started", "2026-01-02T03:04:05Z"},
          {"expectations", target == "runsc" ? "/nonexistent/fixtures/expectations/runsc.txt" : ""},
          {"fingerprint",
           {{"kernel", {{"sysname", "Linux"}, {"release", release}, {"version", "#1 SMP"}, {"machine", "x86_64"}}},
            {"libc", "glibc 2.36"},
            {"distribution", "Debian GNU/Linux 12 (bookworm)"},
            {"cpus", 2},
            {"uid", 0}}}};
}

json Case(const std::string& id, const std::string& outcome, const std::string& verdict, const std::string& message) {
  const auto dot = id.find('.');
  const auto dot2 = id.find('.', dot + 1);
  json c = {{"record", "case"},
            {"id", id},
            {"mechanism", id.substr(0, dot)},
            {"interface", id.substr(dot + 1, dot2 - dot - 1)},
            {"title", "title of " + id},
            {"class", "posix"},
            {"refs", {"pipe(7)", "POSIX.1-2017 read()"}},
            {"outcome", outcome},
            {"message", message},
            {"isolation", "namespaces(ipc,mnt,pid)"},
            {"duration_ms", 1.5}};
  if (!verdict.empty()) c["verdict"] = verdict;
  return c;
}

namespace {

json Expecting(json c, const std::string& outcomes, const std::string& reason) {
  c["expected"] = outcomes;
  c["expectation"] = {{"pattern", c["id"]}, {"reason", reason}, {"where", "runsc.txt:3"}};
  return c;
}

std::string Lines(const std::vector<json>& records) {
  std::string text;
  for (const auto& r : records) text += r.dump() + "\n";
  return text;
}

}  // namespace

std::string NativeRun(const std::string& release) {
  return Lines({Header("native", release),
                Case("fifo.open.a", "PASS", "pass"),
                Case("fifo.open.b", "PASS", "pass"),
                Case("fifo.io.c", "PASS", "pass"),
                Case("pipe.read.d", "PASS", "pass"),
                Case("pipe.read.e", "FAIL", "regression", "expected <b>1</b> & got \"2\" | `x` #3\nsecond line"),
                {{"record", "end"}, {"counts", {{"PASS", 4}, {"FAIL", 1}}}, {"stale_expectations", json::array()}}});
}

std::string SandboxRun(const std::string& release) {
  return Lines({Header("runsc", release),
                Case("fifo.open.a", "PASS", "pass"),
                Expecting(Case("fifo.open.b", "FAIL", "expected deviation", "open returned at once"), "FAIL",
                          "gVisor: FIFO open does not block"),
                Case("fifo.io.c", "UNSUPPORTED", "unsupported", "ENOSYS"),
                Expecting(Case("pipe.read.d", "PASS", "unexpected pass"), "FAIL", "fixed upstream?"),
                Case("pipe.read.e", "SKIP", "skipped", "needs root"),
                {{"record", "end"},
                 {"counts", json::object()},
                 {"stale_expectations", {"runsc.txt:9: 'sysv_shm.*' matched no case in this run"}}},
                GateRecord()});
}

json GateRecord() {
  return {{"record", "gate"},
          {"verdict", "pass"},
          {"reason", ""},
          {"thresholds", {{"shm_vs_memcpy", 0.4}, {"shm_vs_pipe", 5.0}}},
          {"attempts",
           {{{"attempt", 1},
             {"contended_rounds", 2},
             {"rounds", json::array({json::object(), json::object()})},
             {"median_mib_s", {{"memcpy", 20000.0}, {"shm_ring_sysv", 9000.0}, {"pipe", 25.5}}},
             {"ratios", {{"shm_vs_memcpy", 0.45}, {"shm_vs_pipe", 3.5}, {"shm_vs_sysv_msg", nullptr}}}}}}};
}

namespace {

std::string Prefix() {
  return "ipcc-reports-" + std::to_string(getpid()) + "-";
}

// Removes every folder this test process made, once all tests ran.
class RemoveTempFolders : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(::testing::TempDir(), ec)) {
      if (e.path().filename().string().rfind(Prefix(), 0) == 0) std::filesystem::remove_all(e.path(), ec);
    }
  }
};

[[maybe_unused]] auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new RemoveTempFolders);

}  // namespace

std::string TempFolder(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / (Prefix() + info->name() + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = TempFolder(name) + "/results.jsonl";
  std::ofstream(path) << text;
  return path;
}

}  // namespace ipcc::sample
