// Writing output files safely as root in folders others may reach: whole or not at all, never through
// a link another user planted, never into a folder that is not ours.
#pragma once

#include <string>

namespace ipcc {

// Makes `dir` (and missing parents) and checks it may hold our outputs: a real directory (not a
// symbolic link), owned by this process's effective user, writable by nobody else (no write bit for
// others, nor for a group other than the user's own). Throws std::runtime_error saying which check failed.
void PrepareOutFolder(const std::string& dir);

// Writes `content` to a fresh temporary file beside `path` (created exclusively, so no planted link is
// followed) and renames it over `path` (which replaces a link at `path`, never its target). Throws
// std::runtime_error naming the file on any failure; the temporary file is removed then.
void WriteFileAtomically(const std::string& path, const std::string& content);

// Opens `path` for writing without following a symbolic link and refuses anything but a regular file
// of ours with one link (a hard link to another file would make us write that file). `truncate`
// empties it after the checks, never before. Returns the descriptor (O_CLOEXEC, O_APPEND when
// `append`); throws std::runtime_error naming the file.
int OpenOutputFile(const std::string& path, bool truncate, bool append);

}  // namespace ipcc
