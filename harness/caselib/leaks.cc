#include "harness/caselib/leaks.h"

#include <dirent.h>
#include <mqueue.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace ipcc {
namespace {

// /proc/sysvipc/{msg,sem,shm}: a header line, then one object per line with the id second.
std::set<int> SysvIds(const char* path) {
  std::set<int> ids;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    long key = 0;
    int id = -1;
    if (fields >> key >> id) ids.insert(id);
  }
  return ids;
}

std::set<std::string> DirEntries(const char* path) {
  std::set<std::string> names;
  DIR* dir = opendir(path);
  if (dir == nullptr) return names;
  while (const dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.insert(name);
  }
  closedir(dir);
  return names;
}

template <typename T>
std::vector<T> Added(const std::set<T>& before, const std::set<T>& after) {
  std::vector<T> added;
  for (const auto& x : after) {
    if (before.count(x) == 0) added.push_back(x);
  }
  return added;
}

}  // namespace

IpcSnapshot TakeIpcSnapshot() {
  IpcSnapshot s;
  s.msg = SysvIds("/proc/sysvipc/msg");
  s.sem = SysvIds("/proc/sysvipc/sem");
  s.shm = SysvIds("/proc/sysvipc/shm");
  s.shm_files = DirEntries("/dev/shm");
  s.mq_files = DirEntries("/dev/mqueue");
  return s;
}

std::vector<std::string> NewObjects(const IpcSnapshot& before, const IpcSnapshot& after) {
  std::vector<std::string> found;
  for (int id : Added(before.msg, after.msg)) found.push_back(fmt::format("System V message queue id {}", id));
  for (int id : Added(before.sem, after.sem)) found.push_back(fmt::format("System V semaphore set id {}", id));
  for (int id : Added(before.shm, after.shm)) found.push_back(fmt::format("System V shared memory id {}", id));
  for (const auto& n : Added(before.shm_files, after.shm_files)) found.push_back("/dev/shm/" + n);
  for (const auto& n : Added(before.mq_files, after.mq_files)) found.push_back("/dev/mqueue/" + n);
  return found;
}

std::vector<std::string> RemoveNewObjects(const IpcSnapshot& before, const IpcSnapshot& after) {
  for (int id : Added(before.msg, after.msg)) msgctl(id, IPC_RMID, nullptr);
  for (int id : Added(before.sem, after.sem)) semctl(id, 0, IPC_RMID);
  for (int id : Added(before.shm, after.shm)) shmctl(id, IPC_RMID, nullptr);
  for (const auto& n : Added(before.shm_files, after.shm_files)) shm_unlink(("/" + n).c_str());
  for (const auto& n : Added(before.mq_files, after.mq_files)) mq_unlink(("/" + n).c_str());
  return NewObjects(before, after);
}

}  // namespace ipcc
