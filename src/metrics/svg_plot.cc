#include "metrics/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "util/error.h"

namespace seqtrain::metrics {
namespace {

// Canvas geometry, in SVG user units (pixels at 100% zoom).
constexpr double kWidth = 900;
constexpr double kLeft = 80, kRight = 24;  // room for y tick labels and the y title
constexpr double kTop = 56;                // room for the title
constexpr double kPanelHeight = 300;
constexpr double kPanelGap = 70;  // x tick labels and x title of the upper panel
constexpr double kBottom = 56;

struct Series {
  const char* id;
  const char* label;
  const char* color;
  bool markers;  // evaluations are few: dots show where each one is
  std::vector<std::pair<double, double>> points;
};

struct Panel {
  const char* y_title;
  bool unit_range;  // accuracy: always 0..1, so runs compare at a glance
  std::vector<Series> series;
};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string TickLabel(double v) {
  if (std::fabs(v) < 1e-12) v = 0;  // no "-0" or "1e-17" from accumulated steps
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

class Canvas {
 public:
  void Add(const std::string& element) { body_ += "  " + element + "\n"; }
  void Text(double x, double y, const std::string& text, const char* anchor, int size,
            const std::string& extra = "") {
    Add("<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" text-anchor=\"" + anchor +
        "\" font-size=\"" + std::to_string(size) + "\"" + extra + ">" + XmlEscape(text) +
        "</text>");
  }
  void Line(double x1, double y1, double x2, double y2, const char* stroke, double width = 1) {
    Add("<line x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) + "\" x2=\"" + Num(x2) + "\" y2=\"" +
        Num(y2) + "\" stroke=\"" + stroke + "\" stroke-width=\"" + Num(width) + "\"/>");
  }
  const std::string& body() const { return body_; }

 private:
  std::string body_;
};

void DrawPanel(const Panel& panel, double top, const std::vector<double>& x_ticks, Canvas* c) {
  const double left = kLeft, right = kWidth - kRight, bottom = top + kPanelHeight;
  const double x_lo = x_ticks.front(), x_hi = x_ticks.back();
  std::vector<double> y_ticks;
  if (panel.unit_range) {
    y_ticks = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
  } else {
    double hi = 0;
    for (const Series& s : panel.series) {
      for (const auto& p : s.points) hi = std::max(hi, p.second);
    }
    y_ticks = NiceTicks(0, hi > 0 ? hi : 1, 6);
  }
  const double y_lo = y_ticks.front(), y_hi = y_ticks.back();
  const auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * (right - left); };
  const auto py = [&](double y) { return bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top); };

  c->Add("<rect x=\"" + Num(left) + "\" y=\"" + Num(top) + "\" width=\"" + Num(right - left) +
         "\" height=\"" + Num(bottom - top) + "\" fill=\"#ffffff\" stroke=\"#333333\"/>");
  for (double y : y_ticks) {
    c->Line(left, py(y), right, py(y), "#e5e5e5");
    c->Line(left - 5, py(y), left, py(y), "#333333");
    c->Text(left - 8, py(y) + 4, TickLabel(y), "end", 12);
  }
  for (double x : x_ticks) {
    c->Line(px(x), top, px(x), bottom, "#e5e5e5");
    c->Line(px(x), bottom, px(x), bottom + 5, "#333333");
    c->Text(px(x), bottom + 20, TickLabel(x), "middle", 12);
  }
  c->Text(left + (right - left) / 2, bottom + 42, "step", "middle", 14);
  const double mid = top + (bottom - top) / 2;
  c->Text(left - 52, mid, panel.y_title, "middle", 14,
          " transform=\"rotate(-90 " + Num(left - 52) + " " + Num(mid) + ")\"");

