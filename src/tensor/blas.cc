#include "tensor/blas.h"

#include <cblas.h>

#include <chrono>

#include "tensor/gemm_profile.h"

namespace seqtrain::tensor {
namespace {
CBLAS_TRANSPOSE Op(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

void Call(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, Op(trans_a), Op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c,
              ldc);
}

void Call(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, Op(trans_a), Op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c,
              ldc);
}

template <typename T>
void TimedCall(bool trans_a, bool trans_b, int m, int n, int k, T alpha, const T* a, int lda,
               const T* b, int ldb, T beta, T* c, int ldc) {
  if (m == 0 || n == 0) return;
  if (!GemmProfileEnabled()) {
    Call(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const auto wall0 = std::chrono::steady_clock::now();
  const double cpu0 = ThreadCpuSeconds();
  Call(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  const double cpu = ThreadCpuSeconds() - cpu0;
  RecordGemm(trans_a, trans_b, m, n, k,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(), cpu);
}
}  // namespace

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  TimedCall(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  TimedCall(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int SetBlasThreads(int threads) {
  openblas_set_num_threads(threads);
  return openblas_get_num_threads();
}

const char* BlasConfig() { return openblas_get_config(); }

const char* BlasCoreName() { return openblas_get_corename(); }

}  // namespace seqtrain::tensor
