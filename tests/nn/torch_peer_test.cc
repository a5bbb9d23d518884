// seqtrain's model against PyTorch's (tests/nn/torch_peer.py: nn.GRU / nn.LSTM packed by the
// lengths, a linear head on h_n), in double: the same weights and batch give the same loss,
// probabilities, gradient of every tensor and dx. This pins the GRU's gate order and
// linear_before_reset semantics, the bidirectional layout and the head's reading of the final
// state to PyTorch's definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nn/model_checks.h"
#include "nn/sequence_classifier.h"

namespace seqtrain::nn {
namespace {

using testing::Inputs;
using testing::MakeModel;
using testing::RandomInputs;
using testing::Shape;

std::string Join(const double* v, size_t n) {
  std::ostringstream out;
  out.precision(17);
  for (size_t i = 0; i < n; ++i) out << ' ' << v[i];
  return out.str();
}

std::map<std::string, std::vector<double>> ReadLines(const std::string& path) {
  std::map<std::string, std::vector<double>> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    double v;
    while (words >> v) values[key].push_back(v);
  }
  return values;
}

void ExpectNear(const std::vector<double>& ours, const std::vector<double>& theirs,
                const std::string& what) {
  ASSERT_EQ(ours.size(), theirs.size()) << what;
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_NEAR(ours[i], theirs[i], 1e-9 * std::max(1.0, std::fabs(theirs[i])))
        << what << "[" << i << "]";
  }
}

void ExpectSameAsTorch(ModelConfig shape, const std::vector<int32_t>& lengths,
                       const std::string& name) {
  const int batch = static_cast<int>(lengths.size()), K = shape.num_classes();
  SequenceClassifier<double> model = MakeModel<double>(shape, 31);
  Inputs in = RandomInputs(shape, batch, 7, lengths);
  std::vector<double> probs(static_cast<size_t>(batch) * K), dx(in.x.size());
  model.Forward(in.x.data(), in.labels.data(), batch, probs.data(), lengths.data());
  const BatchStats stats =
      model.ForwardBackward(in.x.data(), in.labels.data(), batch, dx.data(), lengths.data());

  const std::string dir = ::testing::TempDir(), in_path = dir + name + ".in",
                    out_path = dir + name + ".out";
  {
    std::ofstream f(in_path);
    f << "cell " << model.cell() << "\nbidirectional " << shape.bidirectional() << "\nsizes "
      << shape.input_size() << ' ' << shape.time_steps() << ' ' << shape.hidden_size() << ' '
      << shape.num_layers() << ' ' << K << ' ' << batch << '\n';
    for (const TensorSpec& t : model.layout().tensors()) {
      f << "tensor:" << t.name << Join(model.params() + t.offset, t.size) << '\n';
    }
    f << "x" << Join(in.x.data(), in.x.size()) << "\nlabels";
    for (int32_t l : in.labels) f << ' ' << l;
    f << "\nlengths";
    for (int32_t l : lengths) f << ' ' << l;
    f << '\n';
  }
  const std::string command =
      std::string("/usr/bin/python3 ") + SEQTRAIN_TORCH_PEER + " " + in_path + " " + out_path;
  ASSERT_EQ(std::system(command.c_str()), 0)
      << command << " failed (needs python3-torch: tools/install_deps.sh)";
  auto torch = ReadLines(out_path);
  ASSERT_EQ(torch["loss"].size(), 1u);
  EXPECT_NEAR(stats.loss_sum, torch["loss"][0], 1e-10 * std::max(1.0, torch["loss"][0]));
  ExpectNear(probs, torch["probs"], "probs");
  ExpectNear(dx, torch["dx"], "dx");
  for (const TensorSpec& t : model.layout().tensors()) {
    ExpectNear(std::vector<double>(model.grads() + t.offset, model.grads() + t.offset + t.size),
               torch["grad:" + t.name], "gradient of " + t.name);
  }
  std::remove(in_path.c_str());
  std::remove(out_path.c_str());
}

ModelConfig WithCell(ModelConfig m, ModelConfig::Cell cell, bool bidirectional) {
  m.set_cell(cell);
  m.set_bidirectional(bidirectional);
  return m;
}

const std::vector<int32_t> kUneven = {6, 2, 5, 1, 6};

TEST(TorchPeer, GruMatchesNnGru) {
  ExpectSameAsTorch(WithCell(Shape(3, 6, 5, 2, 4), ModelConfig::GRU, false), kUneven, "gru");
}

TEST(TorchPeer, BidirectionalGruMatchesNnGruBidirectional) {
  ExpectSameAsTorch(WithCell(Shape(3, 6, 5, 2, 4), ModelConfig::GRU, true), kUneven, "bigru");
}

TEST(TorchPeer, BidirectionalLstmMatchesNnLstmBidirectional) {
  ExpectSameAsTorch(WithCell(Shape(3, 6, 5, 2, 4), ModelConfig::LSTM, true), kUneven, "bilstm");
}

// The reference model, as a control: seqtrain's LSTM is PyTorch's with bias_hh = 0.
TEST(TorchPeer, LstmMatchesNnLstm) {
  ExpectSameAsTorch(WithCell(Shape(3, 6, 5, 1, 4), ModelConfig::LSTM, false), {6, 6, 6}, "lstm");
}

}  // namespace
}  // namespace seqtrain::nn
