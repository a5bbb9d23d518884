// The safetensors file format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON ({"name": {"dtype", "shape",
// "data_offsets": [begin, end]}, ..., "__metadata__": {"key": "text"}}, padded with spaces to a
// multiple of 8), then the tensors' raw little-endian bytes, offsets relative to the end of the
// header. Only F32 tensors are written and read (seqtrain's parameters are float).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace seqtrain::exporting {

struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;  // row-major, product(shape) values
};

struct Safetensors {
  std::vector<NamedTensor> tensors;  // in the order of their data in the file
  std::map<std::string, std::string> metadata;
};

// The reference implementation's limit; a header past it is refused before it is read.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;
// Files past this are refused before they are read (a model here is a few MB).
constexpr size_t kMaxSafetensorsFileBytes = size_t{1} << 31;

// Tensors in the order given, back to back; the header is padded with spaces to 8 bytes.
std::string EncodeSafetensors(const Safetensors& file);

// Strict: a header length past the file or the limit, JSON that does not parse or is not an
// object, a duplicate name, an entry without dtype/shape/data_offsets or with other keys, a dtype
// other than F32, a shape whose size differs from its byte range, ranges that overlap, leave a
// gap, run out of the file or leave trailing bytes: each throws seqtrain::Error
// "path: tensor 'name': what = value: reason".
Safetensors DecodeSafetensors(const std::string& bytes, const std::string& path);

Safetensors ReadSafetensors(const std::string& path);

// "[4, 28]", for messages.
std::string ShapeText(const std::vector<int64_t>& shape);

}  // namespace seqtrain::exporting
