#include "config/config_validator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "config/field_rules.h"

namespace seqtrain::config {
namespace {

namespace pb = google::protobuf;

// A valid config: the defaults plus the one field without a default.
TrainConfig Valid() {
  TrainConfig c;
  c.mutable_data()->set_dir("/d");
  return c;
}

// The one-line refusal of config with field = value (text format), or "(no error)".
std::string Refusal(const std::string& field, const std::string& value, int world_size = 1,
                    TrainConfig config = Valid()) {
  ApplyOverride({"test", field, value}, &config);
  try {
    Validate(config, world_size);
  } catch (const FieldError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    return e.what();
  }
  return "(no error)";
}

// The defaults RunConfig, nn::ModelShape and optim::AdamConfig held before the schema was the
// one definition (src/train/run_config.h at 478fb4c), written out.
TEST(ConfigSchema, DefaultsAreThePreviousOnes) {
  TrainConfig c;
  FillDefaults(&c);
  EXPECT_EQ(c.seed(), 1u);
  EXPECT_EQ(c.model().input_size(), 28);
  EXPECT_EQ(c.model().time_steps(), 28);
  EXPECT_EQ(c.model().hidden_size(), 128);
  EXPECT_EQ(c.model().num_layers(), 1);
  EXPECT_EQ(c.model().num_classes(), 10);
  EXPECT_EQ(c.model().forget_bias(), 1.0);
  // The model fields added later default to the model before them.
  EXPECT_EQ(c.model().cell(), ModelConfig::LSTM);
  EXPECT_FALSE(c.model().bidirectional());
  EXPECT_EQ(c.model().dropout(), 0.0);
  EXPECT_EQ(c.data().dir(), "");
  EXPECT_EQ(c.data().train_images(), "train-images-idx3-ubyte.gz");
  EXPECT_EQ(c.data().train_labels(), "train-labels-idx1-ubyte.gz");
  EXPECT_EQ(c.data().test_images(), "t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(c.data().test_labels(), "t10k-labels-idx1-ubyte.gz");
  EXPECT_TRUE(c.data().shuffle());
  EXPECT_TRUE(c.data().cache());
  EXPECT_EQ(c.data().pixel_order(), DataConfig::ROWS);
  EXPECT_EQ(c.data().bucket_window(), 0);
  EXPECT_EQ(c.optimizer().learning_rate(), 0.001);
  EXPECT_EQ(c.optimizer().beta1(), 0.9);
  EXPECT_EQ(c.optimizer().beta2(), 0.999);
  EXPECT_EQ(c.optimizer().epsilon(), 1e-8);
  EXPECT_EQ(c.optimizer().weight_decay(), 0.0);
  EXPECT_EQ(c.optimizer().clip_grad_norm(), 0.0);
  EXPECT_EQ(c.schedule().batch_size(), 128);
  EXPECT_EQ(c.schedule().epochs(), 10);
  EXPECT_EQ(c.schedule().max_steps(), 0);
  EXPECT_EQ(c.schedule().display_step(), 100);
  EXPECT_EQ(c.schedule().eval_every(), 0);
  EXPECT_EQ(c.schedule().eval_batch_size(), 64);
  EXPECT_EQ(c.checkpoint().dir(), "");
  EXPECT_EQ(c.checkpoint().every_steps(), 0);
  EXPECT_EQ(c.checkpoint().every_seconds(), 0.0);
  EXPECT_EQ(c.checkpoint().keep(), 3);
  EXPECT_TRUE(c.checkpoint().save_final());
  EXPECT_EQ(c.logging().metrics_path(), "");
  EXPECT_EQ(c.logging().tensorboard_dir(), "");
  EXPECT_TRUE(c.failure().watchdog());
  EXPECT_EQ(c.failure().collective_timeout_seconds(), 0.0);
  EXPECT_EQ(c.failure().startup_timeout_seconds(), 120.0);
  EXPECT_EQ(c.failure().replica_check_every(), 500);
  EXPECT_EQ(c.failure().max_consecutive_nonfinite(), 5);
}

// FillDefaults sets every field, so a checkpoint and the log show the whole config as the old
// ToProto(RunConfig) did.
TEST(ConfigSchema, FillDefaultsSetsEveryField) {
  TrainConfig c;
  c.mutable_schedule()->set_batch_size(7);
  FillDefaults(&c);
  EXPECT_EQ(c.schedule().batch_size(), 7);
  std::vector<const pb::Message*> pending = {&c};
  while (!pending.empty()) {
    const pb::Message& m = *pending.back();
    pending.pop_back();
    for (int i = 0; i < m.GetDescriptor()->field_count(); ++i) {
      const pb::FieldDescriptor* f = m.GetDescriptor()->field(i);
      EXPECT_TRUE(m.GetReflection()->HasField(m, f)) << f->full_name();
      if (f->message_type()) pending.push_back(&m.GetReflection()->GetMessage(m, f));
    }
  }
}

TEST(ConfigValidator, DefaultsWithADataDirAreValid) {
  EXPECT_EQ(Refusal("seed", "1"), "(no error)");
  EXPECT_EQ(Refusal("seed", "1", 128), "(no error)");
}

const char* const kTimeout = "must be between 1 and 604800 seconds";
const char* const kTimeoutOrZero =
    "must be 0 (derived from the step times) or between 1 and 604800 seconds";

struct Bound {
  std::string field;
  std::string inside;   // accepted
  std::string outside;  // refused, with why
  std::string why;
};

// Each bound of each rule, a value just inside and one just outside. Written out, so a changed
// rule in config.proto fails here until this table says the same.
const std::vector<Bound>& Bounds() {
  static const std::vector<Bound> bounds = {
      {"model.input_size", "1", "0", "must be in [1, 65536]"},
      {"model.input_size", "65536", "65537", "must be in [1, 65536]"},
      {"model.time_steps", "1", "0", "must be in [1, 65536]"},
      {"model.time_steps", "65536", "65537", "must be in [1, 65536]"},
      {"model.hidden_size", "1", "0", "must be in [1, 16384]"},
      {"model.hidden_size", "16384", "16385", "must be in [1, 16384]"},
      {"model.num_layers", "1", "0", "must be in [1, 64]"},
      {"model.num_layers", "64", "65", "must be in [1, 64]"},
      {"model.num_classes", "2", "1", "must be in [2, 256] (labels are bytes)"},
      {"model.num_classes", "256", "257", "must be in [2, 256] (labels are bytes)"},
      // (Above 1 only with a regression head: RulesAcrossFields.)
      {"model.output_size", "1", "0", "must be in [1, 65536]"},
      {"model.forget_bias", "-1e300", "inf", "must be finite"},
      // The upper bound needs num_layers >= 2: DropoutBoundsAndLayers.
      {"model.dropout", "0", "-1e-300", "must be in [0, 1)"},
      {"model.forget_bias", "1e300", "nan", "must be finite"},
      {"optimizer.learning_rate", "4.9406564584124654e-324", "0", "must be positive and finite"},
      {"optimizer.learning_rate", "1e300", "inf", "must be positive and finite"},
      {"optimizer.beta1", "0", "-1e-300", "must be in [0, 1)"},
      {"optimizer.beta1", "0.99999999999999989", "1", "must be in [0, 1)"},
      {"optimizer.beta2", "0", "-1e-300", "must be in [0, 1)"},
      {"optimizer.beta2", "0.99999999999999989", "1", "must be in [0, 1)"},
      {"optimizer.epsilon", "4.9406564584124654e-324", "0", "must be positive and finite"},
      {"optimizer.epsilon", "1e300", "inf", "must be positive and finite"},
      {"optimizer.weight_decay", "0", "-1e-300", "must be >= 0 and finite"},
      {"optimizer.weight_decay", "1e300", "inf", "must be >= 0 and finite"},
      {"optimizer.clip_grad_norm", "0", "-1e-300", "must be >= 0 and finite"},
      {"optimizer.clip_grad_norm", "1e300", "inf", "must be >= 0 and finite"},
      {"data.bucket_window", "0", "-1", "must be in [0, 1048576]"},
      {"data.bucket_window", "1048576", "1048577", "must be in [0, 1048576]"},
      {"data.uint8_scale", "4.9406564584124654e-324", "0", "must be positive and finite"},
      {"data.uint8_scale", "1e300", "inf", "must be positive and finite"},
      {"optimizer.momentum", "0", "-1e-300", "must be in [0, 1)"},
      {"optimizer.momentum", "0.99999999999999989", "1", "must be in [0, 1)"},
      {"optimizer.ema_decay", "0", "-1e-300", "must be in [0, 1)"},
      {"optimizer.ema_decay", "0.99999999999999989", "1", "must be in [0, 1)"},
      {"schedule.accumulation_steps", "1", "0", "must be in [1, 65536]"},
      {"schedule.accumulation_steps", "65536", "65537", "must be in [1, 65536]"},
      {"schedule.batch_size", "1", "0", "must be positive"},
      {"schedule.batch_size", "2147483647", "2147483648", "larger than 2147483647"},
      {"schedule.epochs", "1", "0", "must be positive"},
      {"schedule.max_steps", "0", "-1", "must not be negative"},
      {"schedule.display_step", "1", "0", "must be positive"},
      {"schedule.eval_every", "0", "-1", "must not be negative"},
      {"schedule.eval_batch_size", "1", "0", "must be positive"},
      {"checkpoint.every_steps", "0", "-1", "must not be negative"},
      {"checkpoint.every_seconds", "0", "-1e-300", "must be >= 0 and finite"},
      {"checkpoint.every_seconds", "0", "inf", "must be >= 0 and finite"},
      {"checkpoint.keep", "1", "0", "must be at least 1"},
      {"failure.collective_timeout_seconds", "0", "-1e-300", kTimeoutOrZero},
      {"failure.collective_timeout_seconds", "1", "0.99999999999999989", kTimeoutOrZero},
      {"failure.collective_timeout_seconds", "604800", "604800.00000000012", kTimeoutOrZero},
      {"failure.startup_timeout_seconds", "1", "0.99999999999999989", kTimeout},
      {"failure.startup_timeout_seconds", "604800", "604800.00000000012", kTimeout},
      {"failure.replica_check_every", "0", "-1", "must not be negative"},
      {"failure.max_consecutive_nonfinite", "1", "0", "must be at least 1"},
  };
  return bounds;
}

TEST(ConfigValidator, AcceptsJustInsideAndRefusesJustOutsideEachBound) {
  // Where the bounds alone decide: momentum is sgd's, and every micro-batch holds a sample.
  TrainConfig config = Valid();
  config.mutable_optimizer()->set_name("sgd");
  config.mutable_schedule()->set_batch_size(65536);
  for (const Bound& b : Bounds()) {
    EXPECT_EQ(Refusal(b.field, b.inside, 1, config), "(no error)") << b.field << " = " << b.inside;
    EXPECT_EQ(Refusal(b.field, b.outside, 1, config), b.field + " = " + b.outside + ": " + b.why);
  }
}

TEST(ConfigValidator, OptimizerAndScheduleRules) {
  EXPECT_EQ(Refusal("optimizer.momentum", "0.9"),
            "optimizer.momentum = 0.9: applies to optimizer.name \"sgd\" only");
  TrainConfig sgd = Valid();
  sgd.mutable_optimizer()->set_name("sgd");
  EXPECT_EQ(Refusal("optimizer.nesterov", "true", 1, sgd),
            "optimizer.nesterov = true: needs optimizer.name \"sgd\" and momentum > 0");
  sgd.mutable_optimizer()->set_momentum(0.9);
  EXPECT_EQ(Refusal("optimizer.nesterov", "true", 1, sgd), "(no error)");
  EXPECT_EQ(Refusal("optimizer.schedule.min_lr", "0.002"),
            "optimizer.schedule.min_lr = 0.002: above optimizer.learning_rate = 0.001");
  EXPECT_EQ(Refusal("optimizer.schedule.min_lr", "0.001"), "(no error)");
  EXPECT_EQ(Refusal("schedule.accumulation_steps", "129"),
            "schedule.accumulation_steps = 129: more micro-batches than schedule.batch_size = 128");
  EXPECT_EQ(Refusal("schedule.accumulation_steps", "128"), "(no error)");
  EXPECT_EQ(Refusal("optimizer.schedule.warmup_steps", "-1"),
            "optimizer.schedule.warmup_steps = -1: must not be negative");
  EXPECT_EQ(Refusal("optimizer.schedule.gamma", "1.5"),
            "optimizer.schedule.gamma = 1.5: must be in (0, 1]");
  EXPECT_EQ(Refusal("optimizer.schedule.step_size", "0"),
            "optimizer.schedule.step_size = 0: must be positive");
}

// weight_decay meant AdamW's before optimizer.name: a config with it names the optimizer.
TEST(ConfigValidator, WeightDecayNeedsANamedOptimizer) {
  TrainConfig c = Valid();
  c.mutable_optimizer()->set_weight_decay(0.01);
  try {
    CheckExplicitChoices(c);
    ADD_FAILURE() << "no error";
  } catch (const FieldError& e) {
    EXPECT_EQ(e.field(), "optimizer.weight_decay");
    EXPECT_STREQ(e.what(),
                 "optimizer.weight_decay = 0.01: needs optimizer.name: \"adamw\" (decoupled, "
                 "what it meant before optimizer.name existed) or \"adam\" (L2 added to the "
                 "gradient, as torch.optim.Adam)");
  }
  for (const char* name : {"adam", "adamw", "sgd"}) {
    c.mutable_optimizer()->set_name(name);
    EXPECT_NO_THROW(CheckExplicitChoices(c)) << name;
  }
}

// The table above covers every field that has bounds in config.proto.
TEST(ConfigValidator, TheTableCoversEveryBoundedField) {
  std::set<std::string> in_table;
  for (const Bound& b : Bounds()) in_table.insert(b.field);
  std::set<std::string> bounded;
  const pb::Descriptor* top = TrainConfig::descriptor();
  for (int i = 0; i < top->field_count(); ++i) {
    const pb::Descriptor* part = top->field(i)->message_type();
    if (!part) continue;
    for (int j = 0; j < part->field_count(); ++j) {
      const pb::FieldDescriptor* f = part->field(j);
      const FieldRules& r = RulesOf(*f);
      const bool is_float = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE;
      if (r.has_min() || r.has_max() || r.has_greater_than() || r.has_less_than() || is_float) {
        bounded.insert(top->field(i)->name() + "." + f->name());
      }
    }
  }
  for (const std::string& field : bounded) {
    EXPECT_TRUE(in_table.count(field)) << field << " is not in the table";
  }
}

TEST(ConfigValidator, DropoutBoundsAndLayers) {
  TrainConfig deep = Valid();
  deep.mutable_model()->set_num_layers(2);
  EXPECT_EQ(Refusal("model.dropout", "0.99999999999999989", 1, deep), "(no error)");
  EXPECT_EQ(Refusal("model.dropout", "1", 1, deep), "model.dropout = 1: must be in [0, 1)");
  EXPECT_EQ(Refusal("model.dropout", "0.5"),
            "model.dropout = 0.5: needs model.num_layers >= 2 (it drops the outputs of every "
            "layer but the top one)");
}

TEST(ConfigValidator, RequiredStringsAndRanks) {
  EXPECT_EQ(Refusal("data.dir", "\"\""), "data.dir = \"\": not set (use --data-dir DIR)");
  EXPECT_EQ(Refusal("schedule.batch_size", "4", 4), "(no error)");
  EXPECT_EQ(Refusal("schedule.batch_size", "3", 4),
            "schedule.batch_size = 3: smaller than the number of ranks (4)");
  // world_size 0: the rank count is not known yet.
  EXPECT_EQ(Refusal("schedule.batch_size", "3", 0), "(no error)");
}

TEST(ConfigValidator, RulesAcrossFields) {
  TrainConfig steps = Valid();
  steps.mutable_schedule()->set_max_steps(5);
  EXPECT_EQ(Refusal("schedule.epochs", "0", 1, steps), "(no error)");  // max_steps wins
  EXPECT_EQ(Refusal("checkpoint.every_steps", "5"),
            "checkpoint.every_steps = 5: needs checkpoint.dir (use --checkpoint-dir DIR)");
  EXPECT_EQ(Refusal("checkpoint.every_seconds", "2.5"),
            "checkpoint.every_seconds = 2.5: needs checkpoint.dir (use --checkpoint-dir DIR)");
  TrainConfig with_dir = Valid();
  with_dir.mutable_checkpoint()->set_dir("/c");
  EXPECT_EQ(Refusal("checkpoint.every_steps", "5", 1, with_dir), "(no error)");
  EXPECT_EQ(Refusal("checkpoint.every_seconds", "2.5", 1, with_dir), "(no error)");
  EXPECT_EQ(Refusal("model.output_size", "3"),
            "model.output_size = 3: only regression heads read it (model.head = "
            "LAST_STEP_CLASSIFIER predicts model.num_classes classes)");
  for (const auto head : {ModelConfig::LAST_STEP_REGRESSION, ModelConfig::PER_STEP_REGRESSION}) {
    TrainConfig regression = Valid();
    regression.mutable_model()->set_head(head);
    EXPECT_EQ(Refusal("model.output_size", "65536", 1, regression), "(no error)");
    EXPECT_EQ(Refusal("model.output_size", "65537", 1, regression),
              "model.output_size = 65537: must be in [1, 65536]");
  }
}

// A part alone, as a checkpoint's model is checked: named by its place in TrainConfig.
TEST(ConfigValidator, ValidatesOnePartWithItsPrefix) {
  ModelConfig model;
  EXPECT_NO_THROW(ValidateFields(model, "model.", 0));
  model.set_hidden_size(0);
  try {
    ValidateFields(model, "model.", 0);
    ADD_FAILURE() << "no error";
  } catch (const FieldError& e) {
    EXPECT_EQ(e.field(), "model.hidden_size");
    EXPECT_STREQ(e.what(), "model.hidden_size = 0: must be in [1, 16384]");
  }
}

// Every value a config can set says what it does, so any field can get a flag or a doc line.
TEST(ConfigSchema, EveryFieldHasAHelpLine) {
  const pb::Descriptor* top = TrainConfig::descriptor();
  for (int i = 0; i < top->field_count(); ++i) {
    const pb::Descriptor* part = top->field(i)->message_type();
    if (!part) {
      EXPECT_FALSE(RulesOf(*top->field(i)).help().empty()) << top->field(i)->name();
      continue;
    }
    for (int j = 0; j < part->field_count(); ++j) {
      EXPECT_FALSE(RulesOf(*part->field(j)).help().empty()) << part->field(j)->full_name();
    }
  }
}

TEST(ConfigSchema, HelpAndDefaultComeFromTheSchema) {
  EXPECT_EQ(HelpOf("model.hidden_size"),
            "H: units per recurrent layer (per direction) (default 128)");
  EXPECT_EQ(HelpOf("optimizer.learning_rate"),
            "learning rate (the optimizer's step size) (default 0.001)");
  EXPECT_EQ(HelpOf("failure.startup_timeout_seconds"),
            "the watchdog's limit until a step has been timed (default 120 seconds)");
  // No default shown where it is "off".
  EXPECT_EQ(HelpOf("schedule.eval_every"),
            "> 0: evaluate on the full test set every this many steps");
  EXPECT_EQ(FindConfigField("schedule.batchsize"), nullptr);
  EXPECT_EQ(FindConfigField("schedule"), nullptr);
  EXPECT_EQ(FindConfigField("seed.x"), nullptr);
}

}  // namespace
}  // namespace seqtrain::config
