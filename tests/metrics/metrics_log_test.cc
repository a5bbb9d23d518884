// MetricsLog with every output on: the plain console lines, the JSON lines and
// the TensorBoard events of one small run, read back independently.
#include "train/metrics_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "metrics/metrics_file.h"
#include "metrics/svg_plot.h"
#include "metrics/tfevents_reader.h"
#include "util/error.h"

namespace seqtrain::train {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ReadAll(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return out;
}

class MetricsLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("seqtrain_metrics_log_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    console_ = std::tmpfile();
    ASSERT_NE(console_, nullptr);
  }
  void TearDown() override {
    std::fclose(console_);
    fs::remove_all(dir_);
  }

  MetricsOutputs Outputs(MetricsOutputs::Progress progress) const {
    MetricsOutputs o;
    o.jsonl_path = (dir_ / "m.jsonl").string();
    o.tensorboard_dir = (dir_ / "tb").string();
    o.learning_rate = 0.002;
    o.progress = progress;
    return o;
  }

  // A short run: display at steps 1 and 60, evaluation at 30 and at the end.
  static void Run(MetricsLog& log) {
    log.BeginRun(0, 60, 469);
    log.Step({1, 0, 2.25, 0.125, 600});
    log.Progress({2, 0, 2.2, 0.13, 0});
    log.Eval({30, 0.5, 1.5, 10000, "images"});
    log.Step({60, 0, 0.875, 0.6875, 5000});
    log.Eval({60, 0.75, 0.625, 10000, "images"});
    log.Final({60, 0.75, 3.5, 2, 4000, 1.0, {100, 100}, {}, 0, "avx2"});
  }

  fs::path dir_;
  std::FILE* console_ = nullptr;
};

const char* kPlainLines[] = {
    "Step 1, Minibatch Loss= 2.2500, Training Accuracy= 0.125, 600 samples/s",
    "Step 30, Test Accuracy= 0.5000, Test Loss= 1.5000 (10000 images)",
    "Step 60, Minibatch Loss= 0.8750, Training Accuracy= 0.688, 5000 samples/s",
    "Step 60, Test Accuracy= 0.7500, Test Loss= 0.6250 (10000 images)",
};

TEST_F(MetricsLogTest, WritesConsoleJsonAndTensorBoard) {
  {
    MetricsLog log(true, Outputs(MetricsOutputs::Progress::kAuto),
                   console_);  // a file: no progress line
    Run(log);
  }
  const std::string console = ReadAll(console_);
  EXPECT_EQ(console.find('\r'), std::string::npos) << console;
  std::string expected;
  for (const char* line : kPlainLines) expected += std::string(line) + "\n";
  EXPECT_EQ(console.rfind(expected, 0), 0u) << console;

  const std::string jsonl = Slurp(dir_ / "m.jsonl");
  EXPECT_NE(
      jsonl.find("{\"event\":\"eval\",\"step\":30,\"test_accuracy\":0.5,\"test_loss\":1.5}\n"),
      std::string::npos);
  EXPECT_NE(jsonl.find(",\"skipped_steps\":0,\"simd_target\":\"avx2\",\"peak_rss_mib\":[100,100],"),
            std::string::npos)
      << jsonl;

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_ / "tb")) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  const auto events = seqtrain::testing::ReadEventFile(Slurp(files[0]));
  ASSERT_EQ(events.size(), 5u);  // version, step 1, eval 30, step 60, eval 60
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  const auto expect_scalars = [](const seqtrain::testing::ReadEvent& e, int64_t step,
                                 std::vector<std::pair<std::string, float>> want) {
    EXPECT_EQ(e.step, step);
    ASSERT_EQ(e.scalars.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(e.scalars[i].tag, want[i].first);
      EXPECT_EQ(e.scalars[i].value, want[i].second) << want[i].first;
    }
  };
  expect_scalars(events[1], 1,
                 {{"train/loss", 2.25f},
                  {"train/accuracy", 0.125f},
                  {"train/learning_rate", 0.002f},
                  {"train/samples_per_sec", 600.f}});
  expect_scalars(events[2], 30, {{"test/accuracy", 0.5f}, {"test/loss", 1.5f}});
  expect_scalars(events[3], 60,
                 {{"train/loss", 0.875f},
                  {"train/accuracy", 0.6875f},
                  {"train/learning_rate", 0.002f},
                  {"train/samples_per_sec", 5000.f}});
  expect_scalars(events[4], 60, {{"test/accuracy", 0.75f}, {"test/loss", 0.625f}});
}

