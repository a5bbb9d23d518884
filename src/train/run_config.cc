#include "train/run_config.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "data/data_source.h"
#include "util/error.h"

namespace seqtrain::train {
namespace {

template <typename V>
[[noreturn]] void Invalid(const char* field, V value, const std::string& why) {
  std::ostringstream out;
  out << field << " = " << value << ": " << why;
  throw FieldError(field, out.str());
}

template <typename V>
void RequirePositive(const char* field, V value) {
  if (!(value > 0)) Invalid(field, value, "must be positive");
}

}  // namespace

std::string DataConfig::PathOf(const std::string& file) const { return data::PathUnder(dir, file); }

void ValidateModel(const nn::ModelShape& m, double forget_bias) {
  // Upper bounds keep a hostile config or checkpoint from sizing buffers without bound.
  auto in_range = [](const char* field, int value, int most) {
    if (value < 1 || value > most) Invalid(field, value, "must be in [1, " + std::to_string(most) + "]");
  };
  in_range("model.input_size", m.input_size, 1 << 16);
  in_range("model.time_steps", m.time_steps, 1 << 16);
  in_range("model.hidden_size", m.hidden_size, 1 << 14);
  in_range("model.num_layers", m.num_layers, 64);
  if (m.num_classes < 2) Invalid("model.num_classes", m.num_classes, "must be at least 2");
  if (m.num_classes > 256) Invalid("model.num_classes", m.num_classes, "labels are bytes: at most 256");
  if (!std::isfinite(forget_bias)) Invalid("model.forget_bias", forget_bias, "must be finite");
}

void Validate(const RunConfig& c, int world_size) {
  ValidateModel(c.model, c.forget_bias);
  if (c.data.dir.empty()) Invalid("data.dir", "\"\"", "not set (use --data-dir DIR)");
  const auto& o = c.optimizer;
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) Invalid("optimizer.learning_rate", o.learning_rate, "must be positive and finite");
  if (!(o.beta1 >= 0 && o.beta1 < 1)) Invalid("optimizer.beta1", o.beta1, "must be in [0, 1)");
  if (!(o.beta2 >= 0 && o.beta2 < 1)) Invalid("optimizer.beta2", o.beta2, "must be in [0, 1)");
  if (!(o.epsilon > 0) || !std::isfinite(o.epsilon)) Invalid("optimizer.epsilon", o.epsilon, "must be positive and finite");
  const auto& s = c.schedule;
  RequirePositive("schedule.batch_size", s.batch_size);
  if (s.batch_size < world_size) {
    Invalid("schedule.batch_size", s.batch_size,
            "smaller than the number of ranks (" + std::to_string(world_size) + ")");
  }
  // The model takes a rank's share of the batch as an int.
  if (s.batch_size > std::numeric_limits<int32_t>::max()) {
    Invalid("schedule.batch_size", s.batch_size, "larger than 2147483647");
  }
  if (s.max_steps < 0) Invalid("schedule.max_steps", s.max_steps, "must not be negative");
  if (s.max_steps == 0) RequirePositive("schedule.epochs", s.epochs);
  RequirePositive("schedule.display_step", s.display_step);
  if (s.eval_every < 0) Invalid("schedule.eval_every", s.eval_every, "must not be negative");
  RequirePositive("schedule.eval_batch_size", s.eval_batch_size);
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) Invalid("optimizer.weight_decay", o.weight_decay, "must be >= 0 and finite");
  if (!(o.clip_grad_norm >= 0) || !std::isfinite(o.clip_grad_norm)) Invalid("optimizer.clip_grad_norm", o.clip_grad_norm, "must be >= 0 and finite");
  const auto& k = c.checkpoint;
  if (k.every_steps < 0) Invalid("checkpoint.every_steps", k.every_steps, "must not be negative");
  if (!(k.every_seconds >= 0) || !std::isfinite(k.every_seconds)) Invalid("checkpoint.every_seconds", k.every_seconds, "must be >= 0 and finite");
  if (k.keep < 1) Invalid("checkpoint.keep", k.keep, "must be at least 1");
  const auto& f = c.failure;
  // Below a second a loaded machine's scheduling alone would trip it; above a week it never fires.
  constexpr double kLongestTimeout = 7 * 24 * 3600;
  const double timeout = f.collective_timeout_seconds;
  if (!(timeout == 0 || (timeout >= 1 && timeout <= kLongestTimeout))) {
    Invalid("failure.collective_timeout_seconds", timeout,
            "must be 0 (derived from the step times) or between 1 and 604800 seconds");
  }
  if (!(f.startup_timeout_seconds >= 1 && f.startup_timeout_seconds <= kLongestTimeout)) {
    Invalid("failure.startup_timeout_seconds", f.startup_timeout_seconds,
            "must be between 1 and 604800 seconds");
  }
  if (f.replica_check_every < 0) Invalid("failure.replica_check_every", f.replica_check_every, "must not be negative");
  if (f.max_consecutive_nonfinite < 1) Invalid("failure.max_consecutive_nonfinite", f.max_consecutive_nonfinite, "must be at least 1");
  if (k.dir.empty() && k.every_steps > 0) {
    Invalid("checkpoint.every_steps", k.every_steps, "needs checkpoint.dir (use --checkpoint-dir DIR)");
  }
  if (k.dir.empty() && k.every_seconds > 0) {
    Invalid("checkpoint.every_seconds", k.every_seconds, "needs checkpoint.dir (use --checkpoint-dir DIR)");
  }
}

}  // namespace seqtrain::train
