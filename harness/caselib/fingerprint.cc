#include "harness/caselib/fingerprint.h"

#include <gnu/libc-version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ipcc {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) text.pop_back();
  return text;
}

namespace {

std::string OsRelease() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "unknown";
}

}  // namespace

nlohmann::json Fingerprint() {
  nlohmann::json fp;
  utsname u{};
  uname(&u);
  fp["kernel"] = {{"sysname", u.sysname}, {"release", u.release}, {"version", u.version}, {"machine", u.machine}};
  fp["libc"] = std::string("glibc ") + gnu_get_libc_version();
  fp["distribution"] = OsRelease();
  fp["uid"] = geteuid();
  fp["gid"] = getegid();
  fp["cpus"] = std::thread::hardware_concurrency();
  nlohmann::json limits = nlohmann::json::object();
  for (const char* name : {"msgmax", "msgmnb", "msgmni", "sem", "shmmax", "shmall", "shmmni"}) {
    std::string v = ReadSmallFile(std::string("/proc/sys/kernel/") + name);
    if (!v.empty()) limits[name] = v;
  }
  for (const char* name : {"pipe-max-size", "pipe-user-pages-soft", "pipe-user-pages-hard"}) {
    std::string v = ReadSmallFile(std::string("/proc/sys/fs/") + name);
    if (!v.empty()) limits[name] = v;
  }
  for (const char* name : {"queues_max", "msg_max", "msgsize_max"}) {
    std::string v = ReadSmallFile(std::string("/proc/sys/fs/mqueue/") + name);
    if (!v.empty()) limits[std::string("mqueue.") + name] = v;
  }
  fp["limits"] = limits;
  nlohmann::json ns = nlohmann::json::array();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/ns", ec)) {
    ns.push_back(entry.path().filename().string());
  }
  std::sort(ns.begin(), ns.end());
  fp["namespaces"] = ns;
  return fp;
}

}  // namespace ipcc
