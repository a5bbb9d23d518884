// A ModelConfig written in one line, as tests name their shapes: {I, T, H, layers, K}.
#pragma once

#include "config.pb.h"

namespace seqtrain::testing {

inline ModelConfig MakeModelConfig(int input_size, int time_steps, int hidden_size, int num_layers,
                                   int num_classes) {
  ModelConfig m;
  m.set_input_size(input_size);
  m.set_time_steps(time_steps);
  m.set_hidden_size(hidden_size);
  m.set_num_layers(num_layers);
  m.set_num_classes(num_classes);
  return m;
}

}  // namespace seqtrain::testing
