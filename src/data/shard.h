// Splits n items over `parts` ranks as evenly as possible: sizes differ by at
// most one, the first n % parts ranks take one extra, and the ranges tile
// [0, n) with no gap or overlap.
#pragma once

#include <cstdint>

namespace seqtrain::data {

struct Range {
  int64_t begin = 0;
  int64_t size = 0;
};

inline Range ShardRange(int64_t n, int parts, int part) {
  const int64_t base = n / parts, extra = n % parts;
  return {part * base + (part < extra ? part : extra), base + (part < extra ? 1 : 0)};
}

}  // namespace seqtrain::data
