#include "data/npy_file.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>

#include "data/data_source.h"
#include "data/raw_file.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/little_endian.h"
#include "util/unique_fd.h"

namespace seqtrain::data {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr int kMaxDims = 32;  // NumPy's own limit (NPY_MAXDIMS) is 32 or 64
constexpr size_t kReadChunk = size_t{1} << 22;

[[noreturn]] void Fail(const std::string& name, const std::string& what) {
  throw Error(name + ": " + what);
}

// A character of the header as it may be quoted in a message.
std::string Printable(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + c + "'";
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", static_cast<unsigned char>(c));
  return text;
}

// The header's Python dict literal, as np.save writes it and np.load reads it:
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(const char* text, size_t size, const std::string& name)
      : p_(text), end_(text + size), name_(name) {}

  void Parse(NpyHeader* h) {
    bool have_descr = false, have_order = false, have_shape = false;
    Expect('{');
    for (;;) {
      SkipSpace();
      if (Peek() == '}') break;
      const std::string key = String("a key");
      Expect(':');
      if (key == "descr") {
        Once(&have_descr, key);
        SkipSpace();
        if (Peek() != '\'' && Peek() != '"') {
          Fail(name_,
               "descr is not a simple type (a structured dtype?): only plain numeric "
               "arrays are read");
        }
        h->descr = String("descr");
      } else if (key == "fortran_order") {
        Once(&have_order, key);
        if (Word() != "False") {
          Fail(name_,
               "fortran_order = True: only C order is read (save "
               "np.ascontiguousarray(a))");
        }
      } else if (key == "shape") {
        Once(&have_shape, key);
        h->shape = Tuple();
      } else {
        Fail(name_, "header has key '" + key + "': expected only descr, fortran_order, shape");
      }
      SkipSpace();
      if (Peek() == ',') {
        ++p_;
        continue;
      }
      if (Peek() != '}') Fail(name_, "header: expected ',' or '}', found " + Here());
    }
    ++p_;
    SkipSpace();
    if (p_ != end_) Fail(name_, "header: " + Here() + " after the closing '}'");
    if (!have_descr || !have_order || !have_shape) {
      Fail(name_, std::string("header has no '") +
                      (!have_descr   ? "descr"
                       : !have_order ? "fortran_order"
                                     : "shape") +
                      "'");
    }
  }

 private:
  void Once(bool* seen, const std::string& key) {
    if (*seen) Fail(name_, "header has '" + key + "' twice");
    *seen = true;
  }
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  char Peek() const { return p_ == end_ ? '\0' : *p_; }
  std::string Here() const { return p_ == end_ ? "the end" : Printable(*p_); }
  void Expect(char c) {
    SkipSpace();
    if (Peek() != c) Fail(name_, std::string("header: expected '") + c + "', found " + Here());
    ++p_;
  }
  std::string String(const char* what) {
    SkipSpace();
    const char quote = Peek();
    if (quote != '\'' && quote != '"') Fail(name_, std::string("header: expected ") + what);
    const char* begin = ++p_;
    while (p_ != end_ && *p_ != quote) {
      if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20) {
        Fail(name_, std::string("header: unexpected ") + Printable(*p_) + " in " + what);
      }
      ++p_;
    }
    if (p_ == end_) Fail(name_, std::string("header: unterminated ") + what);
    return std::string(begin, p_++);
  }
  std::string Word() {
    SkipSpace();
    const char* begin = p_;
    while (p_ != end_ && std::isalpha(static_cast<unsigned char>(*p_))) ++p_;
    const std::string word(begin, p_);
    if (word != "True" && word != "False") {
      Fail(name_,
           "header: fortran_order is " + (word.empty() ? Here() : word) + ", not True or False");
    }
    return word;
  }
  int64_t Integer() {
    SkipSpace();
    if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
      Fail(name_, "header: shape holds " + Here() + ", not a non-negative integer");
    }
    int64_t v = 0;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) {
      const int digit = *p_++ - '0';
      if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) {
        Fail(name_, "header: a dimension of shape is too large");
      }
      v = v * 10 + digit;
    }
    if (Peek() == 'L') ++p_;  // Python 2 longs, as old NumPy wrote them
    return v;
  }
  std::vector<int64_t> Tuple() {
    std::vector<int64_t> dims;
    Expect('(');
    for (;;) {
      SkipSpace();
      if (Peek() == ')') break;
      if (dims.size() == kMaxDims) {
        Fail(name_, "shape has more than " + std::to_string(kMaxDims) + " dimensions");
      }
      dims.push_back(Integer());
      SkipSpace();
      if (Peek() == ',') {
        ++p_;
      } else if (Peek() != ')') {
        Fail(name_, "header: expected ',' or ')' in shape, found " + Here());
      }
    }
    ++p_;
    return dims;
  }

  const char* p_;
  const char* end_;
  const std::string& name_;
};

