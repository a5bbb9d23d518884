#include "support/idx_writer.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace seqtrain::testing {

std::vector<uint8_t> IdxHeader(const std::vector<uint32_t>& dims) {
  std::vector<uint8_t> out = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(d >> shift));
  }
  return out;
}

std::vector<uint8_t> IdxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = IdxHeader(dims);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void WriteGzFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  if (!bytes.empty()) gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

namespace {

// Raw deflate of data ending in a full flush (byte-aligned, no back-references
// past it), so such pieces can be concatenated; finish marks the last one.
std::string RawDeflate(const uint8_t* data, size_t n, bool finish) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  std::vector<uint8_t> buffer(size_t{1} << 20);
  z.next_in = const_cast<uint8_t*>(data);
  z.avail_in = static_cast<unsigned>(n);
  do {
    z.next_out = buffer.data();
    z.avail_out = static_cast<unsigned>(buffer.size());
    deflate(&z, finish ? Z_FINISH : Z_FULL_FLUSH);
    out.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - z.avail_out);
  } while (z.avail_out == 0);
  deflateEnd(&z);
  return out;
}

void PutLe32(std::ofstream& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.put(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

void WriteZerosGzIdx(const std::string& path, const std::vector<uint32_t>& dims) {
  uint64_t total = 1;
  for (uint32_t d : dims) total *= d;
  const std::vector<uint8_t> header = IdxHeader(dims);
  const std::vector<uint8_t> zeros(size_t{1} << 24, 0);
  // Every full piece of zeros compresses to the same bytes: compress one, repeat it.
  const std::string piece = RawDeflate(zeros.data(), zeros.size(), false);
  const uLong piece_crc = crc32(0, zeros.data(), static_cast<uInt>(zeros.size()));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const char gzip_header[10] = {0x1f, static_cast<char>(0x8b), 8, 0, 0, 0, 0, 0, 0, 3};
  out.write(gzip_header, sizeof gzip_header);
  out << RawDeflate(header.data(), header.size(), false);
  uLong crc = crc32(0, header.data(), static_cast<uInt>(header.size()));
  uint64_t done = 0;
  for (; total - done > zeros.size(); done += zeros.size()) {
    out << piece;
    crc = crc32_combine(crc, piece_crc, static_cast<z_off_t>(zeros.size()));
  }
  const size_t rest = static_cast<size_t>(total - done);
  out << RawDeflate(zeros.data(), rest, true);
  crc = crc32_combine(crc, crc32(0, zeros.data(), static_cast<uInt>(rest)),
                      static_cast<z_off_t>(rest));
  PutLe32(out, static_cast<uint32_t>(crc));
  PutLe32(out, static_cast<uint32_t>((total + header.size()) & 0xFFFFFFFFu));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string MakeTempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("seqtrain_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace seqtrain::testing
