// Everything a training run needs to know. Plain structs with the reference
// workload's defaults; the protobuf TrainConfig fills them field by field.
#pragma once

#include <cstdint>
#include <string>

#include "nn/lstm_classifier.h"
#include "optim/adam.h"
#include "util/error.h"

namespace seqtrain::train {

struct DataConfig {
  std::string dir;  // no default: a run must say where its data is
  std::string train_images = "train-images-idx3-ubyte.gz";
  std::string train_labels = "train-labels-idx1-ubyte.gz";
  std::string test_images = "t10k-images-idx3-ubyte.gz";
  std::string test_labels = "t10k-labels-idx1-ubyte.gz";
  bool shuffle = true;
  bool cache = true;  // data/packed_cache.h
  std::string format = "idx";  // data/data_source.h

  // A file name that is absolute stays as is; otherwise it is under dir.
  std::string PathOf(const std::string& file) const;
};

struct ScheduleConfig {
  int64_t batch_size = 128;  // global: split over all ranks
  int64_t epochs = 10;
  int64_t max_steps = 0;     // > 0: train exactly this many steps, ignoring epochs
  int64_t display_step = 100;
  int64_t eval_every = 0;    // > 0: evaluate on the test set every this many steps
  int64_t eval_batch_size = 64;  // per rank, evaluation only: memory, not results
};

struct CheckpointConfig {
  std::string dir;  // empty: no checkpoints
  int64_t every_steps = 0;
  double every_seconds = 0;
  int32_t keep = 3;
  bool save_final = true;
};

struct FailureConfig {
  bool watchdog = true;
  double collective_timeout_seconds = 0;  // 0: derived from the step times
  double startup_timeout_seconds = 120;
  int64_t replica_check_every = 500;
  int32_t max_consecutive_nonfinite = 5;
};

struct RunConfig {
  uint64_t seed = 1;
  nn::ModelShape model;
  double forget_bias = 1.0;
  DataConfig data;
  optim::AdamConfig optimizer;
  ScheduleConfig schedule;
  CheckpointConfig checkpoint;
  FailureConfig failure;
  std::string metrics_path;  // JSON lines, written by rank 0; empty: none
  std::string tensorboard_dir;  // TensorBoard event files, written by rank 0; empty: none
};

// An invalid config value. field is the dotted path in TrainConfig
// (config.proto), e.g. "schedule.batch_size", so the config loader can point
// at the line that set it.
class FieldError : public Error {
 public:
  FieldError(std::string field, const std::string& message)
      : Error(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// Throws FieldError ("field = value: reason") for the first invalid field.
void Validate(const RunConfig& config, int world_size);
// The model part alone, e.g. for a checkpoint's config.
void ValidateModel(const nn::ModelShape& model, double forget_bias);

}  // namespace seqtrain::train
