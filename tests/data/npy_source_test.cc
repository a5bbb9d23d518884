// The "npy" data source: the DataSource contract on .npy and .npz sets, the values
// it gives against the IDX source on the same bytes, each mismatch as one line
// naming file, field and value, and data.format "auto".
#include "data/npy_source.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "data/data_source_contract.h"
#include "data/format_detection.h"
#include "data/idx_source.h"
#include "support/error_of.h"
#include "support/idx_writer.h"
#include "support/npy_writer.h"
#include "util/error.h"

namespace seqtrain::testing {
namespace {

constexpr int kN = 5, kT = 6, kI = 3, kClasses = 4;

std::vector<float> Values() {
  std::vector<float> x(kN * kT * kI);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) - 2.5f;
  return x;
}

struct Set {
  std::string dir;
  data::OpenRequest request;
};

// A training set of kN sequences under a fresh folder; lengths {6, 1, 3, 6, 2}, padding NaN.
Set WriteSet(const std::string& name, bool with_lengths = true) {
  Set s;
  s.dir = MakeTempDir(name);
  std::vector<float> x = Values();
  const std::vector<int64_t> lengths = {6, 1, 3, 6, 2};
  for (int n = 0; n < kN; ++n) {
    for (int t = with_lengths ? static_cast<int>(lengths[n]) : kT; t < kT; ++t) {
      for (int j = 0; j < kI; ++j) x[(n * kT + t) * kI + j] = std::nanf("");
    }
  }
  WriteFile(s.dir + "/train_x.npy", NpyFloat32({kN, kT, kI}, x));
  WriteFile(s.dir + "/train_y.npy", NpyInt64({kN}, {0, 1, 2, 3, 1}));
  if (with_lengths) WriteFile(s.dir + "/train_len.npy", NpyInt64({kN}, lengths));
  s.request.config.set_dir(s.dir);
  s.request.split = data::Split::kTrain;
  s.request.steps = kT;
  s.request.inputs = kI;
  s.request.num_classes = kClasses;
  return s;
}

std::string OpenError(const data::OpenRequest& request) {
  return ErrorOf([&] { data::OpenDataSource(request); });
}

TEST(NpySource, HoldsTheContractAndReadsTheValuesAsStored) {
  Set s = WriteSet("npy_contract");
  ASSERT_EQ(s.request.config.format(), "auto");
  const std::unique_ptr<data::DataSource> source = data::OpenDataSource(s.request);
  ExpectDataSourceContract(*source);
  EXPECT_TRUE(source->variable_length());
  const std::vector<float> x = Values();
  std::vector<float> seq(kT * kI);
  int32_t third_class = -1;
  EXPECT_EQ(source->Read(2, seq.data(), {&third_class, nullptr}), 3);
  EXPECT_EQ(third_class, 2);
  for (int k = 0; k < kT * kI; ++k) {
    EXPECT_EQ(seq[k], k < 3 * kI ? x[2 * kT * kI + k] : 0.0f) << k;  // NaN padding reads as 0
  }
  const data::SetFacts facts = source->Facts();
  EXPECT_EQ(facts.noun, "sequences");
  EXPECT_EQ(facts.count, kN);
  EXPECT_EQ(facts.shape[0], kT);
  EXPECT_EQ(facts.shape[1], kI);
  ASSERT_EQ(facts.files.size(), 3u);
  EXPECT_EQ(facts.files[0].path, s.dir + "/train_x.npy");
  EXPECT_EQ(facts.files[2].path, s.dir + "/train_len.npy");
  for (const data::AgreedFile& f : facts.files) {
    const data::FileChecksum stored = data::ChecksumFile(f.path);
    EXPECT_EQ(f.checksum.size, stored.size) << f.path;
    EXPECT_EQ(f.checksum.crc32c, stored.crc32c) << f.path;
  }
  // Without train_len.npy every sequence is T long.
  Set full = WriteSet("npy_no_len", false);
  const std::unique_ptr<data::DataSource> fixed = data::OpenDataSource(full.request);
  ExpectDataSourceContract(*fixed);
  EXPECT_FALSE(fixed->variable_length());
  EXPECT_EQ(fixed->Facts().files.size(), 2u);
}

TEST(NpySource, ReadsTheNumPyWrittenArchivesAsTheNpyFiles) {
  // The fixtures: x (3, 4, 2) = arange / 4, y = {0, 1, 2}, len = {4, 1, 3}.
  const std::string fixtures = SEQTRAIN_NPY_FIXTURES;
  const std::string dir = MakeTempDir("npy_vs_npz");
  WriteFile(dir + "/test_x.npy", ReadFile(fixtures + "/x_f4_v1.npy"));
  WriteFile(dir + "/test_y.npy", ReadFile(fixtures + "/y_i8.npy"));
  WriteFile(dir + "/test_len.npy", NpyInt64({3}, {4, 1, 3}));
  data::OpenRequest request;
  request.config.set_dir(dir);
  request.split = data::Split::kTest;
  request.steps = 4;
  request.inputs = 2;
  request.num_classes = 3;
  const std::unique_ptr<data::DataSource> npy = data::OpenDataSource(request);
  for (const char* archive : {"stored.npz", "deflated.npz"}) {
    SCOPED_TRACE(archive);
    const std::string zdir = MakeTempDir(std::string("npz_") + archive);
    WriteFile(zdir + "/test.npz", ReadFile(fixtures + "/" + archive));
    request.config.set_dir(zdir);
    const std::unique_ptr<data::DataSource> npz = data::OpenDataSource(request);
    ExpectDataSourceContract(*npz);
    ASSERT_EQ(npz->count(), 3);
    for (int64_t i = 0; i < 3; ++i) {
      const ReadSample a = ReadOne(*npy, i), b = ReadOne(*npz, i);
      EXPECT_EQ(a.x, b.x);
      EXPECT_EQ(a.length, b.length);
      EXPECT_EQ(a.classes, b.classes);
    }
    const data::SetFacts facts = npz->Facts();
    ASSERT_EQ(facts.files.size(), 1u);
    EXPECT_EQ(facts.files[0].checksum.crc32c, data::ChecksumFile(zdir + "/test.npz").crc32c);
  }
}

TEST(NpySource, Uint8ImagesGiveTheIdxSourcesValuesAndFloat64IsReadAsFloat) {
  constexpr int kCount = 4, kRows = 5, kCols = 7;
  std::vector<uint8_t> pixels(kCount * kRows * kCols);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 37) % 256);
  std::vector<uint8_t> labels = {3, 0, 9, 1};
  const std::string dir = MakeTempDir("npy_vs_idx");
  WriteFile(dir + "/t10k-images-idx3-ubyte.gz", IdxBytes({kCount, kRows, kCols}, pixels));
  WriteFile(dir + "/t10k-labels-idx1-ubyte.gz", IdxBytes({kCount}, labels));
  std::vector<double> as_double(pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i) as_double[i] = pixels[i] / 255.0;
  const std::string ndir = MakeTempDir("npy_u1"), ddir = MakeTempDir("npy_f8");
  WriteFile(ndir + "/test_x.npy", NpyBytes("|u1", {kCount, kRows, kCols}, pixels));
  WriteFile(ddir + "/test_x.npy", NpyFloat64({kCount, kRows, kCols}, as_double));
  for (const std::string& d : {ndir, ddir}) {
    WriteFile(d + "/test_y.npy", NpyBytes("|u1", {kCount}, labels));
  }
  data::OpenRequest request;
  request.config.set_cache(false);
  request.split = data::Split::kTest;
  request.steps = kRows;
  request.inputs = kCols;
  request.num_classes = 10;
  request.config.set_dir(dir);
  const std::unique_ptr<data::DataSource> idx = data::OpenDataSource(request);  // auto: idx
  EXPECT_NE(dynamic_cast<const data::IdxDataSource*>(idx.get()), nullptr);
  request.config.set_dir(ndir);
  const std::unique_ptr<data::DataSource> u1 = data::OpenDataSource(request);
  request.config.set_dir(ddir);
  const std::unique_ptr<data::DataSource> f8 = data::OpenDataSource(request);
  const std::vector<int64_t> batch = {2, 0, 3, 1, 2};
  const size_t size = batch.size() * kRows * kCols;
  std::vector<float> xi(size), xu(size), xd(size);
  std::vector<int32_t> li(5), lu(5), ld(5), ti(5), tu(5), td(5);
  idx->Fill(batch.data(), 5, xi.data(), li.data(), {ti.data(), nullptr});
  u1->Fill(batch.data(), 5, xu.data(), lu.data(), {tu.data(), nullptr});
  f8->Fill(batch.data(), 5, xd.data(), ld.data(), {td.data(), nullptr});
  EXPECT_EQ(xu, xi);  // bit for bit: the default uint8_scale is the IDX pixels' 1/255
  EXPECT_EQ(tu, ti);
  EXPECT_EQ(lu, li);
  for (size_t k = 0; k < size; ++k) EXPECT_NEAR(xd[k], xi[k], 1e-7) << k;
  EXPECT_EQ(td, ti);
  request.config.set_dir(ndir);
  request.config.set_uint8_scale(2.0);
  const std::unique_ptr<data::DataSource> doubled = data::OpenDataSource(request);
  std::vector<float> seq(kRows * kCols);
  int32_t label = -1;
  doubled->Read(1, seq.data(), {&label, nullptr});
  EXPECT_EQ(seq[3], 2.0f * pixels[kRows * kCols + 3]);
}

