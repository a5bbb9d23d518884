// Writes .npy files for tests, as np.save lays them out (format 1.0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seqtrain::testing {

// A .npy file: header dict for descr/shape (C order), then the raw data bytes as given.
std::vector<uint8_t> NpyBytes(const std::string& descr, const std::vector<int64_t>& shape,
                              const std::vector<uint8_t>& data, int major_version = 1);
std::vector<uint8_t> NpyFloat32(const std::vector<int64_t>& shape, const std::vector<float>& v);
std::vector<uint8_t> NpyFloat64(const std::vector<int64_t>& shape, const std::vector<double>& v);
std::vector<uint8_t> NpyInt64(const std::vector<int64_t>& shape, const std::vector<int64_t>& v);

}  // namespace seqtrain::testing
