#include <cmath>
#include <cstdio>
#include <cstring>

#include "app/commands.h"
#include "checkpoint/checkpoint_file.h"
#include "checkpoint/model_tensors.h"
#include "dist/agreement.h"

namespace seqtrain::app {
namespace {

// Why two checkpoints' parameters cannot be compared value by value ("" : they can).
std::string StructuralDifference(const DiffRequest& request, const Checkpoint& a,
                                 const Checkpoint& b) {
  if (a.params_size() != b.params_size()) {
    return request.b + " has " + std::to_string(b.params_size()) + " parameter tensors, " +
           request.a + " has " + std::to_string(a.params_size());
  }
  for (int i = 0; i < a.params_size(); ++i) {
    const Tensor& ta = a.params(i);
    const Tensor& tb = b.params(i);
    if (ta.name() != tb.name()) {
      return "parameter tensor " + std::to_string(i) + " is '" + tb.name() + "' in " + request.b +
             ", '" + ta.name() + "' in " + request.a;
    }
    if (checkpoint::ShapeOf(ta) != checkpoint::ShapeOf(tb) ||
        ta.data().size() != tb.data().size()) {
      return "tensor '" + ta.name() + "' has shape " + checkpoint::ShapeOf(tb) + " (" +
             std::to_string(tb.data().size()) + " bytes) in " + request.b + ", " +
             checkpoint::ShapeOf(ta) + " (" + std::to_string(ta.data().size()) + " bytes) in " +
             request.a;
    }
  }
  return "";
}

}  // namespace

// Compares parameters only: two runs that agree on them made the same model.
int RunDiff(const DiffRequest& request, dist::Communicator& comm) {
  int rc = kExitOk;
  try {
    dist::RunAgreed(comm, [&] {
      if (!comm.is_root()) return;
      const Checkpoint a = checkpoint::ReadCheckpoint(request.a);
      const Checkpoint b = checkpoint::ReadCheckpoint(request.b);
      const std::string structural = StructuralDifference(request, a, b);
      if (!structural.empty()) {
        std::printf("%s: DIFFERENT\n", structural.c_str());
        rc = kExitDiffDifferent;
        return;
      }
      double max_abs = 0, max_diff = 0;
      for (int i = 0; i < a.params_size(); ++i) {
        const Tensor& ta = a.params(i);
        const Tensor& tb = b.params(i);
        const size_t n = ta.data().size() / sizeof(float);
        double tensor_diff = 0;
        for (size_t k = 0; k < n; ++k) {
          float x, y;
          std::memcpy(&x, ta.data().data() + k * sizeof(float), sizeof x);
          std::memcpy(&y, tb.data().data() + k * sizeof(float), sizeof y);
          max_abs = std::max(max_abs, std::fabs(double{x}));
          tensor_diff = std::max(tensor_diff, std::fabs(double{x} - y));
        }
        max_diff = std::max(max_diff, tensor_diff);
        std::printf("%-12s max |a-b| %.9g\n", ta.name().c_str(), tensor_diff);
      }
      const double relative = max_abs > 0 ? max_diff / max_abs : max_diff;
      const bool same = request.tolerance == 0 ? max_diff == 0 : relative <= request.tolerance;
      std::printf("steps %lld vs %lld; max |a-b| %.9g, max |a| %.9g, relative %.3g: %s\n",
                  static_cast<long long>(a.global_step()), static_cast<long long>(b.global_step()),
                  max_diff, max_abs, relative,
                  same ? (max_diff == 0 ? "identical" : "within tolerance") : "DIFFERENT");
      rc = same ? kExitOk : kExitDiffDifferent;
    });
  } catch (const AgreedFailure&) {
    throw AgreedFailure(kExitDiffError);  // already printed; an error is not a difference
  }
  return rc;
}

}  // namespace seqtrain::app
