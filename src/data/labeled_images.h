// A labeled image set (MNIST layout) held compactly: each image is stored
// run-length coded (zero runs and literal runs, lossless; MNIST shrinks ~3x)
// with an offset table for random access, and decoded to float time-major
// sequences only when a batch uses it. So every rank can hold the whole
// training set in a few MiB.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/data_source.h"
#include "data/idx_file.h"

namespace seqtrain::data {

// Larger images or sets are refused from their header, before anything is
// allocated: the loader and a batch hold whole images, and the offset table
// takes 8 bytes per image.
constexpr int64_t kMaxPixelsPerImage = int64_t{1} << 20;
constexpr int64_t kMaxImages = int64_t{1} << 24;

struct LabeledImages {
  int64_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> labels;    // (count)
  std::vector<uint8_t> packed;    // run-length coded pixels of all images
  std::vector<uint64_t> offsets;  // (count + 1): image i is packed[offsets[i], offsets[i+1])

  int64_t pixels_per_image() const { return int64_t{rows} * cols; }
  // Appends one image of pixels_per_image() bytes.
  void Add(const uint8_t* pixels, uint8_t label);
  // Writes image i's pixels_per_image() bytes to out.
  void Decode(int64_t index, uint8_t* out) const;
  // The first n images, as a set of their own.
  LabeledImages Prefix(int64_t n) const;
};

// An empty set of images of rows x cols.
LabeledImages MakeEmptySet(int rows, int cols);

struct LoadOptions {
  // Use and refresh the cache of the packed images beside the images file
  // (data/packed_cache.h).
  bool use_cache = false;
  // Polled between pieces of at most a few MiB; true ends the load with LoadStopped
  // (data_source.h).
  std::function<bool()> stop_requested;
};

// What a load read, for the ranks to compare (data/data_agreement.h).
struct LoadReport {
  FileChecksum images, labels;  // the files as stored
  bool images_from_cache = false;
  std::string
      cache_problem;  // why the cache could not be written; "" when it was or was not needed
};

// Reads an images file (3 dims) and a labels file (1 dim), checks that they
// agree and that every label is below num_classes. Both headers are checked
// against each other before either payload is read.
LabeledImages LoadLabeledImages(const std::string& images_path, const std::string& labels_path,
                                int num_classes, const LoadOptions& options = {},
                                LoadReport* report = nullptr);

// Reads an images file alone (labels all 0), e.g. for prediction.
LabeledImages LoadImages(const std::string& images_path, int64_t limit = 0);

// Throws seqtrain::Error "path: images are RxC but model.time_steps * model.input_size = ..."
// unless each image is exactly steps * inputs pixels, as FillTimeMajor needs.
void CheckFitsSequences(const LabeledImages& set, int steps, int inputs, const std::string& path);

// Writes the images at indices[0..batch) as x (T, B, I) with pixel/255: step t
// holds pixels [t*I, (t+1)*I) of each image (rows of a 28x28 image when
// T = I = 28), or, with order (T * I entries), pixels order[t*I .. (t+1)*I).
// Labels go to labels_out (B).
template <typename T>
void FillTimeMajor(const LabeledImages& set, const int64_t* indices, int batch, int steps,
                   int inputs, T* x, int32_t* labels_out, const int32_t* order = nullptr);

}  // namespace seqtrain::data
