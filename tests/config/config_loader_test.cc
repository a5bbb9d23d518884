#include "config/config_loader.h"

#include <gtest/gtest.h>

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include "support/idx_writer.h"

namespace seqtrain::config {
namespace {

class ConfigLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("config"); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    testing::WriteFile(path, std::vector<uint8_t>(text.begin(), text.end()));
    return path;
  }

  // The one-line error of loading path with overrides, or "(no error)".
  std::string LoadError(const std::string& path, const std::vector<Override>& overrides = {},
                        int world = 1) {
    try {
      LoadTrainConfig(path, overrides, world);
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      return message;
    }
    return "(no error)";
  }

  std::string dir_;
};

TEST_F(ConfigLoaderTest, TextMessageTextRoundTrip) {
  const std::string path =
      Write("a.txtpb",
            "seed: 5\nmodel { hidden_size: 64 num_layers: 2 }\n"
            "data { dir: \"/data\" shuffle: false }\n"
            "optimizer { name: \"adamw\" learning_rate: 0.01 weight_decay: 0.1\n"
            "  clip_grad_norm: 5 }\n"
            "schedule { batch_size: 32 max_steps: 7 }\n"
            "checkpoint { dir: \"/ck\" every_steps: 3 every_seconds: 1.5 keep: 4 }\n"
            "logging { metrics_path: \"m.jsonl\" }\n");
  const TrainConfig parsed = ParseConfigFile(path);
  EXPECT_EQ(parsed.model().hidden_size(), 64);
  EXPECT_EQ(parsed.checkpoint().every_seconds(), 1.5);
  // text -> message -> text -> message gives the same message.
  const std::string text = ToText(parsed);
  TrainConfig again;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &again));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, again)) << text;
  // Loading keeps every value and sets every other field to its default.
  const TrainConfig full = LoadTrainConfig(path, {}, 1);
  EXPECT_EQ(full.model().hidden_size(), 64);
  EXPECT_EQ(full.model().num_layers(), 2);
  EXPECT_FALSE(full.data().shuffle());
  EXPECT_EQ(full.optimizer().weight_decay(), 0.1);
  EXPECT_EQ(full.schedule().max_steps(), 7);
  EXPECT_EQ(full.checkpoint().keep(), 4);
  EXPECT_EQ(full.logging().metrics_path(), "m.jsonl");
  EXPECT_EQ(full.schedule().batch_size(), 32);
  EXPECT_TRUE(full.model().has_input_size());
  EXPECT_EQ(full.model().input_size(), 28);
  EXPECT_TRUE(full.data().has_train_images());
  EXPECT_TRUE(full.logging().has_tensorboard_dir());
  EXPECT_TRUE(full.failure().has_startup_timeout_seconds());
  EXPECT_EQ(full.failure().startup_timeout_seconds(), 120);
}

TEST_F(ConfigLoaderTest, ShippedConfigsLoad) {
  for (const char* name :
       {"mnist_lstm.txtpb", "quick.txtpb", "mnist_sequential.txtpb", "mnist_permuted.txtpb",
        "fashion_mnist_lstm.txtpb", "mnist_gru.txtpb", "mnist_bilstm.txtpb"}) {
    const std::string path = std::string(SEQTRAIN_SOURCE_DIR) + "/configs/" + name;
    EXPECT_EQ(LoadError(path, {{"--data-dir /d", "data.dir", "/d"},
                               {"--checkpoint-dir /c", "checkpoint.dir", "/c"}}),
              "(no error)")
        << name;
  }
  const TrainConfig ref =
      LoadTrainConfig(std::string(SEQTRAIN_SOURCE_DIR) + "/configs/mnist_lstm.txtpb",
                      {{"--data-dir /d", "data.dir", "/d"}}, 2);
  EXPECT_EQ(ref.model().hidden_size(), 128);
  EXPECT_EQ(ref.schedule().batch_size(), 128);
  EXPECT_EQ(ref.optimizer().learning_rate(), 0.001);
  EXPECT_EQ(ref.model().forget_bias(), 1.0);
  EXPECT_EQ(ref.data().pixel_order(), DataConfig::ROWS);  // the defaults: today's reading
  EXPECT_EQ(ref.data().bucket_window(), 0);
  const TrainConfig permuted =
      LoadTrainConfig(std::string(SEQTRAIN_SOURCE_DIR) + "/configs/mnist_permuted.txtpb",
                      {{"--data-dir /d", "data.dir", "/d"}}, 2);
  EXPECT_EQ(permuted.data().pixel_order(), DataConfig::PERMUTED_PIXELS);
  EXPECT_EQ(permuted.model().time_steps(), 784);
  EXPECT_EQ(permuted.model().input_size(), 1);
}

