// Every exit code seqtrain ends with, in one table (docs/launching.md#exit-codes
// lists them for users). The values are part of the interface: launch scripts,
// the Slurm requeue logic and the tests rely on them.
#pragma once

namespace seqtrain {

constexpr int kExitOk = 0;
// Bad config value, data file or checkpoint, or a failure during the run.
constexpr int kExitFailure = 1;
// Bad command line (unknown flag or command, malformed value).
constexpr int kExitUsage = 2;
// Agreed verdicts of a run: the ranks' parameters differ, or the loss stayed NaN/Inf.
constexpr int kExitReplicaMismatch = 3;
constexpr int kExitDiverged = 4;
// Stopped early on SIGTERM/SIGINT/SIGUSR1 after saving a checkpoint: run again
// with --resume auto (EX_TEMPFAIL: "try again later").
constexpr int kExitStopped = 75;
// Injected checkpoint crash (SEQTRAIN_FAULT=crash_in_checkpoint, tests only).
constexpr int kExitInjectedCrash = 86;
// The watchdog: a collective waited longer than its limit. Like timeout(1).
constexpr int kExitWatchdog = 124;
// `seqtrain diff`: the parameters differ (beyond --tolerance, or in shape), or a
// file could not be compared.
constexpr int kExitDiffDifferent = 1;
constexpr int kExitDiffError = 2;

}  // namespace seqtrain
