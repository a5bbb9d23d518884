#include "util/fault_injection.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <sstream>

#include "util/error.h"
#include "util/exit_codes.h"

namespace seqtrain {
namespace {

int64_t ParseInt(const std::string& text, const std::string& part) {
  size_t used = 0;
  int64_t value = -1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < 0)
    throw Error("SEQTRAIN_FAULT: '" + part + "': '" + text + "' is not a step or rank");
  return value;
}

}  // namespace

FaultPlan FaultPlan::FromEnvironment() {
  const char* spec = std::getenv("SEQTRAIN_FAULT");
  return spec ? Parse(spec) : FaultPlan();
}

FaultPlan FaultPlan::Parse(const std::string& spec) {
  FaultPlan plan;
  std::istringstream parts(spec);
  std::string part;
  while (std::getline(parts, part, ',')) {
    if (part.empty()) continue;
    const size_t at = part.find('@');
    if (at == std::string::npos)
      throw Error("SEQTRAIN_FAULT: '" + part + "': expected KIND@STEPS[:RANK]");
    const std::string kind = part.substr(0, at);
    Fault f{};
    if (kind == "kill")
      f.kind = Kind::kKill;
    else if (kind == "hang")
      f.kind = Kind::kHang;
    else if (kind == "nan")
      f.kind = Kind::kNan;
    else if (kind == "desync")
      f.kind = Kind::kDesync;
    else if (kind == "crash_in_checkpoint")
      f.kind = Kind::kCrashInCheckpoint;
    else if (kind == "stall_before_create")
      f.kind = Kind::kStallBeforeCreate;
    else if (kind == "stall_mid_write")
      f.kind = Kind::kStallMidWrite;
    else if (kind == "stall_before_rename")
      f.kind = Kind::kStallBeforeRename;
    else if (kind == "stall_before_dirsync")
      f.kind = Kind::kStallBeforeDirSync;
    else if (kind == "hang_in_loading")
      f.kind = Kind::kHangInLoading;
    else if (kind == "slow")
      f.kind = Kind::kSlow;
    else if (kind == "oom")
      f.kind = Kind::kOutOfMemory;
    else
      throw Error(
          "SEQTRAIN_FAULT: '" + part + "': unknown kind '" + kind + "' (kill, hang, nan, desync, " +
          "crash_in_checkpoint, stall_before_create, stall_mid_write, stall_before_rename, " +
          "stall_before_dirsync, hang_in_loading, slow, oom)");
    std::string steps = part.substr(at + 1);
    f.rank = -1;
    const size_t colon = steps.find(':');
    if (colon != std::string::npos) {
      f.rank = static_cast<int>(ParseInt(steps.substr(colon + 1), part));
      steps = steps.substr(0, colon);
    }
    const size_t dash = steps.find('-');
    f.first_step = ParseInt(steps.substr(0, dash), part);
    f.last_step = dash == std::string::npos ? f.first_step : ParseInt(steps.substr(dash + 1), part);
    if (f.last_step < f.first_step) throw Error("SEQTRAIN_FAULT: '" + part + "': empty step range");
    plan.faults_.push_back(f);
  }
  return plan;
}

bool FaultPlan::Has(Kind kind, int64_t step, int rank) const {
  for (const Fault& f : faults_) {
    if (f.kind == kind && step >= f.first_step && step <= f.last_step &&
        (f.rank < 0 || f.rank == rank))
      return true;
  }
  return false;
}

bool FaultPlan::HasAny(Kind kind) const {
  for (const Fault& f : faults_) {
    if (f.kind == kind) return true;
  }
  return false;
}

WriteHook FaultPlan::SaveHook(int64_t step, int rank) const {
  const bool crash = Has(Kind::kCrashInCheckpoint, step, rank);
  std::optional<Kind> stall;
  for (Kind k : {Kind::kStallBeforeCreate, Kind::kStallMidWrite, Kind::kStallBeforeRename,
                 Kind::kStallBeforeDirSync}) {
    if (Has(k, step, rank)) stall = k;
  }
  if (!crash && !stall) return nullptr;
  return [crash, stall, step](WritePhase phase, const std::string& temporary) {
    if (crash && phase == WritePhase::kMidWrite) {
      std::fprintf(stderr,
                   "seqtrain: error: injected crash halfway through writing %s (SEQTRAIN_FAULT)\n",
                   temporary.c_str());
      _exit(kExitInjectedCrash);
    }
    const Kind at = phase == WritePhase::kBeforeCreate   ? Kind::kStallBeforeCreate
                    : phase == WritePhase::kMidWrite     ? Kind::kStallMidWrite
                    : phase == WritePhase::kBeforeRename ? Kind::kStallBeforeRename
                                                         : Kind::kStallBeforeDirSync;
    if (at != stall) return;
    std::fprintf(
        stderr,
        "seqtrain: fault: stalled %s of the step-%lld checkpoint, pid %d (SEQTRAIN_FAULT)\n",
        WritePhaseName(phase), static_cast<long long>(step), static_cast<int>(::getpid()));
    std::fflush(stderr);
    for (;;) ::pause();
  };
}

void StepFaults::InjectBeforeStep(int64_t step) const {
  if (plan_.Has(FaultPlan::Kind::kKill, step, rank_)) std::raise(SIGKILL);
  while (plan_.Has(FaultPlan::Kind::kHang, step, rank_)) ::pause();
  if (plan_.Has(FaultPlan::Kind::kSlow, step, rank_)) SleepThroughSignals(kSlowStepSeconds);
  if (plan_.Has(FaultPlan::Kind::kOutOfMemory, step, rank_)) throw std::bad_alloc();
}

void StepFaults::InjectAfterGradient(int64_t step, float* grads) const {
  if (plan_.Has(FaultPlan::Kind::kNan, step, rank_)) grads[0] = std::nanf("");
}

void StepFaults::InjectAfterUpdate(int64_t step, float* params) const {
  if (plan_.Has(FaultPlan::Kind::kDesync, step, rank_)) params[0] += 1.0f;
}

void SleepThroughSignals(double seconds) {
  const auto whole = static_cast<time_t>(seconds);
  timespec left{whole, static_cast<long>((seconds - static_cast<double>(whole)) * 1e9)};
  // A stop signal must not shorten the step: resume the sleep where the handler cut it.
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

}  // namespace seqtrain
