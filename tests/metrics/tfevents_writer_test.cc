#include "metrics/tfevents_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "event.pb.h"
#include "metrics/tfevents_reader.h"
#include "util/error.h"

namespace seqtrain::metrics {
namespace {

namespace fs = std::filesystem;
using seqtrain::testing::BitwiseCrc32c;
using seqtrain::testing::ReadEventFile;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

fs::path FreshDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("seqtrain_tfevents_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

std::vector<fs::path> Files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path());
  return out;
}

TEST(TfEventsReader, BitwiseCrcMatchesRfc3720Vector) {
  // The reader's own CRC32C must be right before it can judge the writer's.
  EXPECT_EQ(BitwiseCrc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(BitwiseCrc32c(std::string(32, '\0')), 0x8a9136aau);
}

TEST(TfEventsWriter, MaskCrcMatchesTheFormula) {
  EXPECT_EQ(MaskCrc(0), 0xa282ead8u);
  EXPECT_EQ(MaskCrc(0x12345678u), ((0x12345678u >> 15) | (0x12345678u << 17)) + 0xa282ead8u);
}

TEST(TfEventsWriter, FileNameFollowsTensorBoardConvention) {
  EXPECT_EQ(EventFileName(1700000000, "node7"), "events.out.tfevents.1700000000.node7");
}

TEST(TfEventsWriter, EventBytesUseTensorFlowFieldNumbers) {
  // Hand-encoded Event{step: 3, summary {value {tag: "a", simple_value: 1.0}}},
  // from TensorFlow's field numbers, against what our generated class emits.
  tensorboard::Event event;
  event.set_step(3);
  auto* v = event.mutable_summary()->add_value();
  v->set_tag("a");
  v->set_simple_value(1.0f);
  const std::string expected = std::string(
                                   "\x10\x03"  // step = 2 (varint): 3
                                   "\x2a\x0a"  // summary = 5 (length 10)
                                   "\x0a\x08"  //   value = 1 (length 8)
                                   "\x0a\x01"
                                   "a"        //     tag = 1: "a"
                                   "\x15") +  //     simple_value = 2 (fixed32)
                               std::string("\x00\x00\x80\x3f", 4);  // 1.0f, little-endian
  EXPECT_EQ(event.SerializeAsString(), expected);
}

TEST(TfEventsWriter, WritesReadableScalars) {
  const fs::path dir = FreshDir("write") / "nested" / "tb";  // parents are created
  std::string path;
  {
    TfEventsWriter writer(dir.string());
    path = writer.path();
    writer.WriteScalars(1, 1700000001.25, {{"train/loss", 2.5}, {"train/accuracy", 0.125}});
    writer.WriteScalars(100, 1700000002.5, {{"test/accuracy", 0.9149}});
  }
  const std::vector<fs::path> files = Files(dir);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].string(), path);
  EXPECT_TRUE(std::regex_match(files[0].filename().string(),
                               std::regex(R"(events\.out\.tfevents\.\d{10}\..+)")))
      << files[0];

  const auto events = ReadEventFile(Slurp(path));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[0].has_file_version);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_TRUE(events[0].scalars.empty());
  EXPECT_GT(events[0].wall_time, 1.6e9);

  EXPECT_FALSE(events[1].has_file_version);
  EXPECT_EQ(events[1].step, 1);
  EXPECT_DOUBLE_EQ(events[1].wall_time, 1700000001.25);
  ASSERT_EQ(events[1].scalars.size(), 2u);
  EXPECT_EQ(events[1].scalars[0].tag, "train/loss");
  EXPECT_EQ(events[1].scalars[0].value, 2.5f);
  EXPECT_EQ(events[1].scalars[1].tag, "train/accuracy");
  EXPECT_EQ(events[1].scalars[1].value, 0.125f);

  EXPECT_EQ(events[2].step, 100);
  ASSERT_EQ(events[2].scalars.size(), 1u);
  EXPECT_EQ(events[2].scalars[0].tag, "test/accuracy");
  EXPECT_EQ(events[2].scalars[0].value, 0.9149f);
  fs::remove_all(FreshDir("write"));
}

TEST(TfEventsWriter, EveryCorruptedByteIsDetected) {
  const fs::path dir = FreshDir("corrupt");
  std::string path;
  {
    TfEventsWriter writer(dir.string());
    path = writer.path();
    writer.WriteScalars(7, {{"train/loss", 0.5}});
  }
  const std::string good = Slurp(path);
  ASSERT_EQ(ReadEventFile(good).size(), 2u);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    EXPECT_THROW(ReadEventFile(bad), std::runtime_error)
        << "flipped byte " << i << " went unnoticed";
  }
  EXPECT_THROW(ReadEventFile(good.substr(0, good.size() - 1)), std::runtime_error);
  fs::remove_all(dir);
}

TEST(TfEventsWriter, UncreatableFolderIsAnErrorNamingIt) {
  const fs::path dir = FreshDir("blocked");
  fs::create_directories(dir);
  const fs::path file = dir / "plain_file";
  std::ofstream(file) << "x";
  const std::string wanted = (file / "tb").string();
  try {
    TfEventsWriter writer(wanted);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(wanted + ": cannot create TensorBoard folder"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace seqtrain::metrics
