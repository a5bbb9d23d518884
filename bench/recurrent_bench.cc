// The LSTM backward's per-step recurrent product as one training step runs it, OpenBLAS against
// seqtrain's packed-panel kernel (src/nn/lstm_recurrent.h), interleaved in one run:
//   OpenBLAS: W_h^T made once per pass (as LstmLayer did), then T - 1 x Gemm dgates_t W_h^T;
//   own:      W_h^T packed once per pass, then T - 1 x LstmRecurrentBackward.
// Each pass reads a different step's dgates, as the layer does. Times are thread CPU time per
// pass (the transpose or pack included), medians over repetitions; own/blas is the median of
// the per-repetition ratios. Also prints the pack alone and the largest difference between the
// two results relative to the largest value.
//
// usage: recurrent_bench [--batch B] [--hidden H] [--steps T] [--reps R]
// The SIMD target is SEQTRAIN_SIMD's, OpenBLAS's kernels OPENBLAS_CORETYPE's.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "nn/lstm_recurrent.h"
#include "simd/simd_target.h"
#include "tensor/blas.h"
#include "tensor/transpose.h"
#include "util/rng.h"

namespace {

double Seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int B = 64, H = 128, T = 28, reps = 15;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = i + 1 < argc ? std::atoi(argv[i + 1]) : 0;
    int* target = flag == "--batch"    ? &B
                  : flag == "--hidden" ? &H
                  : flag == "--steps"  ? &T
                  : flag == "--reps"   ? &reps
                                       : nullptr;
    if (!target || value <= 0) {
      std::fprintf(stderr, "recurrent_bench: %s: unknown flag or not a positive number\n", argv[i]);
      return 2;
    }
    *target = value;
  }
  using namespace seqtrain;
  simd::SelectTargetFromEnvironment();
  tensor::SetBlasThreads(1);
  if (T < 2 || !nn::RecurrentKernelSupports(H, false)) {
    std::fprintf(stderr, "recurrent_bench: hidden %d or steps %d not supported on %s\n", H, T,
                 simd::ActiveTargetName().c_str());
    return 1;
  }
  const int G = 4 * H;
  const size_t step_h = static_cast<size_t>(B) * H, step_g = step_h * 4;
  Rng rng(1);
  std::vector<float> w_h(static_cast<size_t>(H) * G), dgates(T * step_g);
  for (float& w : w_h) w = static_cast<float>(rng.Uniform(-0.1, 0.1));
  for (float& g : dgates) g = static_cast<float>(rng.Uniform(-1e-3, 1e-3));
  std::vector<float> w_h_t(w_h.size()), dh_blas(step_h), dh_own(step_h);
  nn::RecurrentPanels<float> panels;

  auto blas = [&] {
    const double start = Seconds();
    tensor::Transpose(w_h.data(), H, G, w_h_t.data());
    for (int t = T - 1; t > 0; --t) {
      tensor::Gemm(false, false, B, H, G, 1.0f, dgates.data() + t * step_g, G, w_h_t.data(), H,
                   0.0f, dh_blas.data(), H);
    }
    return Seconds() - start;
  };
  auto own = [&] {
    const double start = Seconds();
    nn::PackRecurrentBackward(w_h.data(), H, &panels);
    for (int t = T - 1; t > 0; --t) {
      nn::LstmRecurrentBackward(panels, dgates.data() + t * step_g, dh_own.data(), B);
    }
    return Seconds() - start;
  };
  auto pack = [&] {
    const double start = Seconds();
    nn::PackRecurrentBackward(w_h.data(), H, &panels);
    return Seconds() - start;
  };

  std::vector<double> t_blas, t_own, t_pack, ratio;
  for (int r = 0; r <= reps; ++r) {
    const double a = blas(), b = own(), p = pack();
    if (r == 0) continue;  // warm-up
    t_blas.push_back(a);
    t_own.push_back(b);
    t_pack.push_back(p);
    ratio.push_back(b / a);
  }
  double diff = 0, scale = 0;
  for (size_t i = 0; i < step_h; ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(dh_blas[i]) - dh_own[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(dh_blas[i])));
  }
  const double flop = 2.0 * B * G * H * (T - 1);
  std::printf(
      "{\"target\":\"%s\",\"blas\":\"%s\",\"batch\":%d,\"hidden\":%d,\"steps\":%d,"
      "\"pass_us\":{\"blas\":%.1f,\"own\":%.1f},\"own_over_blas\":%.3f,"
      "\"gflops\":{\"blas\":%.1f,\"own\":%.1f},\"pack_us\":%.1f,\"max_rel_diff\":%.2e}\n",
      simd::ActiveTargetName().c_str(), tensor::BlasCoreName(), B, H, T, 1e6 * Median(t_blas),
      1e6 * Median(t_own), Median(ratio), flop / Median(t_blas) / 1e9, flop / Median(t_own) / 1e9,
      1e6 * Median(t_pack), scale > 0 ? diff / scale : diff);
  return 0;
}
