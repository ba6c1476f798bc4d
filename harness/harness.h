// Everything a case file needs.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/case.h"
#include "harness/child.h"
#include "harness/environment.h"
#include "harness/fd.h"
#include "harness/matchers.h"
#include "harness/names.h"
#include "harness/privilege.h"
#include "harness/probe.h"
#include "harness/state.h"
#include "harness/sysctl.h"
