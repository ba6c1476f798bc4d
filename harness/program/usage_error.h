// A problem with what the user asked for (options, files, a target that cannot be used here): the
// program says it in one line and ends with exit status 2.
#pragma once

#include <stdexcept>

namespace ipcc {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ipcc
