// A labeled image set (MNIST layout) kept as bytes; a batch is converted to
// float time-major sequences only when it is used.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seqtrain::data {

struct LabeledImages {
  int64_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  // (count, rows, cols)
  std::vector<uint8_t> labels;  // (count)

  int64_t pixels_per_image() const { return int64_t{rows} * cols; }
};

// Reads an images file (3 dims) and a labels file (1 dim), checks that they
// agree and that every label is below num_classes.
LabeledImages LoadLabeledImages(const std::string& images_path, const std::string& labels_path,
                                int num_classes);

// Writes the images at indices[0..batch) as x (T, B, I) with pixel/255: step t
// holds pixels [t*I, (t+1)*I) of each image (rows of a 28x28 image when
// T = I = 28). Labels go to labels_out (B).
template <typename T>
void FillTimeMajor(const LabeledImages& set, const int64_t* indices, int batch, int steps,
                   int inputs, T* x, int32_t* labels_out);

}  // namespace seqtrain::data
