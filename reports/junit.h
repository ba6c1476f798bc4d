// JUnit XML derived from result records: one test suite per target (column) and mechanism. Each test
// carries its case id, citation, outcome, verdict and expectation as properties. An expected
// deviation is <skipped> with the expectation's reason; a regression is a <failure> or <error>.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "reports/model.h"
#include "reports/results.h"

namespace ipcc {

void WriteJUnit(const Matrix& matrix, std::ostream& out);
void WriteJUnit(const std::vector<RunResults>& runs, std::ostream& out);
// Writes to a temporary file and renames it into place. Throws on I/O failure.
void WriteJUnitFile(const std::vector<RunResults>& runs, const std::string& path);

std::string XmlEscape(const std::string& text);

}  // namespace ipcc
