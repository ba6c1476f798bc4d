// The JSON summary: counts per target (column), mechanism and verdict, every non-pass with its
// message, the unexpected passes, the gate's figures, stale expectations, and the input problems.
#pragma once

#include <nlohmann/json.hpp>

#include "reports/model.h"

namespace ipcc {

inline constexpr int kSummaryFormat = 1;

nlohmann::json Summary(const Matrix& matrix, const ToolInfo& tool);

}  // namespace ipcc
