// Which SIMD instruction set the Highway kernels run on (src/nn/lstm_kernels.cc,
// src/simd/array_kernels.cc, src/optim/adam.cc). By default the best one this
// CPU has; SEQTRAIN_SIMD=avx512|avx2|sse4|scalar forces one, e.g. to measure
// an AVX2-only node's speed on an AVX-512 machine. The choice is process-wide.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seqtrain::simd {

struct Target {
  std::string name;  // as SEQTRAIN_SIMD spells it: "avx512", "avx2", "sse4", "scalar", ...
  int64_t bits = 0;  // the Highway target bit (HWY_AVX3, ...)
};

// The targets built into this binary, best first; the last is the portable baseline.
std::vector<Target> CompiledTargets();
// Those of them this CPU can run (the baseline always), best first.
std::vector<Target> SupportedTargets();

// The target SEQTRAIN_SIMD=requested means on a CPU whose Highway target mask
// is cpu_targets; "" is the best one. Throws seqtrain::Error (one line, naming
// the variable and value) for an unknown name or one the CPU cannot run.
Target ResolveTarget(const std::string& requested, int64_t cpu_targets);

// Reads SEQTRAIN_SIMD ("" or "auto": the best) and makes every kernel dispatch to that target from
// now on. Throws seqtrain::Error as ResolveTarget. Returns the target in effect.
Target SelectTargetFromEnvironment();
// Makes the kernels run on target, which must be in SupportedTargets() (tests, benchmarks).
void UseTarget(const Target& target);

// The target the kernels dispatch to now, as reported by the dispatched code itself.
std::string ActiveTargetName();
// One line for the start of a run: the target in effect, why, and what the CPU has.
std::string TargetSummary();

}  // namespace seqtrain::simd
