// Checkpoint files: a fixed header (magic, format version, CRC32C and size of
// the payload) and a serialized Checkpoint message (checkpoint.proto), and the
// folder that holds them. Each run belongs to a lineage (checkpoint.lineage, 12
// hex digits kept across resumes), saved atomically as
// <dir>/lineage-<id>-step-<10-digit step>.ckpt; the newest `keep` of a lineage
// are kept and other lineages' files are never touched. Version-1 files,
// <dir>/step-<step>.ckpt, form the "legacy" lineage (id "").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint.pb.h"
#include "util/atomic_file.h"

namespace seqtrain::checkpoint {

// Written; versions 1 (no lineage) and 2 (Adam's state in fields of its own) are still read.
constexpr uint32_t kFormatVersion = 3;
constexpr uint32_t kOldestReadableVersion = 1;
constexpr size_t kHeaderBytes = 24;
// Larger files are refused before reading: a checkpoint of this model is ~1 MB.
constexpr size_t kMaxCheckpointBytes = size_t{1} << 31;

// The header carries checkpoint.format_version() (kFormatVersion when unset).
std::string Encode(const Checkpoint& checkpoint);
// Checks magic, version, size and CRC, then parses; a version-1 or -2 message comes back
// as version 3 holds it (UpgradeOptimizerFields), its format_version kept. Throws
// seqtrain::Error "path: reason".
Checkpoint Decode(const std::string& bytes, const std::string& path);
Checkpoint ReadCheckpoint(const std::string& path);

// 12 random hex digits.
std::string NewLineageId();
bool IsLineageId(const std::string& text);
// "legacy" for the lineage of version-1 files, else the id.
std::string LineageLabel(const std::string& lineage);

std::string CheckpointPath(const std::string& dir, const std::string& lineage, int64_t step);

struct Listed {
  std::string path;
  std::string lineage;
  int64_t step = 0;
};
// The checkpoint files of dir (every lineage), newest step first; none when dir does not exist.
std::vector<Listed> ListCheckpoints(const std::string& dir);

struct LineageSummary {
  std::string lineage;
  int64_t first_step = 0, last_step = 0;
  int files = 0;
};
// The lineages present in dir, the one with the newest step first.
std::vector<LineageSummary> Lineages(const std::string& dir);
// "3f2a9c1b7d4e (3 checkpoints, steps 5-15), legacy (1 checkpoint, step 40)"
std::string DescribeLineages(const std::vector<LineageSummary>& lineages);

// Writes atomically under checkpoint.lineage(), then deletes this lineage's
// checkpoints older than the `keep` newest up to this step (the one just
// written is always kept; newer steps, left by a damaged file that a resume
// skipped, are overwritten when reached). Returns the path.
std::string SaveCheckpoint(const std::string& dir, const Checkpoint& checkpoint, int keep,
                           const WriteHook& hook = nullptr);
// Creates dir (and parents) if missing; throws seqtrain::Error if it cannot.
void EnsureDirectory(const std::string& dir);
// Deletes the temporary files of checkpoint saves in dir whose writer is gone
// (a crash); returns their paths. Other files are left alone.
std::vector<std::string> RemoveStaleTemporaries(const std::string& dir);

struct Found {
  std::string path;
  std::string bytes;  // the file as read, for sending to other ranks
  Checkpoint checkpoint;
};
// The newest checkpoint of `lineage` in dir that reads back valid, calling
// warn for each one skipped. Nothing when dir holds none of that lineage;
// throws seqtrain::Error when it holds some but none is valid.
std::optional<Found> FindLatestValid(const std::string& dir, const std::string& lineage,
                                     const std::function<void(const std::string&)>& warn);

}  // namespace seqtrain::checkpoint
