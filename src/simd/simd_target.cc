#include "simd/simd_target.h"

// Compiled once per Highway target, so the dispatched code can say which one it is.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/simd_target.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace seqtrain::simd {
namespace HWY_NAMESPACE {

int64_t DispatchedTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace seqtrain::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include <cstdlib>

#include "util/ascii_case.h"
#include "util/error.h"

namespace seqtrain::simd {
HWY_EXPORT(DispatchedTarget);

namespace {

std::string NameOf(int64_t bits) {
  switch (bits) {
    case HWY_AVX3:
      return "avx512";
    case HWY_AVX2:
      return "avx2";
    case HWY_SSE4:
      return "sse4";
    case HWY_SCALAR:
    case HWY_EMU128:
      return "scalar";
    default:
      break;
  }
  return Lowercase(hwy::TargetName(bits));
}

std::string Join(const std::vector<Target>& targets) {
  std::string out;
  for (const Target& t : targets) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

// The CPU's own mask, read before any UseTarget replaces what Highway reports.
int64_t CpuTargets() {
  static const int64_t cpu = hwy::SupportedTargets();
  return cpu;
}

std::vector<Target> Runnable(int64_t cpu_targets) {
  std::vector<Target> out;
  const std::vector<Target> compiled = CompiledTargets();
  for (size_t i = 0; i < compiled.size(); ++i) {
    if ((compiled[i].bits & cpu_targets) != 0 || i + 1 == compiled.size())
      out.push_back(compiled[i]);
  }
  return out;
}

std::string forced_by_environment;  // SEQTRAIN_SIMD's value when it chose the target

}  // namespace

std::vector<Target> CompiledTargets() {
  std::vector<Target> out;
  // Lower bits are better targets; the baseline (scalar) has the highest bit.
  for (int64_t rest = HWY_TARGETS; rest != 0; rest &= rest - 1) {
    const int64_t bit = rest & -rest;
    out.push_back({NameOf(bit), bit});
  }
  return out;
}

std::vector<Target> SupportedTargets() { return Runnable(CpuTargets()); }

Target ResolveTarget(const std::string& requested, int64_t cpu_targets) {
  const std::vector<Target> runnable = Runnable(cpu_targets);
  const std::string want = Lowercase(requested);
  if (want.empty() || want == "auto") return runnable.front();
  for (const Target& t : runnable) {
    if (t.name == want) return t;
  }
  const std::string what = "SEQTRAIN_SIMD=" + requested + ": ";
  for (const Target& t : CompiledTargets()) {
    if (t.name == want) {
      throw Error(what + "this CPU cannot run " + t.name + " (it supports: " + Join(runnable) +
                  ")");
    }
  }
  for (const char* x86 : {"avx512", "avx2", "sse4"}) {
    if (want == x86)
      throw Error(what + "not built for this architecture (available: " + Join(runnable) + ")");
  }
  throw Error(what + "unknown SIMD target (use one of: auto, " + Join(CompiledTargets()) + ")");
}

void UseTarget(const Target& target) {
  CpuTargets();  // before the mock below hides the CPU's mask
  // The dispatch tables pick the best target Highway reports, so report just this one.
  // (DisableTargets cannot select the baseline when the build's static target is better.)
  hwy::SetSupportedTargetsForTest(target.bits);
}

Target SelectTargetFromEnvironment() {
  const char* env = std::getenv("SEQTRAIN_SIMD");
  const std::string requested = env ? env : "";
  const Target target = ResolveTarget(requested, CpuTargets());
  UseTarget(target);
  const std::string want = Lowercase(requested);
  forced_by_environment = want.empty() || want == "auto" ? "" : requested;
  return target;
}

std::string ActiveTargetName() { return NameOf(HWY_DYNAMIC_DISPATCH(DispatchedTarget)()); }

std::string TargetSummary() {
  const std::string how = forced_by_environment.empty()
                              ? "best of this CPU's "
                              : "SEQTRAIN_SIMD=" + forced_by_environment + "; this CPU: ";
  return "SIMD kernels: " + ActiveTargetName() + " (" + how + Join(SupportedTargets()) + ")";
}

}  // namespace seqtrain::simd

#endif  // HWY_ONCE
