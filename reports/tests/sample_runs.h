// Result files the report tests share: a native run and a sandbox ("runsc") run of the same cases,
// with every outcome and verdict the reports treat differently, and a throughput gate record.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ipcc::sample {

// Header record of a run of `target` on a machine with this kernel release.
nlohmann::json Header(const std::string& target, const std::string& release);

// Case record; `verdict` "" leaves the field out (as older files do).
nlohmann::json Case(const std::string& id, const std::string& outcome, const std::string& verdict,
                    const std::string& message = "");

// native: fifo.open.a/b, fifo.io.c, pipe.read.d PASS; pipe.read.e FAIL (a regression whose message
// carries HTML and Markdown metacharacters).
std::string NativeRun(const std::string& release = "6.1.0-18-amd64");
// runsc: fifo.open.a PASS, fifo.open.b FAIL (expected deviation), fifo.io.c UNSUPPORTED,
// pipe.read.d PASS (unexpected pass), pipe.read.e SKIP; one stale expectation; a gate record.
std::string SandboxRun(const std::string& release = "4.4.0");
nlohmann::json GateRecord();

// Writes `text` to a fresh file in the test temp folder and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text);
// A fresh, empty folder in the test temp folder.
std::string TempFolder(const std::string& name);

}  // namespace ipcc::sample
