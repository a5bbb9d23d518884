// Whether OpenBLAS's kernels are as wide as the SIMD class seqtrain's own kernels run.
// On an AVX-512 CPU, an inherited OPENBLAS_CORETYPE=Haswell (or an OpenBLAS too old to know the
// CPU) halves the GEMM rate on full-width cores (Zen 5: 200 against 105 GFLOP/s), silently.
#pragma once

#include <string>

namespace seqtrain::tensor {

// "avx512", "avx2", "sse4" or "" (unknown) for an OpenBLAS x86-64 core name, e.g. "Cooperlake".
std::string BlasKernelClass(const std::string& corename);

// A one-line note when OpenBLAS runs a narrower class than `simd_target` (seqtrain's chosen
// target, "avx512", "avx2", ...); empty when they agree or either is unknown. `coretype_env` is
// OPENBLAS_CORETYPE's value (nullptr when unset), named in the note as the cause.
std::string BlasKernelNote(const std::string& corename, const std::string& simd_target,
                           const char* coretype_env);

}  // namespace seqtrain::tensor