  std::vector<const Series*> shown;
  for (const Series& s : panel.series) {
    if (s.points.empty()) continue;
    shown.push_back(&s);
    std::string points;
    for (const auto& p : s.points)
      points += (points.empty() ? "" : " ") + Num(px(p.first)) + "," + Num(py(p.second));
    c->Add(std::string("<polyline class=\"series\" data-series=\"") + s.id +
           "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"2\" points=\"" + points +
           "\"/>");
    if (s.markers) {
      for (const auto& p : s.points) {
        c->Add("<circle cx=\"" + Num(px(p.first)) + "\" cy=\"" + Num(py(p.second)) +
               "\" r=\"3.5\" fill=\"" + s.color + "\"/>");
      }
    }
  }
  // The legend goes where the curves usually are not: upper right for a falling
  // loss, lower right for a rising accuracy; its backing keeps it legible anyway.
  const double box_h = 12 + 20 * static_cast<double>(shown.size());
  const double box_top = panel.unit_range ? bottom - 10 - box_h : top + 10;
  c->Add("<rect x=\"" + Num(right - 200) + "\" y=\"" + Num(box_top) + "\" width=\"190\" height=\"" +
         Num(box_h) + "\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>");
  for (size_t row = 0; row < shown.size(); ++row) {
    const double ly = box_top + 24 + 20 * static_cast<double>(row);
    c->Line(right - 190, ly - 4, right - 162, ly - 4, shown[row]->color, 2.5);
    c->Text(right - 156, ly, shown[row]->label, "start", 13);
  }
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target_count) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, target_count - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> ticks;
  for (int i = 0; first + i * step <= last + step * 1e-9; ++i) ticks.push_back(first + i * step);
  return ticks;
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even as entities.
        if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t' || ch == '\n') out += ch;
    }
  }
  return out;
}

std::string RenderMetricsSvg(const MetricsHistory& history, const std::string& title) {
  Series train_loss{"train-loss", "training loss", "#1f77b4", false, {}};
  Series test_loss{"test-loss", "test loss", "#d62728", true, {}};
  // A regression run's lines carry RMSE instead of accuracy (metrics_records.h).
  bool rmse = false;
  for (const StepRecord& p : history.steps) rmse = rmse || p.quality == Quality::kRmse;
  for (const EvalRecord& p : history.evals) rmse = rmse || p.quality == Quality::kRmse;
  Series train_acc{rmse ? "train-rmse" : "train-accuracy",
                   rmse ? "training RMSE" : "training accuracy",
                   "#1f77b4",
                   false,
                   {}};
  Series test_acc{rmse ? "test-rmse" : "test-accuracy",
                  rmse ? "test RMSE" : "test accuracy",
                  "#d62728",
                  true,
                  {}};
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  // A NaN loss (a skipped step) has no place on the chart; the points around it stay.
  const auto add = [&](Series* s, int64_t step, double y) {
    if (!std::isfinite(y)) return;
    s->points.emplace_back(static_cast<double>(step), y);
    x_lo = std::min(x_lo, static_cast<double>(step));
    x_hi = std::max(x_hi, static_cast<double>(step));
  };
  for (const StepRecord& p : history.steps) {
    add(&train_loss, p.step, p.loss);
    add(&train_acc, p.step, p.quality == Quality::kRmse ? p.train_rmse : p.train_accuracy);
  }
  for (const EvalRecord& p : history.evals) {
    add(&test_loss, p.step, p.test_loss);
    add(&test_acc, p.step, p.quality == Quality::kRmse ? p.test_rmse : p.test_accuracy);
  }
  if (!(x_hi >= x_lo)) throw Error("no step or eval line with finite values to plot");
  const std::vector<double> x_ticks = NiceTicks(x_lo, x_hi, 8);
  const std::vector<Panel> panels = {{"loss", false, {train_loss, test_loss}},
                                     {rmse ? "RMSE" : "accuracy", !rmse, {train_acc, test_acc}}};
  const double height =
      kTop + panels.size() * kPanelHeight + (panels.size() - 1) * kPanelGap + kBottom;
  Canvas canvas;
  canvas.Add("<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>");
  canvas.Text(kWidth / 2, 32, title, "middle", 18, " font-weight=\"bold\"");
  for (size_t i = 0; i < panels.size(); ++i) {
    DrawPanel(panels[i], kTop + i * (kPanelHeight + kPanelGap), x_ticks, &canvas);
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
         Num(kWidth) + "\" height=\"" + Num(height) + "\" viewBox=\"0 0 " + Num(kWidth) + " " +
         Num(height) + "\" font-family=\"sans-serif\">\n  <title>" + XmlEscape(title) +
         "</title>\n" + canvas.body() + "</svg>\n";
}

}  // namespace seqtrain::metrics
