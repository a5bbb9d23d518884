// Reading config.proto's per-field options (field_rules.proto) by reflection:
// the rules the validator checks and the help the command line shows.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>

#include "field_rules.pb.h"

namespace seqtrain::config {

// The field's (rules) option; an empty FieldRules when it has none.
const FieldRules& RulesOf(const google::protobuf::FieldDescriptor& field);

// The scalar field at a dotted path in TrainConfig ("schedule.batch_size"); null when
// there is none.
const google::protobuf::FieldDescriptor* FindConfigField(const std::string& dotted_path);

// The default as text format writes it ("0.001", "true", "\"a.gz\"").
std::string DefaultText(const google::protobuf::FieldDescriptor& field);

// One help line for a field: "H: units per recurrent layer (default 128)". The default is
// shown when the schema declares a nonzero one.
std::string HelpOf(const std::string& dotted_path);

}  // namespace seqtrain::config
