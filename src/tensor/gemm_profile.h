// Opt-in timing of every GEMM by shape, to compare the rate a GEMM reaches
// inside a training step with bench/gemm_roofline's rate at the same shape.
// On only when SEQTRAIN_GEMM_PROFILE is set (and not "0"); off, a GEMM pays one
// predictable branch. Wall and thread-CPU time are both kept: on a loaded
// machine the CPU time shows the rate the GEMM ran at while it had a core.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace seqtrain::tensor {

struct GemmShapeStats {
  bool trans_a = false, trans_b = false;
  int m = 0, n = 0, k = 0;
  int64_t calls = 0;
  double wall_seconds = 0, cpu_seconds = 0;
};

struct GemmProfile {
  static constexpr int kMaxShapes = 48;  // a run has ~10 shapes per model; extras are dropped
  GemmShapeStats shapes[kMaxShapes];
  int count = 0;

  // Shapes of *this with the stats accumulated since `before` (a copy taken earlier).
  GemmProfile Since(const GemmProfile& before) const;
  // Adds other's stats shape by shape.
  void Add(const GemmProfile& other);
  // [{"shape":"NT 64x128x512","calls":..,"wall_s":..,"cpu_s":..,"gflops":..,"gflops_cpu":..},...]
  std::string ToJson() const;
};

bool GemmProfileEnabled();
// Process-wide totals (one model per process).
GemmProfile& GlobalGemmProfile();
// Called by Gemm when profiling is on.
void RecordGemm(bool trans_a, bool trans_b, int m, int n, int k, double wall_seconds,
                double cpu_seconds);

// Thread CPU time, seconds.
double ThreadCpuSeconds();

// Runs kernel(), recorded as a no-transpose GEMM of shape m x n x k when profiling is on: a kernel
// of our own standing in for an OpenBLAS call reports under that call's shape, so the profile and
// bench/report.py compare it with the same microbenchmark rate.
template <typename Kernel>
void TimeAsGemm(int m, int n, int k, Kernel&& kernel) {
  if (!GemmProfileEnabled()) return kernel();
  const auto wall0 = std::chrono::steady_clock::now();
  const double cpu0 = ThreadCpuSeconds();
  kernel();
  const double cpu = ThreadCpuSeconds() - cpu0;
  RecordGemm(false, false, m, n, k,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(), cpu);
}

}  // namespace seqtrain::tensor
