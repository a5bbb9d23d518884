// Builds the effective run config from, in order (later wins): the defaults in
// config.proto, a text-format file, and overrides "path.to.field=value" given
// by flags (--set, --epochs, ...). Every error is one line that names where
// the bad value came from: "file:line:col: ..." or "--set a.b=v: ...".
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "config.pb.h"
#include "util/error.h"

namespace seqtrain::config {

struct Override {
  std::string origin;      // shown in errors, e.g. "--set schedule.epochs=3" or "--epochs 3"
  std::string field_path;  // e.g. "schedule.epochs"
  std::string value;       // text-format value; strings may be given without quotes
};

// "a.b=value" -> Override; throws seqtrain::Error when there is no '='.
Override ParseSetFlag(const std::string& assignment);

// Sets one field by reflection; throws seqtrain::Error naming origin, path and value.
void ApplyOverride(const Override& override_value, TrainConfig* config);

// Parses a text-format file strictly (unknown fields, wrong types, repeated
// singular fields are errors). Throws seqtrain::Error "file:line:col: reason".
TrainConfig ParseConfigFile(const std::string& path);
// The same for text already in memory; name stands for the file in errors.
TrainConfig ParseConfigText(const std::string& name, const std::string& text);

// Sets every unset field to its default, so the text form (and a checkpoint) shows the
// whole effective config.
void FillDefaults(google::protobuf::Message* config);

// Protobuf text format, one field per line.
std::string ToText(const google::protobuf::Message& config);

// File (optional, may be "") + overrides -> the effective config (FillDefaults), validated
// (config_validator.h) for world_size ranks. Errors name the line or flag that set the field.
// kNoData: for commands that read no data (`seqtrain init`), data.dir may stay unset.
enum class DataUse { kReadsData, kNoData };
TrainConfig LoadTrainConfig(const std::string& path, const std::vector<Override>& overrides,
                            int world_size, DataUse data_use = DataUse::kReadsData);

}  // namespace seqtrain::config
