// The HTML report: one self-contained page (inline style and script, no network fetches) with the
// input problems, the compatibility summary, the case matrix (mechanism > interface > case against
// every target, collapsible, with a filter for regressions and deviations), the deviation lists,
// the throughput gate's figures as an SVG chart, and the environment of every run.
//
// For tests and links: case rows are <details class="case" data-flags="..."> with the tags of
// RowFlags(); the filter hides the others (the `hidden` attribute) and "#filter=<name>" in the
// address applies it on load (names: all, regressions, deviations, expected, unexpected, differs).
#pragma once

#include <ostream>
#include <string>

#include "reports/model.h"

namespace ipcc {

void WriteHtml(const Matrix& matrix, const ToolInfo& tool, std::ostream& out);

namespace html {
// The matrix section (html_matrix.cc).
std::string Matrix(const ipcc::Matrix& m);
}  // namespace html

}  // namespace ipcc
