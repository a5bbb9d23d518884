#include "data/labeled_images.h"

#include <algorithm>
#include <cstring>

#include "data/idx_file.h"
#include "data/packed_cache.h"
#include "util/error.h"

namespace seqtrain::data {
namespace {

// The loader reads this many bytes at a time (at least one image).
constexpr int64_t kLoadChunkBytes = int64_t{1} << 22;

void PollStop(const LoadOptions& options) {
  if (options.stop_requested && options.stop_requested()) throw LoadStopped();
}

// What an images header claims, checked before anything is allocated.
void CheckImagesHeader(const IdxReader& reader) {
  const auto& dims = reader.dims();
  const std::string& path = reader.path();
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0) {
    throw Error(path + ": image file holds no pixels (a dimension is 0)");
  }
  if (dims[1] * dims[2] > kMaxPixelsPerImage) {
    throw Error(path + ": images of " + std::to_string(dims[1]) + "x" + std::to_string(dims[2]) +
                " pixels are larger than the limit of " + std::to_string(kMaxPixelsPerImage) +
                " pixels");
  }
  if (dims[0] > kMaxImages) {
    throw Error(path + ": holds " + std::to_string(dims[0]) + " images, more than the limit of " +
                std::to_string(kMaxImages));
  }
}

// Reads the images of an open 3-dim IDX file into set, image by image.
void ReadImages(IdxReader& reader, int64_t limit, const LoadOptions& options, LabeledImages* set) {
  CheckImagesHeader(reader);
  const auto& dims = reader.dims();
  *set = MakeEmptySet(static_cast<int>(dims[1]), static_cast<int>(dims[2]));
  const int64_t keep = limit > 0 ? std::min(limit, dims[0]) : dims[0];
  const auto image_bytes = static_cast<size_t>(set->pixels_per_image());
  const int64_t chunk_images = std::max<int64_t>(1, kLoadChunkBytes / set->pixels_per_image());
  std::vector<uint8_t> chunk;
  for (int64_t done = 0; done < dims[0]; done += chunk_images) {
    PollStop(options);
    const int64_t n = std::min(chunk_images, dims[0] - done);
    chunk.resize(static_cast<size_t>(n) * image_bytes);
    reader.ReadData(chunk.data(),
                    chunk.size());  // the whole file is read and checked, even past the limit
    for (int64_t i = 0; i < n && done + i < keep; ++i)
      set->Add(chunk.data() + static_cast<size_t>(i) * image_bytes, 0);
  }
  reader.Finish();
  set->packed.shrink_to_fit();
}

// Opens a labels file and checks its header against the images' count.
void CheckLabelCount(const IdxReader& labels, int64_t images, const std::string& images_path) {
  if (labels.dims()[0] != images) {
    throw Error(labels.path() + ": holds " + std::to_string(labels.dims()[0]) + " labels but " +
                images_path + " holds " + std::to_string(images) + " images");
  }
}

// The labels of a file whose count was checked against the images.
std::vector<uint8_t> ReadLabels(IdxReader& reader, int num_classes, const LoadOptions& options) {
  std::vector<uint8_t> labels(static_cast<size_t>(reader.dims()[0]));
  for (size_t done = 0; done < labels.size(); done += static_cast<size_t>(kLoadChunkBytes)) {
    PollStop(options);
    reader.ReadData(labels.data() + done,
                    std::min(labels.size() - done, static_cast<size_t>(kLoadChunkBytes)));
  }
  reader.Finish();
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes) {
      throw Error(reader.path() + ": label " + std::to_string(labels[i]) + " at index " +
                  std::to_string(i) + " is out of range [0, " + std::to_string(num_classes) + ")");
    }
  }
  return labels;
}

}  // namespace

LabeledImages MakeEmptySet(int rows, int cols) {
  LabeledImages set;
  set.rows = rows;
  set.cols = cols;
  set.offsets.push_back(0);
  return set;
}

// Segments of [zero run: 1 byte][literal count: 1 byte][literals], each run at most 255.
void LabeledImages::Add(const uint8_t* pixels, uint8_t label) {
  const int64_t n = pixels_per_image();
  int64_t i = 0;
  while (i < n) {
    int zeros = 0;
    while (i < n && pixels[i] == 0 && zeros < 255) {
      ++zeros;
      ++i;
    }
    const int64_t literal_start = i;
    int literals = 0;
    while (i < n && pixels[i] != 0 && literals < 255) {
      ++literals;
      ++i;
    }
    packed.push_back(static_cast<uint8_t>(zeros));
    packed.push_back(static_cast<uint8_t>(literals));
    packed.insert(packed.end(), pixels + literal_start, pixels + literal_start + literals);
  }
  offsets.push_back(packed.size());
  labels.push_back(label);
  ++count;
}

