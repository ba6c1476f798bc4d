// Everything a case file needs.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/caselib/case.h"
#include "harness/caselib/child.h"
#include "harness/caselib/environment.h"
#include "harness/caselib/fd.h"
#include "harness/caselib/matchers.h"
#include "harness/caselib/names.h"
#include "harness/caselib/privilege.h"
#include "harness/caselib/probe.h"
#include "harness/caselib/state.h"
#include "harness/caselib/sysctl.h"
// Owners of the IPC objects cases use as tools (the object a case is about it makes itself).
#include "harness/caselib/ipc/pipe.h"
#include "harness/caselib/ipc/shared_page.h"
#include "harness/caselib/ipc/sysv.h"
