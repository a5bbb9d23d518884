#include "app/cli.h"

#include <gtest/gtest.h>

namespace seqtrain::app {
namespace {

std::string UsageMessage(const std::vector<std::string>& args) {
  try {
    ParseCommandLine(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Cli, ParsesTrainFlags) {
  const CliRequest r = ParseCommandLine({"train", "--data-dir", "/d", "--epochs", "3", "--max-steps=20",
                                         "--batch-size", "64", "--lr", "0.01", "--seed", "9",
                                         "--display-step", "5", "--metrics", "m.jsonl", "--hidden-size", "32"});
  ASSERT_EQ(r.command, CliRequest::Command::kTrain);
  const auto& c = r.train.config;
  EXPECT_EQ(c.data.dir, "/d");
  EXPECT_EQ(c.schedule.epochs, 3);
  EXPECT_EQ(c.schedule.max_steps, 20);
  EXPECT_EQ(c.schedule.batch_size, 64);
  EXPECT_DOUBLE_EQ(c.optimizer.learning_rate, 0.01);
  EXPECT_EQ(c.seed, 9u);
  EXPECT_EQ(c.schedule.display_step, 5);
  EXPECT_EQ(c.metrics_path, "m.jsonl");
  EXPECT_EQ(c.model.hidden_size, 32);
  EXPECT_EQ(c.data.PathOf("x.gz"), "/d/x.gz");
  EXPECT_EQ(c.data.PathOf("/abs/x.gz"), "/abs/x.gz");
}

TEST(Cli, DefaultsAreTheReferenceWorkload) {
  const auto& c = ParseCommandLine({"train"}).train.config;
  EXPECT_EQ(c.model.hidden_size, 128);
  EXPECT_EQ(c.model.time_steps, 28);
  EXPECT_EQ(c.model.input_size, 28);
  EXPECT_EQ(c.model.num_classes, 10);
  EXPECT_DOUBLE_EQ(c.forget_bias, 1.0);
  EXPECT_EQ(c.schedule.batch_size, 128);
  EXPECT_DOUBLE_EQ(c.optimizer.learning_rate, 0.001);
}

TEST(Cli, HelpIsNotAnError) {
  EXPECT_EQ(ParseCommandLine({}).command, CliRequest::Command::kHelp);
  const CliRequest r = ParseCommandLine({"train", "--help"});
  EXPECT_EQ(r.command, CliRequest::Command::kHelp);
  EXPECT_NE(r.help_text.find("--batch-size"), std::string::npos);
}

TEST(Cli, BadFlagsAreUsageErrorsNamingTheFlag) {
  EXPECT_NE(UsageMessage({"trian"}).find("unknown command 'trian'"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "--bogus"}).find("--bogus"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "--epochs", "ten"}).find("--epochs"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "--lr"}).find("--lr"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "--seed=-1"}).find("--seed -1"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "extra"}).find("train:"), std::string::npos);
}

TEST(Validate, RejectsInvalidValuesNamingFieldAndValue) {
  auto message = [](auto mutate, int world = 1) {
    train::RunConfig c;
    c.data.dir = "/d";
    mutate(c);
    try {
      train::Validate(c, world);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(message([](auto&) {}), "(no error)");
  EXPECT_EQ(message([](auto& c) { c.optimizer.learning_rate = 0; }),
            "optimizer.learning_rate = 0: must be positive and finite");
  EXPECT_EQ(message([](auto& c) { c.schedule.batch_size = 3; }, 4),
            "schedule.batch_size = 3: smaller than the number of ranks (4)");
  EXPECT_EQ(message([](auto& c) { c.model.hidden_size = -2; }), "model.hidden_size = -2: must be positive");
  EXPECT_EQ(message([](auto& c) { c.data.dir.clear(); }), "data.dir = \"\": not set (use --data-dir DIR)");
  EXPECT_EQ(message([](auto& c) { c.schedule.epochs = 0; }), "schedule.epochs = 0: must be positive");
  EXPECT_EQ(message([](auto& c) { c.optimizer.beta2 = 1; }), "optimizer.beta2 = 1: must be in [0, 1)");
}

}  // namespace
}  // namespace seqtrain::app
