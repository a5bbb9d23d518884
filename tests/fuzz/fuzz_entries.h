// What each fuzz target does with one input, shared by the libFuzzer targets
// (clang, tools/fuzz.sh) and by fuzz_corpus_test, which replays the kept
// corpus in every ordinary build. An input may be rejected with
// seqtrain::Error; anything else (a crash, a sanitizer report, a hang, an
// unbounded allocation) is a bug.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seqtrain::fuzz {

// Bytes as an IDX file (plain or gzip): ReadIdx, then LoadImages.
void IdxInput(const uint8_t* data, size_t size);
// Bytes as a .npy array, from memory and as a file; an (N, T, I) one also as a data set's x.
void NpyInput(const uint8_t* data, size_t size);
// Bytes as an .npz archive: its directory, then every member as an array.
void NpzInput(const uint8_t* data, size_t size);
// Bytes as a text-format config: parse, convert, validate, print.
void ConfigInput(const uint8_t* data, size_t size);
// Bytes as a checkpoint file: decode, read its model shape, restore into a small fixed model.
void CheckpointInput(const uint8_t* data, size_t size);
// Bytes as a safetensors file: decode, then load into a small fixed model (PyTorch names).
void SafetensorsInput(const uint8_t* data, size_t size);

}  // namespace seqtrain::fuzz
