#include "data/idx_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

#include "data/raw_file.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace seqtrain::data {
namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
constexpr int kMaxDims = 8;
constexpr size_t kReadChunk = size_t{1} << 22;
constexpr size_t kMaxUpfrontReserve = size_t{1} << 26;
// Raw (compressed) bytes per read(): large enough that system calls cost nothing.
constexpr size_t kRawChunk = size_t{1} << 18;

[[noreturn]] void FailOn(const std::string& path, const std::string& what) {
  throw Error(path + ": " + what);
}

}  // namespace

FileChecksum ChecksumFile(const std::string& path) {
  UniqueFd fd(OpenRegularFile(path));
  std::vector<uint8_t> buffer(kRawChunk);
  FileChecksum sum;
  for (;;) {
    const size_t got = ReadSome(fd.get(), buffer.data(), buffer.size(), path);
    if (got == 0) return sum;
    sum.crc32c = Crc32c(sum.crc32c, buffer.data(), got);
    sum.size += got;
  }
}

// The decoded bytes of a plain or gzip file (a gzip file may hold several
// members, as gzip(1) accepts), with the CRC32C of the raw bytes read so far.
class IdxStream {
 public:
  explicit IdxStream(const std::string& path)
      : path_(path), fd_(OpenRegularFile(path)), raw_(kRawChunk) {
    while (available() < 2 && Refill()) {
    }
    gzip_ = available() >= 2 && raw_[begin_] == 0x1f && raw_[begin_ + 1] == 0x8b;
    if (gzip_) {
      if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) Fail("cannot start gzip decoding");
      z_initialized_ = true;
    }
  }
  ~IdxStream() {
    if (z_initialized_) inflateEnd(&z_);
  }
  IdxStream(const IdxStream&) = delete;
  IdxStream& operator=(const IdxStream&) = delete;

  // Reads up to n bytes; returns how many were read (fewer only at the end).
  size_t Read(uint8_t* out, size_t n) { return gzip_ ? Inflate(out, n) : Copy(out, n); }

  // True when a gzip stream ended before its trailer.
  bool StreamCutShort() const { return gzip_ && !member_ended_; }

  // Reads whatever is left (bytes after the last gzip member, which gzip(1)
  // ignores too), so the checksum covers the whole file.
  FileChecksum ChecksumToEnd() {
    begin_ = end_;
    while (Refill()) begin_ = end_;
    return checksum_;
  }

  const std::string& path() const { return path_; }
  [[noreturn]] void Fail(const std::string& what) const { FailOn(path_, what); }

 private:
  size_t available() const { return end_ - begin_; }

  // Appends the next raw bytes to the buffer; false at the end of the file.
  bool Refill() {
    if (at_eof_) return false;
    if (begin_ == end_) begin_ = end_ = 0;
    if (end_ == raw_.size()) {  // keep unread bytes, make room behind them
      std::memmove(raw_.data(), raw_.data() + begin_, available());
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == raw_.size()) return false;  // full of unused input: the caller sees no progress
    const size_t got = ReadSome(fd_.get(), raw_.data() + end_, raw_.size() - end_, path_);
    if (got == 0) {
      at_eof_ = true;
      return false;
    }
    checksum_.crc32c = Crc32c(checksum_.crc32c, raw_.data() + end_, got);
    checksum_.size += got;
    end_ += got;
    return true;
  }

  size_t Copy(uint8_t* out, size_t n) {
    size_t done = std::min(n, available());
    std::memcpy(out, raw_.data() + begin_, done);
    begin_ += done;
    // Large reads go straight to the caller's buffer.
    while (done < n && !at_eof_) {
      const size_t got = ReadSome(fd_.get(), out + done, n - done, path_);
      if (got == 0) {
        at_eof_ = true;
        break;
      }
      checksum_.crc32c = Crc32c(checksum_.crc32c, out + done, got);
      checksum_.size += got;
      done += got;
    }
    return done;
  }

  size_t Inflate(uint8_t* out, size_t n) {
    size_t done = 0;
    while (done < n) {
      if (member_ended_) {
        // Another gzip member may follow; anything else ends the data.
        while (available() < 2 && Refill()) {
        }
        if (available() < 2 || raw_[begin_] != 0x1f || raw_[begin_ + 1] != 0x8b) break;
        if (inflateReset(&z_) != Z_OK) Fail("cannot restart gzip decoding");
        member_ended_ = false;
      }
      if (available() == 0 && !Refill()) break;  // cut short: StreamCutShort() tells
      z_.next_in = raw_.data() + begin_;
      z_.avail_in = static_cast<unsigned>(available());
      z_.next_out = out + done;
      z_.avail_out = static_cast<unsigned>(std::min<size_t>(n - done, UINT_MAX));
      const size_t done_before = done, begin_before = begin_;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      done = static_cast<size_t>(z_.next_out - out);
      begin_ = static_cast<size_t>(z_.next_in - raw_.data());
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        Fail(std::string("corrupt gzip data: ") + (z_.msg ? z_.msg : "unknown error"));
      } else if (done == done_before && begin_ == begin_before && !Refill()) {
        break;  // no progress without more input, and there is none
      }
    }
    return done;
  }

  std::string path_;
  UniqueFd fd_;
  std::vector<uint8_t> raw_;
  size_t begin_ = 0, end_ = 0;  // unread raw bytes: raw_[begin_, end_)
  bool at_eof_ = false;
  bool gzip_ = false;
  z_stream z_{};
  bool z_initialized_ = false;
  bool member_ended_ = false;
  FileChecksum checksum_;
};

