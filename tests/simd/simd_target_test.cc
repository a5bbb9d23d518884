// SEQTRAIN_SIMD's names, what a CPU without a target gets, and that the choice
// reaches the dispatched code.
#include "simd/simd_target.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cstdlib>
#include <string>

#include "util/error.h"

namespace seqtrain::simd {
namespace {

// What an AVX2-only node (AMD Zen 3, Intel Broadwell) reports.
constexpr int64_t kAvx2Node = HWY_AVX2 | HWY_SSE4 | HWY_SSSE3 | HWY_SCALAR | HWY_EMU128;
constexpr int64_t kAvx512Node = HWY_AVX3 | kAvx2Node;

std::string ErrorOf(const std::string& requested, int64_t cpu) {
  try {
    ResolveTarget(requested, cpu);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SimdTarget, BuildHasEveryX86ClassAndTheBaselineLast) {
  std::string names;
  for (const Target& t : CompiledTargets()) names += t.name + " ";
#if HWY_ARCH_X86
  EXPECT_EQ(names, "avx512 avx2 sse4 scalar ");
#else
  EXPECT_EQ(CompiledTargets().back().name, "scalar") << names;
#endif
}

#if HWY_ARCH_X86
TEST(SimdTarget, DefaultIsTheBestTheCpuRuns) {
  EXPECT_EQ(ResolveTarget("", kAvx512Node).name, "avx512");
  EXPECT_EQ(ResolveTarget("auto", kAvx512Node).name, "avx512");
  EXPECT_EQ(ResolveTarget("", kAvx2Node).name, "avx2");
  EXPECT_EQ(ResolveTarget("", HWY_SCALAR).name, "scalar");
}

TEST(SimdTarget, EachNameForcesItsTarget) {
  EXPECT_EQ(ResolveTarget("avx512", kAvx512Node).bits, HWY_AVX3);
  EXPECT_EQ(ResolveTarget("avx2", kAvx512Node).bits, HWY_AVX2);
  EXPECT_EQ(ResolveTarget("sse4", kAvx512Node).bits, HWY_SSE4);
  EXPECT_EQ(ResolveTarget("AVX2", kAvx512Node).bits, HWY_AVX2);
  EXPECT_EQ(ResolveTarget("scalar", kAvx2Node).name, "scalar");
  EXPECT_EQ(ResolveTarget("scalar", 0).name, "scalar");  // the baseline runs anywhere
}

TEST(SimdTarget, TargetTheCpuLacksIsOneClearLine) {
  EXPECT_EQ(ErrorOf("avx512", kAvx2Node),
            "SEQTRAIN_SIMD=avx512: this CPU cannot run avx512 (it supports: avx2, sse4, scalar)");
  EXPECT_EQ(ErrorOf("avx2", HWY_SSE4 | HWY_SCALAR),
            "SEQTRAIN_SIMD=avx2: this CPU cannot run avx2 (it supports: sse4, scalar)");
}
#endif

TEST(SimdTarget, UnknownNameIsOneClearLine) {
  const std::string names = [] {
    std::string out;
    for (const Target& t : CompiledTargets()) out += ", " + t.name;
    return out;
  }();
  EXPECT_EQ(ErrorOf("avx9", HWY_SCALAR),
            "SEQTRAIN_SIMD=avx9: unknown SIMD target (use one of: auto" + names + ")");
  EXPECT_EQ(ErrorOf(" avx2", HWY_SCALAR).rfind("SEQTRAIN_SIMD= avx2: unknown SIMD target", 0), 0u);
}

TEST(SimdTarget, EnvironmentChoiceReachesTheKernels) {
  for (const Target& t : SupportedTargets()) {
    ASSERT_EQ(setenv("SEQTRAIN_SIMD", t.name.c_str(), 1), 0);
    EXPECT_EQ(SelectTargetFromEnvironment().name, t.name);
    EXPECT_EQ(ActiveTargetName(), t.name);
    EXPECT_EQ(TargetSummary().rfind(
                  "SIMD kernels: " + t.name + " (SEQTRAIN_SIMD=" + t.name + "; this CPU: ", 0),
              0u)
        << TargetSummary();
  }
  ASSERT_EQ(setenv("SEQTRAIN_SIMD", "Auto", 1), 0);
  EXPECT_EQ(SelectTargetFromEnvironment().name, SupportedTargets().front().name);
  EXPECT_EQ(
      TargetSummary().rfind("SIMD kernels: " + ActiveTargetName() + " (best of this CPU's ", 0),
      0u);
  ASSERT_EQ(unsetenv("SEQTRAIN_SIMD"), 0);
  EXPECT_EQ(SelectTargetFromEnvironment().name, SupportedTargets().front().name);
  EXPECT_EQ(ActiveTargetName(), SupportedTargets().front().name);
  EXPECT_EQ(
      TargetSummary().rfind("SIMD kernels: " + ActiveTargetName() + " (best of this CPU's ", 0),
      0u);
  ASSERT_EQ(setenv("SEQTRAIN_SIMD", "neon9", 1), 0);
  EXPECT_THROW(SelectTargetFromEnvironment(), Error);
  EXPECT_EQ(ActiveTargetName(),
            SupportedTargets().front().name);  // a refused value changes nothing
}

}  // namespace
}  // namespace seqtrain::simd
