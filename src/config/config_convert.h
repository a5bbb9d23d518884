// TrainConfig (config.proto) <-> RunConfig (the structs the trainer uses).
#pragma once

#include "config.pb.h"
#include "train/run_config.h"

namespace seqtrain::config {

// Unset fields take the defaults declared in config.proto.
train::RunConfig ToRunConfig(const TrainConfig& proto);

// Every field set, so the text form shows the whole effective config.
TrainConfig ToProto(const train::RunConfig& config);

// Protobuf text format, one field per line.
std::string ToText(const TrainConfig& proto);

}  // namespace seqtrain::config
