// Runs a test body once on every SIMD target this CPU supports, the scalar
// baseline included, then goes back to the best one.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "simd/simd_target.h"

namespace seqtrain::testing {

template <typename Body>
void ForEachSimdTarget(Body&& body) {
  const auto targets = simd::SupportedTargets();
  ASSERT_EQ(targets.back().name, "scalar");
  for (const simd::Target& target : targets) {
    SCOPED_TRACE("SIMD target " + target.name);
    simd::UseTarget(target);
    ASSERT_EQ(simd::ActiveTargetName(), target.name);
    body(target);
  }
  simd::UseTarget(targets.front());
}

}  // namespace seqtrain::testing
