// The message of the seqtrain::Error a call throws, for tests that compare whole messages.
#pragma once

#include <string>

#include "util/error.h"

namespace seqtrain::testing {

// "" if f returns without throwing.
template <typename F>
std::string ErrorOf(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace seqtrain::testing
