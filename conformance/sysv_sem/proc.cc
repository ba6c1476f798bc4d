// proc(5) /proc/sysvipc/sem: the semaphore sets of the IPC namespace, as a table.
#include <unistd.h>

#include <algorithm>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/sysv_sem.h"

namespace {

using namespace ipcc;
using namespace ipcc::sysv_sem;

IPC_CASE(sysv_sem, proc, sysvipc_sem_lists_set,
         .title = "/proc/sysvipc/sem lists a set with its key, id, mode and number of semaphores",
         .covers = {"proc5.sysvipc_sem_lists_sets"},
         .statement = "/proc/sysvipc Subdirectory containing the pseudo-files msg, sem and shm. These files list the "
                      "System V Interprocess Communication (IPC) objects ... that currently exist on the system.",
         .refs = {"proc(5) /proc/sysvipc", "ipc_namespaces(7)"}, .cls = Conformance::linux_specific,
         .needs = kNeedIpcNamespace) {
  const SysvKey k = FreshKey(SysvKind::sem);
  SemSet set = NewSet(k.key, 3, IPC_CREAT | IPC_EXCL | 0640);
  // The file is what the statement is about: missing, it is a deviation.
  const auto table = ReadSysvipc(SysvKind::sem);
  ASSERT_TRUE(table.has_value()) << "/proc/sysvipc/sem, documented in proc(5), cannot be read (" << ErrnoName(errno)
                                 << ")";
  for (const char* name : {"key", "semid", "perms", "nsems", "uid"}) {
    ASSERT_EQ(std::count(table->columns.begin(), table->columns.end(), name), 1)
        << "/proc/sysvipc/sem header lacks the column " << name << ": " << table->header;
  }
  const auto row = table->Find("semid", std::to_string(set.id()));
  ASSERT_TRUE(row.has_value()) << "/proc/sysvipc/sem has no line for set " << set.id();
  ASSERT_TRUE(table->Field(*row, "uid").has_value()) << "short line in /proc/sysvipc/sem";
  const auto field = [&](const char* column) { return table->Field(*row, column).value_or("(none)"); };
  EXPECT_EQ(std::stoll(field("key")), static_cast<long long>(k.key)) << "key column";
  EXPECT_EQ(std::stoul(field("perms"), nullptr, 8) & 0777, 0640u) << "perms column (octal)";
  EXPECT_EQ(field("nsems"), "3") << "nsems column";
  EXPECT_EQ(field("uid"), std::to_string(geteuid())) << "uid column";
}

}  // namespace