// descr -> kind and size; NumPy writes '<' for little-endian and '|' when the order
// does not matter (one byte).
void ParseDescr(const std::string& name, NpyHeader* h) {
  const std::string& d = h->descr;
  const bool known_form = d.size() == 3 &&
                          (d[0] == '<' || d[0] == '|' || d[0] == '>' || d[0] == '=') &&
                          std::strchr("fiu", d[1]) != nullptr && d[1] != '\0' &&
                          std::strchr("1248", d[2]) != nullptr && d[2] != '\0';
  const std::string supported = "<f4, <f8, |i1, <i2, <i4, <i8, |u1, <u2, <u4, <u8";
  if (!known_form) Fail(name, "descr = '" + d + "': not a supported dtype (" + supported + ")");
  h->itemsize = d[2] - '0';
  h->kind = d[1] == 'f' ? NpyKind::kFloat : d[1] == 'i' ? NpyKind::kSigned : NpyKind::kUnsigned;
  if (h->kind == NpyKind::kFloat && h->itemsize < 4) {
    Fail(name, "descr = '" + d + "': not a supported dtype (" + supported + ")");
  }
  if (h->itemsize > 1 && d[0] != '<') {
    Fail(name, "descr = '" + d + "': only little-endian data is read (save a.astype('<" +
                   d.substr(1) + "'))");
  }
}

void ReadFully(int fd, uint8_t* out, size_t n, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const size_t got = ReadSome(fd, out + done, n - done, path);
    if (got == 0) Fail(path, "truncated while reading (the file changed?)");
    done += got;
  }
}

// The data after the header must be exactly what its shape and dtype take.
void CheckDataBytes(const NpyHeader& h, uint64_t have, const std::string& name) {
  const auto want = static_cast<uint64_t>(h.data_bytes);
  if (have == want) return;
  Fail(name, std::string(have < want ? "truncated" : "trailing bytes") + ": shape " +
                 ShapeText(h.shape) + " of " + h.descr + " is " + std::to_string(want) +
                 " data bytes, the file holds " + std::to_string(have));
}

}  // namespace

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return out + (shape.size() == 1 ? ",)" : ")");
}

std::string NpyArray::ShapeText() const { return data::ShapeText(header.shape); }

double NpyArray::ValueAt(int64_t i) const {
  SEQ_CHECK(i >= 0 && i < header.count);
  const uint8_t* p = data() + static_cast<size_t>(i) * header.itemsize;
  const uint64_t raw = ReadLittleEndian(p, header.itemsize);
  if (header.kind == NpyKind::kFloat) {
    if (header.itemsize == 4) {
      float f;
      const auto bits = static_cast<uint32_t>(raw);
      std::memcpy(&f, &bits, sizeof f);
      return f;
    }
    double d;
    std::memcpy(&d, &raw, sizeof d);
    return d;
  }
  if (header.kind == NpyKind::kUnsigned) return static_cast<double>(raw);
  return static_cast<double>(IntegerAt(i));
}

int64_t NpyArray::IntegerAt(int64_t i) const {
  SEQ_CHECK(i >= 0 && i < header.count && header.kind != NpyKind::kFloat);
  const uint64_t raw =
      ReadLittleEndian(data() + static_cast<size_t>(i) * header.itemsize, header.itemsize);
  if (header.kind == NpyKind::kUnsigned) {
    return raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(raw);
  }
  const int bits = 8 * header.itemsize;
  if (bits == 64) return static_cast<int64_t>(raw);
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>(raw ^ sign) - static_cast<int64_t>(sign);  // sign-extends
}

