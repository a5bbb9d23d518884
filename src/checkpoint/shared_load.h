// Reading a checkpoint for a whole job: rank 0 reads and checks the file and
// broadcasts its bytes, so the ranks need no shared filesystem and all resume
// from the same bytes. Collective; failures are agreed (dist::RunAgreed).
#pragma once

#include <optional>
#include <string>

#include "checkpoint.pb.h"
#include "dist/communicator.h"

namespace seqtrain::checkpoint {

struct Loaded {
  std::string path;
  Checkpoint checkpoint;
};

// source: a checkpoint file, or "auto" for the newest valid one in auto_dir
// (nothing when auto_dir holds none).
std::optional<Loaded> LoadOnAllRanks(dist::Communicator& comm, const std::string& source,
                                     const std::string& auto_dir);

}  // namespace seqtrain::checkpoint
