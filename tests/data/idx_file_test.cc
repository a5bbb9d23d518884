#include "data/idx_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>

#include "data/labeled_images.h"
#include "support/idx_writer.h"
#include "util/crc32c.h"
#include "util/error.h"

namespace seqtrain::data {
namespace {

using testing::IdxBytes;
using testing::IdxHeader;
using testing::WriteFile;
using testing::WriteGzFile;

class IdxFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("idx"); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Expects ReadIdx(path) to fail with a message naming the file and containing `what`.
  void ExpectReadError(const std::string& path, const std::string& what, int dims = 0) {
    try {
      ReadIdx(path, dims);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }

  std::string dir_;
};

const std::vector<uint8_t> kPixels = {0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255};

TEST_F(IdxFileTest, ReadsPlainAndGzipFilesBack) {
  const auto bytes = IdxBytes({2, 2, 3}, kPixels);
  WriteFile(Path("a.idx"), bytes);
  WriteGzFile(Path("a.idx.gz"), bytes);
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    const IdxArray a = ReadIdx(Path(name), 3);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 2, 3})) << name;
    EXPECT_EQ(a.data, kPixels) << name;
  }
}

TEST_F(IdxFileTest, RejectsWrongMagic) {
  auto bytes = IdxBytes({2, 2, 3}, kPixels);
  bytes[0] = 0x1f;
  WriteFile(Path("bad.idx"), bytes);
  ExpectReadError(Path("bad.idx"), "bad magic number 0x1F000803");
}

TEST_F(IdxFileTest, RejectsFileOfTheWrongRank) {
  WriteFile(Path("images.idx"), IdxBytes({2, 2, 3}, kPixels));
  ExpectReadError(Path("images.idx"), "bad magic number 0x00000803: expected 0x00000801", 1);
}

TEST_F(IdxFileTest, RejectsNonByteElementType) {
  auto bytes = IdxBytes({3}, {1, 2, 3});
  bytes[2] = 0x0D;
  WriteFile(Path("float.idx"), bytes);
  ExpectReadError(Path("float.idx"), "unsupported IDX element type 0x0D");
}

TEST_F(IdxFileTest, RejectsTruncatedHeaderAndData) {
  const auto bytes = IdxBytes({2, 2, 3}, kPixels);
  WriteFile(Path("magic.idx"), {0, 0});
  ExpectReadError(Path("magic.idx"), "truncated");
  WriteFile(Path("dims.idx"), std::vector<uint8_t>(bytes.begin(), bytes.begin() + 9));
  ExpectReadError(Path("dims.idx"), "truncated: file ends inside the header");
  WriteFile(Path("data.idx"), std::vector<uint8_t>(bytes.begin(), bytes.end() - 1));
  ExpectReadError(Path("data.idx"), "truncated: header promises 12 data bytes, file holds 11");
  WriteGzFile(Path("data.idx.gz"), std::vector<uint8_t>(bytes.begin(), bytes.end() - 5));
  ExpectReadError(Path("data.idx.gz"), "header promises 12 data bytes, file holds 7");
  WriteFile(Path("empty.idx"), {});
  ExpectReadError(Path("empty.idx"), "truncated");
}

TEST_F(IdxFileTest, RejectsTrailingBytes) {
  auto bytes = IdxBytes({2, 2, 3}, kPixels);
  bytes.push_back(7);
  WriteFile(Path("long.idx"), bytes);
  ExpectReadError(Path("long.idx"), "trailing bytes after the 12 data bytes");
}

TEST_F(IdxFileTest, RejectsCutOrCorruptGzipStream) {
  WriteGzFile(Path("full.gz"), IdxBytes({2, 2, 3}, kPixels));
  auto gz = testing::ReadFile(Path("full.gz"));
  // Without its 8-byte trailer (CRC and length) the data is complete but the stream is not.
  WriteFile(Path("cut.gz"), std::vector<uint8_t>(gz.begin(), gz.end() - 8));
  ExpectReadError(Path("cut.gz"), "truncated gzip stream");
  auto flipped = gz;
  flipped[flipped.size() - 6] ^= 0xFF;  // inside the CRC
  WriteFile(Path("crc.gz"), flipped);
  ExpectReadError(Path("crc.gz"), "corrupt gzip data");
}

