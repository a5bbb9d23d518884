// Memory a training run will take per rank, estimated from the config before
// the model is built, so a run that cannot fit is refused with one line
// instead of ending in std::bad_alloc partway through. The estimate mirrors
// the buffers the code allocates (src/nn, src/optim, the trainer, the
// evaluation and the checkpoint encoding); memory_preflight_test holds it
// against the peak RSS of real runs.
#pragma once

#include <cstdint>
#include <string>

#include "config.pb.h"
#include "util/error.h"

namespace seqtrain::train {

struct MemoryEstimate {
  // Bytes per rank, by what holds them.
  double model = 0;         // parameters, gradients (with the reduced tail) and both Adam moments
  double activations = 0;   // forward/backward buffers of the larger of the train and eval batches
  double batch_inputs = 0;  // decoded input batches (train and eval) and the epoch permutation
  double checkpoint = 0;    // encoding a checkpoint (rank 0) or decoding one (every rank on resume)
  double resident = 0;      // already in use: MPI, libraries, the loaded data
  double total() const { return model + activations + batch_inputs + checkpoint + resident; }
  // Everything still to be allocated.
  double to_allocate() const { return total() - resident; }
};

// Sizes the run's buffers for world_size ranks and training/test sets of those
// sizes; resident_bytes is what the process holds already.
MemoryEstimate EstimateTrainingMemory(const TrainConfig& config, int world_size,
                                      int64_t train_count, int64_t test_count,
                                      double resident_bytes);

// Throws seqtrain::Error ("needs 17.2 GiB per rank (model.hidden_size = 16384, ...);
// ...") unless what the estimate still has to allocate fits in this rank's
// share of its node's free memory: shared_room_bytes split over the ranks_on_node
// ranks of this node, and own_room_bytes (this process's own limit).
void CheckMemoryFits(const MemoryEstimate& estimate, const TrainConfig& config, int world_size,
                     int ranks_on_node, int64_t shared_room_bytes, const std::string& shared_source,
                     int64_t own_room_bytes);

// "17.2 GiB", "46 MiB": bytes for a message.
std::string FormatBytes(double bytes);

}  // namespace seqtrain::train
