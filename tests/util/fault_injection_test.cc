// The step's fault hooks (StepFaults): inert without a plan, and each planned
// fault fires on its steps and rank only.
#include "util/fault_injection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <new>

#include "util/error.h"

namespace seqtrain {
namespace {

TEST(StepFaults, WithoutAPlanEveryHookLeavesTheStepAlone) {
  const StepFaults none(FaultPlan(), 0);
  float grads[2] = {1, 2}, params[2] = {3, 4};
  for (int64_t step = 1; step <= 100; ++step) {
    none.BeforeStep(step);
    none.AfterGradient(step, grads);
    none.AfterUpdate(step, params);
    EXPECT_EQ(none.SaveHook(step), nullptr);
  }
  EXPECT_EQ(grads[0], 1);
  EXPECT_EQ(params[0], 3);
}

TEST(StepFaults, PlannedFaultsFireOnTheirStepsAndRankOnly) {
  const FaultPlan plan = FaultPlan::Parse("nan@3-4:1,desync@5:1,oom@7:1,crash_in_checkpoint@9:1");
  const StepFaults rank0(plan, 0), rank1(plan, 1);
  for (int64_t step = 1; step <= 10; ++step) {
    float grads[1] = {1}, params[1] = {0};
    rank0.BeforeStep(step);
    rank0.AfterGradient(step, grads);
    rank0.AfterUpdate(step, params);
    EXPECT_EQ(grads[0], 1) << step;
    EXPECT_EQ(params[0], 0) << step;
    EXPECT_EQ(rank0.SaveHook(step), nullptr);

    if (step == 7) {
      EXPECT_THROW(rank1.BeforeStep(step), std::bad_alloc);
    } else {
      rank1.BeforeStep(step);
    }
    rank1.AfterGradient(step, grads);
    rank1.AfterUpdate(step, params);
    EXPECT_EQ(std::isnan(grads[0]), step == 3 || step == 4) << step;
    EXPECT_EQ(params[0], step == 5 ? 1.0f : 0.0f) << step;
    EXPECT_EQ(rank1.SaveHook(step) != nullptr, step == 9) << step;
  }
}

TEST(FaultPlan, AMalformedSpecNamesThePart) {
  try {
    FaultPlan::Parse("nan@x");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "SEQTRAIN_FAULT: 'nan@x': 'x' is not a step or rank");
  }
}

}  // namespace
}  // namespace seqtrain
