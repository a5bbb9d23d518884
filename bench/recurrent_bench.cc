// The recurrent layers' per-step products as one training step runs them, OpenBLAS against
// seqtrain's packed-panel kernels (src/nn/lstm_recurrent.h), interleaved in one run. One JSON line
// each:
//   backward, OpenBLAS: W_h^T made once per pass (as LstmLayer does), then T - 1 x Gemm
//             dgates_t W_h^T; own: W_h^T packed once per pass, then T - 1 x RecurrentStepBackward;
//   forward,  OpenBLAS: per step the bias copied onto the gates, then Gemm [x_t | h_{t-1}] W (the
//             first step K = I); own: [W_x; W_h] packed once per pass, then T x
//             RecurrentStepForward.
//   gru_forward, gru_backward: the GRU's b_h + h_{t-1} W_h and dh_{t-1} += dhproj_t W_h^T (3H
//             columns or K = 3H), likewise.
// Each step reads and writes its own block, as the layer does. Times are thread CPU time per
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
#include "tensor/rows.h"
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

struct Timings {
  std::vector<double> blas, own, pack, ratio;
};

template <typename Work>
double SecondsOf(Work&& work) {
  const double start = Seconds();
  work();
  return Seconds() - start;
}

// Times one pass of blas(), own() and pack() in turn, `reps` times after a warm-up, and prints
// one JSON line.
template <typename Blas, typename Own, typename Pack>
void Measure(const char* pass, int B, int H, int T, int reps, double flop, Blas&& blas, Own&& own,
             Pack&& pack, const std::vector<float>& out_blas, const std::vector<float>& out_own) {
  Timings t;
  for (int r = 0; r <= reps; ++r) {
    const double a = SecondsOf(blas), b = SecondsOf(own), p = SecondsOf(pack);
    if (r == 0) continue;  // warm-up
    t.blas.push_back(a);
    t.own.push_back(b);
    t.pack.push_back(p);
    t.ratio.push_back(b / a);
  }
  double diff = 0, scale = 0;
  for (size_t i = 0; i < out_blas.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(out_blas[i]) - out_own[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(out_blas[i])));
  }
  using namespace seqtrain;
  std::printf(
      "{\"pass\":\"%s\",\"target\":\"%s\",\"blas\":\"%s\",\"batch\":%d,\"hidden\":%d,"
      "\"steps\":%d,\"pass_us\":{\"blas\":%.1f,\"own\":%.1f},\"own_over_blas\":%.3f,"
      "\"gflops\":{\"blas\":%.1f,\"own\":%.1f},\"pack_us\":%.1f,\"max_rel_diff\":%.2e}\n",
      pass, simd::ActiveTargetName().c_str(), tensor::BlasCoreName(), B, H, T, 1e6 * Median(t.blas),
      1e6 * Median(t.own), Median(t.ratio), flop / Median(t.blas) / 1e9, flop / Median(t.own) / 1e9,
      1e6 * Median(t.pack), scale > 0 ? diff / scale : diff);
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
  nn::WeightPanels<float> panels;

  auto blas = [&] {
    tensor::Transpose(w_h.data(), H, G, w_h_t.data());
    for (int t = T - 1; t > 0; --t) {
      tensor::Gemm(false, false, B, H, G, 1.0f, dgates.data() + t * step_g, G, w_h_t.data(), H,
                   0.0f, dh_blas.data(), H);
    }
  };
  auto pack = [&] { nn::PackRecurrentBackward(w_h.data(), H, 4, &panels); };
  auto own = [&] {
    pack();
    for (int t = T - 1; t > 0; --t) {
      nn::RecurrentStepBackward(panels, dgates.data() + t * step_g, dh_own.data(), B, false);
    }
  };
  Measure("backward", B, H, T, reps, 2.0 * B * G * H * (T - 1), blas, own, pack, dh_blas, dh_own);

  // The forward: inputs [x_t | h_{t-1}] of I = 28 columns plus H, as at the reference shape.
  const int I = 28, IH = I + H;
  std::vector<float> w(static_cast<size_t>(IH) * G), bias(G), inputs(T * B * IH);
  std::vector<float> gates_blas(T * step_g), gates_own(T * step_g);
  for (float& v : w) v = static_cast<float>(rng.Uniform(-0.1, 0.1));
  for (float& v : bias) v = static_cast<float>(rng.Uniform(-0.1, 0.1));
  for (float& v : inputs) v = static_cast<float>(rng.Uniform(-1, 1));
  auto blas_forward = [&] {
    for (int t = 0; t < T; ++t) {
      float* gates = gates_blas.data() + t * step_g;
      tensor::BroadcastRow(bias.data(), static_cast<size_t>(G), static_cast<size_t>(B), gates);
      tensor::Gemm(false, false, B, G, t > 0 ? IH : I, 1.0f,
                   inputs.data() + static_cast<size_t>(t) * B * IH, IH, w.data(), G, 1.0f, gates,
                   G);
    }
  };
  auto pack_forward = [&] { nn::PackStepForward(w.data(), IH, G, &panels); };
  auto own_forward = [&] {
    pack_forward();
    for (int t = 0; t < T; ++t) {
      nn::RecurrentStepForward(panels, inputs.data() + static_cast<size_t>(t) * B * IH, IH,
                               t > 0 ? IH : I, bias.data(), gates_own.data() + t * step_g, B);
    }
  };
  const double forward_flop = 2.0 * B * G * (static_cast<double>(I) + (T - 1.0) * IH);
  Measure("forward", B, H, T, reps, forward_flop, blas_forward, own_forward, pack_forward,
          gates_blas, gates_own);

  // The GRU's recurrent product h_{t-1} W_h onto b_h (3H columns, K = H), steps 2..T.
  const int G3 = 3 * H;
  const size_t step_g3 = static_cast<size_t>(B) * G3;
  std::vector<float> w_h3(static_cast<size_t>(H) * G3), bias3(G3), h_prev(T * step_h);
  std::vector<float> hproj_blas(T * step_g3), hproj_own(T * step_g3);
  for (float& v : w_h3) v = static_cast<float>(rng.Uniform(-0.1, 0.1));
  for (float& v : bias3) v = static_cast<float>(rng.Uniform(-0.1, 0.1));
  for (float& v : h_prev) v = static_cast<float>(rng.Uniform(-1, 1));
  auto blas_gru = [&] {
    for (int t = 1; t < T; ++t) {
      float* out = hproj_blas.data() + t * step_g3;
      tensor::BroadcastRow(bias3.data(), static_cast<size_t>(G3), static_cast<size_t>(B), out);
      tensor::Gemm(false, false, B, G3, H, 1.0f, h_prev.data() + t * step_h, H, w_h3.data(), G3,
                   1.0f, out, G3);
    }
  };
  auto pack_gru = [&] { nn::PackStepForward(w_h3.data(), H, G3, &panels); };
  auto own_gru = [&] {
    pack_gru();
    for (int t = 1; t < T; ++t) {
      nn::RecurrentStepForward(panels, h_prev.data() + t * step_h, H, H, bias3.data(),
                               hproj_own.data() + t * step_g3, B);
    }
  };
  Measure("gru_forward", B, H, T, reps, 2.0 * B * G3 * H * (T - 1), blas_gru, own_gru, pack_gru,
          hproj_blas, hproj_own);

  // The GRU's backward dh_{t-1} += dhproj_t W_h^T, steps T..2, each onto the part the gate math
  // left in dh (the same start for both).
  std::vector<float> w_h3_t(w_h3.size()), dhproj(T * step_g3), dh_start(step_h);
  std::vector<float> dh3_blas(step_h), dh3_own(step_h);
  for (float& v : dhproj) v = static_cast<float>(rng.Uniform(-1e-3, 1e-3));
  for (float& v : dh_start) v = static_cast<float>(rng.Uniform(-1e-3, 1e-3));
  auto blas_gru_backward = [&] {
    tensor::Transpose(w_h3.data(), H, G3, w_h3_t.data());
    for (int t = T - 1; t > 0; --t) {
      std::copy(dh_start.begin(), dh_start.end(), dh3_blas.begin());
      tensor::Gemm(false, false, B, H, G3, 1.0f, dhproj.data() + t * step_g3, G3, w_h3_t.data(), H,
                   1.0f, dh3_blas.data(), H);
    }
  };
  auto pack_gru_backward = [&] { nn::PackRecurrentBackward(w_h3.data(), H, 3, &panels); };
  auto own_gru_backward = [&] {
    pack_gru_backward();
    for (int t = T - 1; t > 0; --t) {
      std::copy(dh_start.begin(), dh_start.end(), dh3_own.begin());
      nn::RecurrentStepBackward(panels, dhproj.data() + t * step_g3, dh3_own.data(), B, true);
    }
  };
  Measure("gru_backward", B, H, T, reps, 2.0 * B * G3 * H * (T - 1), blas_gru_backward,
          own_gru_backward, pack_gru_backward, dh3_blas, dh3_own);
  return 0;
}
