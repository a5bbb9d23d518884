// Row-major GEMM over OpenBLAS for float and double, so the model code is one
// template and the gradient check runs the production path in double.
//   C (m,n) = alpha * op(A) (m,k) * op(B) (k,n) + beta * C
#pragma once

namespace seqtrain::tensor {

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);
void Gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc);

// Sets OpenBLAS's thread count; returns the count in effect afterwards.
int SetBlasThreads(int threads);
// "OpenBLAS 0.3.21 ... Cooperlake ..." — lets the program refuse a reference BLAS.
const char* BlasConfig();
// The kernel set OpenBLAS chose for this CPU (or OPENBLAS_CORETYPE), e.g. "Haswell".
const char* BlasCoreName();

}  // namespace seqtrain::tensor
