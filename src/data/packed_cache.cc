#include "data/packed_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "util/atomic_file.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/little_endian.h"

namespace seqtrain::data {
namespace {

// Layout, little-endian: magic (16 bytes, the version in it), source size (8),
// source CRC32C (4), rows (4), cols (4), reserved (4), count (8), packed size
// (8), packed CRC32C (4), CRC32C of the 60 bytes before (4); then the packed bytes.
constexpr char kMagic[16] = {'s', 'e', 'q', 't', 'r', 'a', 'i', 'n',
                             ' ', 'p', 'a', 'c', 'k', 'e', 'd', '1'};
constexpr size_t kHeaderBytes = 64;
constexpr char kBesideFolder[] = ".seqtrain-cache";

std::string UserCacheFolder() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/seqtrain";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.cache/seqtrain";
  return "";
}

std::string ParentOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Creates folder (and its parent, for ~/.cache/seqtrain) unless it exists.
// A folder without any write bit counts as read-only even for root: someone
// made it so on purpose (a shared data set, say).
std::string MakeWritableFolder(const std::string& folder) {
  struct stat st {};
  const std::string parent = ParentOf(folder);
  if (::stat(folder.c_str(), &st) != 0) {
    std::error_code error;
    std::filesystem::create_directory(parent, error);  // nothing when it exists
    if (error) return parent + ": " + error.message();
    if (::stat(parent.c_str(), &st) == 0 && (st.st_mode & 0222) == 0)
      return parent + " is read-only";
    std::filesystem::create_directory(folder, error);
    if (error) return folder + ": " + error.message();
    if (::stat(folder.c_str(), &st) != 0) return folder + ": " + std::strerror(errno);
  }
  if (!S_ISDIR(st.st_mode)) return folder + ": not a folder";
  if ((st.st_mode & 0222) == 0) return folder + " is read-only";
  return "";
}

// Rebuilds the offset table by walking the segments: each image must decode
// to exactly rows * cols pixels and the images must use every byte.
bool RebuildOffsets(LabeledImages* set, int64_t count) {
  const int64_t pixels = set->pixels_per_image();
  const uint8_t* p = set->packed.data();
  const size_t size = set->packed.size();
  set->offsets.assign(1, 0);
  set->offsets.reserve(static_cast<size_t>(count) + 1);
  size_t at = 0;
  for (int64_t i = 0; i < count; ++i) {
    int64_t filled = 0;
    while (filled < pixels) {
      if (size - at < 2) return false;
      const int zeros = p[at], literals = p[at + 1];
      // LabeledImages::Add never writes an empty segment, nor one past the image.
      if (zeros + literals == 0 || filled + zeros + literals > pixels) return false;
      if (size - at - 2 < static_cast<size_t>(literals)) return false;
      filled += zeros + literals;
      at += 2 + static_cast<size_t>(literals);
    }
    set->offsets.push_back(at);
  }
  set->count = count;
  return at == size;
}

bool ReadCacheFile(const std::string& path, const FileChecksum& source, LabeledImages* set) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) < kHeaderBytes)
    return false;
  uint8_t h[kHeaderBytes];
  if (::pread(fd, h, kHeaderBytes, 0) != static_cast<ssize_t>(kHeaderBytes)) return false;
  const auto get = [&h](size_t offset, int bytes) { return ReadLittleEndian(h + offset, bytes); };
  if (std::memcmp(h, kMagic, sizeof kMagic) != 0 || get(60, 4) != Crc32c(h, 60)) return false;
  if (get(16, 8) != source.size || get(24, 4) != source.crc32c) return false;
  const uint64_t rows = get(28, 4), cols = get(32, 4), count = get(40, 8);
  const uint64_t packed_size = get(48, 8);
  if (packed_size != static_cast<uint64_t>(st.st_size) - kHeaderBytes) return false;
  // The bounds of an IDX header (a cache is only ever written from a checked one).
  if (rows == 0 || cols == 0 || count == 0 ||
      rows * cols > static_cast<uint64_t>(kMaxPixelsPerImage) ||
      count > static_cast<uint64_t>(kMaxImages) ||
      packed_size > 2 * static_cast<uint64_t>(kMaxIdxBytes)) {
    return false;
  }
  LabeledImages loaded = MakeEmptySet(static_cast<int>(rows), static_cast<int>(cols));
  loaded.packed.resize(static_cast<size_t>(packed_size));
  size_t done = 0;
  while (done < loaded.packed.size()) {
    const ssize_t n = ::pread(fd, loaded.packed.data() + done, loaded.packed.size() - done,
                              static_cast<off_t>(kHeaderBytes + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  if (Crc32c(loaded.packed.data(), loaded.packed.size()) != get(56, 4)) return false;
  if (!RebuildOffsets(&loaded, static_cast<int64_t>(count))) return false;
  *set = std::move(loaded);
  return true;
}

// The header alone: the packed pixels follow it in the file, written from the set itself.
std::string SerializeHeader(const FileChecksum& source, const LabeledImages& set) {
  std::string bytes(kMagic, sizeof kMagic);
  bytes.reserve(kHeaderBytes);
  AppendLittleEndian(&bytes, source.size, 8);
  AppendLittleEndian(&bytes, source.crc32c, 4);
  AppendLittleEndian(&bytes, static_cast<uint64_t>(set.rows), 4);
  AppendLittleEndian(&bytes, static_cast<uint64_t>(set.cols), 4);
  AppendLittleEndian(&bytes, 0, 4);
  AppendLittleEndian(&bytes, static_cast<uint64_t>(set.count), 8);
  AppendLittleEndian(&bytes, set.packed.size(), 8);
  AppendLittleEndian(&bytes, Crc32c(set.packed.data(), set.packed.size()), 4);
  AppendLittleEndian(&bytes, Crc32c(bytes.data(), bytes.size()), 4);
  return bytes;
}

}  // namespace

std::vector<std::string> PackedCachePaths(const std::string& images_path,
                                          const FileChecksum& source) {
  const std::string name = std::filesystem::path(images_path).filename().string();
  const std::string dir = ParentOf(images_path);
  std::vector<std::string> paths;
  // /usr is the package manager's (e.g. Debian's dataset-fashion-mnist): not even root writes
  // beside those files.
  if (dir != "/usr" && dir.rfind("/usr/", 0) != 0)
    paths.push_back((dir == "/" ? "" : dir) + "/" + kBesideFolder + "/" + name + ".packed");
  const std::string user = UserCacheFolder();
  if (!user.empty()) {
    char key[48];
    std::snprintf(key, sizeof key, "-%llu-%08X.packed",
                  static_cast<unsigned long long>(source.size), source.crc32c);
    paths.push_back(user + "/" + name + key);
  }
  return paths;
}

bool ReadPackedCache(const std::string& images_path, const FileChecksum& source,
                     LabeledImages* set) {
  for (const std::string& path : PackedCachePaths(images_path, source)) {
    if (ReadCacheFile(path, source, set)) return true;
  }
  return false;
}

std::string WritePackedCache(const std::string& images_path, const FileChecksum& source,
                             const LabeledImages& set) {
  std::string problems;
  for (const std::string& path : PackedCachePaths(images_path, source)) {
    std::string problem = MakeWritableFolder(ParentOf(path));
    if (problem.empty()) {
      try {
        const std::string header = SerializeHeader(source, set);
        WriteFileAtomically(
            path, {header, std::string_view(reinterpret_cast<const char*>(set.packed.data()),
                                            set.packed.size())});
        return "";
      } catch (const Error& e) {
        problem = e.what();
      }
    }
    problems += (problems.empty() ? "" : "; ") + problem;
  }
  return problems;
}

}  // namespace seqtrain::data
