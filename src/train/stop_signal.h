// SIGTERM, SIGINT and SIGUSR1 ask the run to stop: the handler only records
// the signal; the trainer passes the request through the next gradient
// allreduce, so every rank stops after the same step, saves, and exits with
// kExitStopped. (mpirun forwards SIGUSR1 to every rank; Slurm sends SIGTERM
// to every task, and a batch script's USR1 can be forwarded to mpirun.)
#pragma once

namespace seqtrain::train {

void InstallStopHandlers();
// The signal number received, or 0.
int StopSignalReceived();
// For tests: forget a received signal.
void ResetStopSignal();

}  // namespace seqtrain::train
