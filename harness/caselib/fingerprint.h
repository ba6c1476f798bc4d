// The environment a run happened in: what every result header records so that a report says exactly
// which kernel, C library and limits produced it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ipcc {

// kernel release and version, machine, C library, distribution, System V and POSIX IPC limits,
// pipe limits, namespaces available, uid/gid, CPU count.
nlohmann::json Fingerprint();

// The whole text of a small file with trailing white space removed, or "" when it cannot be read.
std::string ReadSmallFile(const std::string& path);

}  // namespace ipcc
