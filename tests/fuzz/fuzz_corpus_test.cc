// Replays the kept fuzz corpus (seeds, and inputs that once crashed and were
// fixed) in every build, so a regression fails CI even without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "checkpoint/checkpoint_file.h"
#include "checkpoint/model_tensors.h"
#include "checkpoint/optimizer_state.h"
#include "fuzz_entries.h"
#include "nn/sequence_classifier.h"
#include "optim/adam.h"
#include "util/error.h"

namespace seqtrain::fuzz {
namespace {

namespace fs = std::filesystem;

void Replay(const std::string& target, void (*entry)(const uint8_t*, size_t)) {
  const fs::path dir = fs::path(SEQTRAIN_FUZZ_CORPUS) / target;
  int files = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    std::ifstream in(f.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    SCOPED_TRACE(f.path().string());
    entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++files;
  }
  EXPECT_GE(files, 3) << "corpus " << dir << " is missing";
}

// Checkpoints whose config describes an impossible or enormous model: before
// ModelConfigOf, `seqtrain eval` built a model from them and aborted or tried
// to allocate terabytes. They need a valid checksum, so they are made here.
TEST(FuzzCorpus, CheckpointsWithHostileModelShapesAreRejected) {
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, int>>{{"hidden_size", -5},
                                                {"hidden_size", 1 << 30},
                                                {"num_layers", 0},
                                                {"time_steps", 1 << 30}}) {
    Checkpoint c;
    c.set_format_version(checkpoint::kFormatVersion);
    ModelConfig* m = c.mutable_config()->mutable_model();
    if (field == "hidden_size") m->set_hidden_size(value);
    if (field == "num_layers") m->set_num_layers(value);
    if (field == "time_steps") m->set_time_steps(value);
    const std::string bytes = checkpoint::Encode(c);
    CheckpointInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    try {
      checkpoint::ModelConfigOf(checkpoint::Decode(bytes, "h.ckpt"), "h.ckpt");
      ADD_FAILURE() << field << " = " << value << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(
          std::string(e.what()).rfind("h.ckpt: model." + field + " = " + std::to_string(value), 0),
          0u)
          << e.what();
    }
  }
}

// Its Adam state restores: step 2, moments not all zero.
void RestoreAdam(const Checkpoint& c, const nn::ParamLayout& layout, const std::string& path) {
  optim::Adam adam(OptimizerConfig(), layout.total_size());
  checkpoint::RestoreOptimizerState(c.optimizer(), layout, &adam, path);
  EXPECT_EQ(adam.step(), 2);
  EXPECT_NE(adam.second_moment(), std::vector<float>(layout.total_size(), 0.0f));
}

// valid_h4.ckpt was written by format version 1 (before lineages): it must still load.
TEST(FuzzCorpus, AVersion1CheckpointStillLoads) {
  const std::string path = std::string(SEQTRAIN_FUZZ_CORPUS) + "/checkpoint/valid_h4.ckpt";
  const Checkpoint c = checkpoint::ReadCheckpoint(path);
  EXPECT_EQ(c.format_version(), 1u);
  EXPECT_EQ(c.lineage(), "");
  EXPECT_EQ(c.global_step(), 2);
  const ModelConfig& shape = checkpoint::ModelConfigOf(c, path);
  EXPECT_EQ(shape.hidden_size(), 4);
  checkpoint::CheckTensors(c, shape, true, path);
  nn::SequenceClassifier<float> model(c.config().model());
  checkpoint::UnpackTensors(c.params(), model.layout(), model.params(), path, "params");
  RestoreAdam(c, model.layout(), path);
}

// valid_h4_v3.ckpt: format version 3, the optimizer state in its generic message.
TEST(FuzzCorpus, AVersion3CheckpointLoads) {
  const std::string path = std::string(SEQTRAIN_FUZZ_CORPUS) + "/checkpoint/valid_h4_v3.ckpt";
  const Checkpoint c = checkpoint::ReadCheckpoint(path);
  EXPECT_EQ(c.format_version(), 3u);
  EXPECT_EQ(c.global_step(), 2);
  const ModelConfig shape = checkpoint::ModelConfigOf(c, path);
  checkpoint::CheckTensors(c, shape, true, path);
  RestoreAdam(c, checkpoint::LayoutOf(shape), path);
}

TEST(FuzzCorpus, Idx) { Replay("idx", IdxInput); }
TEST(FuzzCorpus, Npy) { Replay("npy", NpyInput); }
TEST(FuzzCorpus, Npz) { Replay("npz", NpzInput); }
TEST(FuzzCorpus, Config) { Replay("config", ConfigInput); }
TEST(FuzzCorpus, Checkpoint) { Replay("checkpoint", CheckpointInput); }
TEST(FuzzCorpus, Safetensors) { Replay("safetensors", SafetensorsInput); }

}  // namespace
}  // namespace seqtrain::fuzz
