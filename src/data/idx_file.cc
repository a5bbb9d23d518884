#include "data/idx_file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "util/error.h"

namespace seqtrain::data {
namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
constexpr int kMaxDims = 8;
constexpr size_t kReadChunk = size_t{1} << 22;
constexpr size_t kMaxUpfrontReserve = size_t{1} << 26;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

}  // namespace

class IdxStream {
 public:
  explicit IdxStream(const std::string& path) : path_(path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) Fail(std::string("cannot open: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) Fail("not a regular file");
    // gzopen reads plain files unchanged, so both forms take one path.
    file_.reset(gzopen(path.c_str(), "rb"));
    if (!file_) Fail(std::string("cannot open: ") + std::strerror(errno));
    gzbuffer(file_.get(), 1 << 17);
  }

  // Reads up to n bytes; returns how many were read (fewer only at the end).
  size_t Read(uint8_t* out, size_t n) {
    size_t done = 0;
    while (done < n) {
      const unsigned want = static_cast<unsigned>(std::min(n - done, kReadChunk));
      const int got = gzread(file_.get(), out + done, want);
      if (got < 0) {
        int code = 0;
        const char* msg = gzerror(file_.get(), &code);
        if (code == Z_ERRNO) Fail(std::string("read failed: ") + std::strerror(errno));
        Fail("corrupt gzip data: " + WithoutPathPrefix(msg));
      }
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    // A damaged gzip stream can end early without gzread returning -1.
    int code = Z_OK;
    const char* msg = gzerror(file_.get(), &code);
    if (code != Z_OK && code != Z_BUF_ERROR) Fail("corrupt gzip data: " + WithoutPathPrefix(msg));
    return done;
  }

  // True when a gzip stream ended before its trailer.
  bool StreamCutShort() {
    int code = Z_OK;
    gzerror(file_.get(), &code);
    return code == Z_BUF_ERROR;
  }

  // zlib prefixes its messages with the path, which Fail adds anyway.
  std::string WithoutPathPrefix(const char* msg) const {
    const std::string m = msg ? msg : "unknown error";
    const std::string prefix = path_ + ": ";
    return m.rfind(prefix, 0) == 0 ? m.substr(prefix.size()) : m;
  }

  [[noreturn]] void Fail(const std::string& what) const { throw Error(path_ + ": " + what); }

 private:
  std::string path_;
  GzHandle file_;
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
    std::snprintf(buf, sizeof buf, "unsupported IDX element type 0x%02X (only 0x08, unsigned byte)", magic[2]);
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
    in.Fail("truncated: file ends inside the header's " + std::to_string(ndims) + " dimension sizes");
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

void IdxReader::ReadData(uint8_t* out, size_t n) {
  SEQ_CHECK(static_cast<int64_t>(read_ + n) <= data_bytes_);
  const size_t got = stream_->Read(out, n);
  read_ += got;
  if (got < n) {
    stream_->Fail("truncated: header promises " + std::to_string(data_bytes_) + " data bytes, file holds " +
                  std::to_string(read_));
  }
}

void IdxReader::Finish() {
  SEQ_CHECK(static_cast<int64_t>(read_) == data_bytes_);
  uint8_t extra;
  if (stream_->Read(&extra, 1) != 0) {
    stream_->Fail("trailing bytes after the " + std::to_string(data_bytes_) + " data bytes the header describes");
  }
  if (stream_->StreamCutShort()) {
    stream_->Fail("truncated gzip stream: data complete but the gzip trailer is missing");
  }
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
