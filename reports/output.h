// Writing report files: whole or not at all.
#pragma once

#include <string>

namespace ipcc {

// Writes `content` to path + ".tmp" and renames it over `path`. Throws std::runtime_error naming the
// file on any failure.
void WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace ipcc
