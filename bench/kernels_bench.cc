// The LSTM gate math on every SIMD target this CPU runs, side by side: one
// training step's worth (forward over T steps, then backward over them) at
// batch B and hidden H, timed per target in interleaved repetitions (the
// machine is shared, so targets see the same noise).
//
// usage: kernels_bench [--batch B] [--hidden H] [--steps T] [--reps R]
// Prints one JSON object per target: median and min microseconds per T-step
// forward + backward, and nanoseconds per kernel call (forward or backward).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "nn/lstm_kernels.h"
#include "simd/simd_target.h"
#include "util/rng.h"

namespace {

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Buffers {
  int T, B, H;
  std::vector<float> gates, cell, tanh_cell, hidden, dgates, dh, dc;
  Buffers(int steps, int batch, int hidden_size) : T(steps), B(batch), H(hidden_size) {
    const size_t step = static_cast<size_t>(B) * H;
    seqtrain::Rng rng(1);
    gates.resize(T * 4 * step);
    for (float& g : gates) g = static_cast<float>(rng.Uniform(-4, 4));
    cell.resize(T * step);
    tanh_cell.resize(T * step);
    hidden.resize(T * step);
    dgates.resize(T * 4 * step);
    dh.assign(step, 0.01f);
    dc.assign(step, 0.0f);
  }
  // What LstmLayer does per training step, minus the GEMMs.
  void Step() {
    const size_t step = static_cast<size_t>(B) * H;
    for (int t = 0; t < T; ++t) {
      seqtrain::nn::LstmGatesForward(gates.data() + t * 4 * step,
                                     t > 0 ? cell.data() + (t - 1) * step : nullptr, cell.data() + t * step,
                                     tanh_cell.data() + t * step, hidden.data() + t * step, B, H);
    }
    std::fill(dc.begin(), dc.end(), 0.0f);
    for (int t = T - 1; t >= 0; --t) {
      seqtrain::nn::LstmGatesBackward(
          gates.data() + t * 4 * step, t > 0 ? cell.data() + (t - 1) * step : nullptr,
          tanh_cell.data() + t * step, dh.data(), dc.data(), dgates.data() + t * 4 * step, B, H);
    }
  }
};

int IntFlag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int B = IntFlag(argc, argv, "--batch", 64), H = IntFlag(argc, argv, "--hidden", 128);
  const int T = IntFlag(argc, argv, "--steps", 28), reps = IntFlag(argc, argv, "--reps", 15);
  if (B <= 0 || H <= 0 || T <= 0 || reps <= 0) {
    std::fprintf(stderr, "kernels_bench: --batch, --hidden, --steps and --reps must be positive\n");
    return 2;
  }
  const std::vector<seqtrain::simd::Target> targets = seqtrain::simd::SupportedTargets();
  Buffers buffers(T, B, H);
  // Calls per timing: enough for ~20 ms on the slowest target.
  seqtrain::simd::UseTarget(targets.back());
  buffers.Step();
  const double start = Seconds();
  buffers.Step();
  const int calls = std::max(1, static_cast<int>(0.02 / std::max(Seconds() - start, 1e-9)));
  std::vector<std::vector<double>> micros(targets.size());
  for (int r = 0; r < reps; ++r) {
    for (size_t k = 0; k < targets.size(); ++k) {
      seqtrain::simd::UseTarget(targets[k]);
      buffers.Step();  // warm: caches and the dispatch
      const double t0 = Seconds();
      for (int c = 0; c < calls; ++c) buffers.Step();
      micros[k].push_back(1e6 * (Seconds() - t0) / calls);
    }
  }
  for (size_t k = 0; k < targets.size(); ++k) {
    std::vector<double>& m = micros[k];
    std::sort(m.begin(), m.end());
    const double median = m[m.size() / 2];
    std::printf(
        "{\"target\":\"%s\",\"batch\":%d,\"hidden\":%d,\"steps\":%d,\"us_per_step_fwd_bwd\":%.1f,"
        "\"us_min\":%.1f,\"ns_per_kernel_call\":%.0f,\"speedup_vs_scalar\":%.2f}\n",
        targets[k].name.c_str(), B, H, T, median, m.front(), 1e3 * median / (2 * T),
        micros.back()[micros.back().size() / 2] / median);
  }
  return 0;
}
