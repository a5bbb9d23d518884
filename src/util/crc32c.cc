#include "util/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace seqtrain {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u;  // reflected

// Slicing-by-8 tables.
struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolynomial : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

#if defined(__x86_64__)

// The crc32 instruction has a latency of 3 cycles and a throughput of 1, so
// three independent streams run at once; their CRCs are then combined by
// "appending zeros" to the earlier ones: a linear map, applied with 4 tables
// of 256 entries (the technique of Mark Adler's crc32c.c).
constexpr size_t kLongBlock = 8192;
constexpr size_t kShortBlock = 256;

using ZerosTable = std::array<std::array<uint32_t, 256>, 4>;

uint32_t MatrixTimes(const uint32_t* matrix, uint32_t vector) {
  uint32_t sum = 0;
  for (; vector != 0; vector >>= 1, ++matrix) {
    if (vector & 1) sum ^= *matrix;
  }
  return sum;
}

void MatrixSquare(uint32_t* square, const uint32_t* matrix) {
  for (int n = 0; n < 32; ++n) square[n] = MatrixTimes(matrix, matrix[n]);
}

// The operator that appends `bytes` zero bytes (a power of two) to a CRC register.
ZerosTable MakeZerosTable(size_t bytes) {
  uint32_t even[32], odd[32];
  odd[0] = kPolynomial;  // one zero bit
  for (int n = 1; n < 32; ++n) odd[n] = uint32_t{1} << (n - 1);
  MatrixSquare(even, odd);  // 2 bits
  MatrixSquare(odd, even);  // 4 bits
  // Each squaring doubles the length: 8 bits (1 byte) after the next.
  const uint32_t* op = odd;
  for (size_t len = bytes;;) {
    MatrixSquare(even, odd);
    op = even;
    len >>= 1;
    if (len == 0) break;
    MatrixSquare(odd, even);
    op = odd;
    len >>= 1;
    if (len == 0) break;
  }
  ZerosTable table{};
  for (uint32_t n = 0; n < 256; ++n) {
    for (int b = 0; b < 4; ++b) table[b][n] = MatrixTimes(op, n << (8 * b));
  }
  return table;
}

uint32_t Shift(const ZerosTable& zeros, uint32_t crc) {
  return zeros[0][crc & 0xFF] ^ zeros[1][(crc >> 8) & 0xFF] ^ zeros[2][(crc >> 16) & 0xFF] ^
         zeros[3][crc >> 24];
}

struct ShiftTables {
  ZerosTable long_block = MakeZerosTable(kLongBlock);
  ZerosTable short_block = MakeZerosTable(kShortBlock);
};

const ShiftTables& GetShiftTables() {
  static const ShiftTables tables;
  return tables;
}

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Three streams of `block` bytes each, combined into crc.
__attribute__((target("sse4.2"))) uint64_t ThreeStreams(uint64_t crc, const uint8_t* p,
                                                        size_t block, const ZerosTable& zeros) {
  uint64_t crc1 = 0, crc2 = 0;
  for (const uint8_t* end = p + block; p < end; p += 8) {
    crc = _mm_crc32_u64(crc, Load64(p));
    crc1 = _mm_crc32_u64(crc1, Load64(p + block));
    crc2 = _mm_crc32_u64(crc2, Load64(p + 2 * block));
  }
  crc = Shift(zeros, static_cast<uint32_t>(crc)) ^ crc1;
  return Shift(zeros, static_cast<uint32_t>(crc)) ^ crc2;
}

__attribute__((target("sse4.2"))) uint32_t HardwareCrc(uint32_t crc, const uint8_t* p,
                                                       size_t size) {
  const ShiftTables& shift = GetShiftTables();
  uint64_t c = ~crc;
  while (size > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --size;
  }
  for (; size >= 3 * kLongBlock; p += 3 * kLongBlock, size -= 3 * kLongBlock) {
    c = ThreeStreams(c, p, kLongBlock, shift.long_block);
  }
  for (; size >= 3 * kShortBlock; p += 3 * kShortBlock, size -= 3 * kShortBlock) {
    c = ThreeStreams(c, p, kShortBlock, shift.short_block);
  }
  for (; size >= 8; p += 8, size -= 8) c = _mm_crc32_u64(c, Load64(p));
  while (size-- > 0) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  return ~static_cast<uint32_t>(c);
}

#endif  // __x86_64__

using CrcFunction = uint32_t (*)(uint32_t, const void*, size_t);

CrcFunction ChooseImplementation() {
  return crc32c_impl::HardwareAvailable() ? crc32c_impl::Hardware : crc32c_impl::Portable;
}

}  // namespace

namespace crc32c_impl {

uint32_t Portable(uint32_t crc, const void* data, size_t size) {
  const auto& t = GetTables().t;
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  for (; size >= 8; p += 8, size -= 8) {
    const uint32_t lo = c ^ (uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) |
                             (uint32_t{p[3]} << 24));
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
  }
  while (size--) c = t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
  return ~c;
}

bool HardwareAvailable() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

uint32_t Hardware(uint32_t crc, const void* data, size_t size) {
#if defined(__x86_64__)
  return HardwareCrc(crc, static_cast<const uint8_t*>(data), size);
#else
  return Portable(crc, data, size);
#endif
}

}  // namespace crc32c_impl

uint32_t Crc32c(uint32_t crc, const void* data, size_t size) {
  static const CrcFunction implementation = ChooseImplementation();
  return implementation(crc, data, size);
}

}  // namespace seqtrain
