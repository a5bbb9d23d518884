// Checkpoint files: a fixed header (magic, format version, CRC32C and size of
// the payload) and a serialized Checkpoint message (checkpoint.proto). Saved
// atomically as <dir>/step-<10-digit step>.ckpt; the newest `keep` are kept.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint.pb.h"

namespace seqtrain::checkpoint {

constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 24;
// Larger files are refused before reading: a checkpoint of this model is ~1 MB.
constexpr size_t kMaxCheckpointBytes = size_t{1} << 31;

std::string Encode(const Checkpoint& checkpoint);
// Checks magic, version, size and CRC, then parses. Throws seqtrain::Error "path: reason".
Checkpoint Decode(const std::string& bytes, const std::string& path);
Checkpoint ReadCheckpoint(const std::string& path);

std::string CheckpointPath(const std::string& dir, int64_t step);
// Writes atomically, then deletes all but the newest `keep`. Returns the path.
// crash_halfway: fault injection, see WriteFileAtomically.
std::string SaveCheckpoint(const std::string& dir, const Checkpoint& checkpoint, int keep, bool crash_halfway = false);
// The step-*.ckpt files of dir, newest step first; none when dir does not exist.
std::vector<std::string> ListCheckpoints(const std::string& dir);
// Creates dir (and parents) if missing; throws seqtrain::Error if it cannot.
void EnsureDirectory(const std::string& dir);

struct Found {
  std::string path;
  std::string bytes;  // the file as read, for sending to other ranks
  Checkpoint checkpoint;
};
// The newest checkpoint in dir that reads back valid, calling warn for each
// one skipped. Nothing when dir holds no checkpoint; throws seqtrain::Error
// when it holds some but none is valid.
std::optional<Found> FindLatestValid(const std::string& dir,
                                     const std::function<void(const std::string&)>& warn);

}  // namespace seqtrain::checkpoint
