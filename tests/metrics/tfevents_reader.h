// An independent reader of TensorBoard event files for the tests: its own
// bitwise CRC32C, its own record framing and its own protobuf wire decoder,
// so a mistake in the writer (or in our .proto field numbers) is not repeated
// here. Field numbers are TensorFlow's event.proto / summary.proto.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqtrain::testing {

inline uint32_t BitwiseCrc32c(const std::string& bytes) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline uint32_t Masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

inline uint64_t LittleEndian(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s.at(at + i));
  return v;
}

struct ReadScalar {
  std::string tag;
  float value = 0;
};

struct ReadEvent {
  double wall_time = 0;
  int64_t step = 0;
  bool has_file_version = false;
  std::string file_version;
  std::vector<ReadScalar> scalars;
};

class WireReader {
 public:
  explicit WireReader(const std::string& s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= s_.size()) throw std::runtime_error("truncated varint");
      const unsigned char b = s_[pos_++];
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("varint too long");
  }
  std::string Bytes(size_t n) {
    if (pos_ + n > s_.size()) throw std::runtime_error("truncated field");
    std::string out = s_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string LengthDelimited() { return Bytes(Varint()); }

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

inline ReadScalar DecodeValue(const std::string& bytes) {
  ReadScalar v;
  WireReader r(bytes);
  while (!r.done()) {
    const uint64_t key = r.Varint();
    if (key == (1 << 3 | 2)) {
      v.tag = r.LengthDelimited();  // tag = 1, string
    } else if (key == (2 << 3 | 5)) {
      const std::string raw = r.Bytes(4);  // simple_value = 2, float (fixed32)
      const uint32_t bits = static_cast<uint32_t>(LittleEndian(raw, 0, 4));
      std::memcpy(&v.value, &bits, 4);
    } else {
      throw std::runtime_error("unexpected field key " + std::to_string(key) + " in Summary.Value");
    }
  }
  return v;
}

inline ReadEvent DecodeEvent(const std::string& bytes) {
  ReadEvent e;
  WireReader r(bytes);
  while (!r.done()) {
    const uint64_t key = r.Varint();
    if (key == (1 << 3 | 1)) {  // wall_time = 1, double (fixed64)
      const uint64_t bits = LittleEndian(r.Bytes(8), 0, 8);
      std::memcpy(&e.wall_time, &bits, 8);
    } else if (key == (2 << 3 | 0)) {  // step = 2, int64
      e.step = static_cast<int64_t>(r.Varint());
    } else if (key == (3 << 3 | 2)) {  // file_version = 3, string
      e.has_file_version = true;
      e.file_version = r.LengthDelimited();
    } else if (key == (5 << 3 | 2)) {  // summary = 5: repeated Value value = 1
      const std::string summary = r.LengthDelimited();
      WireReader s(summary);
      while (!s.done()) {
        if (s.Varint() != (1 << 3 | 2)) throw std::runtime_error("unexpected field in Summary");
        e.scalars.push_back(DecodeValue(s.LengthDelimited()));
      }
    } else {
      throw std::runtime_error("unexpected field key " + std::to_string(key) + " in Event");
    }
  }
  return e;
}

// Every record of a whole file; throws std::runtime_error on a bad length CRC,
// data CRC or truncation.
inline std::vector<ReadEvent> ReadEventFile(const std::string& file) {
  std::vector<ReadEvent> events;
  size_t pos = 0;
  while (pos < file.size()) {
    if (pos + 12 > file.size()) throw std::runtime_error("truncated record header");
    const std::string length_bytes = file.substr(pos, 8);
    if (LittleEndian(file, pos + 8, 4) != Masked(BitwiseCrc32c(length_bytes))) {
      throw std::runtime_error("length CRC mismatch at offset " + std::to_string(pos));
    }
    const uint64_t length = LittleEndian(file, pos, 8);
    if (length > file.size() - pos - 12 || file.size() - pos - 12 - length < 4) {
      throw std::runtime_error("truncated record data");
    }
    const std::string data = file.substr(pos + 12, length);
    if (LittleEndian(file, pos + 12 + length, 4) != Masked(BitwiseCrc32c(data))) {
      throw std::runtime_error("data CRC mismatch at offset " + std::to_string(pos));
    }
    events.push_back(DecodeEvent(data));
    pos += 12 + length + 4;
  }
  return events;
}

}  // namespace seqtrain::testing
