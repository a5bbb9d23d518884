#include "checkpoint/checkpoint_file.h"

#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>

#include <filesystem>

#include "checkpoint/model_tensors.h"
#include "config/config_convert.h"
#include "support/idx_writer.h"
#include "util/atomic_file.h"
#include "util/crc32c.h"

namespace seqtrain::checkpoint {
namespace {

namespace fs = std::filesystem;

Checkpoint MakeCheckpoint(int64_t step, int hidden = 4) {
  train::RunConfig config;
  config.model.hidden_size = hidden;
  config.data.dir = "/d";
  nn::LstmClassifier<float> model(config.model);
  model.Initialize(static_cast<uint64_t>(step), 1.0);
  Checkpoint c;
  c.set_format_version(kFormatVersion);
  *c.mutable_config() = config::ToProto(config);
  c.set_global_step(step);
  c.set_epoch(step / 10);
  c.set_epoch_position(step % 10 * 64);
  c.set_data_order_seed(1);
  PackTensors(model.layout(), model.params(), c.mutable_params());
  std::vector<float> m(model.num_params(), 0.25f), v(model.num_params(), 0.5f);
  PackTensors(model.layout(), m.data(), c.mutable_adam_m());
  PackTensors(model.layout(), v.data(), c.mutable_adam_v());
  c.set_adam_step(step);
  c.set_wall_seconds(1.5);
  c.set_world_size(3);
  c.set_saved_unix_time(1700000000);
  return c;
}

std::string ErrorOf(const std::string& bytes) {
  try {
    Decode(bytes, "ck");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

class CheckpointFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("ckpt"); }
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string dir_;
};

TEST(Crc32c, KnownValues) {
  // RFC 3720 B.4 test vectors.
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  const std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF);
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(Crc32c("1234", 4), "56789", 5), 0xE3069283u);
}

TEST_F(CheckpointFileTest, SaveThenReadGivesTheSameMessage) {
  const Checkpoint c = MakeCheckpoint(30);
  const std::string path = SaveCheckpoint(dir_, c, 3);
  EXPECT_EQ(path, dir_ + "/step-0000000030.ckpt");
  const Checkpoint back = ReadCheckpoint(path);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(c, back));
  EXPECT_EQ(Files(), std::vector<std::string>{"step-0000000030.ckpt"});  // no temporary left behind
  // The tensors come back into a model bit for bit.
  nn::LstmClassifier<float> model(config::ToRunConfig(back.config()).model);
  UnpackTensors(back.params(), model.layout(), model.params(), path, "params");
  nn::LstmClassifier<float> original(model.shape());
  original.Initialize(30, 1.0);
  EXPECT_TRUE(std::equal(model.params(), model.params() + model.num_params(), original.params()));
}

TEST_F(CheckpointFileTest, KeepsOnlyTheNewest) {
  for (int64_t step : {10, 20, 30, 40, 50}) SaveCheckpoint(dir_, MakeCheckpoint(step), 2);
  EXPECT_EQ(Files(), (std::vector<std::string>{"step-0000000040.ckpt", "step-0000000050.ckpt"}));
  testing::WriteFile(dir_ + "/notes.txt", {1});  // other files are left alone
  SaveCheckpoint(dir_, MakeCheckpoint(60), 2);
  EXPECT_EQ(Files(), (std::vector<std::string>{"notes.txt", "step-0000000050.ckpt", "step-0000000060.ckpt"}));
  EXPECT_EQ(ListCheckpoints(dir_), (std::vector<std::string>{dir_ + "/step-0000000060.ckpt", dir_ + "/step-0000000050.ckpt"}));
}

TEST_F(CheckpointFileTest, RejectsTruncation) {
  const std::string bytes = Encode(MakeCheckpoint(5));
  EXPECT_EQ(ErrorOf(""), "ck: truncated: 0 bytes, shorter than the 24-byte header");
  EXPECT_EQ(ErrorOf(bytes.substr(0, 23)), "ck: truncated: 23 bytes, shorter than the 24-byte header");
  for (size_t keep : {size_t{24}, size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_NE(ErrorOf(bytes.substr(0, keep)).find("ck: truncated or padded: header says"), std::string::npos) << keep;
  }
  EXPECT_NE(ErrorOf(bytes + "x").find("truncated or padded"), std::string::npos);
}

TEST_F(CheckpointFileTest, EveryFlippedByteIsDetected) {
  const std::string bytes = Encode(MakeCheckpoint(5, 2));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    const std::string error = ErrorOf(damaged);
    ASSERT_NE(error, "(no error)") << "flipped byte " << i;
    if (i >= kHeaderBytes) {
      EXPECT_NE(error.find("checksum mismatch"), std::string::npos) << i << ": " << error;
    }
  }
  std::string magic = bytes;
  magic[0] = 'X';
  EXPECT_EQ(ErrorOf(magic), "ck: not a seqtrain checkpoint (bad magic)");
}

