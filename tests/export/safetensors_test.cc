// The safetensors writer and its strict reader, and the PyTorch state-dict mapping.
#include "export/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>

#include "config/config_loader.h"
#include "export/torch_state_dict.h"
#include "nn/sequence_classifier.h"
#include "support/model_config.h"
#include "util/error.h"
#include "util/little_endian.h"

namespace seqtrain::exporting {
namespace {

using Json = nlohmann::json;

Safetensors TwoTensors() {
  Safetensors file;
  file.tensors = {{"a", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"b", {1}, {-0.5f}}};
  file.metadata = {{"format", "pt"}, {"config", "seed: 1\nmodel {\n}\n"}};
  return file;
}

// A file from a header given as JSON and `data` bytes of tensor data.
std::string FileOf(const Json& header, size_t data, const std::string& pad = "") {
  const std::string text = header.dump() + pad;
  std::string out;
  AppendLittleEndian(&out, text.size(), 8);
  return out + text + std::string(data, '\0');
}

Json HeaderOf(const std::string& bytes) {
  return Json::parse(bytes.substr(8, ReadLittleEndian(bytes.data(), 8)));
}

void ExpectError(const std::string& bytes, const std::string& message) {
  try {
    DecodeSafetensors(bytes, "w.safetensors");
    ADD_FAILURE() << "accepted; expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(Safetensors, RoundTripsTensorsAndMetadataInTheDocumentedLayout) {
  const Safetensors file = TwoTensors();
  const std::string bytes = EncodeSafetensors(file);
  const uint64_t header_bytes = ReadLittleEndian(bytes.data(), 8);
  EXPECT_EQ(header_bytes % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + header_bytes + 7 * sizeof(float));
  const Json header = HeaderOf(bytes);
  EXPECT_EQ(header["a"], Json::parse(R"({"dtype":"F32","shape":[2,3],"data_offsets":[0,24]})"));
  EXPECT_EQ(header["b"], Json::parse(R"({"dtype":"F32","shape":[1],"data_offsets":[24,28]})"));
  float b = 0;
  std::memcpy(&b, bytes.data() + 8 + header_bytes + 24, 4);
  EXPECT_EQ(b, -0.5f);

  const Safetensors back = DecodeSafetensors(bytes, "w.safetensors");
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_EQ(back.tensors[0].name, "a");
  EXPECT_EQ(back.tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(back.tensors[0].values, file.tensors[0].values);
  EXPECT_EQ(back.tensors[1].values, file.tensors[1].values);
  EXPECT_EQ(back.metadata, file.metadata);
}

TEST(Safetensors, MetadataThatIsNotUtf8IsWrittenReplaced) {
  Safetensors file = TwoTensors();
  file.metadata["config"] = "dir: \"/data/\xff\"";
  const Safetensors back = DecodeSafetensors(EncodeSafetensors(file), "w.safetensors");
  EXPECT_EQ(back.metadata.at("config"), "dir: \"/data/\xef\xbf\xbd\"");  // U+FFFD
  EXPECT_EQ(back.tensors[0].values, file.tensors[0].values);
}

TEST(Safetensors, ReadsTensorsInDataOrderWhateverTheHeaderOrder) {
  const Json header = Json::parse(R"({"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},
                                      "a":{"dtype":"F32","shape":[],"data_offsets":[4,8]},
                                      "e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}})");
  const Safetensors file = DecodeSafetensors(FileOf(header, 8, "   "), "w.safetensors");
  ASSERT_EQ(file.tensors.size(), 3u);
  EXPECT_EQ(file.tensors[0].name, "z");
  EXPECT_EQ(file.tensors[1].name, "a");
  EXPECT_EQ(file.tensors[2].values.size(), 0u);
}

TEST(Safetensors, RejectsEachMalformedPartWithOneLineNamingIt) {
  const Json ok = Json::parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})");
  ExpectError("abc",
              "w.safetensors: 3 bytes: too short for the 8-byte header length (not a "
              "safetensors file)");
  std::string huge;
  AppendLittleEndian(&huge, uint64_t{1} << 40, 8);
  ExpectError(huge + "{}",
              "w.safetensors: header length 1099511627776 exceeds the limit of "
              "100000000 bytes");
  std::string past;
  AppendLittleEndian(&past, 100, 8);
  ExpectError(past + "{}",
              "w.safetensors: header length 100 runs past the end of the file "
              "(10 bytes)");
  std::string bad_json;
  AppendLittleEndian(&bad_json, 5, 8);
  try {
    DecodeSafetensors(bad_json + "{\"a\":", "w.safetensors");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("w.safetensors: the header is not valid JSON: ", 0), 0u)
        << e.what();
  }
  ExpectError(FileOf(Json::array({1}), 0), "w.safetensors: the header [1] is not an object");

