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

// The name of the int64 constant values (dims [values.size()]) called name, added once.
std::string Int64Constant(onnx::GraphProto* graph, const std::string& name,
                          const std::vector<int64_t>& values) {
  for (const onnx::TensorProto& t : graph->initializer()) {
    if (t.name() == name) return name;
  }
  AddInt64Initializer(graph, name, values);
  return name;
}

// The int64 [1] constant {axis} (Squeeze's and Unsqueeze's axes).
std::string AxesConstant(onnx::GraphProto* graph, int64_t axis) {
  return Int64Constant(graph, "axes_" + std::to_string(axis), {axis});
}

// Reshape's target shape, "shape_0_0_64" ("m1" for -1).
std::string ShapeConstant(onnx::GraphProto* graph, const std::vector<int64_t>& dims) {
  std::string name = "shape";
  for (int64_t d : dims) name += "_" + (d < 0 ? "m" + std::to_string(-d) : std::to_string(d));
  return Int64Constant(graph, name, dims);
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

void AddStringAttribute(onnx::NodeProto* node, const std::string& name, const std::string& value) {
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

// What a recurrent layer hands on: its outputs at every step, [T, batch, F] ("" when nothing
// reads them), and each sequence's final state [directions, batch, H] (the one at its own last
// step; for the reverse direction, at step 0).
struct LayerOutputNames {
  std::string sequence;
  std::string last_state;
};

// The ONNX op of a cell and how its tensors map: ONNX gate block k is seqtrain's block from[k];
// W's bias half is seqtrain's input bias, R's its recurrent one ("" for zeros).
struct CellMapping {
  const char* op;
  int gates;
  std::vector<int64_t> from;
  const char* w_bias;
  const char* r_bias;
};

CellMapping MappingOf(LayerKind kind) {
  switch (kind) {
    case LayerKind::kLstm:  // ONNX i, o, f, c; seqtrain i, f, g, o
      return {"LSTM", 4, {0, 3, 1, 2}, "b", ""};
    case LayerKind::kGru:  // ONNX z, r, h; seqtrain r, z, n
      return {"GRU", 3, {1, 0, 2}, "b_x", "b_h"};
  }
  throw Error("no ONNX mapping for this layer kind");
}

// One node per layer, both directions in it. need_sequence: a layer or per-step head above
// reads every step's output.
LayerOutputNames AddRecurrentLayer(const ExportPlan& plan, int l, bool need_sequence,
                                   const std::string& x, const std::string& sequence_lens,
                                   const float* params, onnx::GraphProto* graph) {
  const LayerPlan& layer = plan.layers[static_cast<size_t>(l)];
  const CellMapping cell = MappingOf(layer.kind);
  const std::string prefix = plan.module + std::to_string(l);
  const int64_t in = layer.input_size, H = layer.hidden_size, G = cell.gates * H;
  const int64_t dirs = static_cast<int64_t>(layer.directions.size());
  std::vector<float> W(static_cast<size_t>(dirs * G * in)), R(static_cast<size_t>(dirs * G * H)),
      B(static_cast<size_t>(dirs * 2 * G), 0.0f);
  for (int64_t d = 0; d < dirs; ++d) {
    const std::string& from = layer.directions[static_cast<size_t>(d)];
    const float* wx = params + plan.layout.Find(from + "w_x").offset;
    const float* wh = params + plan.layout.Find(from + "w_h").offset;
    const float* wb = params + plan.layout.Find(from + cell.w_bias).offset;
    const float* rb = *cell.r_bias ? params + plan.layout.Find(from + cell.r_bias).offset : nullptr;
    float* Wd = W.data() + d * G * in;
    float* Rd = R.data() + d * G * H;
    float* Bd = B.data() + d * 2 * G;
    for (int64_t k = 0; k < cell.gates; ++k) {
      for (int64_t u = 0; u < H; ++u) {
        const int64_t row = k * H + u, col = cell.from[static_cast<size_t>(k)] * H + u;
        for (int64_t i = 0; i < in; ++i) Wd[row * in + i] = wx[i * G + col];
        for (int64_t j = 0; j < H; ++j) Rd[row * H + j] = wh[j * G + col];
        Bd[row] = wb[col];
        if (rb) Bd[G + row] = rb[col];
      }
    }
  }
  AddFloatInitializer(graph, prefix + ".W", {dirs, G, in}, W);
  AddFloatInitializer(graph, prefix + ".R", {dirs, G, H}, R);
  AddFloatInitializer(graph, prefix + ".B", {dirs, 2 * G}, B);
  const LayerOutputNames out{need_sequence ? prefix + ".Y" : "", prefix + ".Y_h"};
  onnx::NodeProto* node = AddNode(graph, cell.op, prefix,
                                  {x, prefix + ".W", prefix + ".R", prefix + ".B", sequence_lens},
                                  {need_sequence ? prefix + ".Y_4d" : "", out.last_state});
  AddIntAttribute(node, "hidden_size", H);
  if (layer.bidirectional) AddStringAttribute(node, "direction", "bidirectional");
  if (layer.kind == LayerKind::kGru) AddIntAttribute(node, "linear_before_reset", 1);
  if (!need_sequence) return out;
  // Y is [T, directions, batch, H]; the next layer reads [T, batch, directions * H], forward's
  // h beside reverse's at each step, as seqtrain's bidirectional layer.
  if (!layer.bidirectional) {
    AddNode(graph, "Squeeze", prefix + ".squeeze", {prefix + ".Y_4d", AxesConstant(graph, 1)},
            {out.sequence});
    return out;
  }
  AddIntsAttribute(AddNode(graph, "Transpose", prefix + ".batch_before_direction",
                           {prefix + ".Y_4d"}, {prefix + ".Y_tbdh"}),
                   "perm", {0, 2, 1, 3});
  AddNode(graph, "Reshape", prefix + ".concat_directions",
          {prefix + ".Y_tbdh", ShapeConstant(graph, {0, 0, dirs * H})}, {out.sequence});
  return out;
}

// The head's input rows: [batch, F] at each sequence's last step, or [batch * T, F] at every
// step (batch-major, so the outputs reshape to [batch, T, K]).
std::string AddHeadRows(const ExportPlan& plan, const LayerOutputNames& top,
                        onnx::GraphProto* graph) {
  const LayerPlan& layer = plan.layers.back();
  const int64_t F = plan.head.input_size;
  if (plan.head.per_step) {
    AddIntsAttribute(
        AddNode(graph, "Transpose", "batch_major", {top.sequence}, {"steps_batch_major"}), "perm",
        {1, 0, 2});
    AddNode(graph, "Reshape", "step_rows", {"steps_batch_major", ShapeConstant(graph, {-1, F})},
            {"step_rows"});
    return "step_rows";
  }
  // Y_h [directions, batch, H]; PyTorch's h_n order, forward's final state then reverse's.
  if (!layer.bidirectional) {
    AddNode(graph, "Squeeze", "last_step", {top.last_state, AxesConstant(graph, 0)},
            {"last_state"});
    return "last_state";
  }
  AddIntsAttribute(
      AddNode(graph, "Transpose", "last_step_batch_major", {top.last_state}, {"last_state_bdh"}),
      "perm", {1, 0, 2});
  AddNode(graph, "Reshape", "last_step", {"last_state_bdh", ShapeConstant(graph, {0, F})},
          {"last_state"});
  return "last_state";
}

// Every head: Gemm over its rows, then Softmax for a classifier. Outputs "probabilities" or
// "values", [batch, K] or per step [batch, T, K] (0 past each sequence's length).
void AddHead(const ExportPlan& plan, const LayerOutputNames& top, int64_t T,
             const std::string& sequence_lens, const float* params, onnx::GraphProto* graph) {
  const nn::TensorSpec& w = plan.layout.Find("out/w");
  const float* b = params + plan.layout.Find("out/b").offset;
  const int64_t F = w.shape[0], K = w.shape[1];
  AddFloatInitializer(graph, "fc.weight", {F, K},
                      std::vector<float>(params + w.offset, params + w.offset + F * K));
  AddFloatInitializer(graph, "fc.bias", {K}, std::vector<float>(b, b + K));
  const std::string rows = AddHeadRows(plan, top, graph);
  const std::string output = plan.head.regression ? "values" : "probabilities";
  if (!plan.head.per_step) {
    const std::string logits = plan.head.regression ? output : "logits";
    AddNode(graph, "Gemm", "fc", {rows, "fc.weight", "fc.bias"}, {logits});
    if (!plan.head.regression) {
      AddIntAttribute(AddNode(graph, "Softmax", "softmax", {"logits"}, {output}), "axis", 1);
    }
    AddValueInfo(graph->mutable_output(), output, onnx::TensorProto::FLOAT, {-1, K});
    return;
  }
  AddNode(graph, "Gemm", "fc", {rows, "fc.weight", "fc.bias"}, {"step_logits"});
  const bool masked = !sequence_lens.empty();
  const std::string unmasked = masked ? output + "_unmasked" : output;
  const std::string shaped = plan.head.regression ? unmasked : "logits";
  AddNode(graph, "Reshape", "per_step", {"step_logits", ShapeConstant(graph, {-1, T, K})},
          {shaped});
  if (!plan.head.regression) {
    AddIntAttribute(AddNode(graph, "Softmax", "softmax", {"logits"}, {unmasked}), "axis", 2);
  }
  if (masked) {
    // Steps past a sequence's length predict nothing: 0 there, as seqtrain predict.
    std::vector<int64_t> steps(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; ++t) steps[static_cast<size_t>(t)] = t;
    AddIntAttribute(AddNode(graph, "Cast", "lengths_int64", {sequence_lens}, {"lengths_int64"}),
                    "to", onnx::TensorProto::INT64);
    AddNode(graph, "Unsqueeze", "lengths_column", {"lengths_int64", AxesConstant(graph, 1)},
            {"lengths_column"});
    AddNode(graph, "Less", "real_step",
            {Int64Constant(graph, "step_index", steps), "lengths_column"}, {"real_step"});
    AddIntAttribute(AddNode(graph, "Cast", "real_step_float", {"real_step"}, {"real_step_float"}),
                    "to", onnx::TensorProto::FLOAT);
    AddNode(graph, "Unsqueeze", "step_mask", {"real_step_float", AxesConstant(graph, 2)},
            {"step_mask"});
    AddNode(graph, "Mul", "mask_padding", {unmasked, "step_mask"}, {output});
  }
  AddValueInfo(graph->mutable_output(), output, onnx::TensorProto::FLOAT, {-1, T, K});
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
  // ONNX's LSTM and GRU read [T, batch, in] (layout 0, the one every runtime implements).
  AddIntsAttribute(AddNode(graph, "Transpose", "time_major", {"input"}, {"input_time_major"}),
                   "perm", {1, 0, 2});
  LayerOutputNames below{"input_time_major", ""};
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    const bool top = l + 1 == plan.layers.size();
    below = AddRecurrentLayer(plan, static_cast<int>(l), !top || plan.head.per_step, below.sequence,
                              sequence_lens, params, graph);
  }
  AddHead(plan, below, model.time_steps(), sequence_lens, params, graph);
  std::string bytes;
  SEQ_CHECK(proto.SerializeToString(&bytes));
  return bytes;
}

}  // namespace seqtrain::exporting
