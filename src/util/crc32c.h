// CRC32C (Castagnoli), the checksum of checkpoints and of TensorBoard records.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seqtrain {

// Continues a CRC: Crc32c(Crc32c(0, a), b) == Crc32c(0, a + b).
uint32_t Crc32c(uint32_t crc, const void* data, size_t size);

inline uint32_t Crc32c(const void* data, size_t size) { return Crc32c(0, data, size); }

}  // namespace seqtrain
