// A standalone SVG of a run's curves for `seqtrain plot`: a loss panel
// (training loss per display step, test loss per evaluation) above an
// accuracy panel (training and test accuracy; RMSE for a regression run), sharing the step axis.
// Written by hand so the plot needs no library and opens in any browser.
//
// Each drawn series is one <polyline class="series" data-series="ID"> with one
// point per finite value (ids: train-loss, test-loss, train-accuracy,
// test-accuracy, or train-rmse and test-rmse); a series with no points is left out, legend
// included.
#pragma once

#include <string>
#include <vector>

#include "metrics/metrics_file.h"

namespace seqtrain::metrics {

// Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of
// ten, about target_count of them, first <= lo and last >= hi.
std::vector<double> NiceTicks(double lo, double hi, int target_count);

// &, <, >, " and ' as entities.
std::string XmlEscape(const std::string& text);

// Throws seqtrain::Error when history has no step or eval point.
std::string RenderMetricsSvg(const MetricsHistory& history, const std::string& title);

}  // namespace seqtrain::metrics
