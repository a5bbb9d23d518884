// The DataSource seam: its contract holds for the IDX source and for a toy
// source added as a new format would be, a broken source fails the contract,
// and the registry opens formats by name.
#include "data/data_source.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "data/data_source_contract.h"
#include "data/idx_source.h"
#include "data/toy_sequence_source.h"
#include "support/idx_writer.h"
#include "util/error.h"

namespace seqtrain::testing {
namespace {

constexpr int kRows = 4, kCols = 6, kCount = 9;

std::vector<uint8_t> Pixels() {
  std::mt19937 rng(3);
  std::vector<uint8_t> p(kCount * kRows * kCols);
  for (size_t i = 0; i < p.size(); ++i) p[i] = i % 5 == 0 ? 0 : static_cast<uint8_t>(rng());
  return p;
}

data::LabeledImages Images() {
  data::LabeledImages set = data::MakeEmptySet(kRows, kCols);
  const std::vector<uint8_t> p = Pixels();
  for (int i = 0; i < kCount; ++i)
    set.Add(p.data() + i * kRows * kCols, static_cast<uint8_t>(i % 3));
  return set;
}

TEST(IdxDataSource, HoldsTheContractReadAsRowsAndAsPixels) {
  for (const auto& [steps, inputs] : {std::pair{kRows, kCols}, std::pair{kRows * kCols, 1}}) {
    const data::IdxDataSource source(Images(), steps, inputs, 3);
    ExpectDataSourceContract(source);
    EXPECT_FALSE(source.variable_length());
    // Step t of sample i is pixels [t * I, (t + 1) * I) of image i, over 255.
    const std::vector<uint8_t> p = Pixels();
    const ReadSample r = ReadOne(source, 7);
    EXPECT_EQ(r.sample.target, 7 % 3);
    EXPECT_EQ(r.sample.length, steps);
    for (int k = 0; k < kRows * kCols; ++k)
      EXPECT_FLOAT_EQ(r.x[k], p[7 * kRows * kCols + k] / 255.0f);
  }
}

TEST(IdxDataSource, ImagesThatDoNotFitTheModelAreRefused) {
  try {
    data::IdxDataSource source(Images(), 5, 5, 3, {"img.idx", "lab.idx", {}});
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "img.idx: images are 4x6 but model.time_steps * model.input_size = 5 * 5 = 25");
  }
}

TEST(ToySequences, HoldsTheContractWithFixedAndVaryingLengths) {
  const ToySequences fixed(50, 7, 3, 4, false, 1);
  ExpectDataSourceContract(fixed);
  EXPECT_FALSE(fixed.variable_length());
  const ToySequences varying(50, 7, 3, 4, true, 1);
  ExpectDataSourceContract(varying);
  EXPECT_TRUE(varying.variable_length());
}

// Fill disagrees with Read in one value: the contract must catch it.
class OffByOneFill final : public data::DataSource {
 public:
  int64_t count() const override { return inner_.count(); }
  int steps() const override { return inner_.steps(); }
  int inputs() const override { return inner_.inputs(); }
  int num_classes() const override { return inner_.num_classes(); }
  bool variable_length() const override { return false; }
  data::Sample Read(int64_t index, float* sequence) const override {
    return inner_.Read(index, sequence);
  }
  void Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
            int32_t* targets) const override {
    inner_.Fill(indices, batch, x, lengths, targets);
    x[1] += 1.0f;
  }
  data::SetFacts Facts() const override { return inner_.Facts(); }

 private:
  ToySequences inner_{20, 4, 2, 3, false, 2};
};

// Claims a fixed length while its samples vary.
class LyingAboutLengths final : public data::DataSource {
 public:
  int64_t count() const override { return inner_.count(); }
  int steps() const override { return inner_.steps(); }
  int inputs() const override { return inner_.inputs(); }
  int num_classes() const override { return inner_.num_classes(); }
  bool variable_length() const override { return false; }
  data::Sample Read(int64_t index, float* sequence) const override {
    return inner_.Read(index, sequence);
  }
  data::SetFacts Facts() const override { return inner_.Facts(); }

 private:
  ToySequences inner_{20, 6, 2, 3, true, 2};
};

TEST(DataSourceContract, CatchesABrokenSource) {
  static const OffByOneFill off_by_one;
  EXPECT_FATAL_FAILURE(ExpectDataSourceContract(off_by_one), "batch row");
  static const LyingAboutLengths lying;
  EXPECT_NONFATAL_FAILURE(ExpectDataSourceContract(lying), "variable_length() is false");
}

TEST(DataSourceRegistry, OpensFormatsByNameAndListsThemWhenUnknown) {
  const std::vector<std::string> formats = data::DataSourceFormats();
  EXPECT_EQ(formats, (std::vector<std::string>{"idx", "npy", kToyFormat}));
  data::OpenRequest request;
  request.config.set_format(kToyFormat);
  request.split = data::Split::kTest;
  request.steps = 5;
  request.inputs = 3;
  request.num_classes = 4;
  const std::unique_ptr<data::DataSource> toy = data::OpenDataSource(request);
  EXPECT_EQ(toy->count(), 128);
  EXPECT_EQ(toy->steps(), 5);
  ExpectDataSourceContract(*toy);
  request.config.set_format("csv");
  try {
    data::OpenDataSource(request);
    ADD_FAILURE() << "opened";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "data.format = \"csv\": no such data source (known: idx, npy, "
                 "toy_sequences, auto)");
  }
}

TEST(DataSourceRegistry, AutoFindsIdxFilesAndTheIdxSourceNamesThemForAgreement) {
  const std::string dir = MakeTempDir("data_source_idx");
  const std::vector<uint8_t> p = Pixels();
  WriteGzFile(dir + "/t10k-images-idx3-ubyte.gz", IdxBytes({kCount, kRows, kCols}, p));
  std::vector<uint8_t> labels(kCount);
  for (int i = 0; i < kCount; ++i) labels[i] = static_cast<uint8_t>(i % 3);
  WriteFile(dir + "/t10k-labels-idx1-ubyte.gz", IdxBytes({kCount}, labels));
  data::OpenRequest request;
  request.config.set_dir(dir);
  request.config.set_cache(false);
  EXPECT_EQ(request.config.format(), "auto");
  request.split = data::Split::kTest;
  request.steps = kRows;
  request.inputs = kCols;
  request.num_classes = 3;
  const std::unique_ptr<data::DataSource> source = data::OpenDataSource(request);
  ExpectDataSourceContract(*source);
  const data::SetFacts facts = source->Facts();
  EXPECT_EQ(facts.noun, "images");
  EXPECT_EQ(facts.shape[0], kRows);
  EXPECT_EQ(facts.shape[1], kCols);
  ASSERT_EQ(facts.files.size(), 2u);
  EXPECT_EQ(facts.files[0].path, dir + "/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(facts.files[1].path, dir + "/t10k-labels-idx1-ubyte.gz");
  for (const data::AgreedFile& f : facts.files) {
    const data::FileChecksum stored = data::ChecksumFile(f.path);
    EXPECT_EQ(f.checksum.size, stored.size) << f.path;
    EXPECT_EQ(f.checksum.crc32c, stored.crc32c) << f.path;
  }
  // A label the model cannot output is the loader's one-line error.
  request.num_classes = 2;
  try {
    data::OpenDataSource(request);
    ADD_FAILURE() << "opened";
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        (dir + "/t10k-labels-idx1-ubyte.gz: label 2 at index 2 is out of range [0, 2)").c_str());
  }
}

}  // namespace
}  // namespace seqtrain::testing
