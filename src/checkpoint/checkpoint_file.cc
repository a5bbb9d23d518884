#include "checkpoint/checkpoint_file.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "checkpoint/optimizer_state.h"
#include "util/atomic_file.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/little_endian.h"

namespace seqtrain::checkpoint {
namespace {

constexpr char kMagic[8] = {'S', 'E', 'Q', 'T', 'C', 'K', 'P', 'T'};
constexpr char kLegacyPrefix[] = "step-";
constexpr char kLineagePrefix[] = "lineage-";
constexpr char kSuffix[] = ".ckpt";
constexpr size_t kLineageDigits = 12;

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "step-0000000300.ckpt" -> legacy, 300; "lineage-<id>-step-0000000300.ckpt" -> id, 300.
std::optional<Listed> ParseName(const std::string& name) {
  const size_t suffix = sizeof kSuffix - 1;
  if (name.size() <= suffix || name.compare(name.size() - suffix, suffix, kSuffix) != 0)
    return std::nullopt;
  std::string rest = name.substr(0, name.size() - suffix);
  Listed listed;
  if (StartsWith(rest, kLineagePrefix)) {
    rest = rest.substr(sizeof kLineagePrefix - 1);
    listed.lineage = rest.substr(0, kLineageDigits);
    if (!IsLineageId(listed.lineage) || rest.size() <= kLineageDigits ||
        rest[kLineageDigits] != '-') {
      return std::nullopt;
    }
    rest = rest.substr(kLineageDigits + 1);
  }
  if (!StartsWith(rest, kLegacyPrefix)) return std::nullopt;
  const std::string digits = rest.substr(sizeof kLegacyPrefix - 1);
  if (!AllDigits(digits) || digits.size() > 18) return std::nullopt;
  listed.step = std::stoll(digits);
  return listed;
}

// ".<checkpoint name>.tmp.<pid>", as WriteFileAtomically names its temporary files.
bool IsCheckpointTemporary(const std::string& name) {
  const size_t tmp = name.rfind(".tmp.");
  return name.size() > 1 && name[0] == '.' && tmp != std::string::npos &&
         AllDigits(name.substr(tmp + 5)) && ParseName(name.substr(1, tmp - 1)).has_value();
}

std::string Join(const std::string& dir, const std::string& name) {
  return (dir.empty() || dir.back() == '/' ? dir : dir + "/") + name;
}

}  // namespace

std::string Encode(const Checkpoint& checkpoint) {
  std::string payload;
  if (!checkpoint.SerializeToString(&payload)) throw Error("cannot serialize checkpoint");
  std::string out(kMagic, sizeof kMagic);
  const uint32_t version =
      checkpoint.has_format_version() ? checkpoint.format_version() : kFormatVersion;
  AppendLittleEndian(&out, version, 4);
  AppendLittleEndian(&out, Crc32c(payload.data(), payload.size()), 4);
  AppendLittleEndian(&out, payload.size(), 8);
  return out + payload;
}

Checkpoint Decode(const std::string& bytes, const std::string& path) {
  auto fail = [&](const std::string& why) -> Error { return Error(path + ": " + why); };
  if (bytes.size() < kHeaderBytes) {
    throw fail("truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the " +
               std::to_string(kHeaderBytes) + "-byte header");
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw fail("not a seqtrain checkpoint (bad magic)");
  const auto version = static_cast<uint32_t>(ReadLittleEndian(bytes.data() + 8, 4));
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    throw fail("checkpoint format version " + std::to_string(version) +
               ", this seqtrain reads versions " + std::to_string(kOldestReadableVersion) + " to " +
               std::to_string(kFormatVersion));
  }
  const auto crc = static_cast<uint32_t>(ReadLittleEndian(bytes.data() + 12, 4));
  const uint64_t size = ReadLittleEndian(bytes.data() + 16, 8);
  if (size != bytes.size() - kHeaderBytes) {
    throw fail("truncated or padded: header says " + std::to_string(size) +
               " payload bytes, file holds " + std::to_string(bytes.size() - kHeaderBytes));
  }
  const uint32_t actual = Crc32c(bytes.data() + kHeaderBytes, size);
  if (actual != crc) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "checksum mismatch (CRC32C 0x%08X, header says 0x%08X): corrupt",
                  actual, crc);
    throw fail(buf);
  }
  Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(bytes.data() + kHeaderBytes, static_cast<int>(size))) {
    throw fail("payload does not parse as a Checkpoint message");
  }
  if (checkpoint.format_version() != version) {
    throw fail("payload format version " + std::to_string(checkpoint.format_version()) +
               " disagrees with the header's " + std::to_string(version));
  }
  // The lineage becomes part of file names: nothing but the id's own digits.
  if ((version < 2 && checkpoint.has_lineage()) ||
      (!checkpoint.lineage().empty() && !IsLineageId(checkpoint.lineage()))) {
    throw fail("lineage '" + checkpoint.lineage().substr(0, 40) + "' is not " +
               std::to_string(kLineageDigits) + " lowercase hex digits");
  }
  UpgradeOptimizerFields(&checkpoint, path);
  return checkpoint;
}

Checkpoint ReadCheckpoint(const std::string& path) {
  return Decode(ReadWholeFile(path, kMaxCheckpointBytes), path);
}

