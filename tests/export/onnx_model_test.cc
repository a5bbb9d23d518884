// The ONNX graph's structure and tensor mapping, read back through onnx.proto (its numbers are
// checked against onnxruntime by tests/cli/onnx_export_test.sh and export_cells_heads_test.sh).
#include "export/onnx_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "nn/sequence_classifier.h"
#include "onnx.pb.h"
#include "support/model_config.h"

namespace seqtrain::exporting {
namespace {

ModelConfig Model(int layers) {
  ModelConfig model = testing::MakeModelConfig(3, 4, 5, layers, 2);
  config::FillDefaults(&model);
  return model;
}

onnx::ModelProto Export(const ModelConfig& model, bool sequence_lens,
                        std::vector<float>* params_out = nullptr) {
  nn::SequenceClassifier<float> net(model);
  // Distinct values: each tensor's place in the graph is visible.
  for (size_t i = 0; i < net.num_params(); ++i) net.params()[i] = 0.001f * static_cast<float>(i);
  OnnxOptions options;
  options.sequence_lens = sequence_lens;
  onnx::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(ExportOnnx(model, net.params(), options)));
  if (params_out) params_out->assign(net.params(), net.params() + net.num_params());
  return proto;
}

// "op name: inputs -> outputs" per node.
std::vector<std::string> Nodes(const onnx::GraphProto& graph) {
  std::vector<std::string> nodes;
  for (const onnx::NodeProto& n : graph.node()) {
    std::string text = n.op_type() + " " + n.name() + ":";
    for (const std::string& in : n.input()) text += " " + in;
    text += " ->";
    for (const std::string& out : n.output()) text += " " + (out.empty() ? "''" : out);
    nodes.push_back(text);
  }
  return nodes;
}

const onnx::TensorProto& Initializer(const onnx::GraphProto& graph, const std::string& name) {
  for (const onnx::TensorProto& t : graph.initializer()) {
    if (t.name() == name) return t;
  }
  ADD_FAILURE() << "no initializer " << name;
  static const onnx::TensorProto none;
  return none;
}

float At(const onnx::TensorProto& t, size_t i) {
  float v = 0;
  std::memcpy(&v, t.raw_data().data() + i * sizeof(float), sizeof v);
  return v;
}

std::vector<int64_t> Dims(const onnx::ValueInfoProto& v) {
  std::vector<int64_t> dims;
  for (const auto& d : v.type().tensor_type().shape().dim()) {
    dims.push_back(d.has_dim_param() ? -1 : d.dim_value());
  }
  return dims;
}

TEST(OnnxModel, TheLstmClassifierGraphIsTheOneFromBeforeOtherCellsAndHeads) {
  const onnx::ModelProto proto = Export(Model(2), false);
  EXPECT_EQ(Nodes(proto.graph()),
            (std::vector<std::string>{
                "Transpose time_major: input -> input_time_major",
                "LSTM lstm0: input_time_major lstm0.W lstm0.R lstm0.B -> lstm0.Y_4d lstm0.Y_h",
                "Squeeze lstm0.squeeze: lstm0.Y_4d axes_1 -> lstm0.Y",
                "LSTM lstm1: lstm0.Y lstm1.W lstm1.R lstm1.B -> '' lstm1.Y_h",
                "Squeeze last_step: lstm1.Y_h axes_0 -> last_state",
                "Gemm fc: last_state fc.weight fc.bias -> logits",
                "Softmax softmax: logits -> probabilities"}));
  for (const onnx::NodeProto& n : proto.graph().node()) {
    if (n.op_type() != "LSTM") continue;
    ASSERT_EQ(n.attribute_size(), 1);
    EXPECT_EQ(n.attribute(0).name(), "hidden_size");
  }
  ASSERT_EQ(proto.graph().output_size(), 1);
  EXPECT_EQ(proto.graph().output(0).name(), "probabilities");
  EXPECT_EQ(Dims(proto.graph().output(0)), (std::vector<int64_t>{-1, 2}));
}

TEST(OnnxModel, BidirectionalGruMapsGatesBiasesAndDirections) {
  ModelConfig model = Model(2);
  model.set_cell(ModelConfig::GRU);
  model.set_bidirectional(true);
  std::vector<float> params;
  const onnx::ModelProto proto = Export(model, true, &params);
  const onnx::GraphProto& graph = proto.graph();
  EXPECT_EQ(
      Nodes(graph),
      (std::vector<std::string>{
          "Transpose time_major: input -> input_time_major",
          "GRU gru0: input_time_major gru0.W gru0.R gru0.B sequence_lens -> gru0.Y_4d gru0.Y_h",
          "Transpose gru0.batch_before_direction: gru0.Y_4d -> gru0.Y_tbdh",
          "Reshape gru0.concat_directions: gru0.Y_tbdh shape_0_0_10 -> gru0.Y",
          "GRU gru1: gru0.Y gru1.W gru1.R gru1.B sequence_lens -> '' gru1.Y_h",
          "Transpose last_step_batch_major: gru1.Y_h -> last_state_bdh",
          "Reshape last_step: last_state_bdh shape_0_10 -> last_state",
          "Gemm fc: last_state fc.weight fc.bias -> logits",
          "Softmax softmax: logits -> probabilities"}));
  const onnx::NodeProto& gru = graph.node(1);
  ASSERT_EQ(gru.attribute_size(), 3);
  EXPECT_EQ(gru.attribute(1).s(), "bidirectional");
  EXPECT_EQ(gru.attribute(2).name(), "linear_before_reset");
  EXPECT_EQ(gru.attribute(2).i(), 1);
  const int H = 5, G = 15, I = 3;
  const nn::ParamLayout layout = nn::ModelLayout(model);
  const float* w_x = params.data() + layout.Find("gru0_reverse/w_x").offset;
  const float* b_x = params.data() + layout.Find("gru0_reverse/b_x").offset;
  const float* b_h = params.data() + layout.Find("gru0_reverse/b_h").offset;
  const onnx::TensorProto& W = Initializer(graph, "gru0.W");
  const onnx::TensorProto& B = Initializer(graph, "gru1.B");
  EXPECT_EQ(std::vector<int64_t>(W.dims().begin(), W.dims().end()),
            (std::vector<int64_t>{2, G, I}));
  EXPECT_EQ(std::vector<int64_t>(B.dims().begin(), B.dims().end()),
            (std::vector<int64_t>{2, 2 * G}));
  // ONNX block 0 (z) of the reverse direction is seqtrain's block 1; block 1 (r) its block 0.
  for (int u = 0; u < H; ++u) {
    for (int i = 0; i < I; ++i) {
      EXPECT_EQ(At(W, (1 * G + 0 * H + u) * I + i), w_x[i * G + 1 * H + u]);
      EXPECT_EQ(At(W, (1 * G + 1 * H + u) * I + i), w_x[i * G + 0 * H + u]);
    }
  }
  const onnx::TensorProto& B0 = Initializer(graph, "gru0.B");
  for (int u = 0; u < H; ++u) {
    EXPECT_EQ(At(B0, 2 * G + 0 * H + u), b_x[1 * H + u]);      // Wb[z]
    EXPECT_EQ(At(B0, 2 * G + G + 2 * H + u), b_h[2 * H + u]);  // Rb[h]: n's recurrent bias
  }
}

TEST(OnnxModel, EachHeadHasItsOutput) {
  struct Case {
    ModelConfig::Head head;
    std::string output;
    std::vector<int64_t> dims;
    bool softmax;
  };
  for (const Case& c :
       std::vector<Case>{{ModelConfig::LAST_STEP_REGRESSION, "values", {-1, 3}, false},
                         {ModelConfig::PER_STEP_CLASSIFIER, "probabilities", {-1, 4, 2}, true},
                         {ModelConfig::PER_STEP_REGRESSION, "values", {-1, 4, 3}, false}}) {
    for (const bool lens : {false, true}) {
      ModelConfig model = Model(1);
      model.set_head(c.head);
      if (c.output == "values") model.set_output_size(3);
      const onnx::GraphProto graph = Export(model, lens).graph();
      SCOPED_TRACE(c.output + (lens ? " with sequence_lens" : ""));
      ASSERT_EQ(graph.output_size(), 1);
      EXPECT_EQ(graph.output(0).name(), c.output);
      EXPECT_EQ(Dims(graph.output(0)), c.dims);
      bool softmax = false, mask = false;
      for (const onnx::NodeProto& n : graph.node()) {
        softmax = softmax || n.op_type() == "Softmax";
        mask = mask || n.op_type() == "Mul";
        if (n.op_type() == "Softmax") EXPECT_EQ(n.attribute(0).i(), c.dims.size() - 1);
      }
      EXPECT_EQ(softmax, c.softmax);
      EXPECT_EQ(mask, lens && c.dims.size() == 3);  // per step: 0 past each length
    }
  }
}

}  // namespace
}  // namespace seqtrain::exporting
