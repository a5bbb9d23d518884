#include "export/onnx_model.h"

#include <array>

#include "export/model_plan.h"
#include "onnx.pb.h"
#include "util/error.h"

namespace seqtrain::exporting {
namespace {

constexpr int64_t kOpset = 14;
constexpr int64_t kIrVersion = 7;  // the IR of opset 14

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "ONNX raw_data is little-endian; add byte swapping for this platform");

void AddFloatInitializer(onnx::GraphProto* graph, const std::string& name,
                         const std::vector<int64_t>& dims, const std::vector<float>& values) {
  onnx::TensorProto* t = graph->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(values.data(), values.size() * sizeof(float));
}

void AddInt64Initializer(onnx::GraphProto* graph, const std::string& name,
                         const std::vector<int64_t>& values) {
  onnx::TensorProto* t = graph->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
}

// The name of the int64 [1] constant {axis} (Squeeze's axes), added once.
std::string AxesConstant(onnx::GraphProto* graph, int64_t axis) {
  const std::string name = "axes_" + std::to_string(axis);
  for (const onnx::TensorProto& t : graph->initializer()) {
    if (t.name() == name) return name;
  }
  AddInt64Initializer(graph, name, {axis});
  return name;
}

onnx::NodeProto* AddNode(onnx::GraphProto* graph, const std::string& op, const std::string& name,
                         const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs) {
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const std::string& in : inputs) node->add_input(in);
  // An optional input left out at the end is dropped rather than named "".
  while (node->input_size() > 0 && node->input(node->input_size() - 1).empty()) {
    node->mutable_input()->RemoveLast();
  }
  for (const std::string& out : outputs) node->add_output(out);
  return node;
}

