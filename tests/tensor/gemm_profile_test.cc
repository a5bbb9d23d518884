#include "tensor/gemm_profile.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tensor/blas.h"

namespace seqtrain::tensor {
namespace {

// Before main, so the first GemmProfileEnabled() call sees it.
const bool kProfileOn = (setenv("SEQTRAIN_GEMM_PROFILE", "1", 1), true);

const GemmShapeStats* Find(const GemmProfile& p, bool ta, bool tb, int m, int n, int k) {
  for (int i = 0; i < p.count; ++i) {
    const GemmShapeStats& s = p.shapes[i];
    if (s.trans_a == ta && s.trans_b == tb && s.m == m && s.n == n && s.k == k) return &s;
  }
  return nullptr;
}

TEST(GemmProfile, GemmCallsAreCountedByShapeAndStillComputeTheProduct) {
  ASSERT_TRUE(kProfileOn && GemmProfileEnabled());
  const GemmProfile before = GlobalGemmProfile();
  // C (2,3) = A (2,4) B^T with B (3,4).
  const std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8}, b = {1, 0, 0, 1, 0, 1, 0, 0, 2, 2, 2, 2};
  std::vector<float> c(6, 0.0f);
  for (int rep = 0; rep < 3; ++rep)
    Gemm(false, true, 2, 3, 4, 1.0f, a.data(), 4, b.data(), 4, 0.0f, c.data(), 3);
  const std::vector<float> want = {5, 2, 20, 13, 6, 52};
  EXPECT_EQ(c, want);
  std::vector<double> ad(16, 1.0), cd(16, 0.0);
  Gemm(true, false, 4, 4, 4, 1.0, ad.data(), 4, ad.data(), 4, 0.0, cd.data(), 4);
  EXPECT_EQ(cd[5], 4.0);

  const GemmProfile delta = GlobalGemmProfile().Since(before);
  const GemmShapeStats* nt = Find(delta, false, true, 2, 3, 4);
  const GemmShapeStats* tn = Find(delta, true, false, 4, 4, 4);
  ASSERT_NE(nt, nullptr);
  ASSERT_NE(tn, nullptr);
  EXPECT_EQ(nt->calls, 3);
  EXPECT_EQ(tn->calls, 1);
  EXPECT_GT(nt->wall_seconds, 0.0);
  EXPECT_GE(nt->cpu_seconds, 0.0);
}

TEST(GemmProfile, SinceAddAndJsonAgreeOnCallsAndRates) {
  GemmProfile start;
  start.shapes[0] = {false, false, 10, 20, 30, 4, 1.0, 0.5};
  start.count = 1;
  GemmProfile now = start;
  now.shapes[0].calls = 10;
  now.shapes[0].wall_seconds = 2.0;
  now.shapes[0].cpu_seconds = 1.0;
  now.shapes[1] = {true, false, 1, 2, 3, 7, 0.25, 0.25};
  now.count = 2;

  const GemmProfile delta = now.Since(start);
  EXPECT_EQ(delta.shapes[0].calls, 6);
  EXPECT_DOUBLE_EQ(delta.shapes[0].wall_seconds, 1.0);
  EXPECT_EQ(delta.shapes[1].calls, 7);

  GemmProfile sum;
  sum.Add(delta);
  sum.Add(delta);
  EXPECT_EQ(sum.count, 2);
  EXPECT_EQ(sum.shapes[0].calls, 12);
  EXPECT_DOUBLE_EQ(sum.shapes[1].cpu_seconds, 0.5);

  // 12 calls of 2*10*20*30 flops = 144,000 in 2 s wall, 1 s CPU.
  const std::string json = sum.ToJson();
  EXPECT_NE(json.find("{\"shape\":\"NN 10x20x30\",\"calls\":12,\"wall_s\":2,\"cpu_s\":1,"
                      "\"gflops\":7.2e-05,\"gflops_cpu\":0.000144}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"shape\":\"TN 1x2x3\",\"calls\":14"), std::string::npos) << json;
  EXPECT_EQ(json.front(), '[');
  EXPECT_EQ(json.back(), ']');
}

TEST(GemmProfile, ShapesBeyondTheTableAreDroppedNotOverrun) {
  GemmProfile p;
  for (int i = 0; i < GemmProfile::kMaxShapes + 5; ++i) {
    GemmProfile one;
    one.shapes[0] = {false, false, i + 1, 1, 1, 1, 0.1, 0.1};
    one.count = 1;
    p.Add(one);
  }
  EXPECT_EQ(p.count, GemmProfile::kMaxShapes);
  EXPECT_EQ(p.shapes[GemmProfile::kMaxShapes - 1].m, GemmProfile::kMaxShapes);
}

}  // namespace
}  // namespace seqtrain::tensor
