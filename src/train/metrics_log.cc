#include "train/metrics_log.h"

#include <cerrno>
#include <cstdarg>
#include <cstring>

#include "util/error.h"
#include "util/phase_timer.h"

namespace seqtrain::train {
namespace {
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}
}  // namespace

MetricsLog::MetricsLog(bool is_root, const std::string& jsonl_path, std::FILE* console)
    : is_root_(is_root), jsonl_path_(jsonl_path), console_(console) {
  if (!is_root_ || jsonl_path.empty()) return;
  jsonl_.reset(std::fopen(jsonl_path.c_str(), "w"));
  if (!jsonl_) throw Error(jsonl_path + ": cannot write metrics file: " + std::strerror(errno));
}

void MetricsLog::Info(const std::string& line) {
  if (!is_root_ || !console_) return;
  std::fprintf(console_, "%s\n", line.c_str());
  std::fflush(console_);
}

void MetricsLog::Warn(const std::string& line) {
  if (!is_root_) return;
  std::fprintf(stderr, "seqtrain: warning: %s\n", line.c_str());
  std::fflush(stderr);
}

void MetricsLog::WriteJson(const std::string& line) {
  if (!jsonl_) return;
  // Flushed per line so a run that dies still leaves every line it reported.
  if (std::fprintf(jsonl_.get(), "%s\n", line.c_str()) < 0 || std::fflush(jsonl_.get()) != 0) {
    throw Error(jsonl_path_ + ": cannot write metrics file: " + std::strerror(errno));
  }
}

void MetricsLog::Step(const StepRecord& r) {
  if (!is_root_) return;
  Info(Format("Step %lld, Minibatch Loss= %.4f, Training Accuracy= %.3f, %.0f samples/s",
              static_cast<long long>(r.step), r.loss, r.train_accuracy, r.samples_per_sec));
  WriteJson(Format("{\"event\":\"step\",\"step\":%lld,\"epoch\":%lld,\"loss\":%.9g,"
                   "\"train_accuracy\":%.9g,\"samples_per_sec\":%.6g}",
                   static_cast<long long>(r.step), static_cast<long long>(r.epoch), r.loss,
                   r.train_accuracy, r.samples_per_sec));
}

void MetricsLog::Eval(const EvalRecord& r) {
  if (!is_root_) return;
  Info(Format("Step %lld, Test Accuracy= %.4f, Test Loss= %.4f (%lld images)",
              static_cast<long long>(r.step), r.test_accuracy, r.test_loss,
              static_cast<long long>(r.count)));
  WriteJson(Format("{\"event\":\"eval\",\"step\":%lld,\"test_accuracy\":%.9g,\"test_loss\":%.9g}",
                   static_cast<long long>(r.step), r.test_accuracy, r.test_loss));
}

void MetricsLog::Final(const FinalRecord& r) {
  if (!is_root_) return;
  Info(Format("Optimization Finished! Testing Accuracy: %.4f (%lld steps, %d rank%s, %.1f s, %.0f "
              "samples/s)",
              r.test_accuracy, static_cast<long long>(r.step), r.world_size,
              r.world_size == 1 ? "" : "s", r.wall_seconds, r.samples_per_sec));
  std::string phases, phases_json;
  double total = 0;
  for (double ms : r.phase_ms_per_step) total += ms;
  for (size_t i = 0; i < r.phase_ms_per_step.size(); ++i) {
    const char* name = PhaseName(static_cast<Phase>(i));
    const double ms = r.phase_ms_per_step[i];
    phases += Format("%s%s %.3f ms (%.0f%%)", i ? ", " : "", name, ms, total > 0 ? 100 * ms / total : 0.0);
    phases_json += Format("%s\"%s\":%.6g", i ? "," : "", name, ms);
  }
  std::string rss, rss_json;
  for (size_t i = 0; i < r.peak_rss_mib.size(); ++i) {
    rss += Format("%s%.1f", i ? " " : "", r.peak_rss_mib[i]);
    rss_json += Format("%s%.6g", i ? "," : "", r.peak_rss_mib[i]);
  }
  Info("Time per step: " + phases + "; peak RSS MiB per rank: " + rss +
       Format("; first step done %.2f s after launch", r.first_step_seconds));
  WriteJson(Format("{\"event\":\"final\",\"step\":%lld,\"test_accuracy\":%.9g,"
                   "\"wall_seconds\":%.6g,\"world_size\":%d,\"samples_per_sec\":%.6g,"
                   "\"first_step_seconds\":%.6g,\"skipped_steps\":%lld,",
                   static_cast<long long>(r.step), r.test_accuracy, r.wall_seconds, r.world_size,
                   r.samples_per_sec, r.first_step_seconds, static_cast<long long>(r.skipped_steps)) +
            "\"peak_rss_mib\":[" + rss_json + "],\"phase_ms_per_step\":{" + phases_json + "}}");
}

}  // namespace seqtrain::train
