#include "data/npz_archive.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

#include "data/data_source.h"
#include "data/raw_file.h"
#include "util/error.h"
#include "util/little_endian.h"

namespace seqtrain::data {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr size_t kEndBytes = 22, kLocatorBytes = 20, kZip64EndBytes = 56;
constexpr size_t kEntryBytes = 46, kLocalBytes = 30;
constexpr size_t kMaxComment = 65535;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr size_t kChunk = size_t{1} << 20;
// Deflate cannot expand data more than ~1032 times, so a member claiming more is a lie.
constexpr uint64_t kMaxDeflateRatio = 1032;

uint64_t U16(const uint8_t* p) { return ReadLittleEndian(p, 2); }
uint64_t U32(const uint8_t* p) { return ReadLittleEndian(p, 4); }
uint64_t U64(const uint8_t* p) { return ReadLittleEndian(p, 8); }

// A member's 32-bit fields that say "see the zip64 extra field" instead.
struct Zip64Wanted {
  bool size, compressed_size, offset;
};

// Reads the zip64 extra field (id 1) of an entry: the 64-bit values of the fields that
// are 0xFFFFFFFF, in this order; the rest of the extra data is skipped.
void ReadZip64Extra(const uint8_t* extra, size_t n, Zip64Wanted want, ZipMember* m,
                    const std::string& where) {
  for (size_t at = 0; at + 4 <= n;) {
    const uint64_t id = U16(extra + at), len = U16(extra + at + 2);
    if (at + 4 + len > n) throw Error(where + ": extra field runs past its entry");
    if (id == kZip64ExtraId) {
      const uint8_t* p = extra + at + 4;
      size_t used = 0;
      auto take = [&](bool wanted, uint64_t* field) {
        if (!wanted) return;
        if (used + 8 > len) throw Error(where + ": zip64 extra field is too short");
        *field = U64(p + used);
        used += 8;
      };
      take(want.size, &m->size);
      take(want.compressed_size, &m->compressed_size);
      take(want.offset, &m->local_header_offset);
      return;
    }
    at += 4 + len;
  }
  if (want.size || want.compressed_size || want.offset) {
    throw Error(where + ": sizes are in a zip64 extra field that is missing");
  }
}

}  // namespace

NpzArchive NpzArchive::OpenFile(const std::string& path) {
  NpzArchive a;
  a.name_ = path;
  a.fd_ = std::shared_ptr<const int>(new int(OpenRegularFile(path)), [](const int* fd) {
    ::close(*fd);
    delete fd;
  });
  a.size_ = FileSize(*a.fd_, path);
  a.ReadDirectory();
  return a;
}

NpzArchive NpzArchive::FromMemory(std::vector<uint8_t> bytes, const std::string& name) {
  NpzArchive a;
  a.name_ = name;
  a.memory_ = std::move(bytes);
  a.size_ = a.memory_.size();
  a.ReadDirectory();
  return a;
}

void NpzArchive::ReadAt(uint64_t offset, uint8_t* out, size_t n) const {
  if (offset > size_ || n > size_ - offset) {
    throw Error(name_ + ": truncated: " + std::to_string(n) + " bytes wanted at offset " +
                std::to_string(offset) + " of " + std::to_string(size_));
  }
  if (fd_) {
    ReadExactlyAt(*fd_, offset, out, n, name_);
  } else {
    std::memcpy(out, memory_.data() + offset, n);
  }
}

