// Reader for NumPy .npy arrays (format versions 1.0, 2.0 and 3.0):
// "\x93NUMPY", major and minor version bytes, the header's length (2 bytes
// in 1.0, 4 after), then a Python dict literal with exactly 'descr',
// 'fortran_order' and 'shape', then the data. Only little-endian numbers in
// C order are read; everything the header claims is checked against the
// bytes there are before anything is allocated, and every problem is one
// seqtrain::Error line naming the file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/idx_file.h"

namespace seqtrain::data {

// Larger arrays are refused from their header.
constexpr int64_t kMaxNpyBytes = int64_t{1} << 34;
// NumPy itself refuses headers over 10000 bytes unless told otherwise.
constexpr int64_t kMaxNpyHeaderBytes = int64_t{1} << 16;

enum class NpyKind { kFloat, kSigned, kUnsigned };

// What the header says.
struct NpyHeader {
  std::string descr;  // as written, e.g. "<f4", "|u1"
  NpyKind kind = NpyKind::kFloat;
  int itemsize = 0;
  std::vector<int64_t> shape;  // () for a scalar
  int64_t count = 1;           // product of shape
  size_t data_offset = 0;      // where the data starts in the file
  int64_t data_bytes = 0;      // count * itemsize
};

// An array as stored: the whole .npy bytes, the data little-endian in C order.
struct NpyArray {
  std::string name;  // the file, or "ARCHIVE.npz:MEMBER.npy", for messages
  NpyHeader header;
  std::vector<uint8_t> bytes;

  const std::vector<int64_t>& shape() const { return header.shape; }
  int64_t count() const { return header.count; }
  bool is_float() const { return header.kind == NpyKind::kFloat; }
  const uint8_t* data() const { return bytes.data() + header.data_offset; }
  // Element i (flat, C order) as a double; integers beyond 2^53 round.
  double ValueAt(int64_t i) const;
  // Element i of an integer array; unsigned values above INT64_MAX read as INT64_MAX.
  int64_t IntegerAt(int64_t i) const;
  // "(3, 100, 2)" as NumPy prints a shape.
  std::string ShapeText() const;
};

std::string ShapeText(const std::vector<int64_t>& shape);

// Parses the header at data[0..size); size may be the whole file or just its first bytes
// (then an Error says the header is cut). Refuses an array above max_bytes.
NpyHeader ParseNpyHeader(const uint8_t* data, size_t size, const std::string& name,
                         int64_t max_bytes = kMaxNpyBytes);

// A whole .npy already in memory (an npz member): the data must fill the rest exactly.
NpyArray ParseNpy(std::vector<uint8_t> bytes, const std::string& name,
                  int64_t max_bytes = kMaxNpyBytes);

// Reads a .npy file in pieces, polling stop (may be null) between them (true throws
// LoadStopped), and gives the file's size and CRC32C as stored.
NpyArray ReadNpyFile(const std::string& path, const std::function<bool()>& stop = nullptr,
                     FileChecksum* checksum = nullptr);

}  // namespace seqtrain::data
