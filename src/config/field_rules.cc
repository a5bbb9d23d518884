#include "config/field_rules.h"

#include <google/protobuf/text_format.h>

#include "config.pb.h"
#include "util/error.h"

namespace seqtrain::config {

namespace pb = google::protobuf;

const FieldRules& RulesOf(const pb::FieldDescriptor& field) {
  return field.options().GetExtension(rules);
}

const pb::FieldDescriptor* FindConfigField(const std::string& dotted_path) {
  const pb::Descriptor* message = TrainConfig::descriptor();
  size_t start = 0;
  for (;;) {
    const size_t dot = dotted_path.find('.', start);
    const std::string name = dotted_path.substr(start, dot - start);
    const pb::FieldDescriptor* field = message->FindFieldByName(name);
    if (!field) return nullptr;
    if (dot == std::string::npos) return field->message_type() ? nullptr : field;
    message = field->message_type();
    if (!message) return nullptr;
    start = dot + 1;
  }
}

std::string DefaultText(const pb::FieldDescriptor& field) {
  // A default instance's accessors return the declared defaults.
  const pb::Message* prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(field.containing_type());
  std::string text;
  pb::TextFormat::PrintFieldValueToString(*prototype, &field, -1, &text);
  return text;
}

std::string HelpOf(const std::string& dotted_path) {
  const pb::FieldDescriptor* field = FindConfigField(dotted_path);
  SEQ_CHECK(field != nullptr);
  const FieldRules& r = RulesOf(*field);
  std::string help = r.help();
  const std::string value = DefaultText(*field);
  if (field->has_default_value() && value != "0" && value != "false" && value != "\"\"") {
    help += " (default " + value + (r.has_unit() ? " " + r.unit() : "") + ")";
  }
  return help;
}

}  // namespace seqtrain::config
