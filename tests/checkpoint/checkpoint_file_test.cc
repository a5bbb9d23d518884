#include "checkpoint/checkpoint_file.h"

#include <fcntl.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <tuple>

#include "checkpoint/model_tensors.h"
#include "checkpoint/optimizer_state.h"
#include "config/config_loader.h"
#include "nn/sequence_classifier.h"
#include "optim/adam.h"
#include "support/idx_writer.h"
#include "util/atomic_file.h"
#include "util/crc32c.h"

namespace seqtrain::checkpoint {
namespace {

namespace fs = std::filesystem;

constexpr char kLineage[] = "0123456789ab";

Checkpoint MakeCheckpoint(int64_t step, int hidden = 4, const std::string& lineage = kLineage) {
  TrainConfig config;
  config.mutable_model()->set_hidden_size(hidden);
  config.mutable_data()->set_dir("/d");
  config::FillDefaults(&config);  // as a loaded config
  nn::SequenceClassifier<float> model(config.model());
  model.Initialize(static_cast<uint64_t>(step));
  Checkpoint c;
  c.set_format_version(kFormatVersion);
  *c.mutable_config() = config;
  c.set_global_step(step);
  c.set_epoch(step / 10);
  c.set_epoch_position(step % 10 * 64);
  c.set_data_order_seed(1);
  PackTensors(model.layout(), model.params(), c.mutable_params());
  optim::Adam adam(OptimizerConfig(), model.num_params());
  adam.Restore(step, {{"m", std::vector<float>(model.num_params(), 0.25f)},
                      {"v", std::vector<float>(model.num_params(), 0.5f)}});
  PackOptimizerState(adam, model.layout(), c.mutable_optimizer());
  c.set_wall_seconds(1.5);
  c.set_world_size(3);
  c.set_saved_unix_time(1700000000);
  c.set_lineage(lineage);
  return c;
}

// c as format versions 1 and 2 wrote it: Adam's state in adam_m, adam_v and adam_step.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void ToLegacyOptimizerFields(Checkpoint* c) {
  c->set_adam_step(c->optimizer().step());
  *c->mutable_adam_m() = c->optimizer().state(0).tensors();
  *c->mutable_adam_v() = c->optimizer().state(1).tensors();
  c->clear_optimizer();
}
#pragma GCC diagnostic pop

std::string Name(const std::string& lineage, int64_t step) {
  return CheckpointPath("", lineage, step);
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
    for (const auto& e : fs::directory_iterator(dir_))
      names.push_back(e.path().filename().string());
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
  EXPECT_EQ(path, dir_ + "/lineage-0123456789ab-step-0000000030.ckpt");
  const Checkpoint back = ReadCheckpoint(path);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(c, back));
  EXPECT_EQ(Files(), std::vector<std::string>{
                         "lineage-0123456789ab-step-0000000030.ckpt"});  // no temporary left
  // The tensors come back into a model bit for bit.
  nn::SequenceClassifier<float> model(back.config().model());
  UnpackTensors(back.params(), model.layout(), model.params(), path, "params");
  nn::SequenceClassifier<float> original(model.config());
  original.Initialize(30);
  EXPECT_TRUE(std::equal(model.params(), model.params() + model.num_params(), original.params()));
}

