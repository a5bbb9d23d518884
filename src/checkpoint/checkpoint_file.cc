#include "checkpoint/checkpoint_file.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/atomic_file.h"
#include "util/crc32c.h"
#include "util/error.h"

namespace seqtrain::checkpoint {
namespace {

constexpr char kMagic[8] = {'S', 'E', 'Q', 'T', 'C', 'K', 'P', 'T'};
constexpr char kPrefix[] = "step-";
constexpr char kSuffix[] = ".ckpt";

void PutLe(std::string* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint64_t GetLe(const std::string& in, size_t offset, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t{static_cast<uint8_t>(in[offset + i])} << (8 * i);
  return value;
}

// step-0000000300.ckpt -> 300; -1 for anything else.
int64_t StepOf(const std::string& name) {
  const size_t prefix = sizeof kPrefix - 1, suffix = sizeof kSuffix - 1;
  if (name.size() <= prefix + suffix || name.compare(0, prefix, kPrefix) != 0 ||
      name.compare(name.size() - suffix, suffix, kSuffix) != 0) {
    return -1;
  }
  const std::string digits = name.substr(prefix, name.size() - prefix - suffix);
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  return std::stoll(digits);
}

}  // namespace

std::string Encode(const Checkpoint& checkpoint) {
  std::string payload;
  if (!checkpoint.SerializeToString(&payload)) throw Error("cannot serialize checkpoint");
  std::string out(kMagic, sizeof kMagic);
  PutLe(&out, kFormatVersion, 4);
  PutLe(&out, Crc32c(payload.data(), payload.size()), 4);
  PutLe(&out, payload.size(), 8);
  return out + payload;
}

Checkpoint Decode(const std::string& bytes, const std::string& path) {
  auto fail = [&](const std::string& why) -> Error { return Error(path + ": " + why); };
  if (bytes.size() < kHeaderBytes) {
    throw fail("truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the " +
               std::to_string(kHeaderBytes) + "-byte header");
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) throw fail("not a seqtrain checkpoint (bad magic)");
  const auto version = static_cast<uint32_t>(GetLe(bytes, 8, 4));
  if (version != kFormatVersion) {
    throw fail("checkpoint format version " + std::to_string(version) + ", this seqtrain reads version " +
               std::to_string(kFormatVersion));
  }
  const auto crc = static_cast<uint32_t>(GetLe(bytes, 12, 4));
  const uint64_t size = GetLe(bytes, 16, 8);
  if (size != bytes.size() - kHeaderBytes) {
    throw fail("truncated or padded: header says " + std::to_string(size) + " payload bytes, file holds " +
               std::to_string(bytes.size() - kHeaderBytes));
  }
  const uint32_t actual = Crc32c(bytes.data() + kHeaderBytes, size);
  if (actual != crc) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "checksum mismatch (CRC32C 0x%08X, header says 0x%08X): corrupt", actual, crc);
    throw fail(buf);
  }
  Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(bytes.data() + kHeaderBytes, static_cast<int>(size))) {
    throw fail("payload does not parse as a Checkpoint message");
  }
  if (checkpoint.format_version() != kFormatVersion) {
    throw fail("payload format version " + std::to_string(checkpoint.format_version()) +
               " disagrees with the header's " + std::to_string(kFormatVersion));
  }
  return checkpoint;
}

Checkpoint ReadCheckpoint(const std::string& path) {
  return Decode(ReadWholeFile(path, kMaxCheckpointBytes), path);
}

std::string CheckpointPath(const std::string& dir, int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "%s%010lld%s", kPrefix, static_cast<long long>(step), kSuffix);
  return (dir.empty() || dir.back() == '/' ? dir : dir + "/") + name;
}

void EnsureDirectory(const std::string& dir) {
  std::string partial;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || (dir[i] == '/' && i > 0)) {
      partial = dir.substr(0, i);
      if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        throw Error(partial + ": cannot create checkpoint folder: " + std::strerror(errno));
      }
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw Error(dir + ": checkpoint.dir is not a folder");
  }
  if (::access(dir.c_str(), W_OK) != 0) throw Error(dir + ": checkpoint folder is not writable");
}

std::vector<std::string> ListCheckpoints(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return {};
  while (const dirent* entry = ::readdir(d)) {
    const int64_t step = StepOf(entry->d_name);
    if (step >= 0) found.emplace_back(step, CheckpointPath(dir, step));
  }
  ::closedir(d);
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> paths;
  for (auto& f : found) paths.push_back(std::move(f.second));
  return paths;
}

std::string SaveCheckpoint(const std::string& dir, const Checkpoint& checkpoint, int keep, bool crash_halfway) {
  const std::string path = CheckpointPath(dir, checkpoint.global_step());
  WriteFileAtomically(path, Encode(checkpoint), crash_halfway);
  const std::vector<std::string> all = ListCheckpoints(dir);
  for (size_t i = static_cast<size_t>(std::max(keep, 1)); i < all.size(); ++i) ::unlink(all[i].c_str());
  return path;
}

std::optional<Found> FindLatestValid(const std::string& dir,
                                     const std::function<void(const std::string&)>& warn) {
  const std::vector<std::string> all = ListCheckpoints(dir);
  for (const std::string& path : all) {
    try {
      Found found;
      found.path = path;
      found.bytes = ReadWholeFile(path, kMaxCheckpointBytes);
      found.checkpoint = Decode(found.bytes, path);
      return found;
    } catch (const Error& e) {
      warn(std::string("skipping checkpoint ") + e.what());
    }
  }
  if (!all.empty()) {
    throw Error(dir + ": none of the " + std::to_string(all.size()) +
                " checkpoints is valid (see the warnings above); refusing to start over");
  }
  return std::nullopt;
}

}  // namespace seqtrain::checkpoint
