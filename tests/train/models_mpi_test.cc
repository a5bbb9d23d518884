// Every model variant trains on N ranks as on 1 rank: GRU, bidirectional layers and dropout
// between layers (whose masks are drawn per global sample), over sequences of lengths 1..8.
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "data/toy_sequence_source.h"
#include "dist/communicator.h"
#include "train/trainer.h"

namespace seqtrain::train {
namespace {

struct Variant {
  const char* name;
  ModelConfig::Cell cell;
  bool bidirectional;
  int layers;
  double dropout;
};

void PrintTo(const Variant& v, std::ostream* out) { *out << v.name; }

TrainConfig ConfigOf(const Variant& v) {
  TrainConfig c;
  c.set_seed(5);
  ModelConfig& m = *c.mutable_model();
  m.set_time_steps(8);
  m.set_input_size(4);
  m.set_hidden_size(12);
  m.set_num_classes(4);
  m.set_cell(v.cell);
  m.set_bidirectional(v.bidirectional);
  m.set_num_layers(v.layers);
  m.set_dropout(v.dropout);
  c.mutable_optimizer()->set_learning_rate(0.01);
  ScheduleConfig& s = *c.mutable_schedule();
  s.set_batch_size(32);
  s.set_max_steps(20);  // past the first epoch of 512: a new epoch draws new masks
  s.set_display_step(1000);
  return c;
}

struct Outcome {
  std::vector<float> params;
  std::vector<StepRecord> history;
  TrainResult result;
};

Outcome Train(const TrainConfig& config, MPI_Comm comm) {
  dist::Communicator c(comm);
  const testing::ToySequences train(384, 8, 4, 4, true, 1), test(128, 8, 4, 4, true, 2);
  Trainer trainer(config, c, train, test);
  MetricsLog quiet(false, "");
  Outcome out;
  out.result = trainer.Run(quiet);
  out.params.assign(trainer.model().params(),
                    trainer.model().params() + trainer.model().num_params());
  out.history = trainer.history();
  return out;
}

double RelativeDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double max_abs = 0, max_diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    max_abs = std::max(max_abs, std::fabs(double{a[i]}));
    max_diff = std::max(max_diff, std::fabs(double{a[i]} - b[i]));
  }
  return max_diff / max_abs;
}

class Models : public ::testing::TestWithParam<Variant> {};

TEST_P(Models, TrainOnNRanksAsOnOneRank) {
  const TrainConfig config = ConfigOf(GetParam());
  const Outcome world = Train(config, MPI_COMM_WORLD);
  ASSERT_EQ(world.result.steps, 20);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) return;
  const Outcome single = Train(config, MPI_COMM_SELF);
  ASSERT_EQ(single.params.size(), world.params.size());
  EXPECT_LT(RelativeDifference(world.params, single.params), 1e-4);
  ASSERT_EQ(single.history.size(), world.history.size());
  for (size_t s = 0; s < single.history.size(); ++s) {
    EXPECT_NEAR(world.history[s].loss, single.history[s].loss, 1e-4) << "step " << s + 1;
  }
  EXPECT_LT(world.history.back().loss, world.history.front().loss);
  if (GetParam().dropout > 0) {
    // The masks changed the run: without them the parameters differ.
    TrainConfig plain = config;
    plain.mutable_model()->set_dropout(0);
    EXPECT_GT(RelativeDifference(Train(plain, MPI_COMM_SELF).params, single.params), 1e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, Models,
    ::testing::Values(Variant{"gru", ModelConfig::GRU, false, 1, 0},
                      Variant{"bilstm", ModelConfig::LSTM, true, 2, 0},
                      Variant{"lstm_dropout", ModelConfig::LSTM, false, 3, 0.5},
                      Variant{"bigru_dropout", ModelConfig::GRU, true, 2, 0.3}),
    [](const ::testing::TestParamInfo<Variant>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace seqtrain::train
