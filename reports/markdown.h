// Markdown for a pull-request comment: the summary per target, the compatibility table, the
// deviations (regressions, expected deviations with their reasons, unexpected passes, stale
// expectations), the gate's verdict, and the problems with the input. Long lists are cut so the
// comment stays within what code hosts accept.
#pragma once

#include <ostream>

#include "reports/model.h"

namespace ipcc {

void WriteMarkdown(const Matrix& matrix, const ToolInfo& tool, std::ostream& out);

}  // namespace ipcc