// A regression run reports RMSE where a classifier reports accuracy: on the console, in the
// JSON lines (read back by the plot's reader) and in TensorBoard; the plot draws it.
TEST_F(MetricsLogTest, ARegressionRunReportsRmseEverywhere) {
  using metrics::Quality;
  {
    MetricsLog log(true, Outputs(MetricsOutputs::Progress::kOff), console_);
    log.BeginRun(0, 60, 469);
    StepRecord step{1, 0, 0.25, 0, 600};
    step.quality = Quality::kRmse;
    step.train_rmse = 0.5;
    log.Step(step);
    EvalRecord eval{60, 0, 0.0625, 128};
    eval.quality = Quality::kRmse;
    eval.test_rmse = 0.25;
    log.Eval(eval);
    FinalRecord final_record{60, 0, 3.5, 2, 4000, 1.0, {100, 100}, {}, 0, "avx2"};
    final_record.quality = Quality::kRmse;
    final_record.test_rmse = 0.25;
    log.Final(final_record);
  }
  const std::string console = ReadAll(console_);
  EXPECT_EQ(console.rfind("Step 1, Minibatch Loss= 0.2500, Training RMSE= 0.5000, 600 samples/s\n"
                          "Step 60, Test RMSE= 0.2500, Test Loss= 0.0625 (128 samples)\n"
                          "Optimization Finished! Testing RMSE: 0.2500 (60 steps, 2 ranks",
                          0),
            0u)
      << console;
  const std::string jsonl = Slurp(dir_ / "m.jsonl");
  EXPECT_EQ(jsonl.rfind("{\"event\":\"step\",\"step\":1,\"epoch\":0,\"loss\":0.25,"
                        "\"train_rmse\":0.5,\"samples_per_sec\":600}\n"
                        "{\"event\":\"eval\",\"step\":60,\"test_rmse\":0.25,\"test_loss\":0.0625}\n"
                        "{\"event\":\"final\",\"step\":60,\"test_rmse\":0.25,",
                        0),
            0u)
      << jsonl;
  EXPECT_EQ(jsonl.find("accuracy"), std::string::npos) << jsonl;
  const metrics::MetricsHistory history = metrics::ReadMetricsFile((dir_ / "m.jsonl").string());
  ASSERT_EQ(history.steps.size(), 1u);
  EXPECT_EQ(history.steps[0].quality, Quality::kRmse);
  EXPECT_EQ(history.steps[0].train_rmse, 0.5);
  ASSERT_EQ(history.evals.size(), 1u);
  EXPECT_EQ(history.evals[0].test_rmse, 0.25);
  ASSERT_EQ(history.finals.size(), 1u);
  EXPECT_EQ(history.finals[0].quality, Quality::kRmse);
  EXPECT_EQ(history.finals[0].test_rmse, 0.25);
  const std::string svg = metrics::RenderMetricsSvg(history, "regression");
  for (const char* text : {"data-series=\"train-rmse\"", "data-series=\"test-rmse\"",
                           ">RMSE</text>", ">training RMSE</text>", ">test RMSE</text>"}) {
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(svg.find("accuracy"), std::string::npos);

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_ / "tb")) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  const auto events = seqtrain::testing::ReadEventFile(Slurp(files[0]));
  ASSERT_EQ(events.size(), 3u);  // version, step 1, eval 60
  ASSERT_EQ(events[1].scalars.size(), 4u);
  EXPECT_EQ(events[1].scalars[1].tag, "train/rmse");
  EXPECT_EQ(events[1].scalars[1].value, 0.5f);
  ASSERT_EQ(events[2].scalars.size(), 2u);
  EXPECT_EQ(events[2].scalars[0].tag, "test/rmse");
  EXPECT_EQ(events[2].scalars[0].value, 0.25f);
}

TEST_F(MetricsLogTest, ProgressLineLeavesThePlainLinesIntact) {
  {
    MetricsLog log(true, Outputs(MetricsOutputs::Progress::kOn), console_);
    Run(log);
  }
  const std::string console = ReadAll(console_);
  EXPECT_NE(console.find("\repoch 1/1 | step 1/60 (1.7%) | loss 2.2500 | 600 samples/s | ETA "),
            std::string::npos)
      << console;
  EXPECT_NE(console.find("step 60/60 (100.0%)"), std::string::npos);
  // What a terminal shows: each line is what follows its last "\r\033[K".
  std::istringstream in(console);
  std::vector<std::string> shown;
  for (std::string line; std::getline(in, line);) {
    const size_t cut = line.rfind("\r\033[K");
    shown.push_back(cut == std::string::npos ? line : line.substr(cut + 4));
  }
  ASSERT_GE(shown.size(), 5u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(shown[i], kPlainLines[i]);
  EXPECT_EQ(shown[4].rfind("Optimization Finished!", 0), 0u);
  EXPECT_EQ(console.substr(console.size() - 1), "\n") << "no progress line left after the end";
}

TEST_F(MetricsLogTest, OtherRanksWriteNothing) {
  {
    MetricsLog log(false, Outputs(MetricsOutputs::Progress::kOn), console_);
    Run(log);
  }
  EXPECT_EQ(ReadAll(console_), "");
  EXPECT_FALSE(fs::exists(dir_ / "m.jsonl"));
  EXPECT_FALSE(fs::exists(dir_ / "tb"));
}

TEST_F(MetricsLogTest, UncreatableTensorBoardFolderNamesIt) {
  std::ofstream(dir_ / "file") << "x";
  MetricsOutputs o = Outputs(MetricsOutputs::Progress::kOff);
  o.tensorboard_dir = (dir_ / "file" / "tb").string();
  try {
    MetricsLog log(true, o, console_);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind(o.tensorboard_dir + ": cannot create TensorBoard folder: ", 0),
        0u)
        << e.what();
  }
}

}  // namespace
}  // namespace seqtrain::train
