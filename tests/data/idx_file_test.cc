#include "data/idx_file.h"

#include <gtest/gtest.h>

#include "data/labeled_images.h"
#include "support/idx_writer.h"
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
    EXPECT_STREQ(e.what(), (Path("wide.idx") +
                            ": images of 16130x65022 pixels are larger than the limit of 1048576 pixels").c_str());
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
    EXPECT_STREQ(e.what(), (Path("lab3") + ": holds 3 labels but " + Path("img") + " holds 2 images").c_str());
  }
  WriteFile(Path("lab10"), IdxBytes({2}, {3, 10}));
  try {
    LoadLabeledImages(Path("img"), Path("lab10"), 10);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), (Path("lab10") + ": label 10 at index 1 is out of range [0, 10)").c_str());
  }
  // Labels where images belong: caught at the magic number.
  EXPECT_THROW(LoadLabeledImages(Path("lab"), Path("lab"), 10), Error);
}

}  // namespace
}  // namespace seqtrain::data