TEST_F(ConfigLoaderTest, SyntaxErrorsNameFileLineAndColumn) {
  EXPECT_EQ(LoadError(Write("unknown.txtpb", "seed: 1\nmodel {\n  hiden_size: 3\n}\n")),
            dir_ +
                "/unknown.txtpb:3:13: Message type \"seqtrain.ModelConfig\" has no field named "
                "\"hiden_size\".");
  EXPECT_EQ(LoadError(Write("type.txtpb", "schedule { epochs: \"ten\" }\n")),
            dir_ + "/type.txtpb:1:20: Expected integer, got: \"ten\"");
  EXPECT_EQ(LoadError(Write("float.txtpb", "schedule { batch_size: 1.5 }\n")),
            dir_ + "/float.txtpb:1:24: Expected integer, got: 1.5");
  EXPECT_EQ(LoadError(Write("twice.txtpb", "seed: 1\nseed: 2\n")),
            dir_ + "/twice.txtpb:2:5: Non-repeated field \"seed\" is specified multiple times.");
  EXPECT_EQ(LoadError(Write("negative.txtpb", "seed: -3\n")),
            dir_ + "/negative.txtpb:1:7: Expected integer, got: -");
  EXPECT_EQ(LoadError(dir_ + "/missing.txtpb"),
            dir_ + "/missing.txtpb: cannot open: No such file or directory");
}

TEST_F(ConfigLoaderTest, InvalidValuesNameFileLineColumnFieldAndValue) {
  const std::string p = Write("bad.txtpb",
                              "data { dir: \"/d\" }\n"
                              "schedule {\n"
                              "  batch_size: 0\n"
                              "}\n");
  EXPECT_EQ(LoadError(p), p + ":3:3: schedule.batch_size = 0: must be positive");
  auto one = [&](const std::string& name, const std::string& body) {
    return LoadError(Write(name, "data { dir: \"/d\" }\n" + body));
  };
  EXPECT_EQ(one("lr.txtpb", "optimizer { learning_rate: -0.5 }"),
            dir_ + "/lr.txtpb:2:13: optimizer.learning_rate = -0.5: must be positive and finite");
  EXPECT_EQ(one("hidden.txtpb", "model { hidden_size: 0 }"),
            dir_ + "/hidden.txtpb:2:9: model.hidden_size = 0: must be in [1, 16384]");
  EXPECT_EQ(
      one("classes.txtpb", "model { num_classes: 1 }"),
      dir_ + "/classes.txtpb:2:9: model.num_classes = 1: must be in [2, 256] (labels are bytes)");
  EXPECT_EQ(one("beta.txtpb", "optimizer { beta1: 1.0 }"),
            dir_ + "/beta.txtpb:2:13: optimizer.beta1 = 1: must be in [0, 1)");
  EXPECT_EQ(one("keep.txtpb", "checkpoint { dir: \"/c\" keep: 0 }"),
            dir_ + "/keep.txtpb:2:24: checkpoint.keep = 0: must be at least 1");
  EXPECT_EQ(one("ckdir.txtpb", "checkpoint { every_steps: 5 }"),
            dir_ +
                "/ckdir.txtpb:2:14: checkpoint.every_steps = 5: needs checkpoint.dir (use "
                "--checkpoint-dir DIR)");
  EXPECT_EQ(one("cell.txtpb", "model { cell: RNN }"),
            dir_ +
                "/cell.txtpb:2:19: Unknown enumeration value of \"RNN\" for field \"cell\" "
                "(one of LSTM, GRU)");
  // Valid alone, too small for 4 ranks.
  EXPECT_EQ(
      LoadError(Write("ranks.txtpb", "data { dir: \"/d\" }\nschedule { batch_size: 3 }\n"), {}, 4),
      dir_ + "/ranks.txtpb:2:12: schedule.batch_size = 3: smaller than the number of ranks (4)");
  EXPECT_EQ(LoadError(Write("nodata.txtpb", "seed: 3\n")),
            dir_ +
                "/nodata.txtpb: data.dir = \"\": not set (use --data-dir DIR) (the default; set it "
                "in the file)");
}

