// What IPC objects exist on the system: System V queues, semaphore sets and segments, /dev/shm and
// /dev/mqueue entries. Used to remove what a case left behind where it had no IPC namespace of its
// own, and by the runner's end-of-run leak check.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace ipcc {

struct IpcSnapshot {
  std::set<int> msg, sem, shm;      // System V ids
  std::set<std::string> shm_files;  // /dev/shm entries
  std::set<std::string> mq_files;   // /dev/mqueue entries
};

IpcSnapshot TakeIpcSnapshot();

// Objects present in `after` but not in `before`, described ("sysv shm id 5", "/dev/shm/x").
std::vector<std::string> NewObjects(const IpcSnapshot& before, const IpcSnapshot& after);

// Removes the objects of `after` that are not in `before`; returns their descriptions.
std::vector<std::string> RemoveNewObjects(const IpcSnapshot& before, const IpcSnapshot& after);

}  // namespace ipcc
