// Reader for IDX files of unsigned bytes (the MNIST format), plain or gzip.
// Header: 0x00 0x00 0x08 <ndims>, then ndims big-endian uint32 sizes, then the
// data in row-major order. Validates everything a header claims against what
// the file holds; every problem is one seqtrain::Error line naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seqtrain::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Larger claims are rejected before reading, so a hostile header cannot make
// the reader allocate without bound.
constexpr int64_t kMaxIdxBytes = int64_t{1} << 31;

// expected_dims > 0 rejects a file of any other rank at its magic number,
// before reading data.
IdxArray ReadIdx(const std::string& path, int expected_dims = 0);

}  // namespace seqtrain::data
