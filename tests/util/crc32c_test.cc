#include "util/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace seqtrain {
namespace {

// Bit at a time, straight from the definition: the independent reference.
uint32_t BitwiseCrc32c(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes(n);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

TEST(Crc32c, Rfc3720Vectors) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  const std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF);
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  std::vector<uint8_t> ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<uint8_t>(i);
    descending[i] = static_cast<uint8_t>(31 - i);
  }
  EXPECT_EQ(Crc32c(ascending.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending.data(), 32), 0x113FDB5Cu);
}

// Every length around the block sizes of the three-stream loop (256 and 8192
// bytes x 3), at every alignment, against the bitwise reference.
TEST(Crc32c, BothImplementationsMatchTheBitwiseDefinition) {
  const std::vector<uint8_t> bytes = RandomBytes(3 * 8192 * 2 + 3 * 256 + 64, 7);
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 1000; ++n) lengths.push_back(n);
  for (size_t base : {3 * 8192, 2 * 3 * 8192, 3 * 8192 + 3 * 256}) {
    for (size_t d = 0; d < 20; ++d) lengths.push_back(base - 10 + d);
  }
  const bool hardware = crc32c_impl::HardwareAvailable();
  if (!hardware) std::printf("note: no SSE4.2 on this CPU: only the portable code is tested\n");
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n : lengths) {
      if (offset + n > bytes.size()) continue;
      const uint8_t* p = bytes.data() + offset;
      const uint32_t want = BitwiseCrc32c(0x12345678u, p, n);
      ASSERT_EQ(crc32c_impl::Portable(0x12345678u, p, n), want)
          << "offset " << offset << " length " << n;
      if (hardware)
        ASSERT_EQ(crc32c_impl::Hardware(0x12345678u, p, n), want)
            << "offset " << offset << " length " << n;
      ASSERT_EQ(Crc32c(0x12345678u, p, n), want);
    }
  }
}

TEST(Crc32c, ContinuesAcrossPieces) {
  const std::vector<uint8_t> bytes = RandomBytes(100000, 3);
  const uint32_t whole = Crc32c(bytes.data(), bytes.size());
  for (size_t cut : {size_t{1}, size_t{7}, size_t{4096}, size_t{24577}, size_t{99999}}) {
    EXPECT_EQ(Crc32c(Crc32c(bytes.data(), cut), bytes.data() + cut, bytes.size() - cut), whole)
        << cut;
  }
  EXPECT_EQ(whole, BitwiseCrc32c(0, bytes.data(), bytes.size()));
}

}  // namespace
}  // namespace seqtrain
