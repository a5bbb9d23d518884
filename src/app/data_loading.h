// The data sets of a command, loaded on every rank and agreed on
// (data/data_agreement.h). For `train`, loading starts in a thread right
// after MPI_Init, beside the config and communicator set-up. Not during
// MPI_Init: UCX rewrites mmap/munmap in memory there, and a thread freeing
// memory at that moment crashed (1 run in ~10). A stop signal ends loading at
// its next piece; SEQTRAIN_FAULT=hang_in_loading@0[:RANK] pauses it for tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config.pb.h"
#include "data/data_agreement.h"
#include "data/data_source.h"
#include "dist/communicator.h"

namespace seqtrain::app {

struct TrainRequest;  // app/cli.h

struct DataRequest {
  seqtrain::DataConfig config;                 // data.format opens the sets (data/data_source.h)
  bool with_train = false;                     // the training set too; the test set always
  int steps = 0, inputs = 0, num_classes = 0;  // the model's
  data::TargetSpec targets;                    // what the model's head reads

  bool operator==(const DataRequest& other) const;
};

struct LoadedData {
  std::unique_ptr<data::DataSource> train, test;  // train: null unless requested
  std::vector<std::string> notes;  // for rank 0's log, e.g. why the cache could not be written
};

// Both sets of a training run; the test set alone for evaluation.
DataRequest TrainingDataOf(const TrainConfig& config);
DataRequest TestDataOf(const TrainConfig& config);

// Right after MPI_Init, for a `train` command line: starts loading its data in a thread,
// overlapping MPI start-up. A config that does not load is left for the command to report.
void StartDataPrefetch(const TrainRequest& train);
// Stops (at its next piece) and joins a prefetch that was not taken.
void StopDataPrefetch();

// This rank's data (the prefetched sets when they are the ones requested),
// once every rank has loaded the same. Otherwise throws on every rank alike
// (data::AgreeOnData): kExitStopped after a stop signal, 1 otherwise.
LoadedData LoadOnEveryRank(dist::Communicator& comm, const DataRequest& request);

}  // namespace seqtrain::app