NpyHeader ParseNpyHeader(const uint8_t* data, size_t size, const std::string& name,
                         int64_t max_bytes) {
  if (size < kMagicBytes + 2 || std::memcmp(data, kMagic, kMagicBytes) != 0) {
    Fail(name, "not a .npy file (no \\x93NUMPY magic)");
  }
  const int major = data[6], minor = data[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    Fail(name, "format version " + std::to_string(major) + "." + std::to_string(minor) +
                   ": only 1.0, 2.0 and 3.0 are read");
  }
  const size_t length_bytes = major == 1 ? 2 : 4;
  if (size < kMagicBytes + 2 + length_bytes) Fail(name, "truncated: the header length is cut");
  const uint64_t header_len =
      ReadLittleEndian(data + kMagicBytes + 2, static_cast<int>(length_bytes));
  if (header_len > static_cast<uint64_t>(kMaxNpyHeaderBytes)) {
    Fail(name, "header of " + std::to_string(header_len) + " bytes: more than the " +
                   std::to_string(kMaxNpyHeaderBytes) + " accepted");
  }
  NpyHeader h;
  h.data_offset = kMagicBytes + 2 + length_bytes + static_cast<size_t>(header_len);
  if (size < h.data_offset) {
    Fail(name, "truncated: the header claims " + std::to_string(header_len) + " bytes, " +
                   std::to_string(size - (kMagicBytes + 2 + length_bytes)) + " are there");
  }
  HeaderParser(reinterpret_cast<const char*>(data) + kMagicBytes + 2 + length_bytes,
               static_cast<size_t>(header_len), name)
      .Parse(&h);
  ParseDescr(name, &h);
  h.count = 1;
  for (const int64_t d : h.shape) {
    if (d != 0 && h.count > max_bytes / d) {
      Fail(name, "shape " + ShapeText(h.shape) + " of " + h.descr + ": more than the " +
                     std::to_string(max_bytes) + " bytes accepted");
    }
    h.count *= d;
  }
  if (h.count > max_bytes / h.itemsize) {
    Fail(name, "shape " + ShapeText(h.shape) + " of " + h.descr + ": more than the " +
                   std::to_string(max_bytes) + " bytes accepted");
  }
  h.data_bytes = h.count * h.itemsize;
  return h;
}

NpyArray ParseNpy(std::vector<uint8_t> bytes, const std::string& name, int64_t max_bytes) {
  NpyArray a;
  a.name = name;
  a.header = ParseNpyHeader(bytes.data(), bytes.size(), name, max_bytes);
  CheckDataBytes(a.header, bytes.size() - a.header.data_offset, name);
  a.bytes = std::move(bytes);
  return a;
}

NpyArray ReadNpyFile(const std::string& path, const std::function<bool()>& stop,
                     FileChecksum* checksum) {
  UniqueFd fd(OpenRegularFile(path));
  const uint64_t size = FileSize(fd.get(), path);
  // The header first: it says how large the array is before anything large is allocated.
  std::vector<uint8_t> head(static_cast<size_t>(
      std::min<uint64_t>(size, kMagicBytes + 6 + static_cast<uint64_t>(kMaxNpyHeaderBytes))));
  ReadFully(fd.get(), head.data(), head.size(), path);
  const NpyHeader h = ParseNpyHeader(head.data(), head.size(), path);
  CheckDataBytes(h, size - h.data_offset, path);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  std::copy(head.begin(), head.end(), bytes.begin());
  if (stop && stop()) throw LoadStopped();
  for (size_t done = head.size(); done < bytes.size();) {
    if (done > head.size() && stop && stop()) throw LoadStopped();
    const size_t n = std::min(kReadChunk, bytes.size() - done);
    ReadFully(fd.get(), bytes.data() + done, n, path);
    done += n;
  }
  if (checksum) *checksum = {size, Crc32c(bytes.data(), bytes.size())};
  return ParseNpy(std::move(bytes), path);
}

}  // namespace seqtrain::data