TEST_F(CheckpointFileTest, KeepsOnlyTheNewestOfItsOwnLineage) {
  const std::string other = "fedcba987654";
  SaveCheckpoint(dir_, MakeCheckpoint(70, 4, other), 1);  // later steps of another lineage
  SaveCheckpoint(dir_, MakeCheckpoint(90, 4, ""), 1);     // and of the legacy one (old file names)
  const std::string other_bytes = ReadWholeFile(dir_ + "/" + Name(other, 70), 1 << 20);
  for (int64_t step : {10, 20, 30, 40, 50}) SaveCheckpoint(dir_, MakeCheckpoint(step), 2);
  EXPECT_EQ(Files(), (std::vector<std::string>{Name(kLineage, 40), Name(kLineage, 50),
                                               Name(other, 70), "step-0000000090.ckpt"}));
  EXPECT_EQ(ReadWholeFile(dir_ + "/" + Name(other, 70), 1 << 20), other_bytes);
  testing::WriteFile(dir_ + "/notes.txt", {1});  // other files are left alone
  SaveCheckpoint(dir_, MakeCheckpoint(60), 2);
  EXPECT_EQ(Files(),
            (std::vector<std::string>{Name(kLineage, 50), Name(kLineage, 60), Name(other, 70),
                                      "notes.txt", "step-0000000090.ckpt"}));
  const std::vector<Listed> listed = ListCheckpoints(dir_);
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed[0].path, dir_ + "/step-0000000090.ckpt");
  EXPECT_EQ(listed[0].lineage, "");
  EXPECT_EQ(listed[1].lineage, other);
  EXPECT_EQ(listed[2].step, 60);
  EXPECT_EQ(DescribeLineages(Lineages(dir_)),
            "legacy (1 checkpoint, step 90), fedcba987654 (1 checkpoint, step 70), "
            "0123456789ab (2 checkpoints, steps 50-60)");
}

TEST_F(CheckpointFileTest, TheCheckpointJustWrittenIsNeverDeleted) {
  // A newer step of the same lineage (a damaged file a resume skipped) is not what keep counts.
  SaveCheckpoint(dir_, MakeCheckpoint(100), 1);
  SaveCheckpoint(dir_, MakeCheckpoint(10), 1);
  SaveCheckpoint(dir_, MakeCheckpoint(20), 1);
  EXPECT_EQ(Files(), (std::vector<std::string>{Name(kLineage, 20), Name(kLineage, 100)}));
}

TEST_F(CheckpointFileTest, LineageIds) {
  const std::string a = NewLineageId(), b = NewLineageId();
  EXPECT_TRUE(IsLineageId(a)) << a;
  EXPECT_NE(a, b);
  for (const char* bad :
       {"", "0123456789a", "0123456789abc", "0123456789aB", "../../../etc", "0123456789a/"}) {
    EXPECT_FALSE(IsLineageId(bad)) << bad;
  }
  // A lineage becomes part of file names: a crafted one is refused on reading.
  Checkpoint c = MakeCheckpoint(5);
  c.set_lineage("../../evil00");
  EXPECT_EQ(ErrorOf(Encode(c)), "ck: lineage '../../evil00' is not 12 lowercase hex digits");
  // Names that only look like checkpoints are not listed.
  for (const char* name :
       {"lineage-0123456789ab-step-.ckpt", "lineage-0123456789AB-step-0000000001.ckpt",
        "lineage-0123456789ab_step-0000000001.ckpt", "step-12x.ckpt", "step-1.ckpt.bak"}) {
    testing::WriteFile(dir_ + "/" + name, {1});
  }
  EXPECT_TRUE(ListCheckpoints(dir_).empty());
}

TEST_F(CheckpointFileTest, ReadsVersion1CheckpointsAsTheLegacyLineage) {
  Checkpoint old = MakeCheckpoint(40, 4, "");
  old.clear_lineage();
  old.set_format_version(1);
  ToLegacyOptimizerFields(&old);
  const std::string bytes = Encode(old);
  ASSERT_EQ(bytes[8], 1);
  testing::WriteFile(dir_ + "/step-0000000040.ckpt",
                     std::vector<uint8_t>(bytes.begin(), bytes.end()));
  const auto found = FindLatestValid(dir_, "", [](const std::string& w) { ADD_FAILURE() << w; });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->checkpoint.global_step(), 40);
  EXPECT_EQ(found->checkpoint.lineage(), "");
  EXPECT_EQ(LineageLabel(found->checkpoint.lineage()), "legacy");
  EXPECT_FALSE(FindLatestValid(dir_, kLineage, [](const std::string&) {}));
  old.set_lineage(kLineage);  // version 1 had no lineage
  EXPECT_EQ(ErrorOf(Encode(old)), "ck: lineage '0123456789ab' is not 12 lowercase hex digits");
}

