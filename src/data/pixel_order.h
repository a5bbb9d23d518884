// How an IDX image is read as a sequence (data.pixel_order): in raster order cut into steps of
// model.input_size pixels (ROWS), one pixel per step (PIXELS, "sequential MNIST"), or one pixel
// per step in a fixed random order (PERMUTED_PIXELS, "permuted sequential MNIST").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config.pb.h"

namespace seqtrain::data {

// Position p of a sequence (step p / inputs, input p % inputs) reads pixel order[p] of the
// image; empty: pixel p (raster order, no gather at all).
using PixelOrder = std::vector<int32_t>;

// The permutation of [0, pixels) drawn from seed: a function of (seed, pixels) alone, the same
// on every machine.
PixelOrder PixelPermutation(uint64_t seed, int64_t pixels);

// The order config asks for images of rows x cols read as steps x inputs. Throws
// seqtrain::Error "PATH: data.pixel_order = PIXELS reads ... but model.time_steps = ..." when
// the model's shape is not one pixel per step of the whole image.
PixelOrder PixelOrderOf(const DataConfig& config, int rows, int cols, int steps, int inputs,
                        const std::string& path);

}  // namespace seqtrain::data
