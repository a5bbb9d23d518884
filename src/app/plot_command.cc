// `seqtrain plot METRICS.jsonl --out FILE.svg`: the loss and accuracy curves
// of a metrics file as a standalone SVG. Serial work, done by rank 0 only so
// that `mpirun -n N seqtrain plot` still writes the file once.
#include <cstdio>

#include "app/commands.h"
#include "dist/agreement.h"
#include "metrics/metrics_file.h"
#include "metrics/svg_plot.h"
#include "util/atomic_file.h"

namespace seqtrain::app {

int RunPlot(const PlotRequest& request, dist::Communicator& comm) {
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    const metrics::MetricsHistory history = metrics::ReadMetricsFile(request.metrics);
    std::string svg;
    try {
      svg = metrics::RenderMetricsSvg(
          history, request.title.empty() ? "seqtrain: " + request.metrics : request.title);
    } catch (const Error& e) {
      throw Error(request.metrics + ": " + e.what());
    }
    WriteFileAtomically(request.out, svg);
    std::printf("Wrote %s (%zu step and %zu eval points from %s)\n", request.out.c_str(),
                history.steps.size(), history.evals.size(), request.metrics.c_str());
  });
  return kExitOk;
}

}  // namespace seqtrain::app
