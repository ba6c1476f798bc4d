// Driving ipcconform as a program from the tests: run it, read its results, find what it left behind.
#pragma once

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/process.hpp>
#include <nlohmann/json.hpp>

namespace ipcc::testutil {

namespace bp = boost::process;
using nlohmann::json;

struct ToolResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Every process a tool run starts carries this in its environment, so leftovers are found exactly.
inline const std::string kTag = "IPCCONFORM_TEST_TAG=" + std::to_string(getpid());

inline ToolResult RunTool(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& extra_env = {}) {
  bp::ipstream out;
  bp::ipstream err;
  bp::environment env = boost::this_process::environment();  // a copy: this process's own stays as it is
  env["IPCCONFORM_TEST_TAG"] = std::to_string(getpid());
  for (const auto& [k, v] : extra_env) env[k] = v;
  bp::child c(std::string(IPCC_BIN_DIR) + "/ipcconform", bp::args = args, bp::std_out > out, bp::std_err > err, env);
  ToolResult r;
  std::string line;
  // Read stderr after stdout; the outputs here are small enough not to fill a pipe.
  while (std::getline(out, line)) r.out += line + "\n";
  while (std::getline(err, line)) r.err += line + "\n";
  c.wait();
  r.exit_code = c.exit_code();
  return r;
}

struct Results {
  json header;
  std::map<std::string, json> cases;
  json end;
};

inline Results Load(const std::string& dir) {
  Results r;
  std::ifstream in(dir + "/results.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    json rec = json::parse(line);
    if (rec["record"] == "header") r.header = rec;
    if (rec["record"] == "case") r.cases[rec["id"]] = rec;
    if (rec["record"] == "end") r.end = rec;
  }
  return r;
}

inline std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "ipcconform-runner-test-" + name + "-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  return dir;
}

// Processes started by this test's tool runs that are still there.
inline int StrayProcesses() {
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == getpid()) continue;
    std::ifstream in(e.path() / "environ");
    std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (env.find(kTag + '\0') != std::string::npos ||
        (env.size() >= kTag.size() && env.rfind(kTag) == env.size() - kTag.size())) {
      ++count;
    }
  }
  return count;
}

// Stray processes die asynchronously (parent-death signals): allow them a bounded moment.
inline int StrayProcessesAfterSettling() {
  for (int i = 0; i < 200; ++i) {
    if (StrayProcesses() == 0) return 0;
    usleep(10000);
  }
  return StrayProcesses();
}

// Removes capabilities from this process's effective set (as a sandbox that withholds them would).
inline bool DropEffectiveCapabilities(std::initializer_list<int> caps) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  for (int cap : caps) data[cap / 32].effective &= ~(1u << (cap % 32));
  return syscall(SYS_capset, &header, data) == 0;
}

}  // namespace ipcc::testutil
