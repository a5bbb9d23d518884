// `seqtrain train`: load data, train, evaluate. Collective over comm.
#pragma once

#include "app/cli.h"
#include "dist/communicator.h"

namespace seqtrain::app {

int RunTrain(const TrainRequest& request, dist::Communicator& comm);

}  // namespace seqtrain::app
