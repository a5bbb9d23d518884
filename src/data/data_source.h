// The seam between the trainer and a data format: a DataSource is one set of
// samples (a run's training set or its test set), opened by the format named in
// data.format through a registry. A new format is its own files plus one line
// in the registry (data_source.cc) or one RegisterDataSource call.
//
// Contract, for every implementation (tests/data/data_source_contract.h checks it):
// - count() >= 1 samples; each is a sequence of length() in [1, steps()] steps of
//   inputs() floats and a target of the kind target_spec() says (TargetKind below): a class
//   in [0, num_classes()), or width floats, for the sequence or for each of its steps. The
//   metadata never changes once opened.
// - Read(i) and Fill give the same values for the same sample, every time; steps
//   from a sample's length on are 0, in x and in per-step targets.
// - Fill writes x time-major, x[(t * batch + b) * inputs() + j], for the samples
//   indices[0..batch) in that order (any valid indices, repeats allowed), and the targets
//   as TargetsOut says.
// - Facts() describes what every rank must have loaded alike: count, sample shape
//   and the files as stored (size and CRC32C), so ranks can agree (data_agreement.h).
// - Const methods are safe to call from several threads at once.
//
// Porting a classification source written before targets had kinds: nothing to declare
// (target_spec() defaults to one class per sequence); Read writes the class to
// targets.classes[0] and returns the length instead of a Sample; Fill writes targets.classes[b].
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "config.pb.h"
#include "data/idx_file.h"

namespace seqtrain::data {

// A file a set was read from, as stored.
struct AgreedFile {
  std::string path;
  FileChecksum checksum;
};

// What the ranks compare about one set (data_agreement.h).
struct SetFacts {
  std::string role;              // "training set", "test set"
  std::string noun = "samples";  // what messages call the samples, e.g. "images"
  int64_t count = 0;
  int shape[2] = {0, 0};          // a sample as the files store it, e.g. rows x cols
  std::vector<AgreedFile> files;  // at most kMaxAgreedFiles; the first names the set in messages
};
constexpr size_t kMaxAgreedFiles = 3;

// What a sample's target is. Class kinds are int32 in [0, num_classes()); value kinds are
// width floats (regression); per-step kinds give one target per step, 0 past the length.
enum class TargetKind {
  kClass,      // one class per sequence (MNIST digits)
  kValue,      // width values per sequence
  kStepClass,  // one class per step (tagging)
  kStepValue,  // width values per step (forecasting)
};

struct TargetSpec {
  TargetKind kind = TargetKind::kClass;
  int width = 1;  // values per target: 1 for the class kinds

  bool per_step() const { return kind == TargetKind::kStepClass || kind == TargetKind::kStepValue; }
  bool is_class() const { return kind == TargetKind::kClass || kind == TargetKind::kStepClass; }
  // int32 or float elements one sample's targets take: width, or steps * width per step.
  size_t PerSample(int steps) const {
    return static_cast<size_t>(width) * (per_step() ? static_cast<size_t>(steps) : 1);
  }
  bool operator==(const TargetSpec& o) const { return kind == o.kind && width == o.width; }
  bool operator!=(const TargetSpec& o) const { return !(*this == o); }
};

// "a class per sequence", "1 value per sequence", "a class per step", "3 values per step".
std::string Describe(const TargetSpec& spec);

// Where targets go: classes for the class kinds, values for the value kinds (the other
// pointer may be null). For one sample (Read): classes[0] or values[k]; per step,
// classes[t] or values[t * width + k] for t < steps(). For a batch (Fill), time-major
// like x: classes[b] or values[b * width + k]; per step, classes[t * batch + b] or
// values[(t * batch + b) * width + k].
struct TargetsOut {
  int32_t* classes = nullptr;
  float* values = nullptr;
};

class DataSource {
 public:
  virtual ~DataSource() = default;

  virtual int64_t count() const = 0;
  virtual int steps() const = 0;        // T: the longest sample's length
  virtual int inputs() const = 0;       // I: features per step
  virtual int num_classes() const = 0;  // class kinds: every class is below it; else 0
  // Whether some sample is shorter than steps().
  virtual bool variable_length() const = 0;
  // The kind and width of the targets; one class per sequence unless a source says otherwise.
  virtual TargetSpec target_spec() const { return {}; }

  // Writes sample `index` to sequence (steps() x inputs(), step-major) and its targets
  // (TargetsOut); returns its length in [1, steps()].
  virtual int Read(int64_t index, float* sequence, const TargetsOut& targets) const = 0;
  // x (steps(), batch, inputs()), lengths (batch) and the targets of indices[0..batch).
  // This one calls Read per sample; a source overrides it when it can do better.
  virtual void Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
                    const TargetsOut& targets) const;

  // Sample index's length, e.g. for length-bucketed batches. This one calls Read when
  // variable_length(); a source overrides it when it knows the length without decoding.
  virtual int length(int64_t index) const;

  // Role left empty; the loader names it.
  virtual SetFacts Facts() const = 0;
};

// Thrown by an opener when OpenRequest::stop_requested answers true.
class LoadStopped : public std::runtime_error {
 public:
  LoadStopped() : std::runtime_error("data loading stopped") {}
};

enum class Split { kTrain, kTest };

struct OpenRequest {
  seqtrain::DataConfig config;  // format, dir, file names, cache
  Split split = Split::kTrain;
  // The model's shape: the samples must be read as steps x inputs with targets below num_classes.
  int steps = 0, inputs = 0, num_classes = 0;
  // The targets the model's head reads: a source whose files can hold several kinds (npy)
  // reads them as this; the trainer checks every source's target_spec() against the model.
  TargetSpec targets;
  // Polled between pieces of at most a few MiB; true ends the open with LoadStopped.
  std::function<bool()> stop_requested;
  // Lines for rank 0's log (e.g. why a cache could not be written); may be null.
  std::vector<std::string>* notes = nullptr;
};

// Opens the set, or throws seqtrain::Error naming the file, field and value.
using DataSourceOpener = std::unique_ptr<DataSource> (*)(const OpenRequest& request);

// Adds a format; returns true, for `const bool registered = RegisterDataSource(...)` at
// namespace scope. A name registered twice is a programming error.
bool RegisterDataSource(const std::string& format, DataSourceOpener open);
// The registered formats, sorted.
std::vector<std::string> DataSourceFormats();
// Opens request.config.format(); an unknown one is a seqtrain::Error listing the known ones.
std::unique_ptr<DataSource> OpenDataSource(const OpenRequest& request);

// A file name that is absolute stays as is; otherwise it is under dir.
std::string PathUnder(const std::string& dir, const std::string& file);

}  // namespace seqtrain::data
