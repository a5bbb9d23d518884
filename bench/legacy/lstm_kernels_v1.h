// The float gate kernels of commit 478fb4c, for side-by-side timing in kernels_bench only.
#pragma once

namespace seqtrain::bench_legacy {

void LstmGatesForwardV1(float* gates, const float* c_prev, float* c, float* tanh_c, float* h, int batch,
                        int hidden);
void LstmGatesBackwardV1(const float* gates, const float* c_prev, const float* tanh_c, const float* dh,
                         float* dc, float* dgates, int batch, int hidden);

}  // namespace seqtrain::bench_legacy
