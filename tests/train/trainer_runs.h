// Runs of the trainer as the trainer tests compare them: final parameters, step records, the
// checkpoint it would save; and the real MNIST sets they train on.
#pragma once

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_file.h"
#include "config/data_path.h"
#include "data/idx_source.h"
#include "dist/communicator.h"
#include "train/trainer.h"

namespace seqtrain::testing {

struct RunOutcome {
  std::vector<float> params;
  std::vector<train::StepRecord> history;
  Checkpoint checkpoint;
  train::TrainResult result;
};

// config.schedule.max_steps steps without console output; from resume_from when given,
// through the checkpoint file format as a real resume goes.
inline RunOutcome RunQuietly(const TrainConfig& config, dist::Communicator& comm,
                             const data::DataSource& train, const data::DataSource& test,
                             const Checkpoint* resume_from = nullptr) {
  train::Trainer trainer(config, comm, train, test);
  if (resume_from) {
    trainer.Restore(checkpoint::Decode(checkpoint::Encode(*resume_from), "mem"), "mem");
  }
  train::MetricsLog quiet(false, "");
  RunOutcome out;
  out.result = trainer.Run(quiet);
  out.params.assign(trainer.model().params(),
                    trainer.model().params() + trainer.model().num_params());
  out.history = trainer.history();
  out.checkpoint = trainer.MakeCheckpoint();
  return out;
}

// max |a - b| / max |a|: how far two runs' parameters drifted apart, relative to their scale.
inline double MaxRelativeDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double max_abs = 0, max_diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    max_abs = std::max(max_abs, std::fabs(double{a[i]}));
    max_diff = std::max(max_diff, std::fabs(double{a[i]} - b[i]));
  }
  return max_diff / max_abs;
}

// N ranks made the updates 1 rank makes on the same global batches, to float rounding: the
// parameters and every step's loss.
inline void ExpectSameRun(const RunOutcome& world, const RunOutcome& single) {
  ASSERT_EQ(single.params.size(), world.params.size());
  EXPECT_LT(MaxRelativeDifference(single.params, world.params), 1e-4);
  ASSERT_EQ(single.history.size(), world.history.size());
  for (size_t s = 0; s < single.history.size(); ++s) {
    EXPECT_NEAR(world.history[s].loss, single.history[s].loss, 1e-4) << "step " << s + 1;
  }
}

inline int WorldRank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

// $SEQTRAIN_MNIST_DIR (CMake's SEQTRAIN_TEST_DATA_DIR); the test binary cannot run without it.
inline std::string MnistDirOrAbort() {
  const char* dir = std::getenv("SEQTRAIN_MNIST_DIR");
  if (!dir || !*dir) {
    ADD_FAILURE() << "SEQTRAIN_MNIST_DIR is not set (configure with -DSEQTRAIN_TEST_DATA_DIR=...)";
    std::abort();
  }
  return dir;
}

// Short runs on real images: the first train_count training images, and the first test_count
// of them again as the evaluation set (evaluation is not what these tests check).
struct MnistPrefix {
  std::unique_ptr<data::DataSource> train, test;
  TrainConfig config;  // data.dir set, the rest default
};

inline MnistPrefix LoadMnistPrefix(int64_t train_count, int64_t test_count) {
  MnistPrefix out;
  out.config.mutable_data()->set_dir(MnistDirOrAbort());
  const DataConfig& c = out.config.data();
  const data::LabeledImages full = data::LoadLabeledImages(config::PathOf(c, c.train_images()),
                                                           config::PathOf(c, c.train_labels()), 10);
  out.train = std::make_unique<data::IdxDataSource>(full.Prefix(train_count), 28, 28, 10);
  out.test = std::make_unique<data::IdxDataSource>(full.Prefix(test_count), 28, 28, 10);
  return out;
}

}  // namespace seqtrain::testing
