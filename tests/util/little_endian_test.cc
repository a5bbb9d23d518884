// The one little-endian encoding of the file headers and TFRecord frames.
#include "util/little_endian.h"

#include <gtest/gtest.h>

namespace seqtrain {
namespace {

TEST(LittleEndian, LeastSignificantByteFirst) {
  std::string out = "x";
  AppendLittleEndian(&out, 0x0102030405060708ull, 8);
  AppendLittleEndian(&out, 0xA1B2C3D4u, 4);
  AppendLittleEndian(&out, 0xFFFF1234u, 2);  // only the low bytes
  EXPECT_EQ(out, std::string("x\x08\x07\x06\x05\x04\x03\x02\x01\xD4\xC3\xB2\xA1\x34\x12", 15));
  EXPECT_EQ(ReadLittleEndian(out.data() + 1, 8), 0x0102030405060708ull);
  EXPECT_EQ(ReadLittleEndian(out.data() + 9, 4), 0xA1B2C3D4u);
  EXPECT_EQ(ReadLittleEndian(out.data() + 13, 2), 0x1234u);
  EXPECT_EQ(ReadLittleEndian(out.data() + 9, 1), 0xD4u);
}

TEST(LittleEndian, EveryWidthRoundTrips) {
  for (int bytes = 1; bytes <= 8; ++bytes) {
    const uint64_t value = 0xF0E1D2C3B4A59687ull >> (8 * (8 - bytes));
    std::string out;
    AppendLittleEndian(&out, value, bytes);
    ASSERT_EQ(out.size(), static_cast<size_t>(bytes));
    EXPECT_EQ(ReadLittleEndian(out.data(), bytes), value) << bytes;
  }
}

}  // namespace
}  // namespace seqtrain