  Json f64 = ok;
  f64["a"]["dtype"] = "F64";
  ExpectError(FileOf(f64, 8), "w.safetensors: tensor 'a': dtype = F64: only F32 is read");
  Json shape = ok;
  shape["a"]["shape"] = {3};
  ExpectError(FileOf(shape, 8),
              "w.safetensors: tensor 'a': data_offsets = [0,8] hold 8 bytes, "
              "shape [3] of F32 needs 3 x 4");
  Json negative = ok;
  negative["a"]["shape"] = {-2};
  ExpectError(FileOf(negative, 8),
              "w.safetensors: tensor 'a': shape = [-2]: sizes must be "
              "integers in 0..2147483648");
  ExpectError(FileOf(ok, 4),
              "w.safetensors: tensor 'a': data_offsets = [0,8]: past the end of "
              "the data (4 bytes after the header)");
  ExpectError(FileOf(ok, 12),
              "w.safetensors: 4 trailing bytes after the last tensor (its data "
              "ends at 8 of 12)");
  Json overlap = ok;
  overlap["b"] = Json::parse(R"({"dtype":"F32","shape":[1],"data_offsets":[4,8]})");
  ExpectError(FileOf(overlap, 8),
              "w.safetensors: tensor 'b': data_offsets [4, 8) overlap tensor "
              "'a' [0, 8)");
  Json gap = ok;
  gap["b"] = Json::parse(R"({"dtype":"F32","shape":[1],"data_offsets":[12,16]})");
  ExpectError(FileOf(gap, 16),
              "w.safetensors: tensor 'b': data_offsets begin at 12, leaving "
              "bytes 8..12 to no tensor");
  Json reversed = ok;
  reversed["a"]["data_offsets"] = {8, 0};
  ExpectError(FileOf(reversed, 8),
              "w.safetensors: tensor 'a': data_offsets = [8,0]: not [begin, "
              "end] with 0 <= begin <= end");
  Json extra_key = ok;
  extra_key["a"]["strides"] = {1};
  ExpectError(FileOf(extra_key, 8),
              "w.safetensors: tensor 'a': unknown key 'strides' (keys: "
              "dtype, shape, data_offsets)");
  Json no_shape = ok;
  no_shape["a"].erase("shape");
  ExpectError(FileOf(no_shape, 8), "w.safetensors: tensor 'a': no shape");
  Json metadata = ok;
  metadata["__metadata__"] = {{"n", 3}};
  ExpectError(FileOf(metadata, 8), "w.safetensors: __metadata__ 'n' = 3: not a string");

  std::string twice;
  const std::string text = R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                           R"("a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})";
  AppendLittleEndian(&twice, text.size(), 8);
  ExpectError(twice + text, "w.safetensors: tensor 'a': named twice");
  Json overflow = ok;
  overflow["a"]["shape"] = {2147483648, 2147483648, 2147483648};
  ExpectError(FileOf(overflow, 8),
              "w.safetensors: tensor 'a': shape = "
              "[2147483648,2147483648,2147483648]: more values than 2^64");
}

ModelConfig SmallModel(int layers) {
  ModelConfig model = testing::MakeModelConfig(3, 4, 5, layers, 2);
  config::FillDefaults(&model);
  return model;
}