TEST_F(IdxFileTest, RejectsHugeClaimsWithoutAllocating) {
  WriteFile(Path("huge.idx"), IdxHeader({0xFFFFFFFF, 0xFFFFFFFF, 2}));
  ExpectReadError(Path("huge.idx"), "header claims more than");
  // A claim under the cap but far beyond the file: reported as truncation.
  WriteFile(Path("big.idx"), IdxHeader({1000000, 28, 28}));
  ExpectReadError(Path("big.idx"), "truncated: header promises 784000000 data bytes, file holds 0");
}

TEST_F(IdxFileTest, RejectsImagesTooLargeToLoad) {
  // Found by the idx fuzzer: 2 images of 16130x65022 pixels, under the file-size cap,
  // made the loader allocate 2 GiB before reading any data.
  WriteFile(Path("wide.idx"), IdxHeader({2, 16130, 65022}));
  try {
    LoadImages(Path("wide.idx"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 (Path("wide.idx") +
                  ": images of 16130x65022 pixels are larger than the limit of 1048576 pixels")
                     .c_str());
  }
}

TEST_F(IdxFileTest, RejectsMissingFileAndDirectory) {
  ExpectReadError(Path("nope.idx"), "cannot open: No such file or directory");
  ExpectReadError(dir_, "not a regular file");
}

TEST_F(IdxFileTest, LabeledImagesChecksCountsAndLabelRange) {
  WriteFile(Path("img"), IdxBytes({2, 2, 3}, kPixels));
  WriteFile(Path("lab"), IdxBytes({2}, {3, 9}));
  const LabeledImages set = LoadLabeledImages(Path("img"), Path("lab"), 10);
  EXPECT_EQ(set.count, 2);
  EXPECT_EQ(set.rows, 2);
  EXPECT_EQ(set.cols, 3);
  EXPECT_EQ(set.labels, (std::vector<uint8_t>{3, 9}));

  WriteFile(Path("lab3"), IdxBytes({3}, {1, 2, 3}));
  try {
    LoadLabeledImages(Path("img"), Path("lab3"), 10);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        (Path("lab3") + ": holds 3 labels but " + Path("img") + " holds 2 images").c_str());
  }
  WriteFile(Path("lab10"), IdxBytes({2}, {3, 10}));
  try {
    LoadLabeledImages(Path("img"), Path("lab10"), 10);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 (Path("lab10") + ": label 10 at index 1 is out of range [0, 10)").c_str());
  }
  // Labels where images belong: caught at the magic number.
  EXPECT_THROW(LoadLabeledImages(Path("lab"), Path("lab"), 10), Error);
}

TEST_F(IdxFileTest, ChecksumIsOfTheFileAsStored) {
  const auto bytes = IdxBytes({2, 2, 3}, kPixels);
  WriteFile(Path("a.idx"), bytes);
  WriteGzFile(Path("a.idx.gz"), bytes);
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    const std::vector<uint8_t> stored = testing::ReadFile(Path(name));
    IdxReader reader(Path(name), 3);
    std::vector<uint8_t> data(12);
    reader.ReadData(data.data(), data.size());
    reader.Finish();
    EXPECT_EQ(data, kPixels) << name;
    EXPECT_EQ(reader.file_checksum().size, stored.size()) << name;
    EXPECT_EQ(reader.file_checksum().crc32c, Crc32c(stored.data(), stored.size())) << name;
    EXPECT_EQ(ChecksumFile(Path(name)).crc32c, Crc32c(stored.data(), stored.size())) << name;
  }
}

