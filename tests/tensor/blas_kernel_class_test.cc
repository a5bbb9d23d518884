#include "tensor/blas_kernel_class.h"

#include <gtest/gtest.h>

namespace seqtrain::tensor {
namespace {

TEST(BlasKernelClass, KnowsOpenBlasCoreNames) {
  EXPECT_EQ(BlasKernelClass("Cooperlake"), "avx512");
  EXPECT_EQ(BlasKernelClass("SKYLAKEX"), "avx512");
  EXPECT_EQ(BlasKernelClass("Haswell"), "avx2");
  EXPECT_EQ(BlasKernelClass("Zen"), "avx2");
  EXPECT_EQ(BlasKernelClass("Nehalem"), "sse4");
  EXPECT_EQ(BlasKernelClass("neoversen1"), "");
}

TEST(BlasKernelNote, NamesTheInheritedCoreTypeOnAWiderCpu) {
  const std::string note = BlasKernelNote("Haswell", "avx512", "Haswell");
  EXPECT_NE(note.find("OPENBLAS_CORETYPE=Haswell is set"), std::string::npos) << note;
  EXPECT_NE(note.find("avx512"), std::string::npos) << note;
}

TEST(BlasKernelNote, SuggestsTheWiderCoreTypeWhenOpenBlasChoseNarrower) {
  const std::string note = BlasKernelNote("Zen", "avx512", nullptr);
  EXPECT_NE(note.find("OPENBLAS_CORETYPE=SkylakeX"), std::string::npos) << note;
  EXPECT_NE(BlasKernelNote("Nehalem", "avx2", "").find("OPENBLAS_CORETYPE=Haswell"),
            std::string::npos);
}

TEST(BlasKernelNote, SilentWhenOpenBlasIsAsWideOrWiderOrUnknown) {
  EXPECT_EQ(BlasKernelNote("Cooperlake", "avx512", nullptr), "");
  EXPECT_EQ(BlasKernelNote("Haswell", "avx2", "Haswell"), "");  // bench/run.sh --isa avx2
  EXPECT_EQ(BlasKernelNote("SkylakeX", "avx2", nullptr), "");
  EXPECT_EQ(BlasKernelNote("Haswell", "scalar", nullptr), "");
  EXPECT_EQ(BlasKernelNote("armv8", "avx512", nullptr), "");
}

}  // namespace
}  // namespace seqtrain::tensor
