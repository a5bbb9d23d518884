// The LSTM gate math on every SIMD target this CPU runs, side by side: one
// training step's worth (forward over T steps, then backward over them) at
// batch B and hidden H, timed per target and per implementation (today's
// kernels and those of commit 478fb4c, bench/legacy/) in interleaved
// repetitions, so all see the same machine noise.
//
// usage: kernels_bench [--batch B] [--hidden H] [--steps T] [--reps R]
// Prints one JSON object per target and implementation: median and min
// microseconds per T-step forward + backward, the forward and backward medians
// apart, nanoseconds per kernel call, and the median over repetitions of its
// time / v1's measured back to back. "new_in_place" writes dgates over gates.
// Times are thread CPU time.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "legacy/lstm_kernels_v1.h"
#include "nn/lstm_kernels.h"
#include "simd/simd_target.h"
#include "util/rng.h"

namespace {

// Thread CPU time: on a shared machine, time spent descheduled is not the kernels'.
double Seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

struct Buffers {
  int T, B, H;
  std::vector<float> gates, cell, tanh_cell, hidden, dgates, dh, dc;
  Buffers(int steps, int batch, int hidden_size) : T(steps), B(batch), H(hidden_size) {
    const size_t step = static_cast<size_t>(B) * H;
    seqtrain::Rng rng(1);
    pre.resize(T * 4 * step);
    for (float& g : pre) g = static_cast<float>(rng.Uniform(-4, 4));
    gates = pre;
    cell.resize(T * step);
    tanh_cell.resize(T * step);
    hidden.resize(T * step);
    dgates.resize(T * 4 * step);
    dh.assign(step, 0.01f);
    dc.assign(step, 0.0f);
  }
  // What LstmLayer does per training step, minus the GEMMs, from the same pre-activations
  // every time; adds the forward's and the backward's seconds to the totals.
  template <class Forward, class Backward>
  void Step(Forward forward, Backward backward, bool in_place, double& forward_total,
            double& backward_total) {
    gates = pre;
    const size_t step = static_cast<size_t>(B) * H;
    const double start = Seconds();
    for (int t = 0; t < T; ++t) {
      forward(gates.data() + t * 4 * step, t > 0 ? cell.data() + (t - 1) * step : nullptr,
              cell.data() + t * step, tanh_cell.data() + t * step, hidden.data() + t * step, B, H);
    }
    const double middle = Seconds();
    forward_total += middle - start;
    std::fill(dc.begin(), dc.end(), 0.0f);
    for (int t = T - 1; t >= 0; --t) {
      backward(gates.data() + t * 4 * step, t > 0 ? cell.data() + (t - 1) * step : nullptr,
               tanh_cell.data() + t * step, dh.data(), dc.data(),
               (in_place ? gates : dgates).data() + t * 4 * step, B, H);
    }
    backward_total += Seconds() - middle;
  }
  std::vector<float> pre;  // the forward overwrites gates: restored from here before each step
};

using ForwardFn = void (*)(float*, const float*, float*, float*, float*, int, int);
using BackwardFn = void (*)(const float*, const float*, const float*, const float*, float*, float*,
                            int, int);
struct Implementation {
  const char* name;
  ForwardFn forward;
  BackwardFn backward;
  bool in_place;  // dgates written over gates, as a layer whose gates die with their step could
};
// v1 first: the ratios are to it.
const Implementation kImplementations[] = {
    {"v1", seqtrain::bench_legacy::LstmGatesForwardV1, seqtrain::bench_legacy::LstmGatesBackwardV1,
     false},
    {"new", seqtrain::nn::LstmGatesForward, seqtrain::nn::LstmGatesBackward, false},
    {"new_in_place", seqtrain::nn::LstmGatesForward, seqtrain::nn::LstmGatesBackward, true}};
constexpr size_t kNumImplementations = sizeof kImplementations / sizeof kImplementations[0];

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

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
  const Implementation& v1 = kImplementations[0];
  // Calls per timing: enough for ~20 ms on the slowest target.
  seqtrain::simd::UseTarget(targets.back());
  double forward = 0, backward = 0;
  buffers.Step(v1.forward, v1.backward, false, forward, backward);
  forward = backward = 0;
  buffers.Step(v1.forward, v1.backward, false, forward, backward);
  const int calls = std::max(1, static_cast<int>(0.02 / std::max(forward + backward, 1e-9)));
  struct Samples {
    std::vector<double> total, forward, backward;  // microseconds per step
  };
  std::vector<std::vector<Samples>> samples(targets.size(),
                                            std::vector<Samples>(kNumImplementations));
  // ratio[target][implementation]: its time / v1's within one repetition.
  std::vector<std::vector<std::vector<double>>> ratio(
      targets.size(), std::vector<std::vector<double>>(kNumImplementations));
  for (int r = 0; r < reps; ++r) {
    for (size_t k = 0; k < targets.size(); ++k) {
      seqtrain::simd::UseTarget(targets[k]);
      // Alternate which implementation goes first, so neither always inherits the other's cache
      // state.
      for (size_t m = 0; m < kNumImplementations; ++m) {
        const size_t which = (m + static_cast<size_t>(r)) % kNumImplementations;
        const Implementation& impl = kImplementations[which];
        double ignored = 0;
        buffers.Step(impl.forward, impl.backward, impl.in_place, ignored,
                     ignored);  // warm: caches, dispatch
        forward = backward = 0;
        for (int c = 0; c < calls; ++c) {
          buffers.Step(impl.forward, impl.backward, impl.in_place, forward, backward);
        }
        Samples& out = samples[k][which];
        out.forward.push_back(1e6 * forward / calls);
        out.backward.push_back(1e6 * backward / calls);
        out.total.push_back(1e6 * (forward + backward) / calls);
      }
      for (size_t m = 0; m < kNumImplementations; ++m) {
        ratio[k][m].push_back(samples[k][m].total.back() / samples[k][0].total.back());
      }
    }
  }
  const double scalar_v1 = Median(samples.back()[0].total);
  for (size_t k = 0; k < targets.size(); ++k) {
    for (size_t m = 0; m < kNumImplementations; ++m) {
      const Samples& s = samples[k][m];
      const double median = Median(s.total);
      std::printf(
          "{\"target\":\"%s\",\"kernels\":\"%s\",\"batch\":%d,\"hidden\":%d,\"steps\":%d,"
          "\"us_per_step_fwd_bwd\":%.1f,\"us_min\":%.1f,\"us_forward\":%.1f,\"us_backward\":%.1f,"
          "\"ns_per_kernel_call\":%.0f,\"speedup_vs_scalar_v1\":%.2f",
          targets[k].name.c_str(), kImplementations[m].name, B, H, T, median,
          *std::min_element(s.total.begin(), s.total.end()), Median(s.forward), Median(s.backward),
          1e3 * median / (2 * T), scalar_v1 / median);
      std::printf(",\"over_v1_median\":%.3f}\n", Median(ratio[k][m]));
    }
  }
  return 0;
}