namespace {

uint32_t BigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

}  // namespace

IdxReader::IdxReader(const std::string& path, int expected_dims)
    : stream_(std::make_unique<IdxStream>(path)) {
  IdxStream& in = *stream_;
  uint8_t magic[4];
  const size_t magic_bytes = in.Read(magic, 4);
  if (magic_bytes < 4) in.Fail("truncated: file ends inside the 4-byte IDX magic number");
  const uint32_t magic_value = BigEndian32(magic);
  if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > kMaxDims) {
    in.Fail("bad magic number " + Hex32(magic_value) + ": not an IDX file");
  }
  if (magic[2] != kUnsignedByteType) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "unsupported IDX element type 0x%02X (only 0x08, unsigned byte)",
                  magic[2]);
    in.Fail(buf);
  }
  if (expected_dims > 0 && magic[3] != expected_dims) {
    in.Fail("bad magic number " + Hex32(magic_value) + ": expected " +
            Hex32(0x800u + static_cast<uint32_t>(expected_dims)) + " (unsigned bytes, " +
            std::to_string(expected_dims) + (expected_dims == 1 ? " dimension)" : " dimensions)"));
  }
  const int ndims = magic[3];
  uint8_t dims[4 * kMaxDims];
  if (in.Read(dims, 4 * static_cast<size_t>(ndims)) < 4 * static_cast<size_t>(ndims)) {
    in.Fail("truncated: file ends inside the header's " + std::to_string(ndims) +
            " dimension sizes");
  }
  int64_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    const int64_t size = BigEndian32(dims + 4 * d);
    dims_.push_back(size);
    total *= size;
    if (total > kMaxIdxBytes) {
      in.Fail("header claims more than " + std::to_string(kMaxIdxBytes) + " bytes of data");
    }
  }
  data_bytes_ = total;
}

IdxReader::~IdxReader() = default;

const std::string& IdxReader::path() const { return stream_->path(); }

void IdxReader::ReadData(uint8_t* out, size_t n) {
  SEQ_CHECK(static_cast<int64_t>(read_ + n) <= data_bytes_);
  const size_t got = stream_->Read(out, n);
  read_ += got;
  if (got < n) {
    stream_->Fail("truncated: header promises " + std::to_string(data_bytes_) +
                  " data bytes, file holds " + std::to_string(read_));
  }
}

void IdxReader::Finish() {
  SEQ_CHECK(static_cast<int64_t>(read_) == data_bytes_);
  uint8_t extra;
  if (stream_->Read(&extra, 1) != 0) {
    stream_->Fail("trailing bytes after the " + std::to_string(data_bytes_) +
                  " data bytes the header describes");
  }
  if (stream_->StreamCutShort()) {
    stream_->Fail("truncated gzip stream: data complete but the gzip trailer is missing");
  }
  checksum_ = stream_->ChecksumToEnd();
  finished_ = true;
}

FileChecksum IdxReader::file_checksum() const {
  SEQ_CHECK(finished_);
  return checksum_;
}

IdxArray ReadIdx(const std::string& path, int expected_dims) {
  IdxReader reader(path, expected_dims);
  IdxArray array;
  array.dims = reader.dims();
  // Read in chunks so memory follows what the file really holds, not what
  // its header claims; reserving up to a cap avoids the copies of a growing vector.
  const auto expected = static_cast<size_t>(reader.data_bytes());
  array.data.reserve(std::min(expected, kMaxUpfrontReserve));
  while (array.data.size() < expected) {
    const size_t have = array.data.size();
    const size_t want = std::min(expected - have, kReadChunk);
    array.data.resize(have + want);
    reader.ReadData(array.data.data() + have, want);
  }
  reader.Finish();
  return array;
}

}  // namespace seqtrain::data
