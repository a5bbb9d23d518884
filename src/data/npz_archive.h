// Reader for NumPy .npz archives: a zip file of .npy members, stored
// (np.savez) or deflated (np.savez_compressed), zip64 records included (np.savez
// writes them for every member). A small, strict zip reader over zlib: the end
// of central directory record, the central directory, each member's local
// header, its sizes and its CRC-32 are checked against each other and against
// the file; multi-disk archives, encryption and other compression methods are
// refused with one line naming the archive (and member).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/npy_file.h"

namespace seqtrain::data {

// More members, or a larger central directory, is not a NumPy archive.
constexpr int64_t kMaxZipMembers = 4096;
constexpr int64_t kMaxZipDirectoryBytes = int64_t{1} << 24;

struct ZipMember {
  std::string name;  // "x.npy"
  int method = 0;    // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0, size = 0;
  uint64_t local_header_offset = 0;
};

class NpzArchive {
 public:
  // Reads the central directory of the file at path.
  static NpzArchive OpenFile(const std::string& path);
  // The same from bytes in memory (the fuzzer); name is for messages.
  static NpzArchive FromMemory(std::vector<uint8_t> bytes, const std::string& name);

  const std::string& name() const { return name_; }
  const std::vector<ZipMember>& members() const { return members_; }
  // The member holding the array (np.savez names it ARRAY.npy), or null.
  const ZipMember* Find(const std::string& array) const;
  // The arrays it holds, in the archive's order.
  std::vector<std::string> ArrayNames() const;
  // Extracts and checks the member ARRAY.npy and parses it; an Error when it is absent.
  // stop (may be null) is polled between pieces; true throws LoadStopped.
  NpyArray ReadArray(const std::string& array, const std::function<bool()>& stop = nullptr,
                     int64_t max_bytes = kMaxNpyBytes) const;

 private:
  NpzArchive() = default;
  void ReadAt(uint64_t offset, uint8_t* out, size_t n) const;
  void ReadDirectory();
  std::vector<uint8_t> Extract(const ZipMember& m, const std::function<bool()>& stop,
                               int64_t max_bytes) const;

  std::string name_;
  std::shared_ptr<const int> fd_;  // a file, or
  std::vector<uint8_t> memory_;    // the bytes
  uint64_t size_ = 0;
  uint64_t directory_offset_ = 0;  // members lie before it
  std::vector<ZipMember> members_;
};

}  // namespace seqtrain::data