TEST_F(CheckpointFileTest, RejectsOtherFormatVersions) {
  std::string bytes = Encode(MakeCheckpoint(5));
  bytes[8] = 2;
  EXPECT_EQ(ErrorOf(bytes), "ck: checkpoint format version 2, this seqtrain reads version 1");
  // A payload claiming another version, with a valid checksum.
  Checkpoint c = MakeCheckpoint(5);
  c.set_format_version(7);
  EXPECT_EQ(ErrorOf(Encode(c)), "ck: payload format version 7 disagrees with the header's 1");
}

TEST_F(CheckpointFileTest, RejectsAnotherModelShape) {
  const Checkpoint c = MakeCheckpoint(5, 4);
  nn::ModelShape shape;
  shape.hidden_size = 8;
  try {
    CheckModelMatches(c.config().model(), shape, "ck");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "ck: model.hidden_size = 4 in the checkpoint but 8 in the config: the checkpoint is for another model");
  }
  // Tensors themselves are checked too, whatever the config says.
  nn::LstmClassifier<float> model(shape);
  try {
    UnpackTensors(c.params(), model.layout(), model.params(), "ck", "params");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "ck: params tensor 'lstm0/w_x' has shape [28, 16], the model has [28, 32]");
  }
  Checkpoint renamed = c;
  renamed.mutable_params(1)->set_name("lstm0/w_y");
  shape.hidden_size = 4;
  nn::LstmClassifier<float> small(shape);
  EXPECT_THROW(UnpackTensors(renamed.params(), small.layout(), small.params(), "ck", "params"), Error);
  Checkpoint short_data = c;
  short_data.mutable_adam_v(0)->mutable_data()->resize(8);
  EXPECT_THROW(UnpackTensors(short_data.adam_v(), small.layout(), small.params(), "ck", "adam_v"), Error);
}

TEST_F(CheckpointFileTest, LatestValidSkipsCorruptNewestWithAWarning) {
  EXPECT_FALSE(FindLatestValid(dir_, [](const std::string&) {}));
  EXPECT_FALSE(FindLatestValid(dir_ + "/does-not-exist", [](const std::string&) {}));
  for (int64_t step : {10, 20, 30}) SaveCheckpoint(dir_, MakeCheckpoint(step), 5);
  std::string newest = ReadWholeFile(dir_ + "/step-0000000030.ckpt", 1 << 20);
  newest[newest.size() / 2] ^= 1;
  testing::WriteFile(dir_ + "/step-0000000030.ckpt", std::vector<uint8_t>(newest.begin(), newest.end()));
  std::vector<std::string> warnings;
  const auto found = FindLatestValid(dir_, [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->path, dir_ + "/step-0000000020.ckpt");
  EXPECT_EQ(found->checkpoint.global_step(), 20);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("skipping checkpoint " + dir_ + "/step-0000000030.ckpt: checksum mismatch", 0), 0u)
      << warnings[0];
  // Nothing valid left: an error, not a silent fresh start.
  testing::WriteFile(dir_ + "/step-0000000020.ckpt", {1, 2, 3});
  testing::WriteFile(dir_ + "/step-0000000010.ckpt", {});
  EXPECT_THROW(FindLatestValid(dir_, [](const std::string&) {}), Error);
}

TEST_F(CheckpointFileTest, AtomicWriteReplacesWholeFilesAndCleansUp) {
  const std::string path = dir_ + "/f";
  WriteFileAtomically(path, "old content");
  WriteFileAtomically(path, "new");
  EXPECT_EQ(ReadWholeFile(path, 100), "new");
  EXPECT_EQ(Files(), std::vector<std::string>{"f"});
  EXPECT_THROW(WriteFileAtomically(dir_ + "/no/such/dir/f", "x"), Error);
  EXPECT_THROW(ReadWholeFile(path, 2), Error);  // over the size limit
}

}  // namespace
}  // namespace seqtrain::checkpoint
