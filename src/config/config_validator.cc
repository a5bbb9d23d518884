#include "config/config_validator.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <type_traits>

#include "config/field_rules.h"

namespace seqtrain::config {
namespace {

namespace pb = google::protobuf;
using Field = pb::FieldDescriptor;

// Shortest text that reads back as the same double: "0.001", and 0.99999999999999989
// rather than a "1" that would contradict "must be in [0, 1)".
std::string ValueText(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  if (std::strtod(text, nullptr) != value && !std::isnan(value)) {
    std::snprintf(text, sizeof text, "%.17g", value);
  }
  return text;
}
template <typename V>
std::string ValueText(V value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

template <typename V>
[[noreturn]] void Invalid(const std::string& field, V value, const std::string& why) {
  throw FieldError(field, field + " = " + ValueText(value) + ": " + why);
}

std::string Number(double bound, bool is_float) {
  return is_float ? ValueText(bound) : std::to_string(static_cast<int64_t>(bound));
}

// What the bounds ask, as the refusal says it: "must be in [1, 64]", "must be positive".
std::string Requirement(const FieldRules& r, bool is_float) {
  const bool lower = r.has_min() || r.has_greater_than(), upper = r.has_max() || r.has_less_than();
  const std::string low = Number(r.has_min() ? r.min() : r.greater_than(), is_float);
  const std::string high = Number(r.has_max() ? r.max() : r.less_than(), is_float);
  std::string need;
  if (lower && upper) {
    if (r.has_unit() && r.has_min() && r.has_max()) {
      need = "between " + low + " and " + high + " " + r.unit();
    } else {
      need = std::string("in ") + (r.has_min() ? "[" : "(") + low + ", " + high +
             (r.has_max() ? "]" : ")");
    }
  } else if (r.has_greater_than()) {
    need = r.greater_than() == 0 ? "positive" : "> " + low;
  } else if (r.has_min()) {
    if (!is_float && r.min() == 0) return "must not be negative";
    need = (is_float ? ">= " : "at least ") + low;
  } else if (r.has_max()) {
    need = (is_float ? "<= " : "at most ") + high;
  } else if (r.has_less_than()) {
    need = "< " + high;
  }
  if (is_float && !upper) need += need.empty() ? "finite" : " and finite";
  if (r.has_zero_means()) return "must be 0 (" + r.zero_means() + ") or " + need;
  return "must be " + need;
}

bool WithinBounds(const FieldRules& r, double v, bool is_float) {
  if (r.has_zero_means() && v == 0) return true;
  if (is_float && !std::isfinite(v)) return false;
  return (!r.has_min() || v >= r.min()) && (!r.has_greater_than() || v > r.greater_than()) &&
         (!r.has_max() || v <= r.max()) && (!r.has_less_than() || v < r.less_than());
}

std::string WithHint(const FieldRules& r, const std::string& why) {
  return r.has_hint() ? why + " (" + r.hint() + ")" : why;
}

template <typename V>
void CheckNumber(const std::string& path, const FieldRules& r, V value, int world_size) {
  constexpr bool is_float = std::is_floating_point<V>::value;
  if (!WithinBounds(r, static_cast<double>(value), is_float)) {
    Invalid(path, value, WithHint(r, Requirement(r, is_float)));
  }
  if (r.at_least_ranks() && world_size > 0 && value < static_cast<V>(world_size)) {
    Invalid(path, value, "smaller than the number of ranks (" + std::to_string(world_size) + ")");
  }
}

void CheckField(const pb::Message& message, const Field& f, const std::string& path,
                int world_size) {
  const FieldRules& r = RulesOf(f);
  const pb::Reflection& m = *message.GetReflection();
  switch (f.cpp_type()) {
    case Field::CPPTYPE_INT32:
      return CheckNumber(path, r, m.GetInt32(message, &f), world_size);
    case Field::CPPTYPE_INT64:
      return CheckNumber(path, r, m.GetInt64(message, &f), world_size);
    case Field::CPPTYPE_UINT32:
      return CheckNumber(path, r, m.GetUInt32(message, &f), world_size);
    case Field::CPPTYPE_UINT64:
      return CheckNumber(path, r, m.GetUInt64(message, &f), world_size);
    case Field::CPPTYPE_FLOAT:
      return CheckNumber(path, r, m.GetFloat(message, &f), world_size);
    case Field::CPPTYPE_DOUBLE:
      return CheckNumber(path, r, m.GetDouble(message, &f), world_size);
    case Field::CPPTYPE_STRING:
      if (r.required() && m.GetString(message, &f).empty()) {
        Invalid(path, "\"\"", WithHint(r, "not set"));
      }
      return;
    default:
      return;
  }
}

// Rules that join fields, or limits of the code rather than of the value.
void CheckOptimizerFields(const OptimizerConfig& o) {
  if (o.momentum() > 0 && o.name() != "sgd") {
    Invalid("optimizer.momentum", o.momentum(), "applies to optimizer.name \"sgd\" only");
  }
  if (o.nesterov() && (o.name() != "sgd" || o.momentum() <= 0)) {
    Invalid("optimizer.nesterov", "true", "needs optimizer.name \"sgd\" and momentum > 0");
  }
  if (o.schedule().min_lr() > o.learning_rate()) {
    Invalid("optimizer.schedule.min_lr", o.schedule().min_lr(),
            "above optimizer.learning_rate = " + ValueText(o.learning_rate()));
  }
}

void CheckAcrossFields(const TrainConfig& c) {
  // Dropout acts between layers only (as PyTorch's nn.LSTM): on one layer it would do nothing.
  if (c.model().dropout() > 0 && c.model().num_layers() < 2) {
    Invalid("model.dropout", c.model().dropout(),
            "needs model.num_layers >= 2 (it drops the outputs of every layer but the top one)");
  }
  const ScheduleConfig& s = c.schedule();
  // A limit of the code: the model takes a rank's share of the batch as an int.
  if (s.batch_size() > std::numeric_limits<int32_t>::max()) {
    Invalid("schedule.batch_size", s.batch_size(), "larger than 2147483647");
  }
  // epochs counts only without max_steps.
  if (s.max_steps() == 0 && s.epochs() <= 0)
    Invalid("schedule.epochs", s.epochs(), "must be positive");
  const ModelConfig& m = c.model();
  const bool regression =
      m.head() == ModelConfig::LAST_STEP_REGRESSION || m.head() == ModelConfig::PER_STEP_REGRESSION;
  if (!regression && m.output_size() != 1) {
    Invalid("model.output_size", m.output_size(),
            "only regression heads read it (model.head = " + ModelConfig::Head_Name(m.head()) +
                " predicts model.num_classes classes)");
  }
  if (s.accumulation_steps() > s.batch_size()) {
    Invalid("schedule.accumulation_steps", s.accumulation_steps(),
            "more micro-batches than schedule.batch_size = " + std::to_string(s.batch_size()));
  }
  CheckOptimizerFields(c.optimizer());
  const CheckpointConfig& k = c.checkpoint();
  const char* const kNeedsDir = "needs checkpoint.dir (use --checkpoint-dir DIR)";
  if (k.dir().empty() && k.every_steps() > 0) {
    Invalid("checkpoint.every_steps", k.every_steps(), kNeedsDir);
  }
  if (k.dir().empty() && k.every_seconds() > 0) {
    Invalid("checkpoint.every_seconds", k.every_seconds(), kNeedsDir);
  }
}

}  // namespace

void ValidateFields(const pb::Message& message, const std::string& prefix, int world_size) {
  const pb::Descriptor& d = *message.GetDescriptor();
  for (int i = 0; i < d.field_count(); ++i) {
    const Field& f = *d.field(i);
    if (f.is_repeated()) continue;  // the config has no lists
    const std::string path = prefix + f.name();
    if (f.cpp_type() == Field::CPPTYPE_MESSAGE) {
      ValidateFields(message.GetReflection()->GetMessage(message, &f), path + ".", world_size);
    } else {
      CheckField(message, f, path, world_size);
    }
  }
}

void CheckExplicitChoices(const TrainConfig& as_written) {
  const OptimizerConfig& o = as_written.optimizer();
  // Before optimizer.name existed weight_decay meant AdamW's decay; adam's is L2 now, so a
  // config says which it means rather than changing meaning silently.
  if (o.weight_decay() > 0 && !o.has_name()) {
    Invalid("optimizer.weight_decay", o.weight_decay(),
            "needs optimizer.name: \"adamw\" (decoupled, what it meant before optimizer.name "
            "existed) or \"adam\" (L2 added to the gradient, as torch.optim.Adam)");
  }
}

void Validate(const TrainConfig& config, int world_size) {
  ValidateFields(config, "", world_size);
  CheckAcrossFields(config);
}

}  // namespace seqtrain::config
