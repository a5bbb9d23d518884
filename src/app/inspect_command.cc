#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "app/commands.h"
#include "checkpoint/checkpoint_file.h"
#include "config/config_loader.h"
#include "dist/agreement.h"
#include "train/build_info.h"

namespace seqtrain::app {
namespace {

std::vector<float> Values(const Tensor& t) {
  std::vector<float> v(t.data().size() / sizeof(float));
  std::memcpy(v.data(), t.data().data(), v.size() * sizeof(float));
  return v;
}

void PrintTensors(const std::string& group,
                  const google::protobuf::RepeatedPtrField<Tensor>& tensors, bool values) {
  for (const Tensor& t : tensors) {
    const std::vector<float> v = Values(t);
    std::string shape;
    for (int i = 0; i < t.shape_size(); ++i) shape += (i ? "x" : "") + std::to_string(t.shape(i));
    double sum = 0, sum_sq = 0;
    float lo = v.empty() ? 0 : v[0], hi = lo;
    for (float x : v) {
      sum += x;
      sum_sq += double{x} * x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    std::printf("%s %-12s %-8s min %.6g max %.6g mean %.6g norm %.6g\n", group.c_str(),
                t.name().c_str(), shape.c_str(), lo, hi, v.empty() ? 0.0 : sum / v.size(),
                std::sqrt(sum_sq));
    if (values) {
      for (size_t i = 0; i < v.size(); ++i)
        std::printf("%.9g%c", v[i], (i + 1) % 8 == 0 || i + 1 == v.size() ? '\n' : ' ');
    }
  }
}

// "adam (step 20; state m, v)", generically for any optimizer.
std::string DescribeOptimizer(const Checkpoint& c) {
  if (!c.has_optimizer()) return "none";
  const OptimizerState& o = c.optimizer();
  std::string states;
  for (const OptimizerStateTensors& s : o.state()) {
    states += (states.empty() ? "" : ", ") + s.name();
  }
  return o.name() + " (step " + std::to_string(o.step()) + "; state " +
         (states.empty() ? "none" : states) + ")";
}

}  // namespace

int RunInspect(const InspectRequest& request, dist::Communicator& comm) {
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    const Checkpoint c = checkpoint::ReadCheckpoint(request.checkpoint);
    size_t params = 0;
    for (const Tensor& t : c.params()) params += t.data().size() / sizeof(float);
    char saved[64] = "?";
    const std::time_t when = static_cast<std::time_t>(c.saved_unix_time());
    std::strftime(saved, sizeof saved, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&when));
    std::printf(
        "checkpoint:      %s\nformat_version:  %u (checksum ok)\nlineage:         %s\n"
        "global_step:     %lld\nepoch:           %lld (position %lld in its permutation)\n"
        "optimizer:       %s\nworld_size:      %d\nwall_seconds:    %.1f\n"
        "saved:           %s\nparameters:      %zu in %d tensors\n\n# config\n%s",
        request.checkpoint.c_str(), c.format_version(),
        checkpoint::LineageLabel(c.lineage()).c_str(), static_cast<long long>(c.global_step()),
        static_cast<long long>(c.epoch()), static_cast<long long>(c.epoch_position()),
        DescribeOptimizer(c).c_str(), c.world_size(), c.wall_seconds(), saved, params,
        c.params_size(), config::ToText(c.config()).c_str());
    std::printf("\n# build\n%s", c.has_build() ? train::FormatBuildInfo(c.build()).c_str()
                                               : "not recorded (saved by an earlier build)\n");
    if (request.tensors) {
      std::printf("\n# tensors\n");
      PrintTensors("params", c.params(), request.values);
      for (const OptimizerStateTensors& s : c.optimizer().state()) {
        PrintTensors(c.optimizer().name() + "." + s.name(), s.tensors(), request.values);
      }
    }
  });
  return kExitOk;
}

}  // namespace seqtrain::app