void LabeledImages::Decode(int64_t index, uint8_t* out) const {
  SEQ_CHECK(index >= 0 && index < count);
  const uint8_t* p = packed.data() + offsets[static_cast<size_t>(index)];
  const uint8_t* end = packed.data() + offsets[static_cast<size_t>(index) + 1];
  const int64_t n = pixels_per_image();
  int64_t i = 0;
  while (p < end) {
    const int zeros = p[0], literals = p[1];
    SEQ_CHECK(i + zeros + literals <= n);
    std::memset(out + i, 0, static_cast<size_t>(zeros));
    std::memcpy(out + i + zeros, p + 2, static_cast<size_t>(literals));
    i += zeros + literals;
    p += 2 + literals;
  }
  SEQ_CHECK(i == n);
}

LabeledImages LabeledImages::Prefix(int64_t n) const {
  SEQ_CHECK(n >= 0 && n <= count);
  LabeledImages out = MakeEmptySet(rows, cols);
  out.count = n;
  out.labels.assign(labels.begin(), labels.begin() + n);
  out.offsets.assign(offsets.begin(), offsets.begin() + n + 1);
  out.packed.assign(packed.begin(),
                    packed.begin() + static_cast<std::ptrdiff_t>(offsets[static_cast<size_t>(n)]));
  return out;
}

LabeledImages LoadLabeledImages(const std::string& images_path, const std::string& labels_path,
                                int num_classes, const LoadOptions& options, LoadReport* report) {
  LoadReport unused;
  LoadReport& facts = report ? *report : unused;
  facts = LoadReport();
  PollStop(options);
  LabeledImages set;
  FileChecksum source;
  if (options.use_cache) {
    source = ChecksumFile(images_path);
    if (ReadPackedCache(images_path, source, &set)) {
      PollStop(options);
      IdxReader labels(labels_path, 1);
      CheckLabelCount(labels, set.count, images_path);
      set.labels = ReadLabels(labels, num_classes, options);
      facts.images = source;
      facts.labels = labels.file_checksum();
      facts.images_from_cache = true;
      return set;
    }
  }
  // Both headers first: a labels file claiming 2^31 labels fails here, not after reading them.
  IdxReader images(images_path, 3);
  CheckImagesHeader(images);
  IdxReader labels(labels_path, 1);
  CheckLabelCount(labels, images.dims()[0], images_path);
  std::vector<uint8_t> label_values = ReadLabels(labels, num_classes, options);
  ReadImages(images, 0, options, &set);
  set.labels = std::move(label_values);
  facts.images = images.file_checksum();
  facts.labels = labels.file_checksum();
  // A file replaced while it was read is used as read this time, but not cached.
  const bool unchanged = source.size == facts.images.size && source.crc32c == facts.images.crc32c;
  if (options.use_cache && unchanged)
    facts.cache_problem = WritePackedCache(images_path, source, set);
  return set;
}

LabeledImages LoadImages(const std::string& images_path, int64_t limit) {
  IdxReader images(images_path, 3);
  LabeledImages set;
  ReadImages(images, limit, LoadOptions(), &set);
  return set;
}

void CheckFitsSequences(const LabeledImages& set, int steps, int inputs, const std::string& path) {
  const int64_t needed = int64_t{steps} * inputs;
  if (set.pixels_per_image() == needed) return;
  throw Error(path + ": images are " + std::to_string(set.rows) + "x" + std::to_string(set.cols) +
              " but model.time_steps * model.input_size = " + std::to_string(steps) + " * " +
              std::to_string(inputs) + " = " + std::to_string(needed));
}

template <typename T>
void FillTimeMajor(const LabeledImages& set, const int64_t* indices, int batch, int steps,
                   int inputs, T* x, int32_t* labels_out, const int32_t* order) {
  SEQ_CHECK(int64_t{steps} * inputs == set.pixels_per_image());
  const T scale = T(1) / T(255);
  std::vector<uint8_t> image(static_cast<size_t>(set.pixels_per_image()));
  for (int b = 0; b < batch; ++b) {
    const int64_t index = indices[b];
    set.Decode(index, image.data());
    for (int t = 0; t < steps; ++t) {
      T* row = x + (static_cast<size_t>(t) * batch + b) * inputs;
      const size_t first = static_cast<size_t>(t) * inputs;
      if (order) {
        for (int i = 0; i < inputs; ++i) row[i] = static_cast<T>(image[order[first + i]]) * scale;
      } else {
        const uint8_t* src = image.data() + first;
        for (int i = 0; i < inputs; ++i) row[i] = static_cast<T>(src[i]) * scale;
      }
    }
    labels_out[b] = set.labels[static_cast<size_t>(index)];
  }
}

template void FillTimeMajor<float>(const LabeledImages&, const int64_t*, int, int, int, float*,
                                   int32_t*, const int32_t*);
template void FillTimeMajor<double>(const LabeledImages&, const int64_t*, int, int, int, double*,
                                    int32_t*, const int32_t*);

}  // namespace seqtrain::data
