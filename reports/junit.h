// JUnit XML derived from result records: one test suite per target and mechanism.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "reports/results.h"

namespace ipcc {

void WriteJUnit(const std::vector<RunResults>& runs, std::ostream& out);
// Writes to a temporary file and renames it into place. Throws on I/O failure.
void WriteJUnitFile(const std::vector<RunResults>& runs, const std::string& path);

std::string XmlEscape(const std::string& text);

}  // namespace ipcc
