// The estimate against the real model's sizes and the message; the estimate against
// measured peak RSS is memory_preflight_rss (tests/cli/memory_preflight_test.sh).
#include "train/memory_preflight.h"

#include <gtest/gtest.h>

#include "nn/sequence_classifier.h"
#include "util/error.h"
#include "util/node_memory.h"

namespace seqtrain::train {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

std::string RefusalOf(const TrainConfig& c, int world, int on_node, int64_t shared,
                      int64_t own = INT64_MAX) {
  const MemoryEstimate e = EstimateTrainingMemory(c, world, 60000, 10000, 50e6);
  try {
    CheckMemoryFits(e, c, world, on_node, shared, "MemAvailable", own);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(MemoryPreflight, ModelBytesAreFourFloatsPerParameterOfTheRealLayout) {
  for (const auto cell : {ModelConfig::LSTM, ModelConfig::GRU}) {
    for (const bool bidirectional : {false, true}) {
      for (const auto& [hidden, layers] : {std::pair{8, 1}, std::pair{32, 3}, std::pair{128, 2}}) {
        TrainConfig c;
        c.mutable_model()->set_hidden_size(hidden);
        c.mutable_model()->set_num_layers(layers);
        c.mutable_model()->set_cell(cell);
        c.mutable_model()->set_bidirectional(bidirectional);
        const nn::SequenceClassifier<float> model(c.model());
        const MemoryEstimate e = EstimateTrainingMemory(c, 1, 60000, 10000, 0);
        EXPECT_EQ(e.model, 4.0 * sizeof(float) * static_cast<double>(model.num_params()))
            << ModelConfig::Cell_Name(cell) << " " << bidirectional << " " << hidden << "x"
            << layers;
      }
    }
  }
}

TEST(MemoryPreflight, HiddenSize16384NeedsAbout23GB) {
  TrainConfig c;
  c.mutable_model()->set_hidden_size(16384);
  const MemoryEstimate e = EstimateTrainingMemory(c, 1, 60000, 10000, 0);
  // 4 x (4H (I + H + 1) + 10H + 10) floats: parameters, gradients, two Adam moments.
  EXPECT_NEAR(e.model, 16.0 * (4.0 * 16384 * (28 + 16384 + 1) + 10 * 16384 + 10), 1.0);
  // The backward's copy of W_h transposed: 4H x H floats, 4.3 GB of it.
  EXPECT_GT(e.activations, 16.0 * 16384.0 * 16384.0);
  EXPECT_GT(e.total(), 21.5e9);
  EXPECT_LT(e.total(), 25e9);
}

TEST(MemoryPreflight, BatchIsSplitOverRanksAndCheckpointsCostThreeCopies) {
  TrainConfig c;
  c.mutable_schedule()->set_batch_size(1 << 20);
  const double one = EstimateTrainingMemory(c, 1, 1 << 21, 10000, 0).activations;
  const double four = EstimateTrainingMemory(c, 4, 1 << 21, 10000, 0).activations;
  EXPECT_NEAR(one / four, 4.0, 0.01);
  const MemoryEstimate plain = EstimateTrainingMemory(c, 1, 60000, 10000, 0);
  c.mutable_checkpoint()->set_dir("ck");
  const MemoryEstimate saving = EstimateTrainingMemory(c, 1, 60000, 10000, 0);
  EXPECT_EQ(plain.checkpoint, 0);
  EXPECT_DOUBLE_EQ(saving.checkpoint, 9.0 / 4.0 * saving.model);
}

// A micro-batch of 1/4 of the batch holds the activations of 4 ranks' slices; the gradient
// sum and the weight average are one parameter-sized buffer each.
TEST(MemoryPreflight, AccumulationSplitsTheBatchAndTheAverageCostsAParameterCopy) {
  TrainConfig c;
  c.mutable_schedule()->set_batch_size(1 << 20);
  const MemoryEstimate whole = EstimateTrainingMemory(c, 1, 1 << 21, 10000, 0);
  c.mutable_schedule()->set_accumulation_steps(4);
  const MemoryEstimate micro = EstimateTrainingMemory(c, 1, 1 << 21, 10000, 0);
  EXPECT_NEAR(whole.activations / micro.activations, 4.0, 0.01);
  const double param_bytes = whole.model / 4;  // parameters, gradients and Adam's m and v
  EXPECT_DOUBLE_EQ(micro.model, whole.model + param_bytes);
  c.mutable_optimizer()->set_ema_decay(0.999);
  EXPECT_DOUBLE_EQ(EstimateTrainingMemory(c, 1, 1 << 21, 10000, 0).model,
                   whole.model + 2 * param_bytes);
}

TEST(MemoryPreflight, RefusesWithOneLineNamingTheSizesAndTheRoom) {
  TrainConfig c;
  c.mutable_model()->set_hidden_size(16384);
  const std::string m = RefusalOf(c, 1, 1, static_cast<int64_t>(12 * kGiB));
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_EQ(m.rfind("needs 21.7 GiB per rank (", 0), 0u) << m;
  EXPECT_NE(m.find("GiB per rank (model.hidden_size = 16384, model.num_layers = 1"),
            std::string::npos)
      << m;
  EXPECT_NE(
      m.find(
          "; this node has 12.0 GiB per rank free (MemAvailable 12.0 GiB free over 1 rank here)"),
      std::string::npos)
      << m;
  EXPECT_EQ(RefusalOf(c, 1, 1, static_cast<int64_t>(40 * kGiB)), "");
}

TEST(MemoryPreflight, RanksOnOneNodeShareItsMemory) {
  TrainConfig c;
  c.mutable_model()->set_hidden_size(4096);  // ~1.7 GiB per rank
  EXPECT_EQ(RefusalOf(c, 4, 2, static_cast<int64_t>(4 * kGiB)), "");
  const std::string m = RefusalOf(c, 4, 4, static_cast<int64_t>(4 * kGiB));
  EXPECT_NE(
      m.find("this node has 1.0 GiB per rank free (MemAvailable 4.0 GiB free over 4 ranks here)"),
      std::string::npos)
      << m;
}

TEST(MemoryPreflight, AnAddressSpaceLimitIsThisProcessAlone) {
  TrainConfig c;
  c.mutable_model()->set_hidden_size(4096);
  const std::string m =
      RefusalOf(c, 1, 1, static_cast<int64_t>(40 * kGiB), static_cast<int64_t>(1 * kGiB));
  EXPECT_NE(m.find("address-space limit (RLIMIT_AS, ulimit -v)"), std::string::npos) << m;
}

TEST(NodeMemory, ParsesMeminfoAndCgroupFiles) {
  EXPECT_EQ(ParseMemAvailable("MemTotal: 100 kB\nMemFree:  5 kB\nMemAvailable:   24538360 kB\n"),
            int64_t{24538360} * 1024);
  EXPECT_EQ(ParseMemAvailable("MemTotal: 100 kB\n"), -1);
  EXPECT_EQ(ParseCgroupLimit("max\n"), INT64_MAX);
  EXPECT_EQ(ParseCgroupLimit("4294967296\n"), int64_t{4294967296});
  EXPECT_EQ(ParseCgroupLimit(""), -1);
  const std::string hybrid = "9:name=systemd:/\n4:memory,kmem:/job/42\n0::/user.slice/a\n";
  EXPECT_EQ(CgroupPath(hybrid, "memory"), "/job/42");
  EXPECT_EQ(CgroupPath(hybrid, ""), "/user.slice/a");
  EXPECT_EQ(CgroupPath("0::/\n", "memory"), "");
}

TEST(NodeMemory, ThisMachineReportsSomeRoomAndAResidentSize) {
  const MemoryRoom room = AvailableMemory();
  EXPECT_GT(room.shared_bytes, 0);
  EXPECT_LT(room.shared_bytes, INT64_MAX);
  EXPECT_GT(CurrentRssBytes(), 0);
  EXPECT_GE(CurrentVirtualBytes(), CurrentRssBytes());
}

}  // namespace
}  // namespace seqtrain::train
