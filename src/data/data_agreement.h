// Ranks agreeing on their data. Each rank loads its own copy of the data
// files; one collective (an allgather of a small fixed record per rank) then
// gives every rank every rank's outcome (loaded, failed, stopped by a signal)
// and what it loaded: counts, shapes, and each file's size and CRC32C as
// stored. Every rank reaches the same verdict from the same records, so a
// copy that differs on one node (stale, another data set, shifted labels)
// ends every rank with one line instead of training on a blend.
#pragma once

#include <string>
#include <vector>

#include "data/data_source.h"
#include "dist/communicator.h"

namespace seqtrain::data {

struct LoadOutcome {
  enum class Status { kLoaded, kFailed, kStopped };
  Status status = Status::kLoaded;
  std::string error;           // kFailed: the one-line message
  int signal = 0;              // kStopped: the signal received
  std::vector<SetFacts> sets;  // kLoaded: at most kMaxAgreedSets
};

constexpr size_t kMaxAgreedSets = 2;

// Returns when every rank loaded the same data. Otherwise every rank throws:
// a load error is printed by the lowest failing rank ("[rank r] ..."), then
// AgreedFailure(1); a stop signal is reported by rank 0 ("stopped during data
// loading (signal 15); nothing to save"), then AgreedFailure(stop_exit_code);
// differing data gives AgreedError("[rank r] training set differs from rank 0's: ...").
void AgreeOnData(dist::Communicator& comm, const LoadOutcome& mine, int stop_exit_code);

}  // namespace seqtrain::data
