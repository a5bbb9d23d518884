#include "data/pixel_order.h"

#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::data {
namespace {

// A purpose of its own for DeriveSeed, apart from the run seed's streams.
constexpr uint64_t kPixelPermutationStream = 3;

}  // namespace

PixelOrder PixelPermutation(uint64_t seed, int64_t pixels) {
  const std::vector<int64_t> perm =
      RandomPermutation(pixels, DeriveSeed(seed, kPixelPermutationStream, 0));
  return PixelOrder(perm.begin(), perm.end());
}

PixelOrder PixelOrderOf(const DataConfig& config, int rows, int cols, int steps, int inputs,
                        const std::string& path) {
  const DataConfig::PixelOrder order = config.pixel_order();
  if (order == DataConfig::ROWS) return {};
  const int64_t pixels = int64_t{rows} * cols;
  if (steps != pixels || inputs != 1) {
    throw Error(path + ": data.pixel_order = " + DataConfig::PixelOrder_Name(order) + " reads " +
                std::to_string(pixels) + " steps of 1 pixel (images " + std::to_string(rows) + "x" +
                std::to_string(cols) + ") but model.time_steps = " + std::to_string(steps) +
                " and model.input_size = " + std::to_string(inputs) +
                " (set model.time_steps: " + std::to_string(pixels) + ", model.input_size: 1)");
  }
  if (order == DataConfig::PIXELS) return {};
  return PixelPermutation(config.permutation_seed(), pixels);
}

}  // namespace seqtrain::data
