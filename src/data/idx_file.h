// Reader for IDX files of unsigned bytes (the MNIST format), plain or gzip.
// Header: 0x00 0x00 0x08 <ndims>, then ndims big-endian uint32 sizes, then the
// data in row-major order. Validates everything a header claims against what
// the file holds; every problem is one seqtrain::Error line naming the file.
// The file's own bytes (compressed, as stored) are checksummed as they stream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace seqtrain::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Larger claims are rejected before reading, so a hostile header cannot make
// the reader allocate without bound.
constexpr int64_t kMaxIdxBytes = int64_t{1} << 31;

// A file's bytes as stored: what `crc32c FILE` would report.
struct FileChecksum {
  uint64_t size = 0;
  uint32_t crc32c = 0;
};

// Reads a whole file in pieces (never all of it at once) for its checksum.
// Throws seqtrain::Error naming the path.
FileChecksum ChecksumFile(const std::string& path);

class IdxStream;

// Streams an IDX file: the header is read and checked on construction, the
// data is read in pieces, and Finish() checks that nothing follows it.
// expected_dims > 0 rejects a file of any other rank at its magic number.
class IdxReader {
 public:
  IdxReader(const std::string& path, int expected_dims = 0);
  ~IdxReader();
  IdxReader(const IdxReader&) = delete;
  IdxReader& operator=(const IdxReader&) = delete;

  const std::string& path() const;
  const std::vector<int64_t>& dims() const { return dims_; }
  int64_t data_bytes() const { return data_bytes_; }
  // Exactly n more data bytes, or an Error saying how much the file holds.
  void ReadData(uint8_t* out, size_t n);
  // Checks the end of the file and reads it to its last byte.
  void Finish();
  // The whole file's size and CRC32C; only after Finish().
  FileChecksum file_checksum() const;

 private:
  std::unique_ptr<IdxStream> stream_;
  std::vector<int64_t> dims_;
  int64_t data_bytes_ = 0;
  size_t read_ = 0;
  bool finished_ = false;
  FileChecksum checksum_;
};

// The whole file at once.
IdxArray ReadIdx(const std::string& path, int expected_dims = 0);

}  // namespace seqtrain::data
