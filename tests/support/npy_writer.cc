#include "support/npy_writer.h"

#include <cstring>

namespace seqtrain::testing {
namespace {

template <typename T>
std::vector<uint8_t> RawBytes(const std::vector<T>& v) {
  std::vector<uint8_t> raw(v.size() * sizeof(T));  // this host is little-endian, as .npy
  if (!raw.empty()) std::memcpy(raw.data(), v.data(), raw.size());
  return raw;
}

}  // namespace

std::vector<uint8_t> NpyBytes(const std::string& descr, const std::vector<int64_t>& shape,
                              const std::vector<uint8_t>& data, int major_version) {
  std::string dims;
  for (const int64_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  if (shape.size() == 1) dims.resize(dims.size() - 1);
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t prefix = major_version == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major_version),
                              0};
  const size_t len = header.size();
  for (size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> NpyFloat32(const std::vector<int64_t>& shape, const std::vector<float>& v) {
  return NpyBytes("<f4", shape, RawBytes(v));
}
std::vector<uint8_t> NpyFloat64(const std::vector<int64_t>& shape, const std::vector<double>& v) {
  return NpyBytes("<f8", shape, RawBytes(v));
}
std::vector<uint8_t> NpyInt64(const std::vector<int64_t>& shape, const std::vector<int64_t>& v) {
  return NpyBytes("<i8", shape, RawBytes(v));
}

}  // namespace seqtrain::testing
