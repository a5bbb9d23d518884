// The cache of decoded images: used only when it matches the source file,
// never trusted when damaged, written atomically by concurrent processes,
// and moved to the user's cache folder when the data folder is read-only.
#include "data/packed_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "support/idx_writer.h"

namespace seqtrain::data {
namespace {

namespace fs = std::filesystem;

class PackedCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("packed_cache");
    data_ = dir_ + "/data";
    user_cache_ = dir_ + "/user-cache";
    fs::create_directories(data_);
    setenv("XDG_CACHE_HOME", user_cache_.c_str(), 1);
    // Images with zero runs, literal runs and runs longer than 255 pixels.
    std::mt19937 rng(5);
    pixels_.resize(kCount * 30 * 20);
    for (size_t i = 0; i < pixels_.size(); ++i)
      pixels_[i] = (i / 300) % 3 == 0 ? 0 : static_cast<uint8_t>(rng());
    testing::WriteGzFile(Images(), testing::IdxBytes({kCount, 30, 20}, pixels_));
    std::vector<uint8_t> labels(kCount);
    for (uint32_t i = 0; i < kCount; ++i) labels[i] = static_cast<uint8_t>(i % 10);
    testing::WriteFile(Labels(), testing::IdxBytes({kCount}, labels));
  }
  void TearDown() override {
    fs::permissions(data_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }

  std::string Images() const { return data_ + "/images.gz"; }
  std::string Labels() const { return data_ + "/labels"; }
  std::string Beside() const { return data_ + "/.seqtrain-cache/images.gz.packed"; }

  LabeledImages Load(LoadReport* report) const {
    LoadOptions options;
    options.use_cache = true;
    return LoadLabeledImages(Images(), Labels(), 10, options, report);
  }

  // The set decodes to exactly the pixels written.
  void ExpectPixels(const LabeledImages& set) const {
    ASSERT_EQ(set.count, kCount);
    std::vector<uint8_t> image(600);
    for (int64_t i = 0; i < set.count; ++i) {
      set.Decode(i, image.data());
      ASSERT_TRUE(std::equal(image.begin(), image.end(), pixels_.begin() + i * 600))
          << "image " << i;
      ASSERT_EQ(set.labels[static_cast<size_t>(i)], i % 10);
    }
  }

  static constexpr uint32_t kCount = 500;
  std::string dir_, data_, user_cache_;
  std::vector<uint8_t> pixels_;
};

TEST_F(PackedCacheTest, SecondLoadComesFromTheCacheWithTheSameContent) {
  LoadReport first, second;
  const LabeledImages a = Load(&first);
  EXPECT_FALSE(first.images_from_cache);
  EXPECT_EQ(first.cache_problem, "");
  ASSERT_TRUE(fs::exists(Beside()));
  const LabeledImages b = Load(&second);
  EXPECT_TRUE(second.images_from_cache);
  EXPECT_EQ(b.packed, a.packed);
  EXPECT_EQ(b.offsets, a.offsets);
  EXPECT_EQ(b.labels, a.labels);
  EXPECT_EQ(second.images.crc32c, first.images.crc32c);
  EXPECT_EQ(second.labels.crc32c, first.labels.crc32c);
  ExpectPixels(b);
}

TEST_F(PackedCacheTest, ChangedSourceIsNotServedFromTheCache) {
  LoadReport report;
  Load(&report);
  pixels_[12345] ^= 0x55;
  testing::WriteGzFile(Images(), testing::IdxBytes({kCount, 30, 20}, pixels_));
  const LabeledImages set = Load(&report);
  EXPECT_FALSE(report.images_from_cache);
  ExpectPixels(set);
  Load(&report);  // and the cache was refreshed
  EXPECT_TRUE(report.images_from_cache);
}

TEST_F(PackedCacheTest, DamagedCacheIsIgnored) {
  LoadReport report;
  Load(&report);
  const std::vector<uint8_t> good = testing::ReadFile(Beside());
  // Each header byte and bytes spread over the packed data flipped in turn, then cut short and
  // grown.
  std::vector<size_t> positions;
  for (size_t at = 0; at < 64; ++at) positions.push_back(at);
  for (size_t at = 64; at < good.size(); at += good.size() / 40) positions.push_back(at);
  positions.push_back(good.size() - 1);
  for (size_t at : positions) {
    std::vector<uint8_t> bad = good;
    bad[at] ^= 0x01;
    testing::WriteFile(Beside(), bad);
    const LabeledImages set = Load(&report);
    ASSERT_FALSE(report.images_from_cache) << "flipped byte " << at;
    ASSERT_EQ(set.packed.size(), good.size() - 64);
  }
  testing::WriteFile(Beside(), std::vector<uint8_t>(good.begin(), good.end() - 1));
  ExpectPixels(Load(&report));
  EXPECT_FALSE(report.images_from_cache);
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  testing::WriteFile(Beside(), longer);
  ExpectPixels(Load(&report));
  EXPECT_FALSE(report.images_from_cache);
}

TEST_F(PackedCacheTest, ReadOnlyDataFolderUsesTheUserCacheFolder) {
  fs::permissions(data_, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  LoadReport report;
  Load(&report);
  EXPECT_EQ(report.cache_problem, "");
  EXPECT_FALSE(fs::exists(data_ + "/.seqtrain-cache"));  // not even by root
  int cached = 0;
  for (const auto& e : fs::directory_iterator(user_cache_ + "/seqtrain")) {
    EXPECT_EQ(e.path().filename().string().rfind("images.gz-", 0), 0u) << e.path();
    ++cached;
  }
  EXPECT_EQ(cached, 1);
  ExpectPixels(Load(&report));
  EXPECT_TRUE(report.images_from_cache);

  // Nowhere to write: loads all the same and says why.
  fs::remove_all(user_cache_);
  unsetenv("XDG_CACHE_HOME");
  const std::string home = getenv("HOME") ? getenv("HOME") : "";
  unsetenv("HOME");
  const LabeledImages set = Load(&report);
  if (!home.empty()) setenv("HOME", home.c_str(), 1);
  ExpectPixels(set);
  EXPECT_NE(report.cache_problem.find(data_ + " is read-only"), std::string::npos)
      << report.cache_problem;
}

// A package's data set (/usr/share/datasets/...) is cached in the user's folder only.
TEST_F(PackedCacheTest, FilesUnderUsrAreCachedInTheUserFolderOnly) {
  const FileChecksum source{123, 0xABCDEF01u};
  const std::string user = user_cache_ + "/seqtrain/train-images-idx3-ubyte.gz-123-ABCDEF01.packed";
  EXPECT_EQ(
      PackedCachePaths("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", source),
      std::vector<std::string>{user});
  EXPECT_EQ(PackedCachePaths("/usr/train-images-idx3-ubyte.gz", source),
            std::vector<std::string>{user});
  EXPECT_EQ(PackedCachePaths("/usrdata/train-images-idx3-ubyte.gz", source),
            (std::vector<std::string>{"/usrdata/.seqtrain-cache/train-images-idx3-ubyte.gz.packed",
                                      user}));
}

// Ranks starting together all miss and all write: each replaces the file
// atomically, so every reader sees a whole cache or none.
TEST_F(PackedCacheTest, ConcurrentWritersLeaveAValidCache) {
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int bad = 0;
      for (int round = 0; round < 5; ++round) {
        LoadReport report;
        LabeledImages set = Load(&report);
        if (set.count != kCount || !report.cache_problem.empty()) bad = 1;
        if (round == 0 && i == 0) ::unlink(Beside().c_str());  // keep some writing
      }
      _exit(bad);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  LoadReport report;
  ExpectPixels(Load(&report));
  EXPECT_TRUE(report.images_from_cache);
  for (const auto& e : fs::directory_iterator(data_ + "/.seqtrain-cache")) {
    EXPECT_EQ(e.path().filename().string(), "images.gz.packed");  // no temporary file left
  }
}

}  // namespace
}  // namespace seqtrain::data
