// The DataSource seam: its contract holds for the IDX source and for a toy
// source added as a new format would be, a broken source fails the contract,
// and the registry opens formats by name.
#include "data/data_source.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>

#include "data/data_source_contract.h"
#include "data/idx_source.h"
#include "data/sine_forecast_source.h"
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
    EXPECT_EQ(r.classes, std::vector<int32_t>{7 % 3});
    EXPECT_EQ(r.length, steps);
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

// Opens the test split of files written under dir, read as steps x inputs in order.
std::unique_ptr<data::DataSource> OpenWritten(const std::string& dir, int steps, int inputs,
                                              seqtrain::DataConfig::PixelOrder order,
                                              uint64_t permutation_seed = 1) {
  data::OpenRequest request;
  request.config.set_dir(dir);
  request.config.set_cache(true);  // the cache holds the images as stored, for every order
  request.config.set_pixel_order(order);
  request.config.set_permutation_seed(permutation_seed);
  request.split = data::Split::kTest;
  request.steps = steps;
  request.inputs = inputs;
  request.num_classes = 3;
  return data::OpenDataSource(request);
}

std::string WriteImages(const std::string& name) {
  const std::string dir = MakeTempDir(name);
  WriteGzFile(dir + "/t10k-images-idx3-ubyte.gz", IdxBytes({kCount, kRows, kCols}, Pixels()));
  std::vector<uint8_t> labels(kCount);
  for (int i = 0; i < kCount; ++i) labels[i] = static_cast<uint8_t>(i % 3);
  WriteFile(dir + "/t10k-labels-idx1-ubyte.gz", IdxBytes({kCount}, labels));
  return dir;
}

// Sequential MNIST: step t is pixel t; permuted: pixel perm[t] for one fixed permutation, the
// same from a fresh open and from the cache, and another for another seed.
TEST(IdxDataSource, PixelOrdersReadOnePixelPerStep) {
  using Order = seqtrain::DataConfig;
  const std::string dir = WriteImages("pixel_orders");
  const std::vector<uint8_t> p = Pixels();
  constexpr int kPixels = kRows * kCols;
  const auto sequential = OpenWritten(dir, kPixels, 1, Order::PIXELS);
  ExpectDataSourceContract(*sequential);
  const ReadSample s = ReadOne(*sequential, 5);
  for (int t = 0; t < kPixels; ++t) EXPECT_FLOAT_EQ(s.x[t], p[5 * kPixels + t] / 255.0f);

  const data::PixelOrder perm = data::PixelPermutation(1, kPixels);
  ASSERT_EQ(static_cast<int>(perm.size()), kPixels);
  EXPECT_EQ(std::set<int32_t>(perm.begin(), perm.end()).size(), size_t{kPixels});
  EXPECT_NE(perm, data::PixelPermutation(2, kPixels));
  std::vector<int32_t> identity(kPixels);
  for (int t = 0; t < kPixels; ++t) identity[t] = t;
  EXPECT_NE(perm, identity);
  for (int pass = 0; pass < 2; ++pass) {  // the second from the cache the first wrote
    const auto permuted = OpenWritten(dir, kPixels, 1, Order::PERMUTED_PIXELS);
    ExpectDataSourceContract(*permuted);
    for (int64_t i = 0; i < kCount; ++i) {
      const ReadSample r = ReadOne(*permuted, i);
      for (int t = 0; t < kPixels; ++t)
        ASSERT_FLOAT_EQ(r.x[t], p[i * kPixels + perm[t]] / 255.0f) << "sample " << i;
    }
  }
  const ReadSample other = ReadOne(*OpenWritten(dir, kPixels, 1, Order::PERMUTED_PIXELS, 2), 5);
  EXPECT_NE(other.x, ReadOne(*OpenWritten(dir, kPixels, 1, Order::PERMUTED_PIXELS), 5).x);
}

