// The sgemm roofline of the LSTM workload on this machine: times OpenBLAS
// sgemm (one thread) at exactly the GEMM shapes one training step runs, and
// turns the rates into the samples/s a rank would reach if the step were
// nothing but those GEMMs.
//
// usage: gemm_roofline [--hidden H] [--layers L] [--inputs I] [--steps T] [--rows-per-rank B]...
// Prints one JSON object per rows-per-rank value. Each shape carries the key ("NN 64x512x128":
// transposes, m x n x k) under which seqtrain's in-step GEMM profile (SEQTRAIN_GEMM_PROFILE)
// reports the same GEMM, and the OpenBLAS kernel family (corename) that ran.
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

struct Shape {
  std::string name;
  bool trans_a, trans_b;
  int m, n, k;
  int calls_per_step;  // per training step of B samples
};

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// This thread's CPU time: on a shared machine it leaves out the time other processes had the core.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// GFLOP/s of one shape: best of 5 timings (thread CPU time) of enough calls to last >= 50 ms.
double Rate(const Shape& s) {
  std::vector<float> a(static_cast<size_t>(s.m) * s.k, 0.5f),
      b(static_cast<size_t>(s.k) * s.n, 0.25f), c(static_cast<size_t>(s.m) * s.n, 0.0f);
  const int lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n;
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans,
                s.trans_b ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, 1.0f, a.data(), lda, b.data(),
                ldb, 1.0f, c.data(), s.n);
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
    const double t0 = CpuSeconds();
    for (int r = 0; r < reps; ++r) call();
    best = std::min(best, (CpuSeconds() - t0) / reps);
  }
  return 2.0 * s.m * s.n * s.k / best / 1e9;
}

std::string Key(const Shape& s) {
  return std::string(s.trans_a ? "T" : "N") + (s.trans_b ? "T" : "N") + " " + std::to_string(s.m) +
         "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
}

// The GEMMs of one step of B rows per rank, as src/nn/lstm_layer.cc and
// linear_head.cc call them.
std::vector<Shape> StepShapes(int B, int hidden, int layers, int inputs, int steps, int classes) {
  const int G = 4 * hidden;
  std::vector<Shape> shapes;
  for (int l = 0; l < layers; ++l) {
    const int in = l == 0 ? inputs : hidden;
    const std::string p = layers > 1 ? "l" + std::to_string(l) + "/" : "";
    // Per step [x_t | h_{t-1}] [W_x; W_h]; the first step has only x_1 (h_0 = 0).
    shapes.push_back({p + "fwd_first_step", false, false, B, G, in, 1});
    shapes.push_back({p + "fwd_step", false, false, B, G, in + hidden, steps - 1});
    shapes.push_back(
        {p + "bwd_dh_recurrent", false, false, B, hidden, G, steps - 1});  // W_h^T kept
    // [dW_x; dW_h] as one GEMM over steps 2..T, dW_x of the first step on its own.
    shapes.push_back({p + "bwd_dW", true, false, in + hidden, G, (steps - 1) * B, 1});
    shapes.push_back({p + "bwd_dW_x_first_step", true, false, in, G, B, 1});
    if (l > 0) shapes.push_back({p + "bwd_dx", false, true, steps * B, in, G, 1});
  }
  shapes.push_back({"fwd_output", false, false, B, classes, hidden, 1});
  shapes.push_back({"bwd_output_dW", true, false, hidden, classes, B, 1});
  shapes.push_back({"bwd_output_dh", false, true, B, hidden, classes, 1});
  return shapes;
}

}  // namespace

int main(int argc, char** argv) {
  int hidden = 128, layers = 1, inputs = 28, steps = 28, classes = 10;
  std::vector<int> rows_per_rank;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = i + 1 < argc ? std::atoi(argv[i + 1]) : 0;
    int* target = flag == "--hidden"   ? &hidden
                  : flag == "--layers" ? &layers
                  : flag == "--inputs" ? &inputs
                  : flag == "--steps"  ? &steps
                                       : nullptr;
    if (flag == "--rows-per-rank" && value > 0) {
      rows_per_rank.push_back(value);
    } else if (target != nullptr && value > 0) {
      *target = value;
    } else {
      std::fprintf(stderr, "gemm_roofline: error: %s %s: unknown flag or not a positive number\n",
                   flag.c_str(), i + 1 < argc ? argv[i + 1] : "(missing)");
      return 2;
    }
  }
  if (rows_per_rank.empty()) rows_per_rank = {128, 64};
  openblas_set_num_threads(1);
  const Shape big = {"sgemm_1024", false, false, 1024, 1024, 1024, 0};
  const double peak = Rate(big);
  for (int B : rows_per_rank) {
    double seconds_per_step = 0, flops_per_step = 0;
    std::string per_shape, by_key;
    for (const Shape& s : StepShapes(B, hidden, layers, inputs, steps, classes)) {
      const double rate = Rate(s);
      const double flops = 2.0 * s.m * s.n * s.k * s.calls_per_step;
      flops_per_step += flops;
      seconds_per_step += flops / (rate * 1e9);
      const char* sep = per_shape.empty() ? "" : ",";
      per_shape += std::string(sep) + "\"" + s.name + "\":" + std::to_string(rate);
      by_key += std::string(sep) + "{\"name\":\"" + s.name + "\",\"shape\":\"" + Key(s) +
                "\",\"calls_per_step\":" + std::to_string(s.calls_per_step) +
                ",\"gflops\":" + std::to_string(rate) + "}";
    }
    std::printf(
        "{\"rows_per_rank\":%d,\"hidden\":%d,\"layers\":%d,\"corename\":\"%s\",\"mflop_per_"
        "sample\":%.4f,"
        "\"gemm_gflops_weighted\":%.2f,\"roofline_samples_per_sec_per_core\":%.1f,\"sgemm_1024_"
        "gflops\":%.2f,"
        "\"gflops_by_shape\":{%s},\"shapes\":[%s]}\n",
        B, hidden, layers, openblas_get_corename(), flops_per_step / B / 1e6,
        flops_per_step / seconds_per_step / 1e9, B / seconds_per_step, peak, per_shape.c_str(),
        by_key.c_str());
  }
  return 0;
}