std::string NewLineageId() {
  std::random_device device;  // the OS's entropy: ids must differ between runs started alike
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  while (id.size() < kLineageDigits) {
    const uint32_t bits = device();
    for (int i = 0; i < 8 && id.size() < kLineageDigits; ++i) id += kHex[(bits >> (4 * i)) & 0xF];
  }
  return id;
}

bool IsLineageId(const std::string& text) {
  return text.size() == kLineageDigits && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string LineageLabel(const std::string& lineage) {
  return lineage.empty() ? "legacy" : lineage;
}

std::string CheckpointPath(const std::string& dir, const std::string& lineage, int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "%s%010lld%s", kLegacyPrefix, static_cast<long long>(step),
                kSuffix);
  return Join(dir, lineage.empty() ? name : kLineagePrefix + lineage + "-" + name);
}

void EnsureDirectory(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  // A file of that name is reported below as what it is.
  if (error && !std::filesystem::exists(dir)) {
    throw Error(dir + ": cannot create checkpoint folder: " + error.message());
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw Error(dir + ": checkpoint.dir is not a folder");
  }
  if (::access(dir.c_str(), W_OK) != 0) throw Error(dir + ": checkpoint folder is not writable");
}

std::vector<Listed> ListCheckpoints(const std::string& dir) {
  std::vector<Listed> found;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return {};
  while (const dirent* entry = ::readdir(d)) {
    std::optional<Listed> listed = ParseName(entry->d_name);
    if (!listed) continue;
    listed->path = Join(dir, entry->d_name);
    found.push_back(std::move(*listed));
  }
  ::closedir(d);
  std::sort(found.begin(), found.end(), [](const Listed& a, const Listed& b) {
    return a.step != b.step ? a.step > b.step : a.lineage < b.lineage;
  });
  return found;
}

std::vector<LineageSummary> Lineages(const std::string& dir) {
  std::vector<LineageSummary> out;
  for (const Listed& c : ListCheckpoints(dir)) {  // newest first, so first_step ends lowest
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const LineageSummary& l) { return l.lineage == c.lineage; });
    if (it == out.end()) {
      out.push_back({c.lineage, c.step, c.step, 0});
      it = out.end() - 1;
    }
    it->first_step = c.step;
    ++it->files;
  }
  return out;
}

std::string DescribeLineages(const std::vector<LineageSummary>& lineages) {
  std::string out;
  for (const LineageSummary& l : lineages) {
    out += (out.empty() ? "" : ", ") + LineageLabel(l.lineage) + " (" + std::to_string(l.files) +
           (l.files == 1 ? " checkpoint, step " + std::to_string(l.last_step)
                         : " checkpoints, steps " + std::to_string(l.first_step) + "-" +
                               std::to_string(l.last_step)) +
           ")";
  }
  return out;
}

std::string SaveCheckpoint(const std::string& dir, const Checkpoint& checkpoint, int keep,
                           const WriteHook& hook) {
  const std::string& lineage = checkpoint.lineage();
  const int64_t step = checkpoint.global_step();
  const std::string path = CheckpointPath(dir, lineage, step);
  WriteFileAtomically(path, Encode(checkpoint), hook);
  int kept = 1;  // the one just written
  for (const Listed& c : ListCheckpoints(dir)) {
    if (c.lineage != lineage || c.step >= step) continue;
    if (kept < std::max(keep, 1)) {
      ++kept;
    } else {
      ::unlink(c.path.c_str());
    }
  }
  return path;
}

std::vector<std::string> RemoveStaleTemporaries(const std::string& dir) {
  std::vector<std::string> removed;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return removed;
  std::vector<std::string> candidates;
  while (const dirent* entry = ::readdir(d)) {
    if (IsCheckpointTemporary(entry->d_name)) candidates.push_back(Join(dir, entry->d_name));
  }
  ::closedir(d);
  for (const std::string& path : candidates) {
    if (RemoveIfAbandoned(path)) removed.push_back(path);
  }
  return removed;
}

std::optional<Found> FindLatestValid(const std::string& dir, const std::string& lineage,
                                     const std::function<void(const std::string&)>& warn) {
  int candidates = 0;
  for (const Listed& c : ListCheckpoints(dir)) {
    if (c.lineage != lineage) continue;
    ++candidates;
    try {
      Found found;
      found.path = c.path;
      found.bytes = ReadWholeFile(c.path, kMaxCheckpointBytes);
      found.checkpoint = Decode(found.bytes, c.path);
      if (found.checkpoint.lineage() != lineage || found.checkpoint.global_step() != c.step) {
        throw Error(c.path + ": holds lineage " + LineageLabel(found.checkpoint.lineage()) +
                    " step " + std::to_string(found.checkpoint.global_step()) +
                    ", not what its name says (renamed?)");
      }
      return found;
    } catch (const Error& e) {
      warn(std::string("skipping checkpoint ") + e.what());
    }
  }
  if (candidates > 0) {
    throw Error(dir + ": none of the " + std::to_string(candidates) + " checkpoints of lineage " +
                LineageLabel(lineage) +
                " is valid (see the warnings above); refusing to start over");
  }
  return std::nullopt;
}

}  // namespace seqtrain::checkpoint