TEST_F(IdxFileTest, ReadsConcatenatedGzipMembersAndIgnoresWhatFollowsTheLast) {
  // gzip(1) accepts both: `cat a.gz b.gz` and zero padding after the stream.
  const auto bytes = IdxBytes({2, 2, 3}, kPixels);
  WriteGzFile(Path("head.gz"), std::vector<uint8_t>(bytes.begin(), bytes.begin() + 9));
  WriteGzFile(Path("tail.gz"), std::vector<uint8_t>(bytes.begin() + 9, bytes.end()));
  std::vector<uint8_t> joined = testing::ReadFile(Path("head.gz"));
  const std::vector<uint8_t> tail = testing::ReadFile(Path("tail.gz"));
  joined.insert(joined.end(), tail.begin(), tail.end());
  joined.insert(joined.end(), 100, 0);
  WriteFile(Path("joined.gz"), joined);
  const IdxArray a = ReadIdx(Path("joined.gz"), 3);
  EXPECT_EQ(a.data, kPixels);
  IdxReader reader(Path("joined.gz"), 3);
  std::vector<uint8_t> data(12);
  reader.ReadData(data.data(), data.size());
  reader.Finish();
  EXPECT_EQ(reader.file_checksum().size, joined.size());
  EXPECT_EQ(reader.file_checksum().crc32c, Crc32c(joined.data(), joined.size()));
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// 2 MB of gzip that declares 2^31 - 1 labels (2 GB of zeros) next to an images
// file of 3 images: rejected from the two headers, before any label is read.
TEST_F(IdxFileTest, LabelCountIsCheckedAgainstTheImagesBeforeReadingLabels) {
  WriteGzFile(Path("images.gz"), IdxBytes({3, 2, 2}, std::vector<uint8_t>(12, 7)));
  testing::WriteZerosGzIdx(Path("huge-labels.gz"), {2147483647u});
  ASSERT_LT(testing::ReadFile(Path("huge-labels.gz")).size(), 3u << 20);
  const double rss_before = PeakRssMiB();
  const auto start = std::chrono::steady_clock::now();
  try {
    LoadLabeledImages(Path("images.gz"), Path("huge-labels.gz"), 10);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), (Path("huge-labels.gz") + ": holds 2147483647 labels but " +
                            Path("images.gz") + " holds 3 images")
                               .c_str());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 3.0);  // the file holds 2 GB: reading it took 11 s
  EXPECT_LT(PeakRssMiB() - rss_before, 300.0);
}

TEST_F(IdxFileTest, RejectsMoreImagesThanTheLimitFromTheHeader) {
  WriteFile(Path("many.idx"), IdxHeader({(1u << 24) + 1, 1, 1}));
  try {
    LoadImages(Path("many.idx"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        (Path("many.idx") + ": holds 16777217 images, more than the limit of 16777216").c_str());
  }
}

// A stop asked for while a file is read ends the load at the next piece.
TEST_F(IdxFileTest, StopRequestEndsLoadingAtTheNextPiece) {
  // 3 pieces of 4 MiB of images: the loader polls before each.
  const uint32_t count = 3 * 4096;
  std::vector<uint8_t> pixels(static_cast<size_t>(count) * 1024, 9);
  WriteGzFile(Path("images.gz"), IdxBytes({count, 32, 32}, pixels));
  WriteFile(Path("labels"), IdxBytes({count}, std::vector<uint8_t>(count, 1)));
  int polls = 0;
  LoadOptions options;
  options.stop_requested = [&] { return ++polls == 3; };
  EXPECT_THROW(LoadLabeledImages(Path("images.gz"), Path("labels"), 10, options), LoadStopped);
  EXPECT_EQ(polls, 3);
  polls = -100;  // never 3 again: loads to the end
  const LabeledImages set = LoadLabeledImages(Path("images.gz"), Path("labels"), 10, options);
  EXPECT_EQ(set.count, count);
  EXPECT_GE(polls, -100 + 4);  // once at the start, once for the labels, once per piece of images
}

}  // namespace
}  // namespace seqtrain::data
