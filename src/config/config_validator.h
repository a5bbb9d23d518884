// Validation of a TrainConfig: the (rules) beside each field in config.proto,
// checked by reflection, then the few rules that join several fields.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "config.pb.h"
#include "util/error.h"

namespace seqtrain::config {

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

// Throws FieldError ("schedule.batch_size = 0: must be positive") for the first invalid
// field. world_size > 0 also checks the rules that depend on the number of ranks.
void Validate(const TrainConfig& config, int world_size);

// The rules on what a config sets itself, checked before the defaults are filled in (with
// them every field is set). Throws FieldError.
void CheckExplicitChoices(const TrainConfig& as_written);

// The (rules) of one message alone, fields named prefix + name: e.g. a checkpoint's
// model as ValidateFields(model, "model.", 0).
void ValidateFields(const google::protobuf::Message& message, const std::string& prefix,
                    int world_size);

}  // namespace seqtrain::config
