// KTAP version 1 (Documentation/dev-tools/ktap.rst), for tools that read kernel test output.
//
// Layout: with one target (column), one subtest per mechanism holding one result per case; with
// several, one subtest per target, each holding one subtest per mechanism. Subtests are indented by
// two spaces per level, as the specification says, and start with their own version line, a
// "# Subtest: <name>" diagnostic (as KUnit prints it) and a plan. Names never contain '#'.
//
// Mapping of outcomes and verdicts:
//   PASS                                   ok N id
//   PASS, unexpected pass                  ok N id, preceded by a "# unexpected pass ..." diagnostic
//   FAIL or CRASH, regression              not ok N id, the message as "# " diagnostics before it
//   TIMEOUT, regression                    not ok N id # TIMEOUT <first line of the message>
//   ERROR                                  not ok N id # ERROR <first line of the message>
//   FAIL/TIMEOUT/CRASH/UNSUPPORTED that    ok N id # XFAIL <reason>   (kselftest prints XFAIL on an
//     the expectations predict              "ok" line: a known deviation does not fail the run)
//   SKIP                                   ok N id # SKIP <first line of the message>
//   UNSUPPORTED                            ok N id # SKIP UNSUPPORTED: <first line of the message>
//   UNSUPPORTED where another outcome      not ok N id # SKIP ... (the spec allows "not ok" with
//     was expected (a regression)            SKIP; the run fails, as it does for `ipcconform run`)
// A parent is "not ok" when any child is, "ok ... # SKIP" when every child was skipped.
// TODO is not used: the specification discourages it in the kernel.
#pragma once

#include <ostream>

#include "reports/model.h"

namespace ipcc {

void WriteKtap(const Matrix& matrix, const ToolInfo& tool, std::ostream& out);

}  // namespace ipcc
