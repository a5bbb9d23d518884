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

// A checkpoint file, read on rank 0 and shared with every rank.
Loaded LoadOnAllRanks(dist::Communicator& comm, const std::string& path);

// How a training run starts, from the command line.
struct StartRequest {
  std::string dir;           // checkpoint.dir; "" : no checkpoints
  std::string resume;        // "" (fresh), "auto" or a checkpoint file
  std::string lineage;       // --resume-lineage: the lineage --resume auto continues ("legacy" for
                             // version-1 files)
  bool new_lineage = false;  // --new-lineage: start fresh beside the checkpoints already in dir
};

struct Start {
  std::optional<Loaded> resume_from;
  std::string lineage;  // the lineage this run saves as, the same on every rank
  std::string note;     // for the log: how the lineage was chosen
};

// Removes crash leftovers in dir, then decides, on rank 0, what to resume and
// under which lineage to save:
//  - fresh: refused when dir already holds checkpoints, unless new_lineage; a new lineage.
//  - auto: the newest valid checkpoint of the lineage in dir (or of `lineage`);
//    refused when dir holds several and none is named; nothing there: fresh.
//  - a file: its lineage, or a new one (a fork) when dir holds newer steps of it,
//    or when it is a version-1 file and dir holds no version-1 files.
Start PrepareStart(dist::Communicator& comm, const StartRequest& request);

}  // namespace seqtrain::checkpoint
