// The "npy" data source: NumPy arrays under data.dir, one set each:
//   train_x.npy, train_y.npy and optionally train_len.npy (the same with test_), or
//   train.npz (test.npz) holding arrays x, y and optionally len.
// x is (N, T, I) float32, float64 (read as float) or uint8 (times data.uint8_scale);
// y holds the targets model.head reads (OpenRequest::targets): (N,) integer class ids,
// (N,) or (N, K) floats, per step (N, T) integer classes or (N, T) / (N, T, K) floats; len is (N,)
// integers in [1, T] (without it every sequence is T long). Steps from a sequence's length on are
// padding: never read, whatever they hold. The model's shape must match the data: T is
// model.time_steps and I model.input_size.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/data_source.h"
#include "data/npy_file.h"

namespace seqtrain::data {

// Where a set's arrays are; npz set: one archive, else one file per array.
struct NpySetFiles {
  std::string npz;            // "DIR/train.npz", or empty
  std::string x, y, lengths;  // "DIR/train_x.npy", ...; lengths empty when absent
};

// The files of the set split under dir, as found there: the .npy files when train_x.npy
// (test_x.npy) exists, else the .npz. Both there is an Error (which one is meant?); neither:
// found() is false.
struct NpySetLookup {
  NpySetFiles files;
  bool found = false;
};
NpySetLookup FindNpySet(const std::string& dir, Split split);
// "train_x.npy (with train_y.npy, [train_len.npy]) or train.npz": what FindNpySet looks for.
std::string NpySetDescription(Split split);

// The targets of a set as the source keeps them: classes or values, per sample
// spec.PerSample(T) of them, 0 past a per-step sequence's length.
struct NpyTargets {
  std::vector<int32_t> classes;
  std::vector<float> values;
};
// y as read, checked against spec (shape, dtype, classes below num_classes, finite values).
NpyTargets TargetsFromY(const NpyArray& y, const TargetSpec& spec, int64_t count, int steps,
                        int num_classes, const std::vector<int32_t>& lengths);

class NpyDataSource final : public DataSource {
 public:
  // Checks everything against each other and against the model's steps, inputs and
  // num_classes; throws seqtrain::Error naming the file, field and value.
  // lengths: null for "every sequence is T long". files_read: the Facts() files.
  // y: null for inputs only (prediction), every target 0.
  NpyDataSource(NpyArray x, const NpyArray* y, const NpyArray* lengths, int steps, int inputs,
                int num_classes, const TargetSpec& targets, double uint8_scale,
                std::vector<AgreedFile> files_read);

  int64_t count() const override { return count_; }
  int steps() const override { return steps_; }
  int inputs() const override { return inputs_; }
  int num_classes() const override { return num_classes_; }
  bool variable_length() const override { return variable_length_; }
  TargetSpec target_spec() const override { return spec_; }
  int length(int64_t index) const override { return lengths_[static_cast<size_t>(index)]; }
  int Read(int64_t index, float* sequence, const TargetsOut& targets) const override;
  void Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
            const TargetsOut& targets) const override;
  SetFacts Facts() const override;

 private:
  // Steps [0, length) of sample index, each written at out + t * stride (I floats).
  void CopySteps(int64_t index, int length, float* out, size_t stride) const;

  NpyArray x_;
  int64_t count_;
  int steps_, inputs_, num_classes_;
  TargetSpec spec_;
  float uint8_scale_;
  std::vector<int32_t> lengths_;
  NpyTargets targets_;
  bool variable_length_ = false;
  std::vector<AgreedFile> files_;
};

// The registry's opener: FindNpySet under data.dir for request.split.
std::unique_ptr<DataSource> OpenNpyDataSource(const OpenRequest& request);

// x (and lengths, unless empty) as the npy source reads them, for `seqtrain predict --inputs`:
// the same checks, no targets (target_spec() is targets', every target 0).
std::unique_ptr<DataSource> OpenNpyInputs(const std::string& x_path,
                                          const std::string& lengths_path, int steps, int inputs,
                                          const TargetSpec& targets, double uint8_scale);

}  // namespace seqtrain::data
