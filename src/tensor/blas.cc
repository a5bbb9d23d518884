#include "tensor/blas.h"

#include <cblas.h>

namespace seqtrain::tensor {
namespace {
CBLAS_TRANSPOSE Op(bool trans) { return trans ? CblasTrans : CblasNoTrans; }
}  // namespace

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
          const float* a, int lda, const float* b, int ldb, float beta,
          float* c, int ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, Op(trans_a), Op(trans_b), m, n, k, alpha, a, lda,
              b, ldb, beta, c, ldc);
}

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha,
          const double* a, int lda, const double* b, int ldb, double beta,
          double* c, int ldc) {
  if (m == 0 || n == 0) return;
  cblas_dgemm(CblasRowMajor, Op(trans_a), Op(trans_b), m, n, k, alpha, a, lda,
              b, ldb, beta, c, ldc);
}

int SetBlasThreads(int threads) {
  openblas_set_num_threads(threads);
  return openblas_get_num_threads();
}

const char* BlasConfig() { return openblas_get_config(); }

}  // namespace seqtrain::tensor