TEST_F(CheckpointFileTest, AFileWhoseContentDisagreesWithItsNameIsSkipped) {
  SaveCheckpoint(dir_, MakeCheckpoint(10), 5);
  const std::string copied = dir_ + "/" + Name("aaaaaaaaaaaa", 30);
  fs::copy_file(dir_ + "/" + Name(kLineage, 10), copied);
  std::vector<std::string> warnings;
  EXPECT_THROW(
      FindLatestValid(dir_, "aaaaaaaaaaaa", [&](const std::string& w) { warnings.push_back(w); }),
      Error);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "skipping checkpoint " + copied +
                             ": holds lineage 0123456789ab step 10, not what its name "
                             "says (renamed?)");
}

TEST_F(CheckpointFileTest, RemovesOnlyAbandonedTemporariesOfSaves) {
  const std::string stale = dir_ + "/." + Name(kLineage, 10) + ".tmp.4242";
  const std::string stale_legacy = dir_ + "/.step-0000000010.ckpt.tmp.17";
  const std::string live = dir_ + "/." + Name(kLineage, 20) + ".tmp.99";
  for (const std::string& f :
       {stale, stale_legacy, live, dir_ + "/.notes.tmp.1", dir_ + "/x.ckpt.tmp.1",
        dir_ + "/." + Name(kLineage, 30) + ".tmp.x"}) {
    testing::WriteFile(f, {1, 2});
  }
  // A writer still at work holds its temporary file locked.
  const int held = ::open(live.c_str(), O_RDONLY);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);
  std::vector<std::string> removed = RemoveStaleTemporaries(dir_);
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{stale, stale_legacy}));
  EXPECT_EQ(Files(), (std::vector<std::string>{"." + Name(kLineage, 20) + ".tmp.99",
                                               "." + Name(kLineage, 30) + ".tmp.x", ".notes.tmp.1",
                                               "x.ckpt.tmp.1"}));
  ::close(held);
  EXPECT_EQ(RemoveStaleTemporaries(dir_), std::vector<std::string>{live});
}

TEST_F(CheckpointFileTest, AtomicWritePhasesInOrderAndTheTemporaryIsLocked) {
  const std::string path = dir_ + "/f";
  std::vector<WritePhase> phases;
  WriteFileAtomically(path, "content", [&](WritePhase phase, const std::string& tmp) {
    phases.push_back(phase);
    EXPECT_EQ(tmp, TemporaryPathFor(path));
    const bool exists = fs::exists(tmp);
    EXPECT_EQ(exists, phase == WritePhase::kMidWrite || phase == WritePhase::kBeforeRename)
        << static_cast<int>(phase);
    if (exists) EXPECT_FALSE(RemoveIfAbandoned(tmp));  // its writer is alive
    EXPECT_EQ(fs::exists(path), phase == WritePhase::kBeforeDirSync);
  });
  EXPECT_EQ(phases,
            (std::vector<WritePhase>{WritePhase::kBeforeCreate, WritePhase::kMidWrite,
                                     WritePhase::kBeforeRename, WritePhase::kBeforeDirSync}));
  EXPECT_EQ(ReadWholeFile(path, 100), "content");
}

