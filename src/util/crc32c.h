// CRC32C (Castagnoli): the checksum of checkpoints, TensorBoard records and
// data files. Uses the SSE4.2 crc32 instruction when the CPU has it (checked
// at run time, ~20x the portable table code), else slicing-by-8 tables.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seqtrain {

// Continues a CRC: Crc32c(Crc32c(0, a), b) == Crc32c(0, a + b).
uint32_t Crc32c(uint32_t crc, const void* data, size_t size);

inline uint32_t Crc32c(const void* data, size_t size) { return Crc32c(0, data, size); }

// The two implementations behind Crc32c, for tests and benchmarks.
namespace crc32c_impl {
uint32_t Portable(uint32_t crc, const void* data, size_t size);
bool HardwareAvailable();
// Only when HardwareAvailable().
uint32_t Hardware(uint32_t crc, const void* data, size_t size);
}  // namespace crc32c_impl

}  // namespace seqtrain
