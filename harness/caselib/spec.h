// The spec inventory (conformance/spec/<mechanism>.spec and .waivers, docs/spec-inventory.md) as the
// program sees it: the build embeds the files of the mechanisms it builds, and the registry checks each
// case's covers against them; `ipcconform coverage` counts them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ipcc::spec {

struct Entry {
  std::string id;                 // sysv_msg.msgrcv.E2BIG
  std::string mechanism;          // sysv_msg
  std::string interface;          // msgrcv
  std::string kind;               // errno, flag, limit, stmt
  std::string cls;                // posix, xsi, linux, impl
  std::string since;              // a Linux version, or "-"
  std::vector<std::string> refs;  // the first is where the promise is documented
  std::string text;
  std::string file;
  int line = 0;

  // The page the promise is documented on: the first word of the first ref ("msgop(2)").
  std::string Page() const;
};

struct Waiver {
  std::string id;
  bool out_of_scope = false;  // else waived: cannot be exercised here without breaking the machine
  std::string reason;
  std::string file;
  int line = 0;
};

struct Inventory {
  std::vector<Entry> entries;  // in file order
  std::vector<Waiver> waivers;
  std::vector<std::string> problems;  // "file:line: what is wrong"

  const Entry* Find(std::string_view id) const;
  const Waiver* FindWaiver(std::string_view id) const;
};

// Parses one file, named "<mechanism>.spec" or "<mechanism>.waivers", into `into`; malformed lines go
// to into.problems with the file and line. Waivers should be parsed after the entries they name.
void Parse(std::string_view name, std::string_view text, Inventory& into);

// The entry id a case of `mechanism`.`interface` names by `cover`: "EINVAL" is
// <mechanism>.<interface>.EINVAL, "write.EAGAIN" <mechanism>.write.EAGAIN, three parts a full id.
std::string ResolveCover(std::string_view mechanism, std::string_view interface, std::string_view cover);

// Called by the build's generated source during static initialisation, once per embedded file.
bool AddSource(const char* name, const char* text);

// Every embedded file parsed (entries first, then waivers), once.
const Inventory& Built();

}  // namespace ipcc::spec