TEST_F(CheckpointFileTest, RejectsTruncation) {
  const std::string bytes = Encode(MakeCheckpoint(5));
  EXPECT_EQ(ErrorOf(""), "ck: truncated: 0 bytes, shorter than the 24-byte header");
  EXPECT_EQ(ErrorOf(bytes.substr(0, 23)),
            "ck: truncated: 23 bytes, shorter than the 24-byte header");
  for (size_t keep : {size_t{24}, size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_NE(ErrorOf(bytes.substr(0, keep)).find("ck: truncated or padded: header says"),
              std::string::npos)
        << keep;
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
  for (char version : {0, 4, 7}) {
    bytes[8] = version;
    EXPECT_EQ(ErrorOf(bytes), "ck: checkpoint format version " + std::to_string(version) +
                                  ", this seqtrain reads versions 1 to 3");
  }
  // A header and payload that disagree (the checksum covers the payload only).
  bytes[8] = 1;
  EXPECT_EQ(ErrorOf(bytes), "ck: payload format version 3 disagrees with the header's 1");
}

// The head is part of the model: a checkpoint of one head does not resume as another.
TEST_F(CheckpointFileTest, RejectsAnotherHeadOrOutputSize) {
  ModelConfig saved = MakeCheckpoint(5, 4).config().model();
  saved.set_head(ModelConfig::PER_STEP_REGRESSION);
  saved.set_output_size(3);
  const auto refusal = [&](const ModelConfig& configured) -> std::string {
    try {
      CheckModelMatches(saved, configured, "ck");
    } catch (const Error& e) {
      return e.what();
    }
    return "(accepted)";
  };
  ModelConfig other_head = saved, other_size = saved;
  other_head.set_head(ModelConfig::LAST_STEP_REGRESSION);
  other_size.set_output_size(2);
  EXPECT_EQ(
      refusal(other_head),
      "ck: model.head = PER_STEP_REGRESSION in the checkpoint but LAST_STEP_REGRESSION in the "
      "config: the checkpoint is for another model");
  EXPECT_EQ(
      refusal(other_size),
      "ck: model.output_size = 3 in the checkpoint but 2 in the config: the checkpoint is for "
      "another model");
  EXPECT_EQ(refusal(saved), "(accepted)");
}

TEST_F(CheckpointFileTest, RejectsAnotherModelShape) {
  const Checkpoint c = MakeCheckpoint(5, 4);
  ModelConfig shape;
  shape.set_hidden_size(8);
  try {
    CheckModelMatches(c.config().model(), shape, "ck");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "ck: model.hidden_size = 4 in the checkpoint but 8 in the config: the checkpoint "
                 "is for another model");
  }
  // Tensors themselves are checked too, whatever the config says.
  nn::SequenceClassifier<float> model(shape);
  try {
    UnpackTensors(c.params(), model.layout(), model.params(), "ck", "params");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "ck: params tensor 'lstm0/w_x' has shape [28, 16], the model has [28, 32]");
  }
  Checkpoint renamed = c;
  renamed.mutable_params(1)->set_name("lstm0/w_y");
  shape.set_hidden_size(4);
  nn::SequenceClassifier<float> small(shape);
  EXPECT_THROW(UnpackTensors(renamed.params(), small.layout(), small.params(), "ck", "params"),
               Error);
  Checkpoint short_data = c;
  short_data.mutable_optimizer()->mutable_state(1)->mutable_tensors(0)->mutable_data()->resize(8);
  EXPECT_THROW(UnpackTensors(short_data.optimizer().state(1).tensors(), small.layout(),
                             small.params(), "ck", "v"),
               Error);
}

TEST_F(CheckpointFileTest, LatestValidSkipsCorruptNewestWithAWarning) {
  auto quiet = [](const std::string&) {};
  EXPECT_FALSE(FindLatestValid(dir_, kLineage, quiet));
  EXPECT_FALSE(FindLatestValid(dir_ + "/does-not-exist", kLineage, quiet));
  for (int64_t step : {10, 20, 30}) SaveCheckpoint(dir_, MakeCheckpoint(step), 5);
  SaveCheckpoint(dir_, MakeCheckpoint(50, 4, "aaaaaaaaaaaa"),
                 5);  // another lineage is not a candidate
  const std::string newest_path = dir_ + "/" + Name(kLineage, 30);
  std::string newest = ReadWholeFile(newest_path, 1 << 20);
  newest[newest.size() / 2] ^= 1;
  testing::WriteFile(newest_path, std::vector<uint8_t>(newest.begin(), newest.end()));
  std::vector<std::string> warnings;
  const auto found =
      FindLatestValid(dir_, kLineage, [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->path, dir_ + "/" + Name(kLineage, 20));
  EXPECT_EQ(found->checkpoint.global_step(), 20);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("skipping checkpoint " + newest_path + ": checksum mismatch", 0), 0u)
      << warnings[0];
  // Nothing valid left: an error, not a silent fresh start.
  testing::WriteFile(dir_ + "/" + Name(kLineage, 20), {1, 2, 3});
  testing::WriteFile(dir_ + "/" + Name(kLineage, 10), {});
  try {
    FindLatestValid(dir_, kLineage, quiet);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              dir_ +
                  ": none of the 3 checkpoints of lineage 0123456789ab is valid (see the "
                  "warnings above); refusing to start over");
  }
}

