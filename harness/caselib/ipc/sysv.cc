#include "harness/caselib/ipc/sysv.h"

#include <fcntl.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "harness/caselib/names.h"
#include "harness/caselib/state.h"

namespace ipcc {
namespace {

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Asks the get call itself (no flags, so nothing is created) whether `key` has an object.
bool TakenByGet(SysvKind kind, key_t key) {
  int r = -1;
  switch (kind) {
    case SysvKind::msg:
      r = msgget(key, 0);
      break;
    case SysvKind::sem:
      r = semget(key, 0, 0);
      break;
    case SysvKind::shm:
      r = shmget(key, 0, 0);
      break;
  }
  return !(r < 0 && errno == ENOENT);
}

}  // namespace

const char* SysvKindName(SysvKind kind) {
  switch (kind) {
    case SysvKind::msg:
      return "msg";
    case SysvKind::sem:
      return "sem";
    case SysvKind::shm:
      return "shm";
  }
  return "?";
}

std::optional<std::string> SysvipcTable::Field(std::size_t row, const std::string& column) const {
  const auto at = std::find(columns.begin(), columns.end(), column);
  if (at == columns.end() || row >= rows.size()) return std::nullopt;
  const auto index = static_cast<std::size_t>(at - columns.begin());
  if (index >= rows[row].size()) return std::nullopt;
  return rows[row][index];
}

std::optional<std::size_t> SysvipcTable::Find(const std::string& column, const std::string& value) const {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (Field(i, column) == value) return i;
  }
  return std::nullopt;
}

std::vector<long> SysvipcTable::Keys() const {
  std::vector<long> keys;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (auto k = Field(i, "key")) keys.push_back(std::stol(*k));
  }
  return keys;
}

std::optional<SysvipcTable> ReadSysvipc(SysvKind kind) {
  std::ifstream in(std::string("/proc/sysvipc/") + SysvKindName(kind));
  SysvipcTable table;
  if (!in || !std::getline(in, table.header)) return std::nullopt;
  table.columns = Words(table.header);
  for (std::string line; std::getline(in, line);) {
    auto words = Words(line);
    if (!words.empty()) table.rows.push_back(std::move(words));
  }
  return table;
}

SysvKey FreshKey(SysvKind kind) {
  SysvKey k;
  k.path = TempPath(std::string(SysvKindName(kind)) + "key");
  const int fd = open(k.path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) ThrowHarnessError(fmt::format("set-up: cannot create {}: {}", k.path, ErrnoName(errno)));
  close(fd);
  const auto table = ReadSysvipc(kind);
  const std::vector<long> taken = table ? table->Keys() : std::vector<long>{};
  for (int proj = 'S'; proj < 'S' + 200; ++proj) {
    const key_t key = ftok(k.path.c_str(), proj & 0xff);
    if (key == static_cast<key_t>(-1)) ThrowHarnessError(fmt::format("set-up: ftok({}): {}", k.path, ErrnoName(errno)));
    if (key == IPC_PRIVATE) continue;
    const bool taken_now =
        table ? std::find(taken.begin(), taken.end(), static_cast<long>(key)) != taken.end() : TakenByGet(kind, key);
    if (!taken_now) {
      k.key = key;
      k.proj = proj & 0xff;
      return k;
    }
  }
  ThrowHarnessError("set-up: no free System V key found for " + k.path);
}

}  // namespace ipcc