void NpzArchive::ReadDirectory() {
  // The end record is the last thing in the file but for its comment.
  const size_t tail_size = static_cast<size_t>(std::min<uint64_t>(size_, kEndBytes + kMaxComment));
  if (tail_size < kEndBytes) throw Error(name_ + ": not a zip archive (too short)");
  std::vector<uint8_t> tail(tail_size);
  ReadAt(size_ - tail_size, tail.data(), tail_size);
  size_t end = tail_size;
  for (size_t at = tail_size - kEndBytes + 1; at-- > 0;) {
    if (U32(&tail[at]) == kEndOfDirectory && at + kEndBytes + U16(&tail[at + 20]) == tail_size) {
      end = at;
      break;
    }
  }
  if (end == tail_size) throw Error(name_ + ": not a zip archive (no end of central directory)");
  const uint8_t* e = &tail[end];
  const uint64_t end_offset = size_ - tail_size + end;
  uint64_t disk = U16(e + 4), directory_disk = U16(e + 6), entries_here = U16(e + 8);
  uint64_t entries = U16(e + 10), directory_size = U32(e + 12), directory_offset = U32(e + 16);
  uint64_t directory_end = end_offset;
  if (end >= kLocatorBytes && U32(e - kLocatorBytes) == kZip64Locator) {
    const uint8_t* l = e - kLocatorBytes;
    const uint64_t record = U64(l + 8);
    if (U32(l + 4) != 0 || U32(l + 16) != 1) {
      throw Error(name_ + ": a multi-disk zip archive (not supported)");
    }
    if (record > end_offset - kLocatorBytes ||
        end_offset - kLocatorBytes - record < kZip64EndBytes) {
      throw Error(name_ + ": zip64 end of central directory at offset " + std::to_string(record) +
                  " is outside the file");
    }
    uint8_t z[kZip64EndBytes];
    ReadAt(record, z, sizeof z);
    if (U32(z) != kZip64EndOfDirectory) {
      throw Error(name_ + ": no zip64 end of central directory at offset " +
                  std::to_string(record));
    }
    disk = U32(z + 16);
    directory_disk = U32(z + 20);
    entries_here = U64(z + 24);
    entries = U64(z + 32);
    directory_size = U64(z + 40);
    directory_offset = U64(z + 48);
    directory_end = record;
  }
  if (disk != 0 || directory_disk != 0 || entries_here != entries) {
    throw Error(name_ + ": a multi-disk zip archive (not supported)");
  }
  if (entries > static_cast<uint64_t>(kMaxZipMembers)) {
    throw Error(name_ + ": " + std::to_string(entries) + " members: more than the " +
                std::to_string(kMaxZipMembers) + " accepted");
  }
  if (directory_size > static_cast<uint64_t>(kMaxZipDirectoryBytes)) {
    throw Error(name_ + ": central directory of " + std::to_string(directory_size) +
                " bytes: more than the " + std::to_string(kMaxZipDirectoryBytes) + " accepted");
  }
  if (directory_offset > directory_end || directory_size != directory_end - directory_offset) {
    throw Error(name_ + ": central directory (" + std::to_string(directory_size) +
                " bytes at offset " + std::to_string(directory_offset) +
                ") does not end where its end record starts (" + std::to_string(directory_end) +
                ")");
  }
  std::vector<uint8_t> dir(static_cast<size_t>(directory_size));
  ReadAt(directory_offset, dir.data(), dir.size());
  std::set<std::string> names;
  size_t at = 0;
  for (uint64_t i = 0; i < entries; ++i) {
    const std::string where = name_ + ": central directory entry " + std::to_string(i);
    if (at + kEntryBytes > dir.size() || U32(&dir[at]) != kDirectoryEntry) {
      throw Error(where + ": missing or corrupt");
    }
    const uint8_t* c = &dir[at];
    const size_t name_len = U16(c + 28), extra_len = U16(c + 30), comment_len = U16(c + 32);
    if (at + kEntryBytes + name_len + extra_len + comment_len > dir.size()) {
      throw Error(where + ": runs past the central directory");
    }
    ZipMember m;
    m.name.assign(reinterpret_cast<const char*>(c + kEntryBytes), name_len);
    const uint64_t flags = U16(c + 8);
    m.method = static_cast<int>(U16(c + 10));
    m.crc32 = static_cast<uint32_t>(U32(c + 16));
    m.compressed_size = U32(c + 20);
    m.size = U32(c + 24);
    m.local_header_offset = U32(c + 42);
    const std::string member = name_ + ": " + m.name;
    if (U16(c + 34) != 0 && U16(c + 34) != 0xFFFF) {
      throw Error(name_ + ": a multi-disk zip archive (not supported)");
    }
    ReadZip64Extra(c + kEntryBytes + name_len, extra_len,
                   {m.size == 0xFFFFFFFF, m.compressed_size == 0xFFFFFFFF,
                    m.local_header_offset == 0xFFFFFFFF},
                   &m, member);
    if (flags & 0x1) throw Error(member + ": encrypted (not supported)");
    if (m.method != 0 && m.method != 8) {
      throw Error(member + ": compression method " + std::to_string(m.method) +
                  " (only stored (0) and deflated (8) are read)");
    }
    if (!names.insert(m.name).second) throw Error(member + ": appears twice in the archive");
    members_.push_back(std::move(m));
    at += kEntryBytes + name_len + extra_len + comment_len;
  }
  if (at != dir.size()) throw Error(name_ + ": central directory has bytes after its entries");
  directory_offset_ = directory_offset;
}

const ZipMember* NpzArchive::Find(const std::string& array) const {
  for (const ZipMember& m : members_) {
    if (m.name == array + ".npy") return &m;
  }
  return nullptr;
}

std::vector<std::string> NpzArchive::ArrayNames() const {
  std::vector<std::string> names;
  for (const ZipMember& m : members_) {
    const size_t n = m.name.size();
    names.push_back(n > 4 && m.name.compare(n - 4, 4, ".npy") == 0 ? m.name.substr(0, n - 4)
                                                                   : m.name);
  }
  return names;
}

