#include "tensor/blas_kernel_class.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace seqtrain::tensor {
namespace {
int Rank(const std::string& cls) {
  if (cls == "avx512") return 3;
  if (cls == "avx2") return 2;
  if (cls == "sse4") return 1;
  return 0;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

std::string BlasKernelClass(const std::string& corename) {
  // OpenBLAS 0.3.x's DYNAMIC_ARCH x86-64 core names, by the widest FMA their sgemm kernel uses.
  static const std::array<const char*, 3> kAvx512 = {"skylakex", "cooperlake", "sapphirerapids"};
  static const std::array<const char*, 5> kAvx2 = {"haswell", "zen", "skylake", "excavator",
                                                   "steamroller"};
  static const std::array<const char*, 5> kSse4 = {"nehalem", "sandybridge", "bulldozer",
                                                   "piledriver", "barcelona"};
  const std::string name = Lower(corename);
  for (const char* c : kAvx512)
    if (name == c) return "avx512";
  for (const char* c : kAvx2)
    if (name == c) return "avx2";
  for (const char* c : kSse4)
    if (name == c) return "sse4";
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
