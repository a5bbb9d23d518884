// The sgemm roofline of the LSTM workload on this machine: times OpenBLAS
// sgemm (one thread) at exactly the GEMM shapes one training step runs, and
// turns the rates into the samples/s a rank would reach if the step were
// nothing but those GEMMs.
//
// usage: gemm_roofline [--hidden H] [--inputs I] [--steps T] [--rows-per-rank B]...
// Prints one JSON object per rows-per-rank value.
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Shape {
  const char* name;
  bool trans_a, trans_b;
  int m, n, k;
  int calls_per_step;  // per training step of B samples
};

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// GFLOP/s of one shape: best of 5 timings of enough calls to last >= 50 ms.
double Rate(const Shape& s) {
  std::vector<float> a(static_cast<size_t>(s.m) * s.k, 0.5f), b(static_cast<size_t>(s.k) * s.n, 0.25f),
      c(static_cast<size_t>(s.m) * s.n, 0.0f);
  const int lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n;
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans, s.trans_b ? CblasTrans : CblasNoTrans, s.m, s.n,
                s.k, 1.0f, a.data(), lda, b.data(), ldb, 1.0f, c.data(), s.n);
  };
  int reps = 1;
  for (;;) {
    const double t0 = Seconds();
    for (int r = 0; r < reps; ++r) call();
    if (Seconds() - t0 >= 0.05) break;
    reps *= 2;
  }
  double best = 1e30;
  for (int trial = 0; trial < 5; ++trial) {
    const double t0 = Seconds();
    for (int r = 0; r < reps; ++r) call();
    best = std::min(best, (Seconds() - t0) / reps);
  }
  return 2.0 * s.m * s.n * s.k / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  int hidden = 128, inputs = 28, steps = 28, classes = 10;
  std::vector<int> rows_per_rank;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--hidden") hidden = value;
    else if (flag == "--inputs") inputs = value;
    else if (flag == "--steps") steps = value;
    else if (flag == "--rows-per-rank") rows_per_rank.push_back(value);
    else {
      std::fprintf(stderr, "gemm_roofline: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (rows_per_rank.empty()) rows_per_rank = {128, 64};
  openblas_set_num_threads(1);
  const int G = 4 * hidden;
  const Shape big = {"sgemm_1024", false, false, 1024, 1024, 1024, 0};
  const double peak = Rate(big);
  for (int B : rows_per_rank) {
    const Shape shapes[] = {
        {"fwd_input_projection", false, false, steps * B, G, inputs, 1},
        {"fwd_recurrent", false, false, B, G, hidden, steps - 1},
        {"fwd_output", false, false, B, classes, hidden, 1},
        {"bwd_dh_recurrent", false, true, B, hidden, G, steps - 1},
        {"bwd_dW_x", true, false, inputs, G, steps * B, 1},
        {"bwd_dW_h", true, false, hidden, G, (steps - 1) * B, 1},
        {"bwd_output_dW", true, false, hidden, classes, B, 1},
        {"bwd_output_dh", false, true, B, hidden, classes, 1},
    };
    double seconds_per_step = 0, flops_per_step = 0;
    std::string per_shape;
    for (const Shape& s : shapes) {
      const double rate = Rate(s);
      const double flops = 2.0 * s.m * s.n * s.k * s.calls_per_step;
      flops_per_step += flops;
      seconds_per_step += flops / (rate * 1e9);
      per_shape += std::string(per_shape.empty() ? "" : ",") + "\"" + s.name + "\":" + std::to_string(rate);
    }
    std::printf(
        "{\"rows_per_rank\":%d,\"hidden\":%d,\"mflop_per_sample\":%.4f,\"gemm_gflops_weighted\":%.2f,"
        "\"roofline_samples_per_sec_per_core\":%.1f,\"sgemm_1024_gflops\":%.2f,\"gflops_by_shape\":{%s}}\n",
        B, hidden, flops_per_step / B / 1e6, flops_per_step / seconds_per_step / 1e9, B / seconds_per_step, peak,
        per_shape.c_str());
  }
  return 0;
}