void AddIntAttribute(onnx::NodeProto* node, const std::string& name, int64_t value) {
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void AddIntsAttribute(onnx::NodeProto* node, const std::string& name,
                      const std::vector<int64_t>& values) {
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

// A graph input or output; a dimension < 0 is the symbolic "batch".
void AddValueInfo(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* where,
                  const std::string& name, int element_type, const std::vector<int64_t>& dims) {
  onnx::ValueInfoProto* v = where->Add();
  v->set_name(name);
  onnx::TypeProto_Tensor* tensor = v->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(element_type);
  for (int64_t d : dims) {
    onnx::TensorShapeProto_Dimension* dim = tensor->mutable_shape()->add_dim();
    if (d < 0) {
      dim->set_dim_param("batch");
    } else {
      dim->set_dim_value(d);
    }
  }
}

// What a recurrent layer hands on: its outputs at every step, [T, batch, F], and each
// sequence's final state [1, batch, F] (the one at its own last step). sequence is "" for the
// top layer: the head reads the final state only.
struct LayerOutputNames {
  std::string sequence;
  std::string last_state;
};

// One function per kind: a new layer or head kind adds its own here.
LayerOutputNames AddLstmLayer(const ExportPlan& plan, int l, bool top, const std::string& x,
                              const std::string& sequence_lens, const float* params,
                              onnx::GraphProto* graph) {
  const std::string prefix = "lstm" + std::to_string(l);
  const nn::TensorSpec& w_x = plan.layout.Find(prefix + "/w_x");
  const int64_t in = w_x.shape[0], G = w_x.shape[1], H = G / 4;
  const float* wx = params + w_x.offset;
  const float* wh = params + plan.layout.Find(prefix + "/w_h").offset;
  const float* b = params + plan.layout.Find(prefix + "/b").offset;
  // ONNX block k (i, o, f, c) is seqtrain's block kFrom[k] (i, f, g, o).
  constexpr std::array<int64_t, 4> kFrom = {0, 3, 1, 2};
  std::vector<float> W(static_cast<size_t>(G * in)), R(static_cast<size_t>(G * H)),
      B(static_cast<size_t>(2 * G), 0.0f);
  for (int64_t k = 0; k < 4; ++k) {
    for (int64_t u = 0; u < H; ++u) {
      const int64_t row = k * H + u, col = kFrom[k] * H + u;
      for (int64_t i = 0; i < in; ++i) W[row * in + i] = wx[i * G + col];
      for (int64_t j = 0; j < H; ++j) R[row * H + j] = wh[j * G + col];
      B[row] = b[col];
    }
  }
  AddFloatInitializer(graph, prefix + ".W", {1, G, in}, W);
  AddFloatInitializer(graph, prefix + ".R", {1, G, H}, R);
  AddFloatInitializer(graph, prefix + ".B", {1, 2 * G}, B);
  const LayerOutputNames out{top ? "" : prefix + ".Y", prefix + ".Y_h"};
  onnx::NodeProto* node = AddNode(graph, "LSTM", prefix,
                                  {x, prefix + ".W", prefix + ".R", prefix + ".B", sequence_lens},
                                  {top ? "" : prefix + ".Y_4d", out.last_state});
  AddIntAttribute(node, "hidden_size", H);
  // Y is [T, num_directions = 1, batch, H].
  if (!top)
    AddNode(graph, "Squeeze", prefix + ".squeeze", {prefix + ".Y_4d", AxesConstant(graph, 1)},
            {out.sequence});
  return out;
}

void AddSoftmaxHead(const ExportPlan& plan, const LayerOutputNames& top, const float* params,
                    onnx::GraphProto* graph) {
  const nn::TensorSpec& w = plan.layout.Find("out/w");
  const float* b = params + plan.layout.Find("out/b").offset;
  const int64_t F = w.shape[0], K = w.shape[1];
  AddFloatInitializer(graph, "fc.weight", {F, K},
                      std::vector<float>(params + w.offset, params + w.offset + F * K));
  AddFloatInitializer(graph, "fc.bias", {K}, std::vector<float>(b, b + K));
  AddNode(graph, "Squeeze", "last_step", {top.last_state, AxesConstant(graph, 0)}, {"last_state"});
  AddNode(graph, "Gemm", "fc", {"last_state", "fc.weight", "fc.bias"}, {"logits"});
  AddIntAttribute(AddNode(graph, "Softmax", "softmax", {"logits"}, {"probabilities"}), "axis", 1);
  AddValueInfo(graph->mutable_output(), "probabilities", onnx::TensorProto::FLOAT, {-1, K});
}

}  // namespace

std::string ExportOnnx(const ModelConfig& model, const float* params, const OnnxOptions& options) {
  const ExportPlan plan = PlanExport(model);
  onnx::ModelProto proto;
  proto.set_ir_version(kIrVersion);
  proto.set_producer_name("seqtrain");
  proto.set_producer_version(options.producer_version);
  proto.set_doc_string(options.doc);
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name("seqtrain");
  AddValueInfo(graph->mutable_input(), "input", onnx::TensorProto::FLOAT,
               {-1, model.time_steps(), model.input_size()});
  std::string sequence_lens;
  if (options.sequence_lens) {
    sequence_lens = "sequence_lens";
    AddValueInfo(graph->mutable_input(), sequence_lens, onnx::TensorProto::INT32, {-1});
  }
  // ONNX's LSTM reads [T, batch, in] (layout 0, the one every runtime implements).
  AddIntsAttribute(AddNode(graph, "Transpose", "time_major", {"input"}, {"input_time_major"}),
                   "perm", {1, 0, 2});
  LayerOutputNames below{"input_time_major", ""};
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    switch (plan.layers[l]) {
      case LayerKind::kLstm:
        below = AddLstmLayer(plan, static_cast<int>(l), l + 1 == plan.layers.size(), below.sequence,
                             sequence_lens, params, graph);
        break;
    }
  }
  switch (plan.head) {
    case HeadKind::kLastStepSoftmax:
      AddSoftmaxHead(plan, below, params, graph);
      break;
  }
  std::string bytes;
  SEQ_CHECK(proto.SerializeToString(&bytes));
  return bytes;
}

}  // namespace seqtrain::exporting
