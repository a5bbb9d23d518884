// The subcommands of seqtrain; each is collective over comm and returns the exit code.
#pragma once

#include "app/cli.h"
#include "dist/communicator.h"

namespace seqtrain::app {

int RunTrain(const TrainRequest& request, dist::Communicator& comm);
int RunEval(const EvalRequest& request, dist::Communicator& comm);
int RunPredict(const PredictRequest& request, dist::Communicator& comm);
int RunInspect(const InspectRequest& request, dist::Communicator& comm);
int RunDiff(const DiffRequest& request, dist::Communicator& comm);
int RunPlot(const PlotRequest& request, dist::Communicator& comm);
int RunExport(const ExportRequest& request, dist::Communicator& comm);
int RunInit(const InitRequest& request, dist::Communicator& comm);

// One OpenBLAS thread per rank unless asked (requested > 0, or OPENBLAS_NUM_THREADS):
// ranks already fill the cores, and oversubscribed BLAS threads slow every rank.
// Returns the thread count in effect.
int ConfigureBlasThreads(int requested, const dist::Communicator& comm);

}  // namespace seqtrain::app