TEST(ModelTensors, LayoutOfMatchesTheModel) {
  for (const auto& [hidden, layers, classes] :
       std::vector<std::tuple<int, int, int>>{{4, 1, 10}, {3, 3, 2}, {17, 2, 256}}) {
    ModelConfig shape;
    shape.set_hidden_size(hidden);
    shape.set_num_layers(layers);
    shape.set_num_classes(classes);
    const nn::SequenceClassifier<float> model(shape);
    const nn::ParamLayout layout = LayoutOf(shape);
    ASSERT_EQ(layout.tensors().size(), model.layout().tensors().size());
    EXPECT_EQ(layout.total_size(), model.layout().total_size());
    for (size_t i = 0; i < layout.tensors().size(); ++i) {
      EXPECT_EQ(layout.tensors()[i].name, model.layout().tensors()[i].name);
      EXPECT_EQ(layout.tensors()[i].shape, model.layout().tensors()[i].shape);
      EXPECT_EQ(layout.tensors()[i].offset, model.layout().tensors()[i].offset);
    }
  }
}

TEST(ModelTensors, TensorsAreCheckedAgainstTheConfigBeforeBuilding) {
  auto error_of = [](const Checkpoint& c, bool optimizer) -> std::string {
    try {
      CheckTensors(c, ModelConfigOf(c, "ck"), optimizer, "ck");
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  Checkpoint c = MakeCheckpoint(5);
  EXPECT_EQ(error_of(c, true), "(no error)");
  Checkpoint huge = c;  // declares a model of 4 GiB and holds none of it
  huge.mutable_config()->mutable_model()->set_hidden_size(16384);
  huge.clear_params();
  EXPECT_EQ(error_of(huge, false), "ck: params holds 0 tensors, the model has 5");
  huge = c;
  huge.mutable_config()->mutable_model()->set_hidden_size(16384);
  EXPECT_EQ(error_of(huge, false),
            "ck: params tensor 'lstm0/w_x' has shape [28, 16], the model has [28, 65536]");
  Checkpoint no_moments = c;
  no_moments.mutable_optimizer()->mutable_state()->RemoveLast();
  EXPECT_EQ(error_of(no_moments, false), "(no error)");
  EXPECT_EQ(error_of(no_moments, true), "ck: optimizer.state 'v' is missing (adam keeps m, v)");
  Checkpoint no_optimizer = c;
  no_optimizer.clear_optimizer();
  EXPECT_EQ(error_of(no_optimizer, false), "(no error)");
  EXPECT_EQ(error_of(no_optimizer, true), "ck: optimizer is missing: no optimizer state to resume");
  Checkpoint huge_state = c;  // a state tensor of a huge shape is refused before any allocation
  Tensor* first = huge_state.mutable_optimizer()->mutable_state(0)->mutable_tensors(0);
  first->set_shape(1, int64_t{1} << 40);
  EXPECT_EQ(error_of(huge_state, true),
            "ck: optimizer.state 'm' tensor 'lstm0/w_x' has shape [28, 1099511627776], "
            "the model has [28, 16]");
}

TEST_F(CheckpointFileTest, AtomicWriteOfPiecesWritesThemInOrderHalfBeforeTheMidPoint) {
  const std::string path = dir_ + "/f";
  const std::string big(1001, 'b');
  uintmax_t size_at_mid = 0;
  WriteFileAtomically(path, {"head", "", big, "tail"},
                      [&](WritePhase phase, const std::string& tmp) {
                        if (phase == WritePhase::kMidWrite) size_at_mid = fs::file_size(tmp);
                      });
  EXPECT_EQ(ReadWholeFile(path, 2000), "head" + big + "tail");
  EXPECT_EQ(size_at_mid, (4 + 1001 + 4) / 2);  // the fault-injection point splits the whole file
  WriteFileAtomically(path, std::vector<std::string_view>{});
  EXPECT_EQ(ReadWholeFile(path, 10), "");
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
