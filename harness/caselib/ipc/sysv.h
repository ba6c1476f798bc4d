// System V IPC as set-up: fresh keys, and the /proc/sysvipc tables (proc(5)).
#pragma once

#include <sys/ipc.h>

#include <optional>
#include <string>
#include <vector>

namespace ipcc {

// The kinds of System V object, as /proc/sysvipc names its files.
enum class SysvKind { msg, sem, shm };
const char* SysvKindName(SysvKind kind);  // "msg", "sem", "shm"

// A key made with ftok(3) from a fresh file in the case's temporary folder, with no object of `kind`
// behind it yet in this IPC namespace.
struct SysvKey {
  key_t key = IPC_PRIVATE;
  std::string path;  // the file ftok was given
  int proj = 0;      // the project id it was given
};
// Which keys are taken is read from /proc/sysvipc/<kind> where it exists, so that finding a key does not
// lean on the get call a case is about; without it, the get call with no flags is asked. Harness error
// when no key is free.
SysvKey FreshKey(SysvKind kind);

// One /proc/sysvipc/<kind> file: the column names of its header line and each further line's fields.
struct SysvipcTable {
  std::string header;                          // the header line as read
  std::vector<std::string> columns;            // its words: "key", "msqid", "perms", ...
  std::vector<std::vector<std::string>> rows;  // the words of each later line
  // The value in `column` of row `row`; nullopt when the table has no such column.
  std::optional<std::string> Field(std::size_t row, const std::string& column) const;
  // The first row whose `column` is `value`, as an index.
  std::optional<std::size_t> Find(const std::string& column, const std::string& value) const;
  // The "key" column of every row, as numbers.
  std::vector<long> Keys() const;
};
// nullopt when the file cannot be read (proc(5) documents it since Linux 2.6).
std::optional<SysvipcTable> ReadSysvipc(SysvKind kind);

}  // namespace ipcc
