#include "train/memory_preflight.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "nn/sequence_classifier.h"
#include "optim/registry.h"
#include "util/error.h"

namespace seqtrain::train {
namespace {

constexpr double kFloat = sizeof(float);
// The step's control and small per-step vectors: far below a MiB.
constexpr double kSmallBuffers = 64 * 1024;
// OpenBLAS's per-thread GEMM workspace (measured: ~8-20 MiB touched at these shapes).
constexpr double kBlasWorkspacePerThread = 16.0 * 1024 * 1024;
// Address space taken after the preflight beyond what is touched: thread arenas of the
// watchdog and MPI threads and OpenBLAS's buffer (measured: VmSize +150 MiB at the first step).
constexpr double kLateAddressSpace = 256.0 * 1024 * 1024;

double CeilDiv(double a, double b) {
  return static_cast<double>(static_cast<int64_t>((a + b - 1) / b));
}

}  // namespace

MemoryEstimate EstimateTrainingMemory(const TrainConfig& config, int world_size,
                                      int64_t train_count, int64_t test_count,
                                      double resident_bytes) {
  const ModelConfig& m = config.model();
  // The layout alone (names and sizes), not the model: nothing of the model's size is allocated.
  const double params = static_cast<double>(nn::ModelLayout(m).total_size());
  const optim::OptimizerInfo* optimizer =
      optim::FindOptimizer(optim::SelectedOptimizer(config.optimizer()));
  const double optimizer_tensors = optimizer ? optimizer->state_names.size() : 2;
  const double h = m.hidden_size(), t = m.time_steps(), in = m.input_size();
  const double k = nn::HeadOutputs(m);
  const nn::HeadEntry& head = nn::FindHead(m.head());
  const double ranks = std::max(1, world_size);
  // The largest slice a rank gets (ShardRange sizes differ by at most one), of a micro-batch
  // with gradient accumulation.
  const double accumulation = static_cast<double>(config.schedule().accumulation_steps());
  const double train_batch = std::min(
      CeilDiv(CeilDiv(static_cast<double>(config.schedule().batch_size()), accumulation), ranks),
      static_cast<double>(train_count));
  const double eval_batch = std::min(static_cast<double>(config.schedule().eval_batch_size()),
                                     CeilDiv(static_cast<double>(test_count), ranks));
  const double train_rows = t * train_batch, eval_rows = t * eval_batch;
  const double rows = std::max(train_rows, eval_rows), batch = std::max(train_batch, eval_batch);

  MemoryEstimate e;
  e.model = (2 + optimizer_tensors) * params * kFloat;  // parameters, gradients, optimizer state
  if (accumulation > 1) e.model += params * kFloat;     // the gradient sum
  if (config.optimizer().ema_decay() > 0) e.model += params * kFloat;  // the weight average
  // Per cell the LSTM's forward keeps gates (4H), c, tanh(c) and h (H each) for every step,
  // sized by the larger batch since vectors keep their capacity; backward writes the gate
  // gradients over the gates and adds two step-sized recurrences and W_h transposed. The GRU
  // keeps r z n (3H), W_h h's n block and h, one step's W_h h (3H), and in backward the
  // gradients on W_h h (3H per step), two recurrences and W_h transposed (3H x H).
  const bool gru = m.cell() == ModelConfig::GRU;
  const double per_cell = gru ? (5 * h * rows + h * batch + 3 * h * batch) +
                                    (3 * h * train_rows + 2 * h * train_batch + 3 * h * h)
                              : (7 * h * rows + h * batch) + (2 * h * train_batch + 4 * h * h);
  // Output width of a layer (and the head's input).
  const double width = m.bidirectional() ? 2 * h : h;
  double activations = 0;
  for (int l = 0; l < m.num_layers(); ++l) {
    activations += (m.bidirectional() ? 2 : 1) * per_cell;
    if (!m.bidirectional()) continue;
    const double layer_in = l == 0 ? in : width;
    // Reversed input and its gradient, both outputs side by side, the final states, the
    // gradients split by direction.
    activations += 2 * layer_in * rows + 2 * h * rows + 2 * h * batch + 2 * h * train_rows +
                   2 * h * train_batch;
  }
  activations *= kFloat;
  if (head.per_step) {
    // Logits and dlogits of every step, the gradient on every step's outputs, per-step targets.
    activations += (2 * k * rows + width * train_rows + k * (train_rows + eval_rows)) * kFloat;
  } else {
    activations += (2 * k * batch + width * train_batch) * kFloat;  // logits, dlogits, dh_last
  }
  if (head.regression && !head.per_step) activations += k * (train_batch + eval_batch) * kFloat;
  if (m.num_layers() > 1) activations += 2 * width * train_rows * kFloat;  // dh_seq, dh_below
  // Below the top layer: the mask and the dropped outputs, training only.
  if (m.dropout() > 0) activations += (m.num_layers() - 1) * 2 * width * train_rows * kFloat;
  e.activations = activations;
  e.batch_inputs = (train_rows * in + eval_rows * in) * kFloat + (train_batch + eval_batch) * 12 +
                   static_cast<double>(train_count) * sizeof(int64_t) + kSmallBuffers;
  // A checkpoint holds parameters and both moments (3 x params floats); encoding it
  // keeps the message, its serialization and the framed file image at once, and
  // decoding one holds the bytes, the message and the two moments being restored.
  if (!config.checkpoint().dir().empty()) e.checkpoint = 3 * (3 * params * kFloat);
  e.resident = resident_bytes + kBlasWorkspacePerThread;
  return e;
}

std::string FormatBytes(double bytes) {
  char text[32];
  if (bytes >= 1024.0 * 1024 * 1024) {
    std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  } else {
    std::snprintf(text, sizeof text, "%.0f MiB", bytes / (1024.0 * 1024));
  }
  return text;
}

void CheckMemoryFits(const MemoryEstimate& e, const TrainConfig& config, int world_size,
                     int ranks_on_node, int64_t shared_room_bytes, const std::string& shared_source,
                     int64_t own_room_bytes) {
  const double share = static_cast<double>(shared_room_bytes) / std::max(1, ranks_on_node);
  const double own_room = static_cast<double>(own_room_bytes) - kLateAddressSpace;
  if (e.to_allocate() <= share && e.to_allocate() <= own_room) return;
  const auto& m = config.model();
  std::ostringstream out;
  out << "needs " << FormatBytes(e.total()) << " per rank (model.hidden_size = " << m.hidden_size()
      << ", model.num_layers = " << m.num_layers() << ", model.time_steps = " << m.time_steps()
      << ", schedule.batch_size = " << config.schedule().batch_size() << " over " << world_size
      << (world_size == 1 ? " rank" : " ranks")
      << ", schedule.eval_batch_size = " << config.schedule().eval_batch_size()
      << ": model and Adam " << FormatBytes(e.model) << ", activations "
      << FormatBytes(e.activations) << ", inputs " << FormatBytes(e.batch_inputs);
  if (e.checkpoint > 0) out << ", checkpoint " << FormatBytes(e.checkpoint);
  out << ", in use " << FormatBytes(e.resident) << "); ";
  if (own_room < share) {
    out << "this process's address-space limit (RLIMIT_AS, ulimit -v) leaves "
        << FormatBytes(std::max(0.0, own_room)) << " free";
  } else {
    out << "this node has " << FormatBytes(share) << " per rank free (" << shared_source << " "
        << FormatBytes(static_cast<double>(shared_room_bytes)) << " free over " << ranks_on_node
        << (ranks_on_node == 1 ? " rank" : " ranks") << " here)";
  }
  throw Error(out.str());
}

}  // namespace seqtrain::train
