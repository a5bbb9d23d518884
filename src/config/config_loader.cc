#include "config/config_loader.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <map>

#include "config/config_validator.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace seqtrain::config {
namespace {

namespace pb = google::protobuf;

constexpr size_t kMaxConfigBytes = 1 << 20;

class FirstErrorCollector : public pb::io::ErrorCollector {
 public:
  // Protobuf 3.21 names; newer releases call these RecordError/RecordWarning.
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (message_.empty()) {
      message_ = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  void AddWarning(int, pb::io::ColumnNumber, const std::string&) override {}
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::string FieldNames(const pb::Descriptor* d) {
  std::string names;
  for (int i = 0; i < d->field_count(); ++i) names += (i ? ", " : "") + d->field(i)->name();
  return names;
}

std::string EnumValueNames(const pb::EnumDescriptor* e) {
  std::string names;
  for (int i = 0; i < e->value_count(); ++i) names += (i ? ", " : "") + e->value(i)->name();
  return names;
}

// The enum field called `name` anywhere in the config, or null: protobuf's parse error names
// only the bare field, and the user needs the values it takes.
const pb::EnumDescriptor* FindEnumField(const pb::Descriptor* d, const std::string& name,
                                        int depth) {
  if (depth > 8) return nullptr;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM && f->name() == name)
      return f->enum_type();
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (const pb::EnumDescriptor* e = FindEnumField(f->message_type(), name, depth + 1)) return e;
    }
  }
  return nullptr;
}

std::string WithEnumValues(std::string message) {
  static const std::string kUnknown = "Unknown enumeration value of ", kField = "\" for field \"";
  const size_t field = message.find(kField);
  if (message.find(kUnknown) == std::string::npos || field == std::string::npos) return message;
  const size_t name_start = field + kField.size();
  const size_t name_end = message.find('"', name_start);
  if (name_end == std::string::npos) return message;
  const pb::EnumDescriptor* e = FindEnumField(TrainConfig::descriptor(),
                                              message.substr(name_start, name_end - name_start), 0);
  if (!e) return message;
  if (!message.empty() && message.back() == '.') message.pop_back();
  return message + " (one of " + EnumValueNames(e) + ")";
}

// Where the file set each field, by dotted path.
void CollectLocations(const pb::Message& message, const pb::TextFormat::ParseInfoTree* tree,
                      const std::string& prefix, std::map<std::string, std::string>* out) {
  const pb::Reflection* r = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    const std::string path = prefix + f->name();
    const pb::TextFormat::ParseLocation loc = tree->GetLocation(f, f->is_repeated() ? 0 : -1);
    if (loc.line >= 0)
      (*out)[path] = std::to_string(loc.line + 1) + ":" + std::to_string(loc.column + 1);
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      const pb::TextFormat::ParseInfoTree* nested = tree->GetTreeForNested(f, -1);
      if (nested) CollectLocations(r->GetMessage(message, f), nested, path + ".", out);
    }
  }
}

TrainConfig ParseText(const std::string& path, const std::string& text,
                      std::map<std::string, std::string>* locations) {
  TrainConfig config;
  pb::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  pb::TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(text, &config)) {
    throw Error(path + ":" +
                (errors.message().empty() ? std::string("1:1: cannot parse")
                                          : WithEnumValues(errors.message())));
  }
  if (locations) CollectLocations(config, &tree, "", locations);
  return config;
}

void SetToDefault(const pb::FieldDescriptor* f, pb::Message* m) {
  const pb::Reflection& r = *m->GetReflection();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return r.SetInt32(m, f, f->default_value_int32());
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return r.SetInt64(m, f, f->default_value_int64());
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return r.SetUInt32(m, f, f->default_value_uint32());
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return r.SetUInt64(m, f, f->default_value_uint64());
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return r.SetFloat(m, f, f->default_value_float());
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return r.SetDouble(m, f, f->default_value_double());
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return r.SetBool(m, f, f->default_value_bool());
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return r.SetEnum(m, f, f->default_value_enum());
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return r.SetString(m, f, f->default_value_string());
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
}

}  // namespace