TEST(IdxDataSource, PixelOrderNeedsOnePixelPerStep) {
  const std::string dir = WriteImages("pixel_order_shape");
  for (const auto& [steps, inputs] : {std::pair{kRows, kCols}, std::pair{kRows * kCols / 2, 2}}) {
    try {
      OpenWritten(dir, steps, inputs, seqtrain::DataConfig::PERMUTED_PIXELS);
      ADD_FAILURE() << "opened";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                dir + "/t10k-images-idx3-ubyte.gz: data.pixel_order = PERMUTED_PIXELS reads 24 " +
                    "steps of 1 pixel (images 4x6) but model.time_steps = " +
                    std::to_string(steps) + " and model.input_size = " + std::to_string(inputs) +
                    " (set model.time_steps: 24, model.input_size: 1)");
    }
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

TEST(ToySequences, HoldsTheContractForEveryTargetKind) {
  using data::TargetKind;
  for (const data::TargetSpec spec :
       {data::TargetSpec{TargetKind::kValue, 1}, data::TargetSpec{TargetKind::kValue, 3},
        data::TargetSpec{TargetKind::kStepClass, 1}, data::TargetSpec{TargetKind::kStepValue, 2}}) {
    SCOPED_TRACE(data::Describe(spec));
    for (const bool vary : {false, true}) {
      const ToySequences source(40, 6, 3, 4, vary, 2, spec);
      EXPECT_EQ(source.target_spec(), spec);
      ExpectDataSourceContract(source);
    }
  }
}

TEST(SineForecast, HoldsTheContractAndItsTargetIsTheNextValue) {
  for (const bool per_step : {false, true}) {
    const SineForecast source(30, 12, 5, per_step, 0.0, 4);
    ExpectDataSourceContract(source);
    EXPECT_TRUE(source.variable_length());
    // Without noise the series is one sine: a target is the value after its step, so a
    // 3-point recurrence s(t+1) = 2 cos(w) s(t) - s(t-1) holds across input and target.
    for (int64_t i = 0; i < source.count(); ++i) {
      const ReadSample r = ReadOne(source, i);
      const int L = r.length;
      std::vector<double> s(r.x.begin(), r.x.begin() + L);
      s.push_back(per_step ? r.values[L - 1] : r.values[0]);
      if (per_step) {
        for (int t = 0; t + 1 < L; ++t) EXPECT_FLOAT_EQ(r.values[t], r.x[t + 1]);
      }
      const double two_cos = (s[2] + s[0]) / s[1];
      EXPECT_NEAR(s[L], two_cos * s[L - 1] - s[L - 2], 1e-3 * (1 + std::fabs(two_cos))) << i;
    }
  }
  EXPECT_GT(SineForecast(100, 40, 20, false, 0.05, 1).NaiveRmse(), 0.1);
}

// The default Fill scatters one sample's targets time-major, as x: checked against Read.
TEST(ToySequences, PerStepTargetsFollowTheInputs) {
  const ToySequences source(10, 5, 4, 4, true, 3, {data::TargetKind::kStepClass, 1});
  for (int64_t i = 0; i < source.count(); ++i) {
    const ReadSample r = ReadOne(source, i);
    for (int t = 0; t < r.length; ++t) {
      const float* step = r.x.data() + static_cast<size_t>(t) * 4;
      EXPECT_EQ(std::max_element(step, step + 4) - step, r.classes[t] % 4) << i << " " << t;
    }
  }
  EXPECT_EQ(data::Describe({data::TargetKind::kStepValue, 3}), "3 values per step");
  EXPECT_EQ(data::Describe({}), "a class per sequence");
  EXPECT_EQ(data::Describe({data::TargetKind::kValue, 1}), "1 value per sequence");
}

// Fill disagrees with Read in one value: the contract must catch it.
class OffByOneFill final : public data::DataSource {
 public:
  int64_t count() const override { return inner_.count(); }
  int steps() const override { return inner_.steps(); }
  int inputs() const override { return inner_.inputs(); }
  int num_classes() const override { return inner_.num_classes(); }
  bool variable_length() const override { return false; }
  int Read(int64_t index, float* sequence, const data::TargetsOut& targets) const override {
    return inner_.Read(index, sequence, targets);
  }
  void Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
            const data::TargetsOut& targets) const override {
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
  int Read(int64_t index, float* sequence, const data::TargetsOut& targets) const override {
    return inner_.Read(index, sequence, targets);
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
  EXPECT_EQ(formats, (std::vector<std::string>{"idx", "npy", kToyFormat, kToyStepClassesFormat,
                                               kToyStepValuesFormat, kToyValuesFormat}));
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
  // Only the IDX source reads images.
  request.config.set_pixel_order(seqtrain::DataConfig::PIXELS);
  try {
    data::OpenDataSource(request);
    ADD_FAILURE() << "opened";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "data.pixel_order = PIXELS: only data.format \"idx\" reads images, not "
                 "\"toy_sequences\"");
  }
  request.config.clear_pixel_order();
  request.config.set_format("csv");
  try {
    data::OpenDataSource(request);
    ADD_FAILURE() << "opened";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "data.format = \"csv\": no such data source (known: idx, npy, "
                 "toy_sequences, toy_step_classes, toy_step_values, toy_values, auto)");
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
