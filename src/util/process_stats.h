// Facts about this process for benchmarks: peak resident memory and the time
// since the process started (so "launch to first step" includes MPI_Init and
// data loading).
#pragma once

namespace seqtrain {

// VmHWM from /proc/self/status, in MiB; 0 when unavailable.
double PeakRssMiB();
// Seconds since this process was started by the kernel; 0 when unavailable.
double SecondsSinceProcessStart();

}  // namespace seqtrain
