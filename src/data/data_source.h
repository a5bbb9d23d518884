// The seam between the trainer and a data format: a DataSource is one set of
// samples (a run's training set or its test set), opened by the format named in
// data.format through a registry. A new format is its own files plus one line
// in the registry (data_source.cc) or one RegisterDataSource call.
//
// Contract, for every implementation (tests/data/data_source_contract.h checks it):
// - count() >= 1 samples; each is a sequence of length() in [1, steps()] steps of
//   inputs() floats and a target in [0, num_classes()). The metadata never changes
//   once opened.
// - Read(i) and Fill give the same values for the same sample, every time; steps
//   from a sample's length on are 0.
// - Fill writes x time-major, x[(t * batch + b) * inputs() + j], for the samples
//   indices[0..batch) in that order (any valid indices, repeats allowed).
// - Facts() describes what every rank must have loaded alike: count, sample shape
//   and the files as stored (size and CRC32C), so ranks can agree (data_agreement.h).
// - Const methods are safe to call from several threads at once.
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

struct Sample {
  int length = 0;  // steps in [1, steps()]
  int32_t target = 0;
};

class DataSource {
 public:
  virtual ~DataSource() = default;

  virtual int64_t count() const = 0;
  virtual int steps() const = 0;        // T: the longest sample's length
  virtual int inputs() const = 0;       // I: features per step
  virtual int num_classes() const = 0;  // every target is below it
  // Whether some sample is shorter than steps().
  virtual bool variable_length() const = 0;

  // Writes sample `index` to sequence (steps() x inputs(), step-major).
  virtual Sample Read(int64_t index, float* sequence) const = 0;
  // x (steps(), batch, inputs()), lengths (batch) and targets (batch) of indices[0..batch).
  // This one calls Read per sample; a source overrides it when it can do better.
  virtual void Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
                    int32_t* targets) const;

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
