// The bundle: one .tar.gz another person can check a report with. It holds
//   ipcconform-report/MANIFEST           what made the report, every input with its target, column,
//                                        producing commit and whole fingerprint, the expectation
//                                        files (or a note that one is missing), input problems
//   ipcconform-report/SHA256SUMS         checksums of every other file (sha256sum -c SHA256SUMS)
//   ipcconform-report/reports/...        the reports, as written next to the bundle
//   ipcconform-report/inputs/N-...jsonl  the raw result files, byte for byte
//   ipcconform-report/expectations/N-... the expectation files the result headers name, where allowed
// The archive is made by running tar and sha256sum (no shell involved).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "reports/model.h"
#include "reports/results.h"

namespace ipcc {

// `reports` maps file names ("report.html") to their contents. Throws std::runtime_error naming what
// failed; the archive appears at `path` whole or not at all.
// `allowed` decides which expectation files a results header names may be copied (the caller lets
// through only files the user named and the project's own); the others are listed as not bundled.
void WriteBundle(const Matrix& matrix, const std::vector<RunResults>& runs,
                 const std::map<std::string, std::string>& reports, const ToolInfo& tool, const std::string& path,
                 const std::function<bool(const std::string&)>& allowed);

// True when `path` is one of `named` or lies in `dir` (both compared as canonical paths: no symbolic
// link or ".." gets around it) and is a regular file.
bool ExpectationFileAllowed(const std::string& path, const std::vector<std::string>& named, const std::string& dir);

}  // namespace ipcc
