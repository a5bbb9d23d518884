#include "train/step_control.h"

#include <cmath>

namespace seqtrain::train {

StepControl::Slots StepControl::Pack() const {
  return {sample_count, loss_sum,        correct_count, save_requests,
          stop_signals, nonfinite_ranks, target_count};
}

StepControl StepControl::Unpack(const Slots& s) {
  StepControl c;
  c.sample_count = s[0];
  c.loss_sum = s[1];
  c.correct_count = s[2];
  c.save_requests = s[3];
  c.stop_signals = s[4];
  c.nonfinite_ranks = s[5];
  c.target_count = s[6];
  return c;
}

double StepControl::rmse() const { return std::sqrt(mean_loss()); }

StepControl StepControl::SumOverRanks(dist::Communicator& comm) const {
  Slots slots = Pack();
  comm.AllreduceSum(slots.data(), slots.size(), "MPI_Allreduce (step control)");
  return Unpack(slots);
}

}  // namespace seqtrain::train