std::vector<uint8_t> NpzArchive::Extract(const ZipMember& m, const std::function<bool()>& stop,
                                         int64_t max_bytes) const {
  const std::string member = name_ + ": " + m.name;
  uint8_t local[kLocalBytes];
  if (m.local_header_offset >= directory_offset_ ||
      directory_offset_ - m.local_header_offset < kLocalBytes) {
    throw Error(member + ": local header at offset " + std::to_string(m.local_header_offset) +
                " is not before the central directory");
  }
  ReadAt(m.local_header_offset, local, sizeof local);
  if (U32(local) != kLocalHeader) {
    throw Error(member + ": no local header at offset " + std::to_string(m.local_header_offset));
  }
  const uint64_t name_len = U16(local + 26), extra_len = U16(local + 28);
  if (U16(local + 8) != static_cast<uint64_t>(m.method)) {
    throw Error(member + ": the local header's compression method differs from the directory's");
  }
  std::string local_name(name_len, '\0');
  const uint64_t data_offset = m.local_header_offset + kLocalBytes + name_len + extra_len;
  if (data_offset > directory_offset_ || m.compressed_size > directory_offset_ - data_offset) {
    throw Error(member + ": its " + std::to_string(m.compressed_size) + " bytes at offset " +
                std::to_string(data_offset) + " run into the central directory");
  }
  ReadAt(m.local_header_offset + kLocalBytes, reinterpret_cast<uint8_t*>(local_name.data()),
         local_name.size());
  if (local_name != m.name) {
    throw Error(member + ": the local header names it '" + local_name + "'");
  }
  const uint64_t limit = static_cast<uint64_t>(max_bytes + kMaxNpyHeaderBytes + 16);
  if (m.size > limit) {
    throw Error(member + ": " + std::to_string(m.size) + " bytes: more than the " +
                std::to_string(limit) + " accepted");
  }
  if (m.method == 0 && m.compressed_size != m.size) {
    throw Error(member + ": stored, but its sizes differ (" + std::to_string(m.compressed_size) +
                " vs " + std::to_string(m.size) + ")");
  }
  if (m.method == 8 && m.size > m.compressed_size * kMaxDeflateRatio + 1024) {
    throw Error(member + ": " + std::to_string(m.size) + " bytes cannot come from " +
                std::to_string(m.compressed_size) + " deflated bytes");
  }
  std::vector<uint8_t> out(static_cast<size_t>(m.size));
  std::vector<uint8_t> in;
  z_stream z{};
  if (m.method == 8 && inflateInit2(&z, -MAX_WBITS) != Z_OK) {
    throw Error(member + ": cannot start inflating");
  }
  struct EndInflate {
    z_stream* z;
    bool active;
    ~EndInflate() {
      if (active) inflateEnd(z);
    }
  } end_inflate{&z, m.method == 8};
  uint64_t read = 0;
  bool ended = m.method == 0;
  while (read < m.compressed_size) {
    if (stop && stop()) throw LoadStopped();
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, m.compressed_size - read));
    if (m.method == 0) {
      ReadAt(data_offset + read, out.data() + read, n);
      read += n;
      continue;
    }
    in.resize(n);
    ReadAt(data_offset + read, in.data(), n);
    read += n;
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(n);
    while (z.avail_in > 0 && !ended) {
      uint8_t spare;  // room for one byte too many, so an overlong stream is caught
      const uint64_t done = z.total_out;
      z.next_out = done < out.size() ? out.data() + done : &spare;
      z.avail_out = done < out.size()
                        ? static_cast<uInt>(std::min<uint64_t>(out.size() - done, 1u << 30))
                        : 1;
      const int rc = inflate(&z, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        ended = true;
      } else if (rc != Z_OK) {
        throw Error(member + ": corrupt deflate data" +
                    (z.msg ? std::string(" (") + z.msg + ")" : std::string()));
      }
      if (z.total_out > out.size()) {
        throw Error(member + ": inflates to more than the " + std::to_string(m.size) +
                    " bytes its entry says");
      }
    }
    if (ended && (z.avail_in > 0 || read < m.compressed_size)) {
      throw Error(member + ": bytes after the end of its deflate data");
    }
  }
  if (!ended) throw Error(member + ": deflate data is cut short");
  if (m.method == 8 && z.total_out != out.size()) {
    throw Error(member + ": inflates to " + std::to_string(z.total_out) +
                " bytes, its entry says " + std::to_string(m.size));
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t at = 0; at < out.size(); at += kChunk) {
    crc = crc32(crc, out.data() + at, static_cast<uInt>(std::min(kChunk, out.size() - at)));
  }
  if (static_cast<uint32_t>(crc) != m.crc32) {
    char text[64];
    std::snprintf(text, sizeof text, "CRC-32 %08X, its entry says %08X", static_cast<unsigned>(crc),
                  static_cast<unsigned>(m.crc32));
    throw Error(member + ": " + text);
  }
  return out;
}

NpyArray NpzArchive::ReadArray(const std::string& array, const std::function<bool()>& stop,
                               int64_t max_bytes) const {
  const ZipMember* m = Find(array);
  if (!m) {
    std::string have;
    for (const std::string& n : ArrayNames()) have += (have.empty() ? "" : ", ") + n;
    throw Error(name_ + ": no array '" + array +
                "' (it holds: " + (have.empty() ? "nothing" : have) + ")");
  }
  return ParseNpy(Extract(*m, stop, max_bytes), name_ + ":" + m->name, max_bytes);
}

}  // namespace seqtrain::data