TEST(NpySource, ReadsTheTargetsTheHeadReads) {
  Set s = WriteSet("npy_targets");  // lengths {6, 1, 3, 6, 2}
  const std::string y = s.dir + "/train_y.npy";
  // One value per sequence: (N,) or (N, 1); K values: (N, K).
  s.request.targets = {data::TargetKind::kValue, 1};
  WriteFile(y, NpyFloat32({kN}, {0.5f, -1, 2, 3, 1e-3f}));
  std::unique_ptr<data::DataSource> source = data::OpenDataSource(s.request);
  ExpectDataSourceContract(*source);
  EXPECT_EQ(source->target_spec(), s.request.targets);
  EXPECT_EQ(source->num_classes(), 0);
  EXPECT_EQ(ReadOne(*source, 1).values, std::vector<float>{-1});
  WriteFile(y, NpyFloat64({kN, 1}, {0.5, -1, 2, 3, 1e-3}));
  EXPECT_EQ(ReadOne(*data::OpenDataSource(s.request), 4).values, std::vector<float>{1e-3f});
  s.request.targets = {data::TargetKind::kValue, 2};
  WriteFile(y, NpyFloat32({kN, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  source = data::OpenDataSource(s.request);
  ExpectDataSourceContract(*source);
  EXPECT_EQ(ReadOne(*source, 3).values, (std::vector<float>{6, 7}));
  // Batches are time-major: values[b * width + k].
  const std::vector<int64_t> batch = {3, 0};
  std::vector<float> x(2 * kT * kI), values(4);
  std::vector<int32_t> lengths(2);
  source->Fill(batch.data(), 2, x.data(), lengths.data(), {nullptr, values.data()});
  EXPECT_EQ(values, (std::vector<float>{6, 7, 0, 1}));
  WriteFile(y, NpyFloat32({kN}, {0, 1, 2, 3, 4}));
  EXPECT_EQ(OpenError(s.request), y + ": descr = '<f4', shape (5,): y must be of shape (5, 2) "
                                      "(model.head reads 2 values per sequence)");
  WriteFile(y, NpyFloat32({kN, 2}, {0, 1, 2, std::nanf(""), 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(OpenError(s.request), y + ": NaN in y at index 1: targets must be finite");

  // One class per step: (N, T); past each length the targets are padding (0, never checked).
  s.request.targets = {data::TargetKind::kStepClass, 1};
  std::vector<int64_t> tags(kN * kT, 99);
  const int lengths_of[kN] = {6, 1, 3, 6, 2};
  for (int n = 0; n < kN; ++n) {
    for (int t = 0; t < lengths_of[n]; ++t) tags[n * kT + t] = (n + t) % kClasses;
  }
  WriteFile(y, NpyInt64({kN, kT}, tags));
  source = data::OpenDataSource(s.request);
  ExpectDataSourceContract(*source);
  EXPECT_EQ(ReadOne(*source, 2).classes, (std::vector<int32_t>{2, 3, 0, 0, 0, 0}));
  tags[2 * kT + 1] = kClasses;
  WriteFile(y, NpyInt64({kN, kT}, tags));
  EXPECT_EQ(OpenError(s.request), y + ": class 4 at index 2, step 1 is out of range [0, 4) "
                                      "(model.num_classes = 4)");
  WriteFile(y, NpyFloat32({kN, kT}, std::vector<float>(kN * kT, 1)));
  EXPECT_EQ(OpenError(s.request), y + ": descr = '<f4', shape (5, 6): class ids must be integers "
                                      "(model.head reads a class per step)");

  // Values per step: (N, T) for width 1, (N, T, K).
  s.request.targets = {data::TargetKind::kStepValue, 1};
  std::vector<float> series(kN * kT);
  for (size_t i = 0; i < series.size(); ++i) series[i] = 0.25f * static_cast<float>(i);
  WriteFile(y, NpyFloat32({kN, kT}, series));
  source = data::OpenDataSource(s.request);
  ExpectDataSourceContract(*source);
  EXPECT_EQ(ReadOne(*source, 1).values, (std::vector<float>{1.5f, 0, 0, 0, 0, 0}));
  s.request.targets = {data::TargetKind::kStepValue, 2};
  EXPECT_EQ(OpenError(s.request), y + ": descr = '<f4', shape (5, 6): y must be of shape "
                                      "(5, 6, 2) (model.head reads 2 values per step)");
}

TEST(NpySource, EachMismatchIsOneLineNamingFileFieldAndValue) {
  Set s = WriteSet("npy_errors");
  const std::string x = s.dir + "/train_x.npy", y = s.dir + "/train_y.npy",
                    len = s.dir + "/train_len.npy";
  const std::vector<uint8_t> good_x = ReadFile(x), good_y = ReadFile(y), good_len = ReadFile(len);
  auto restore = [&] {
    WriteFile(x, good_x);
    WriteFile(y, good_y);
    WriteFile(len, good_len);
  };
  ASSERT_EQ(OpenError(s.request), "");
  s.request.steps = 28;
  EXPECT_EQ(OpenError(s.request),
            x + ": shape (5, 6, 3) (N, T, I) but model.time_steps = 28 and model.input_size = 3: "
                "the model's shape must match the data (--set model.time_steps=6 --set "
                "model.input_size=3)");
  s.request.steps = kT;
  s.request.num_classes = 3;
  EXPECT_EQ(OpenError(s.request),
            y + ": class 3 at index 3 is out of range [0, 3) (model.num_classes = 3)");
  s.request.num_classes = kClasses;

  WriteFile(y, NpyInt64({kN}, {0, 1, -1, 3, 1}));
  EXPECT_EQ(OpenError(s.request),
            y + ": class -1 at index 2 is out of range [0, 4) (model.num_classes = 4)");
  WriteFile(y, NpyInt64({kN - 1}, {0, 1, 2, 3}));
  EXPECT_EQ(OpenError(s.request), y + ": descr = '<i8', shape (4,): y must hold the targets of 5 "
                                      "sequences (x's N)");
  WriteFile(y, NpyFloat32({kN}, {0, 1, 2, 3, 1}));
  EXPECT_EQ(OpenError(s.request), y + ": descr = '<f4', shape (5,): class ids must be integers "
                                      "(model.head reads a class per sequence)");
  WriteFile(y, NpyInt64({kN, kT}, std::vector<int64_t>(kN * kT, 1)));
  EXPECT_EQ(OpenError(s.request), y + ": descr = '<i8', shape (5, 6): y must be of shape (5,) "
                                      "(model.head reads a class per sequence)");
  WriteFile(y, NpyInt64({kN, 2}, std::vector<int64_t>(kN * 2, 1)));
  EXPECT_EQ(OpenError(s.request), y + ": descr = '<i8', shape (5, 2): y must be of shape (5,) "
                                      "(model.head reads a class per sequence)");
  restore();

  WriteFile(len, NpyInt64({kN}, {6, 1, 7, 6, 2}));
  EXPECT_EQ(OpenError(s.request), len + ": length 7 at index 2 is out of range [1, 6] (T of x)");
  WriteFile(len, NpyInt64({kN}, {6, 0, 3, 6, 2}));
  EXPECT_EQ(OpenError(s.request), len + ": length 0 at index 1 is out of range [1, 6] (T of x)");
  WriteFile(len, NpyInt64({kN + 1}, {6, 1, 3, 6, 2, 2}));
  EXPECT_EQ(OpenError(s.request),
            len + ": shape (6,): lengths must be (N,) = (5,), one per sequence of x");
  WriteFile(len, NpyFloat32({kN}, {6, 1, 3, 6, 2}));
  EXPECT_EQ(OpenError(s.request), len + ": descr = '<f4', shape (5,): lengths must be integers");
  restore();

  std::vector<float> v = Values();
  v[(1 * kT + 0) * kI + 2] = std::numeric_limits<float>::infinity();
  WriteFile(x, NpyFloat32({kN, kT, kI}, v));
  EXPECT_EQ(OpenError(s.request),
            x + ": Inf in x at sequence 1, step 0, input 2: x must be finite");
  v = Values();
  v[(3 * kT + 5) * kI + 0] = std::nanf("");
  WriteFile(x, NpyFloat32({kN, kT, kI}, v));
  EXPECT_EQ(OpenError(s.request),
            x + ": NaN in x at sequence 3, step 5, input 0: x must be finite");
  std::vector<double> d(kN * kT * kI, 1.0);
  d[4] = 1e300;
  WriteFile(x, NpyFloat64({kN, kT, kI}, d));
  EXPECT_EQ(OpenError(s.request),
            x + ": a value beyond float32 in x at sequence 0, step 1, input 1: x must be finite");
  WriteFile(x, NpyInt64({kN, kT, kI}, std::vector<int64_t>(kN * kT * kI, 1)));
  EXPECT_EQ(OpenError(s.request), x + ": descr = '<i8': x must be float32 ('<f4'), float64 "
                                      "('<f8') or uint8 ('|u1')");
  WriteFile(x, NpyFloat32({kN, kT * kI}, Values()));
  EXPECT_EQ(OpenError(s.request),
            x + ": shape (5, 18): x must be (N, T, I): sequences, steps, inputs");
  WriteFile(x, NpyFloat32({0, kT, kI}, {}));
  EXPECT_EQ(OpenError(s.request), x + ": shape (0, 6, 3): no sequences");
  restore();

  ::remove(y.c_str());
  EXPECT_EQ(OpenError(s.request), y + ": cannot open: No such file or directory");
  restore();
  WriteFile(s.dir + "/train.npz", ReadFile(std::string(SEQTRAIN_NPY_FIXTURES) + "/stored.npz"));
  EXPECT_EQ(OpenError(s.request), x + " and " + s.dir +
                                      "/train.npz are both there: keep one (data.format npy reads "
                                      "either)");
}

TEST(FormatDetection, PicksTheSourceWhoseFilesAreThereAndElseSaysWhatItLookedFor) {
  const std::string dir = MakeTempDir("detect");
  DataConfig c;
  c.set_dir(dir);
  EXPECT_EQ(ErrorOf([&] { data::DetectFormat(c, data::Split::kTrain); }),
            "data.format = \"auto\": no training set in " + dir +
                ": looked for train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (idx) "
                "and for train_x.npy (with train_y.npy, [train_len.npy]) or train.npz (npy)");
  WriteFile(dir + "/test.npz", {});
  EXPECT_EQ(data::DetectFormat(c, data::Split::kTest), "npy");
  WriteFile(dir + "/train_x.npy", {});
  EXPECT_EQ(data::DetectFormat(c, data::Split::kTrain), "npy");
  WriteFile(dir + "/train-labels-idx1-ubyte.gz", {});  // either IDX file: idx names the other
  EXPECT_EQ(data::DetectFormat(c, data::Split::kTrain), "idx");
  c.set_dir(dir + "/none");
  EXPECT_EQ(ErrorOf([&] { data::DetectFormat(c, data::Split::kTest); }),
            "data.dir = " + dir + "/none: no such folder (looked for the test set)");
}

}  // namespace
}  // namespace seqtrain::testing