TEST(TorchStateDict, NamesShapesAndValuesArePyTorchsAndReadBack) {
  const ModelConfig model = SmallModel(2);
  nn::SequenceClassifier<float> net(model);
  net.Initialize(3);
  const std::vector<NamedTensor> dict = ToTorchStateDict(model, net.params());
  std::vector<std::string> names;
  for (const NamedTensor& t : dict) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                       "lstm.bias_hh_l0", "lstm.weight_ih_l1", "lstm.weight_hh_l1",
                       "lstm.bias_ih_l1", "lstm.bias_hh_l1", "fc.weight", "fc.bias"}));
  EXPECT_EQ(dict[0].shape, (std::vector<int64_t>{20, 3}));
  EXPECT_EQ(dict[4].shape, (std::vector<int64_t>{20, 5}));
  EXPECT_EQ(dict[8].shape, (std::vector<int64_t>{2, 5}));
  // weight_ih[g][k] = w_x[k][g] (same gate order, transposed); the forget block holds 1.0.
  const float* w_x = net.params() + net.layout().Find("lstm0/w_x").offset;
  EXPECT_EQ(dict[0].values[7 * 3 + 2], w_x[2 * 20 + 7]);
  EXPECT_EQ(dict[2].values[5], 1.0f);
  EXPECT_EQ(dict[3].values, std::vector<float>(20, 0.0f));
  const float* out_w = net.params() + net.layout().Find("out/w").offset;
  EXPECT_EQ(dict[8].values[1 * 5 + 4], out_w[4 * 2 + 1]);

  // Read back, with the bias split differently: the sum is what counts.
  std::vector<NamedTensor> split = dict;
  for (float& b : split[2].values) b -= 0.25f;
  for (float& b : split[3].values) b += 0.25f;
  std::vector<float> back(net.num_params(), -1.0f);
  FromTorchStateDict(split, model, back.data(), "w.safetensors");
  EXPECT_EQ(back, std::vector<float>(net.params(), net.params() + net.num_params()));
}