Override ParseSetFlag(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw Error("--set " + assignment + ": expected path.to.field=value");
  }
  return {"--set " + assignment, assignment.substr(0, eq), assignment.substr(eq + 1)};
}

void ApplyOverride(const Override& o, TrainConfig* config) {
  pb::Message* message = config;
  const std::vector<std::string> parts = Split(o.field_path);
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    const pb::Descriptor* d = message->GetDescriptor();
    const pb::FieldDescriptor* f = d->FindFieldByName(parts[i]);
    const std::string where = walked.empty() ? "the top level" : walked;
    if (!f) {
      throw Error(o.origin + ": no field '" + parts[i] + "' in " + where +
                  " (fields: " + FieldNames(d) + ")");
    }
    walked += (walked.empty() ? "" : ".") + parts[i];
    if (f->is_repeated())
      throw Error(o.origin + ": " + walked + " is a list; set it in the config file");
    const bool last = i + 1 == parts.size();
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last) {
        throw Error(o.origin + ": " + walked + " is a group of settings (fields: " +
                    FieldNames(f->message_type()) + "); set one of them");
      }
      message = message->GetReflection()->MutableMessage(message, f);
      continue;
    }
    if (!last) throw Error(o.origin + ": " + walked + " is a single value, not a group");
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      std::string value = o.value;
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      message->GetReflection()->SetString(message, f, value);
    } else {
      pb::TextFormat::Parser parser;
      FirstErrorCollector errors;  // keeps protobuf from logging the error itself
      parser.RecordErrorsTo(&errors);
      if (!parser.ParseFieldValueFromString(o.value, f, message)) {
        std::string what = std::string("not a valid ") + f->type_name();
        if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM)
          what = "not one of " + EnumValueNames(f->enum_type());
        throw Error(o.origin + ": " + walked + " = " + o.value + ": " + what);
      }
    }
  }
}

TrainConfig ParseConfigText(const std::string& name, const std::string& text) {
  if (text.size() > kMaxConfigBytes)
    throw Error(name + ": larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  return ParseText(name, text, nullptr);
}

TrainConfig ParseConfigFile(const std::string& path) {
  return ParseText(path, ReadWholeFile(path, kMaxConfigBytes), nullptr);
}

void FillDefaults(pb::Message* config) {
  const pb::Descriptor& d = *config->GetDescriptor();
  const pb::Reflection& r = *config->GetReflection();
  for (int i = 0; i < d.field_count(); ++i) {
    const pb::FieldDescriptor* f = d.field(i);
    if (f->is_repeated()) continue;
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      FillDefaults(r.MutableMessage(config, f));
    } else if (!r.HasField(*config, f)) {
      SetToDefault(f, config);
    }
  }
}

std::string ToText(const pb::Message& config) {
  std::string text;
  pb::TextFormat::PrintToString(config, &text);
  return text;
}

TrainConfig LoadTrainConfig(const std::string& path, const std::vector<Override>& overrides,
                            int world_size, DataUse data_use) {
  TrainConfig proto;
  std::map<std::string, std::string> origins;  // field path -> where its value came from
  if (!path.empty()) {
    std::map<std::string, std::string> locations;
    proto = ParseText(path, ReadWholeFile(path, kMaxConfigBytes), &locations);
    for (const auto& [field, loc] : locations) origins[field] = path + ":" + loc;
  }
  for (const Override& o : overrides) {
    ApplyOverride(o, &proto);
    origins[o.field_path] = o.origin;
  }
  // Every other rule still applies; the config keeps data.dir unset.
  const bool no_dir = data_use == DataUse::kNoData && proto.data().dir().empty();
  try {
    CheckExplicitChoices(proto);
    FillDefaults(&proto);
    if (no_dir) proto.mutable_data()->set_dir(".");
    Validate(proto, world_size);
    if (no_dir) proto.mutable_data()->clear_dir();
  } catch (const FieldError& e) {
    const auto it = origins.find(e.field());
    if (it != origins.end()) throw Error(it->second + ": " + e.what());
    if (!path.empty()) throw Error(path + ": " + e.what() + " (the default; set it in the file)");
    throw;
  }
  return proto;
}

}  // namespace seqtrain::config
