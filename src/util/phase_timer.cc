#include "util/phase_timer.h"

namespace seqtrain {

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kData:
      return "data";
    case Phase::kForwardGemm:
      return "forward_gemm";
    case Phase::kBackwardGemm:
      return "backward_gemm";
    case Phase::kGateMath:
      return "gate_math";
    case Phase::kLoss:
      return "loss";
    case Phase::kAllreduce:
      return "allreduce";
    case Phase::kOptimizer:
      return "optimizer";
    case Phase::kCount:
      break;
  }
  return "?";
}

PhaseTotals& GlobalPhaseTotals() {
  static PhaseTotals totals;
  return totals;
}

}  // namespace seqtrain
