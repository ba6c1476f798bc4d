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
