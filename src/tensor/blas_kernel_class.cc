#include "tensor/blas_kernel_class.h"

#include <utility>

#include "util/ascii_case.h"

namespace seqtrain::tensor {
namespace {
int Rank(const std::string& cls) {
  if (cls == "avx512") return 3;
  if (cls == "avx2") return 2;
  if (cls == "sse4") return 1;
  return 0;
}
}  // namespace

std::string BlasKernelClass(const std::string& corename) {
  // OpenBLAS 0.3.x's DYNAMIC_ARCH x86-64 core names, by the widest FMA their sgemm kernel uses.
  static const std::pair<const char*, const char*> kClassOf[] = {
      {"skylakex", "avx512"},  {"cooperlake", "avx512"}, {"sapphirerapids", "avx512"},
      {"haswell", "avx2"},     {"zen", "avx2"},          {"skylake", "avx2"},
      {"excavator", "avx2"},   {"steamroller", "avx2"},  {"nehalem", "sse4"},
      {"sandybridge", "sse4"}, {"bulldozer", "sse4"},    {"piledriver", "sse4"},
      {"barcelona", "sse4"}};
  const std::string name = Lowercase(corename);
  for (const auto& [core, cls] : kClassOf)
    if (name == core) return cls;
  return "";
}

std::string BlasKernelNote(const std::string& corename, const std::string& simd_target,
                           const char* coretype_env) {
  const std::string blas_class = BlasKernelClass(corename);
  if (Rank(blas_class) == 0 || Rank(simd_target) == 0 || Rank(blas_class) >= Rank(simd_target))
    return "";
  std::string note = "seqtrain: note: OpenBLAS runs its " + corename + " (" + blas_class +
                     ") kernels while this CPU runs seqtrain's " + simd_target + " kernels";
  if (coretype_env != nullptr && *coretype_env != '\0')
    return note + ", because OPENBLAS_CORETYPE=" + coretype_env +
           " is set: unset it for the full GEMM rate";
  return note + ": this OpenBLAS does not know the CPU; OPENBLAS_CORETYPE=" +
         (simd_target == "avx512" ? "SkylakeX" : "Haswell") + " selects the wider kernels";
}

}  // namespace seqtrain::tensor