void ExpectStateDictError(const std::vector<NamedTensor>& dict, const ModelConfig& model,
                          const std::string& message) {
  std::vector<float> params(nn::ModelLayout(model).total_size());
  try {
    FromTorchStateDict(dict, model, params.data(), "w.safetensors");
    ADD_FAILURE() << "accepted; expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(TorchStateDict, RejectsMissingExtraAndMisshapenTensors) {
  const ModelConfig model = SmallModel(1);
  const std::vector<float> zeros(nn::ModelLayout(model).total_size());
  const std::vector<NamedTensor> dict = ToTorchStateDict(model, zeros.data());
  const std::string names =
      "lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, "
      "lstm.bias_hh_l0, fc.weight, fc.bias";
  std::vector<NamedTensor> missing(dict.begin(), dict.end() - 1);
  ExpectStateDictError(
      missing, model,
      "w.safetensors: tensor 'fc.bias' is missing (the model's tensors: " + names + ")");
  std::vector<NamedTensor> extra = dict;
  extra.push_back({"lstm.weight_ih_l1", {20, 5}, std::vector<float>(100)});
  ExpectStateDictError(
      extra, model,
      "w.safetensors: tensor 'lstm.weight_ih_l1' is not one of the model's (" + names + ")");
  ExpectStateDictError(
      ToTorchStateDict(SmallModel(1), zeros.data()),
      [] {
        ModelConfig wider = SmallModel(1);
        wider.set_hidden_size(6);
        return wider;
      }(),
      "w.safetensors: tensor 'lstm.weight_ih_l0' has shape [20, 3], the config's model "
      "(input_size 3, hidden_size 6, num_layers 1, num_classes 2) has [24, 3]");
}

ModelConfig GruModel(bool bidirectional, ModelConfig::Head head) {
  ModelConfig model = SmallModel(2);
  model.set_cell(ModelConfig::GRU);
  model.set_bidirectional(bidirectional);
  model.set_head(head);
  if (nn::FindHead(head).regression) model.set_output_size(3);
  return model;
}

std::vector<std::string> NamesOf(const std::vector<NamedTensor>& dict) {
  std::vector<std::string> names;
  for (const NamedTensor& t : dict) names.push_back(t.name);
  return names;
}

TEST(TorchStateDict, GruBidirectionalTensorsArePyTorchsAndReadBack) {
  const ModelConfig model = GruModel(true, ModelConfig::PER_STEP_REGRESSION);
  nn::SequenceClassifier<float> net(model);
  // Distinct values everywhere (a GRU starts with zero biases): every tensor lands somewhere.
  for (size_t i = 0; i < net.num_params(); ++i) net.params()[i] = 0.001f * static_cast<float>(i);
  const std::vector<NamedTensor> dict = ToTorchStateDict(model, net.params());
  std::vector<std::string> expected;
  for (const std::string layer : {"_l0", "_l1"}) {
    for (const std::string direction : {"", "_reverse"}) {
      for (const std::string t : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"})
        expected.push_back("gru." + t + layer + direction);
    }
  }
  expected.push_back("fc.weight");
  expected.push_back("fc.bias");
  EXPECT_EQ(NamesOf(dict), expected);
  EXPECT_EQ(dict[0].shape, (std::vector<int64_t>{15, 3}));   // [3H, I]
  EXPECT_EQ(dict[8].shape, (std::vector<int64_t>{15, 10}));  // layer 1 reads [fwd h, rev h]
  EXPECT_EQ(dict[16].shape, (std::vector<int64_t>{3, 10}));  // fc [K, 2H]
  // Layer 0's reverse direction: weight_ih[g][k] = w_x[k][g]; both biases kept as they are.
  const float* w_x = net.params() + net.layout().Find("gru0_reverse/w_x").offset;
  EXPECT_EQ(dict[4].values[7 * 3 + 2], w_x[2 * 15 + 7]);
  const float* b_h = net.params() + net.layout().Find("gru0_reverse/b_h").offset;
  EXPECT_EQ(dict[7].values, std::vector<float>(b_h, b_h + 15));
  std::vector<float> back(net.num_params(), -1.0f);
  FromTorchStateDict(dict, model, back.data(), "w.safetensors");
  EXPECT_EQ(back, std::vector<float>(net.params(), net.params() + net.num_params()));
}

TEST(TorchStateDict, BidirectionalLstmSumsEachDirectionsBiases) {
  ModelConfig model = SmallModel(1);
  model.set_bidirectional(true);
  nn::SequenceClassifier<float> net(model);
  net.Initialize(4);
  std::vector<NamedTensor> dict = ToTorchStateDict(model, net.params());
  EXPECT_EQ(NamesOf(dict),
            (std::vector<std::string>{"lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                                      "lstm.bias_hh_l0", "lstm.weight_ih_l0_reverse",
                                      "lstm.weight_hh_l0_reverse", "lstm.bias_ih_l0_reverse",
                                      "lstm.bias_hh_l0_reverse", "fc.weight", "fc.bias"}));
  for (float& b : dict[6].values) b -= 0.5f;
  for (float& b : dict[7].values) b += 0.5f;
  std::vector<float> back(net.num_params(), -1.0f);
  FromTorchStateDict(dict, model, back.data(), "w.safetensors");
  EXPECT_EQ(back, std::vector<float>(net.params(), net.params() + net.num_params()));
}

std::vector<NamedTensor> ZeroDict(const ModelConfig& model) {
  const std::vector<float> zeros(nn::ModelLayout(model).total_size());
  return ToTorchStateDict(model, zeros.data());
}

void ExpectMatches(const std::string& text, const std::string& pattern) {
  EXPECT_TRUE(std::regex_match(text, std::regex(pattern))) << text << "\n  !~ " << pattern;
}

TEST(TorchStateDict, NamesAnotherCellsOrDirectionsFile) {
  ModelConfig lstm = SmallModel(1), bilstm = SmallModel(1);
  bilstm.set_bidirectional(true);
  const ModelConfig gru = GruModel(false, ModelConfig::LAST_STEP_CLASSIFIER);
  auto error = [](const std::vector<NamedTensor>& dict, const ModelConfig& model) {
    std::vector<float> params(nn::ModelLayout(model).total_size());
    try {
      FromTorchStateDict(dict, model, params.data(), "w.safetensors");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  ExpectMatches(error(ZeroDict(gru), lstm),
                std::string("w.safetensors: tensor 'lstm.weight_ih_l0' is missing "
                            "\\(the model's tensors: .*\\); the file holds 'gru\\..*', "
                            "a GRU's tensor, but model.cell = LSTM"));
  ExpectMatches(error(ZeroDict(lstm), gru),
                std::string("w.safetensors: tensor 'gru.weight_ih_l0' is missing .*; "
                            "the file holds 'lstm\\..*', an LSTM's tensor, but "
                            "model.cell = GRU"));
  ExpectMatches(error(ZeroDict(lstm), bilstm),
                std::string("w.safetensors: tensor 'lstm.weight_ih_l0_reverse' is "
                            "missing .*; the file has no reverse direction, but "
                            "model.bidirectional = true"));
  ExpectMatches(error(ZeroDict(bilstm), lstm),
                std::string("w.safetensors: tensor 'lstm.weight_ih_l0_reverse' is not "
                            "one of the model's .*; a reverse direction's tensor, but "
                            "model.bidirectional = false"));
  // A regression head's width is checked as a classifier's.
  ModelConfig regression = SmallModel(1);
  regression.set_head(ModelConfig::LAST_STEP_REGRESSION);
  regression.set_output_size(4);
  EXPECT_EQ(error(ZeroDict(lstm), regression),
            "w.safetensors: tensor 'fc.weight' has shape [2, 5], the config's model (input_size "
            "3, hidden_size 5, num_layers 1, head LAST_STEP_REGRESSION, output_size 4) has [4, 5]");
}

}  // namespace
}  // namespace seqtrain::exporting
