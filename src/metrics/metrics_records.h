// The records of a run's metrics JSON lines (docs/metrics.md), each declared
// once: the struct, then its Schema, the fields in the order a line holds them.
// The writer and the reader (metrics/metrics_file.h) both walk the Schema, so a
// field added here is written and read back with nothing else to change.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "util/phase_timer.h"

namespace seqtrain::metrics {

// How a run's predictions are scored besides the loss: a classifier's accuracy, or a
// regression head's root mean squared error. A line holds the one its run has ("train_accuracy"
// or "train_rmse"), so a classifier's lines are as they always were.
enum class Quality { kAccuracy, kRmse };

struct StepRecord {
  int64_t step = 0;   // 1-based count of optimizer steps done
  int64_t epoch = 0;  // 0-based epoch the step's batch came from
  double loss = 0;    // mean over the global batch's real targets, before the update
  double train_accuracy = 0;
  double samples_per_sec = 0;  // since the previous display
  Quality quality = Quality::kAccuracy;
  double train_rmse = 0;
  // The step's learning rate; NaN (left out of the line) unless the run has a schedule.
  double learning_rate = std::numeric_limits<double>::quiet_NaN();
};

struct EvalRecord {
  int64_t step = 0;
  double test_accuracy = 0;
  double test_loss = 0;
  int64_t count = 0;             // samples evaluated: on the console only, not in the JSON line
  std::string noun = "samples";  // what the console calls them, e.g. "images"
  Quality quality = Quality::kAccuracy;
  double test_rmse = 0;
  // The same set on the moving average of the weights; NaN (left out) without one.
  double ema_test_accuracy = std::numeric_limits<double>::quiet_NaN();
  double ema_test_loss = std::numeric_limits<double>::quiet_NaN();
};

struct FinalRecord {
  int64_t step = 0;
  double test_accuracy = 0;
  double wall_seconds = 0;
  int world_size = 1;
  double samples_per_sec = 0;
  // For benchmarks.
  double first_step_seconds = 0;          // process start to end of the first step, rank 0
  std::vector<double> peak_rss_mib;       // per rank
  std::vector<double> phase_ms_per_step;  // per Phase, mean over ranks
  int64_t skipped_steps = 0;
  std::string simd_target;        // the instruction set the kernels ran on (simd/simd_target.h)
  std::string gemm_profile_json;  // rank 0's GEMMs by shape (SEQTRAIN_GEMM_PROFILE); empty: none
  std::string build_json;         // train/build_info.h's BuildInfoJson; empty: none
  Quality quality = Quality::kAccuracy;
  double test_rmse = 0;
};

// A Schema's Fields(v, record) declares each field to a visitor v, which writes
// or reads it (record is const for writing):
//   v.Integer(name, member, presence)          a JSON integer, >= 0
//   v.Number(name, member, digits, presence)   a JSON number, printed with `digits`
//                                              significant digits (printf %.*g)
//   v.Text(name, member)                       a JSON string
//   v.Numbers(name, member, digits)            an array of numbers
//   v.NamedNumbers(name, member, digits, names, count)
//                                              an object {names(i): member[i]}
//   v.RawJson(name, member)                    any JSON value kept as its text; left
//                                              out of the line when empty
//   v.Scored(quality, accuracy_name, accuracy, rmse_name, rmse, digits, presence)
//                                              accuracy_name: accuracy when quality is
//                                              kAccuracy, else rmse_name: rmse; reading
//                                              sets quality from the one the line holds
// A required field missing from a line is an error; an optional one keeps its default.
// kOmittedWhenNaN: optional, and left out of the line while NaN (its default), so lines of
// runs without the feature stay as they were.
enum class Presence { kRequired, kOptional, kOmittedWhenNaN };
constexpr Presence kRequired = Presence::kRequired;
constexpr Presence kOptional = Presence::kOptional;
constexpr Presence kOmittedWhenNaN = Presence::kOmittedWhenNaN;

template <class Record>
struct Schema;

template <>
struct Schema<StepRecord> {
  static constexpr const char* kEvent = "step";
  template <class V, class R>
  static void Fields(V& v, R& r) {
    v.Integer("step", r.step, kRequired);
    v.Integer("epoch", r.epoch, kOptional);
    v.Number("loss", r.loss, 9, kRequired);
    v.Scored(r.quality, "train_accuracy", r.train_accuracy, "train_rmse", r.train_rmse, 9,
             kRequired);
    v.Number("samples_per_sec", r.samples_per_sec, 6, kOptional);
    v.Number("learning_rate", r.learning_rate, 9, kOmittedWhenNaN);
  }
};

template <>
struct Schema<EvalRecord> {
  static constexpr const char* kEvent = "eval";
  template <class V, class R>
  static void Fields(V& v, R& r) {
    v.Integer("step", r.step, kRequired);
    v.Scored(r.quality, "test_accuracy", r.test_accuracy, "test_rmse", r.test_rmse, 9, kRequired);
    v.Number("test_loss", r.test_loss, 9, kRequired);
    v.Number("ema_test_accuracy", r.ema_test_accuracy, 9, kOmittedWhenNaN);
    v.Number("ema_test_loss", r.ema_test_loss, 9, kOmittedWhenNaN);
  }
};

inline const char* PhaseNameAt(int index) { return PhaseName(static_cast<Phase>(index)); }

template <>
struct Schema<FinalRecord> {
  static constexpr const char* kEvent = "final";
  template <class V, class R>
  static void Fields(V& v, R& r) {
    v.Integer("step", r.step, kRequired);
    v.Scored(r.quality, "test_accuracy", r.test_accuracy, "test_rmse", r.test_rmse, 9, kOptional);
    v.Number("wall_seconds", r.wall_seconds, 6, kOptional);
    v.Integer("world_size", r.world_size, kOptional);
    v.Number("samples_per_sec", r.samples_per_sec, 6, kOptional);
    v.Number("first_step_seconds", r.first_step_seconds, 6, kOptional);
    v.Integer("skipped_steps", r.skipped_steps, kOptional);
    v.Text("simd_target", r.simd_target);
    v.Numbers("peak_rss_mib", r.peak_rss_mib, 6);
    v.NamedNumbers("phase_ms_per_step", r.phase_ms_per_step, 6, &PhaseNameAt,
                   static_cast<int>(Phase::kCount));
    v.RawJson("gemm_by_shape", r.gemm_profile_json);
    v.RawJson("build", r.build_json);
  }
};

}  // namespace seqtrain::metrics
