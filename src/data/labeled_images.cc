#include "data/labeled_images.h"

#include "data/idx_file.h"
#include "util/error.h"

namespace seqtrain::data {

LabeledImages LoadLabeledImages(const std::string& images_path, const std::string& labels_path,
                                int num_classes) {
  IdxArray images = ReadIdx(images_path, 3);
  if (images.dims.size() != 3) {
    throw Error(images_path + ": expected a 3-dimensional image file (count, rows, cols), found " +
                std::to_string(images.dims.size()) + " dimensions");
  }
  if (images.dims[0] == 0 || images.dims[1] == 0 || images.dims[2] == 0) {
    throw Error(images_path + ": image file holds no pixels (a dimension is 0)");
  }
  IdxArray labels = ReadIdx(labels_path, 1);
  if (labels.dims.size() != 1) {
    throw Error(labels_path + ": expected a 1-dimensional label file, found " +
                std::to_string(labels.dims.size()) + " dimensions");
  }
  if (labels.dims[0] != images.dims[0]) {
    throw Error(labels_path + ": holds " + std::to_string(labels.dims[0]) + " labels but " +
                images_path + " holds " + std::to_string(images.dims[0]) + " images");
  }
  for (size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= num_classes) {
      throw Error(labels_path + ": label " + std::to_string(labels.data[i]) + " at index " +
                  std::to_string(i) + " is out of range [0, " + std::to_string(num_classes) + ")");
    }
  }
  LabeledImages set;
  set.count = images.dims[0];
  set.rows = static_cast<int>(images.dims[1]);
  set.cols = static_cast<int>(images.dims[2]);
  set.pixels = std::move(images.data);
  set.labels = std::move(labels.data);
  return set;
}

template <typename T>
void FillTimeMajor(const LabeledImages& set, const int64_t* indices, int batch, int steps,
                   int inputs, T* x, int32_t* labels_out) {
  SEQ_CHECK(int64_t{steps} * inputs == set.pixels_per_image());
  const T scale = T(1) / T(255);
  for (int b = 0; b < batch; ++b) {
    const int64_t index = indices[b];
    SEQ_CHECK(index >= 0 && index < set.count);
    const uint8_t* image = set.pixels.data() + index * set.pixels_per_image();
    for (int t = 0; t < steps; ++t) {
      T* row = x + (static_cast<size_t>(t) * batch + b) * inputs;
      const uint8_t* src = image + static_cast<size_t>(t) * inputs;
      for (int i = 0; i < inputs; ++i) row[i] = static_cast<T>(src[i]) * scale;
    }
    labels_out[b] = set.labels[static_cast<size_t>(index)];
  }
}

template void FillTimeMajor<float>(const LabeledImages&, const int64_t*, int, int, int, float*,
                                   int32_t*);
template void FillTimeMajor<double>(const LabeledImages&, const int64_t*, int, int, int, double*,
                                    int32_t*);

}  // namespace seqtrain::data
