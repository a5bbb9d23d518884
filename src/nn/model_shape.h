// The mirror of ModelConfig that train::RunConfig still carries; it goes with RunConfig when the
// config change lands. nn itself takes seqtrain::ModelConfig (sequence_classifier.h).
#pragma once

#include "config.pb.h"

namespace seqtrain::nn {

struct ModelShape {
  int input_size = 28;    // I: features per time step
  int time_steps = 28;    // T
  int hidden_size = 128;  // H
  int num_layers = 1;
  int num_classes = 10;  // K
};

// forget_bias keeps its config.proto default.
inline ModelConfig ToModelConfig(const ModelShape& shape) {
  ModelConfig model;
  model.set_input_size(shape.input_size);
  model.set_time_steps(shape.time_steps);
  model.set_hidden_size(shape.hidden_size);
  model.set_num_layers(shape.num_layers);
  model.set_num_classes(shape.num_classes);
  return model;
}

}  // namespace seqtrain::nn
