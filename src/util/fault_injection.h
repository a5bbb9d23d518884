// Faults injected on purpose, for the failure tests, from the environment:
//   SEQTRAIN_FAULT="KIND@STEPS[:RANK][,...]"
// KIND is kill (SIGKILL before the step), hang (sleep forever before the
// step), nan (NaN in that rank's gradient of the step), desync (that rank's
// first parameter is changed after the step, so replicas differ),
// crash_in_checkpoint (rank 0 exits halfway through writing the checkpoint
// saved after the step), a stall in that save, for a test to kill -9 rank 0
// at a known moment: stall_before_create, stall_mid_write, stall_before_rename,
// stall_before_dirsync (see WritePhase) print "seqtrain: fault: stalled ..."
// with the pid on stderr and wait forever; hang_in_loading (data loading pauses, saying so on
// stderr, until a stop signal; STEPS is 0); slow (the step takes kSlowStepSeconds longer: a
// stop signal then arrives mid-step, as with a large model) or oom (that rank
// throws std::bad_alloc in the step). STEPS is S or S-E (1-based optimizer steps); RANK
// defaults to every rank. An environment variable rather than a config field,
// so a fault never lands in a checkpoint's config and recurs on resume.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/atomic_file.h"

namespace seqtrain {

// More than Open MPI's 2 s grace between forwarding SIGTERM and killing the ranks.
constexpr double kSlowStepSeconds = 3.0;

class FaultPlan {
 public:
  enum class Kind {
    kKill,
    kHang,
    kNan,
    kDesync,
    kCrashInCheckpoint,
    kStallBeforeCreate,
    kStallMidWrite,
    kStallBeforeRename,
    kStallBeforeDirSync,
    kHangInLoading,
    kSlow,
    kOutOfMemory,
  };

  // Throws seqtrain::Error naming SEQTRAIN_FAULT and the bad part.
  static FaultPlan FromEnvironment();
  static FaultPlan Parse(const std::string& spec);

  bool Has(Kind kind, int64_t step, int rank) const;
  // The checkpoint-save hook of `step` on `rank`: the crash and stalls above.
  WriteHook SaveHook(int64_t step, int rank) const;
  bool HasAny(Kind kind) const;
  bool empty() const { return faults_.empty(); }

 private:
  struct Fault {
    Kind kind;
    int64_t first_step, last_step;
    int rank;  // -1: every rank
  };
  std::vector<Fault> faults_;
};

// The fault points of one rank's training steps, one call per phase of a step.
// With no fault planned each call is a single untaken branch.
class StepFaults {
 public:
  StepFaults(FaultPlan plan, int rank)
      : plan_(std::move(plan)), rank_(rank), none_(plan_.empty()) {}

  // Before the batch is read: kill, hang, slow, oom.
  void BeforeStep(int64_t step) const {
    if (!none_) InjectBeforeStep(step);
  }
  // After this rank's gradient, before it is reduced: nan.
  void AfterGradient(int64_t step, float* grads) const {
    if (!none_) InjectAfterGradient(step, grads);
  }
  // After the update: desync.
  void AfterUpdate(int64_t step, float* params) const {
    if (!none_) InjectAfterUpdate(step, params);
  }
  // The hook of the checkpoint saved after `step`: crash_in_checkpoint, stall_*.
  WriteHook SaveHook(int64_t step) const { return none_ ? nullptr : plan_.SaveHook(step, rank_); }

 private:
  void InjectBeforeStep(int64_t step) const;
  void InjectAfterGradient(int64_t step, float* grads) const;
  void InjectAfterUpdate(int64_t step, float* params) const;

  FaultPlan plan_;
  int rank_;
  bool none_;
};

// Sleeps that long even when signal handlers run meanwhile.
void SleepThroughSignals(double seconds);

}  // namespace seqtrain
