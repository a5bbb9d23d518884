// `seqtrain inspect`, `eval` and `predict` on checkpoints of every non-default head: a model
// trained a few steps on the toy formats of its target kind (tests/data/toy_sequence_source.cc)
// and saved; the commands name the head, report RMSE or accuracy, and predict values or
// per-step classes, as the model itself computes them.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <sstream>
#include <tuple>

#include "app/commands.h"
#include "app/data_loading.h"
#include "checkpoint/checkpoint_file.h"
#include "config/config_loader.h"
#include "data/idx_source.h"
#include "data/toy_sequence_source.h"
#include "dist/communicator.h"
#include "support/idx_writer.h"
#include "train/trainer.h"

namespace seqtrain::app {
namespace {

constexpr int kRows = 4, kCols = 6, kImages = 3;

struct Saved {
  std::string checkpoint, images;
  std::vector<float> predictions;  // the trained model on the images, as predict must print them
};

Saved TrainAndSave(ModelConfig::Head head, const char* format, int output_size) {
  TrainConfig config;
  config::FillDefaults(&config);
  config.mutable_data()->set_format(format);
  const std::string dir = testing::MakeTempDir(std::string("heads_") + format);
  config.mutable_data()->set_dir(dir);
  ModelConfig& m = *config.mutable_model();
  m.set_time_steps(kRows);
  m.set_input_size(kCols);
  m.set_hidden_size(8);
  m.set_num_classes(6);
  m.set_head(head);
  if (output_size > 1) m.set_output_size(output_size);
  config.mutable_schedule()->set_batch_size(16);
  config.mutable_schedule()->set_max_steps(5);
  config.mutable_schedule()->set_display_step(1000);
  dist::Communicator comm(MPI_COMM_SELF);
  const LoadedData data = LoadOnEveryRank(comm, TrainingDataOf(config));
  train::Trainer trainer(config, comm, *data.train, *data.test);
  train::MetricsLog quiet(false, "");
  trainer.Run(quiet);
  Saved saved;
  checkpoint::EnsureDirectory(dir + "/ck");
  saved.checkpoint = checkpoint::SaveCheckpoint(dir + "/ck", trainer.MakeCheckpoint(), 1);
  std::vector<uint8_t> pixels(kImages * kRows * kCols);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 % 256);
  saved.images = dir + "/images.idx";
  testing::WriteFile(saved.images, testing::IdxBytes({kImages, kRows, kCols}, pixels));
  const auto images = data::OpenIdxImages(saved.images, 0, kRows, kCols, 6, DataConfig{});
  std::vector<float> x(kRows * kImages * kCols);
  std::vector<int32_t> lengths(kImages), classes(kImages);
  const int64_t indices[kImages] = {0, 1, 2};
  images->Fill(indices, kImages, x.data(), lengths.data(), {classes.data(), nullptr});
  const nn::SequenceClassifier<float>& model = trainer.model();
  nn::SequenceClassifier<float> copy(model.config());
  std::copy(model.params(), model.params() + model.num_params(), copy.params());
  const int rows = nn::FindHead(head).per_step ? kRows : 1;
  saved.predictions.resize(static_cast<size_t>(rows) * kImages * copy.head().num_outputs());
  copy.Forward(x.data(), nn::HeadTargets<float>{}, kImages, saved.predictions.data());
  return saved;
}

template <typename F>
std::string Stdout(F run) {
  ::testing::internal::CaptureStdout();
  dist::Communicator comm(MPI_COMM_WORLD);
  EXPECT_EQ(run(comm), 0);
  return ::testing::internal::GetCapturedStdout();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(HeadCommands, LastStepRegressionPrintsValuesAndRmse) {
  const Saved s = TrainAndSave(ModelConfig::LAST_STEP_REGRESSION, testing::kToyValuesFormat, 2);
  const std::string inspect = Stdout([&](dist::Communicator& c) {
    return RunInspect({s.checkpoint, true, false}, c);
  });
  EXPECT_NE(inspect.find("head: LAST_STEP_REGRESSION"), std::string::npos) << inspect;
  EXPECT_NE(inspect.find("output_size: 2"), std::string::npos) << inspect;
  EXPECT_NE(inspect.find("params out/w        8x2"), std::string::npos) << inspect;
  const std::string eval = Stdout([&](dist::Communicator& c) {
    return RunEval({s.checkpoint, "", 1}, c);
  });
  EXPECT_NE(eval.find(": step 5, test RMSE "), std::string::npos) << eval;
  EXPECT_NE(eval.find("(128 sequences,"), std::string::npos) << eval;
  const std::vector<std::string> lines = Lines(Stdout([&](dist::Communicator& c) {
    return RunPredict({s.checkpoint, s.images, 0, 1}, c);
  }));
  ASSERT_EQ(lines.size(), 1u + kImages);
  EXPECT_EQ(lines[0], "index\tvalue");
  for (int b = 0; b < kImages; ++b) {
    char want[128];
    std::snprintf(want, sizeof want, "%d\t%.6g\t%.6g", b, s.predictions[b * 2],
                  s.predictions[b * 2 + 1]);
    EXPECT_EQ(lines[1 + b], want);
  }
}

TEST(HeadCommands, PerStepHeadsPrintEveryStep) {
  for (const auto& [head, format, width] :
       {std::tuple<ModelConfig::Head, const char*, int>{ModelConfig::PER_STEP_CLASSIFIER,
                                                        testing::kToyStepClassesFormat, 1},
        std::tuple<ModelConfig::Head, const char*, int>{ModelConfig::PER_STEP_REGRESSION,
                                                        testing::kToyStepValuesFormat, 2}}) {
    SCOPED_TRACE(nn::HeadName(head));
    const bool regression = nn::FindHead(head).regression;
    const Saved s = TrainAndSave(head, format, width);
    const std::string eval = Stdout([&](dist::Communicator& c) {
      return RunEval({s.checkpoint, "", 1}, c);
    });
    EXPECT_NE(eval.find(regression ? "test RMSE " : "test accuracy "), std::string::npos) << eval;
    const std::vector<std::string> lines = Lines(Stdout([&](dist::Communicator& c) {
      return RunPredict({s.checkpoint, s.images, 0, 1}, c);
    }));
    ASSERT_EQ(lines.size(), 1u + kImages * kRows);
    EXPECT_EQ(lines[0], regression ? "index\tstep\tvalue" : "index\tstep\tlabel\tprobability");
    const int K = regression ? 2 : 6;
    for (int b = 0; b < kImages; ++b) {
      for (int t = 0; t < kRows; ++t) {
        const float* p = s.predictions.data() + (static_cast<size_t>(t) * kImages + b) * K;
        char want[128];
        if (regression) {
          std::snprintf(want, sizeof want, "%d\t%d\t%.6g\t%.6g", b, t, p[0], p[1]);
        } else {
          const int best = static_cast<int>(std::max_element(p, p + K) - p);
          std::snprintf(want, sizeof want, "%d\t%d\t%d\t%.4f", b, t, best, p[best]);
        }
        EXPECT_EQ(lines[1 + b * kRows + t], want);
      }
    }
  }
}

}  // namespace
}  // namespace seqtrain::app
