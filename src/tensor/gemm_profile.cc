#include "tensor/gemm_profile.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace seqtrain::tensor {

bool GemmProfileEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("SEQTRAIN_GEMM_PROFILE");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return enabled;
}

GemmProfile& GlobalGemmProfile() {
  static GemmProfile profile;
  return profile;
}

namespace {
bool SameShape(const GemmShapeStats& a, const GemmShapeStats& b) {
  return a.trans_a == b.trans_a && a.trans_b == b.trans_b && a.m == b.m && a.n == b.n && a.k == b.k;
}

void Accumulate(GemmProfile& p, const GemmShapeStats& add) {
  for (int i = 0; i < p.count; ++i) {
    GemmShapeStats& s = p.shapes[i];
    if (SameShape(s, add)) {
      s.calls += add.calls;
      s.wall_seconds += add.wall_seconds;
      s.cpu_seconds += add.cpu_seconds;
      return;
    }
  }
  if (p.count < GemmProfile::kMaxShapes) p.shapes[p.count++] = add;
}
}  // namespace

void RecordGemm(bool trans_a, bool trans_b, int m, int n, int k, double wall_seconds,
                double cpu_seconds) {
  Accumulate(GlobalGemmProfile(), {trans_a, trans_b, m, n, k, 1, wall_seconds, cpu_seconds});
}

void GemmProfile::Add(const GemmProfile& other) {
  for (int i = 0; i < other.count; ++i) Accumulate(*this, other.shapes[i]);
}

GemmProfile GemmProfile::Since(const GemmProfile& before) const {
  GemmProfile delta = *this;
  for (int i = 0; i < delta.count; ++i) {
    GemmShapeStats& s = delta.shapes[i];
    for (int j = 0; j < before.count; ++j) {
      const GemmShapeStats& b = before.shapes[j];
      if (SameShape(s, b)) {
        s.calls -= b.calls;
        s.wall_seconds -= b.wall_seconds;
        s.cpu_seconds -= b.cpu_seconds;
      }
    }
  }
  return delta;
}

std::string GemmProfile::ToJson() const {
  std::string out = "[";
  for (int i = 0; i < count; ++i) {
    const GemmShapeStats& s = shapes[i];
    if (s.calls == 0) continue;
    const double flops = 2.0 * s.m * s.n * s.k * static_cast<double>(s.calls);
    char line[256];
    std::snprintf(line, sizeof line,
                  "%s{\"shape\":\"%c%c %dx%dx%d\",\"calls\":%lld,\"wall_s\":%.6g,\"cpu_s\":%.6g,"
                  "\"gflops\":%.4g,\"gflops_cpu\":%.4g}",
                  out.size() > 1 ? "," : "", s.trans_a ? 'T' : 'N', s.trans_b ? 'T' : 'N', s.m, s.n,
                  s.k, static_cast<long long>(s.calls), s.wall_seconds, s.cpu_seconds,
                  s.wall_seconds > 0 ? flops / s.wall_seconds / 1e9 : 0.0,
                  s.cpu_seconds > 0 ? flops / s.cpu_seconds / 1e9 : 0.0);
    out += line;
  }
  return out + "]";
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace seqtrain::tensor
