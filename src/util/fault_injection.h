// Faults injected on purpose, for the failure tests, from the environment:
//   SEQTRAIN_FAULT="KIND@STEPS[:RANK][,...]"
// KIND is kill (SIGKILL before the step), hang (sleep forever before the
// step), nan (NaN in that rank's gradient of the step), desync (that rank's
// first parameter is changed after the step, so replicas differ) or
// crash_in_checkpoint (rank 0 exits halfway through writing the checkpoint
// saved after the step), slow (the step takes kSlowStepSeconds longer: a
// stop signal then arrives mid-step, as with a large model) or oom (that rank
// throws std::bad_alloc in the step). STEPS is S or S-E (1-based optimizer steps); RANK
// defaults to every rank. An environment variable rather than a config field,
// so a fault never lands in a checkpoint's config and recurs on resume.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seqtrain {

// Exit code of the injected checkpoint crash.
constexpr int kExitInjectedCrash = 86;
// More than Open MPI's 2 s grace between forwarding SIGTERM and killing the ranks.
constexpr double kSlowStepSeconds = 3.0;

class FaultPlan {
 public:
  enum class Kind { kKill, kHang, kNan, kDesync, kCrashInCheckpoint, kSlow, kOutOfMemory };

  // Throws seqtrain::Error naming SEQTRAIN_FAULT and the bad part.
  static FaultPlan FromEnvironment();
  static FaultPlan Parse(const std::string& spec);

  bool Has(Kind kind, int64_t step, int rank) const;
  bool empty() const { return faults_.empty(); }

 private:
  struct Fault {
    Kind kind;
    int64_t first_step, last_step;
    int rank;  // -1: every rank
  };
  std::vector<Fault> faults_;
};

// Sleeps that long even when signal handlers run meanwhile.
void SleepThroughSignals(double seconds);

}  // namespace seqtrain