TEST_F(ConfigLoaderTest, SetOverridesNestedFieldsAfterTheFile) {
  const std::string p = Write("base.txtpb", "data { dir: \"/d\" }\nschedule { batch_size: 32 }\n");
  const TrainConfig c = LoadTrainConfig(
      p,
      {ParseSetFlag("schedule.batch_size=256"), ParseSetFlag("model.forget_bias=0.5"),
       ParseSetFlag("data.train_images=\"x.gz\""), ParseSetFlag("data.test_images=y.gz"),
       ParseSetFlag("data.shuffle=false"), ParseSetFlag("seed=18446744073709551615"),
       ParseSetFlag("checkpoint.dir=/c"), ParseSetFlag("checkpoint.every_seconds=2.5")},
      1);
  EXPECT_EQ(c.schedule().batch_size(), 256);
  EXPECT_EQ(c.model().forget_bias(), 0.5);
  EXPECT_EQ(c.data().train_images(), "x.gz");
  EXPECT_EQ(c.data().test_images(), "y.gz");
  EXPECT_FALSE(c.data().shuffle());
  EXPECT_EQ(c.seed(), 18446744073709551615ull);
  EXPECT_EQ(c.checkpoint().every_seconds(), 2.5);
}

TEST_F(ConfigLoaderTest, BadSetPathsAndValuesAreNamed) {
  const std::string p = Write("ok.txtpb", "data { dir: \"/d\" }\n");
  EXPECT_EQ(LoadError(p, {ParseSetFlag("schedule.batchsize=3")}),
            "--set schedule.batchsize=3: no field 'batchsize' in schedule (fields: batch_size, "
            "epochs, max_steps, "
            "display_step, eval_every, eval_batch_size, accumulation_steps)");
  EXPECT_EQ(LoadError(p, {ParseSetFlag("nosuch.x=3")})
                .rfind("--set nosuch.x=3: no field 'nosuch' in the top level", 0),
            0u);
  EXPECT_EQ(LoadError(p, {ParseSetFlag("seed.x=3")}),
            "--set seed.x=3: seed is a single value, not a group");
  EXPECT_EQ(LoadError(p, {ParseSetFlag("model=3")})
                .rfind("--set model=3: model is a group of settings", 0),
            0u);
  EXPECT_EQ(LoadError(p, {ParseSetFlag("schedule.epochs=ten")}),
            "--set schedule.epochs=ten: schedule.epochs = ten: not a valid int64");
  EXPECT_EQ(LoadError(p, {ParseSetFlag("data.shuffle=maybe")}),
            "--set data.shuffle=maybe: data.shuffle = maybe: not a valid bool");
  EXPECT_EQ(LoadError(p, {ParseSetFlag("model.cell=RNN")}),
            "--set model.cell=RNN: model.cell = RNN: not one of LSTM, GRU");
  EXPECT_EQ(LoadError(p, {ParseSetFlag("schedule.epochs=-1")}),
            "--set schedule.epochs=-1: schedule.epochs = -1: must be positive");
  EXPECT_EQ(LoadError(p, {{"--lr 0", "optimizer.learning_rate", "0"}}),
            "--lr 0: optimizer.learning_rate = 0: must be positive and finite");
  EXPECT_THROW(ParseSetFlag("=3"), Error);
  EXPECT_THROW(ParseSetFlag("schedule.epochs"), Error);
}

// `seqtrain init` reads no data: data.dir may stay unset, every other rule still holds.
TEST_F(ConfigLoaderTest, ACommandThatReadsNoDataNeedsNoDataDir) {
  const TrainConfig c = LoadTrainConfig("", {ParseSetFlag("seed=3")}, 1, DataUse::kNoData);
  EXPECT_FALSE(c.data().has_dir());
  EXPECT_EQ(c.seed(), 3u);
  EXPECT_EQ(c.schedule().batch_size(), 128);  // defaults filled in
  try {
    LoadTrainConfig("", {ParseSetFlag("schedule.batch_size=0")}, 1, DataUse::kNoData);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "--set schedule.batch_size=0: schedule.batch_size = 0: must be positive");
  }
  // A command that reads data still needs it.
  EXPECT_THROW(LoadTrainConfig("", {ParseSetFlag("seed=3")}, 1), Error);
}

TEST_F(ConfigLoaderTest, BatchSizeIsCappedByTheModelsIntNotByFloatCounts) {
  // Counts travel in double (train/step_control.h): 2^24 + 1 is a valid batch.
  const std::string big =
      Write("big.txtpb", "data { dir: \"/d\" }\nschedule { batch_size: 16777217 }\n");
  EXPECT_EQ(LoadError(big), "(no error)");
  EXPECT_EQ(
      LoadError(Write("huge.txtpb", "data { dir: \"/d\" }\nschedule { batch_size: 2147483648 }\n")),
      dir_ + "/huge.txtpb:2:12: schedule.batch_size = 2147483648: larger than 2147483647");
}

}  // namespace
}  // namespace seqtrain::config
