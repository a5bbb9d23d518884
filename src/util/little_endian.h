// Fixed-width unsigned integers as little-endian bytes, whatever the host's
// order: the checkpoint and packed-cache headers and the TFRecord framing.
#pragma once

#include <cstdint>
#include <string>

namespace seqtrain {

// Appends the low `bytes` bytes of value (1 to 8), least significant first.
inline void AppendLittleEndian(std::string* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// The `bytes`-byte (1 to 8) unsigned integer stored at data, least significant byte first.
inline uint64_t ReadLittleEndian(const void* data, int bytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t{p[i]} << (8 * i);
  return value;
}

}  // namespace seqtrain
