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
#include "train/trainer_runs.h"

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

using testing::RunOutcome;

RunOutcome Train(const TrainConfig& config, MPI_Comm comm) {
  dist::Communicator c(comm);
  const testing::ToySequences train(384, 8, 4, 4, true, 1), test(128, 8, 4, 4, true, 2);
  return testing::RunQuietly(config, c, train, test);
}

class Models : public ::testing::TestWithParam<Variant> {};

TEST_P(Models, TrainOnNRanksAsOnOneRank) {
  const TrainConfig config = ConfigOf(GetParam());
  const RunOutcome world = Train(config, MPI_COMM_WORLD);
  ASSERT_EQ(world.result.steps, 20);
  if (testing::WorldRank() != 0) return;
  const RunOutcome single = Train(config, MPI_COMM_SELF);
  testing::ExpectSameRun(world, single);
  EXPECT_LT(world.history.back().loss, world.history.front().loss);
  if (GetParam().dropout > 0) {
    // The masks changed the run: without them the parameters differ.
    TrainConfig plain = config;
    plain.mutable_model()->set_dropout(0);
    EXPECT_GT(testing::MaxRelativeDifference(Train(plain, MPI_COMM_SELF).params, single.params),
              1e-3);
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
