#include "metrics/progress_line.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

namespace seqtrain::metrics {

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds) || seconds > 1e9) return "--:--";
  const auto total = static_cast<long long>(std::llround(seconds));
  const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  char buf[48];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
  }
  return buf;
}

double EstimateEtaSeconds(const ProgressState& s) {
  const int64_t done = s.step - s.first_step;
  if (done <= 0 || !(s.elapsed_seconds > 0)) return NAN;
  const int64_t left = s.final_step > s.step ? s.final_step - s.step : 0;
  return static_cast<double>(left) * s.elapsed_seconds / static_cast<double>(done);
}

std::string FormatProgress(const ProgressState& s) {
  char epoch[64];
  if (s.total_epochs > 0) {
    std::snprintf(epoch, sizeof epoch, "epoch %lld/%lld", static_cast<long long>(s.epoch + 1),
                  static_cast<long long>(s.total_epochs));
  } else {
    std::snprintf(epoch, sizeof epoch, "epoch %lld", static_cast<long long>(s.epoch + 1));
  }
  const double percent =
      s.final_step > 0 ? 100.0 * static_cast<double>(s.step) / static_cast<double>(s.final_step)
                       : 0;
  char rate[48] = "- samples/s";
  if (s.samples_per_sec > 0) std::snprintf(rate, sizeof rate, "%.0f samples/s", s.samples_per_sec);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s | step %lld/%lld (%.1f%%) | loss %.4f | %s | ETA %s", epoch,
                static_cast<long long>(s.step), static_cast<long long>(s.final_step), percent,
                s.loss, rate, FormatDuration(EstimateEtaSeconds(s)).c_str());
  return buf;
}

bool IsInteractive(std::FILE* out) {
  if (out == nullptr || !isatty(fileno(out))) return false;
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) return true;
  // O_NONBLOCK: opening a FIFO must not wait; O_NOCTTY: never adopt the terminal.
  const std::string parent_stdout = "/proc/" + std::to_string(getppid()) + "/fd/1";
  const int fd = open(parent_stdout.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  const bool tty = isatty(fd);
  close(fd);
  return tty;
}

void ProgressLine::Draw(const ProgressState& s) {
  if (!enabled_) return;
  // "\033[K" erases what a longer previous line left to the right.
  std::fprintf(out_, "\r%s\033[K", FormatProgress(s).c_str());
  std::fflush(out_);
  shown_ = true;
}

void ProgressLine::Clear() {
  if (!enabled_ || !shown_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  shown_ = false;
}

}  // namespace seqtrain::metrics
