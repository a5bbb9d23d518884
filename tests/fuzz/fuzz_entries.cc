#include "fuzz_entries.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "checkpoint/checkpoint_file.h"
#include "checkpoint/model_tensors.h"
#include "checkpoint/optimizer_state.h"
#include "config/config_loader.h"
#include "config/config_validator.h"
#include "data/idx_file.h"
#include "data/labeled_images.h"
#include "data/npy_file.h"
#include "data/npy_source.h"
#include "data/npz_archive.h"
#include "export/safetensors.h"
#include "export/torch_state_dict.h"
#include "nn/sequence_classifier.h"
#include "optim/registry.h"
#include "util/error.h"

namespace seqtrain::fuzz {
namespace {

// The IDX reader opens paths; an in-memory file gives it one without disk I/O.
std::string AsFile(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("seqtrain_fuzz", 0);
  if (fd < 0 || ftruncate(fd, 0) != 0) std::abort();
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace

void IdxInput(const uint8_t* data, size_t size) {
  const std::string path = AsFile(data, size);
  try {
    data::ReadIdx(path);
  } catch (const Error&) {
  }
  try {
    const data::LabeledImages images = data::LoadImages(path, 3);
    std::vector<uint8_t> pixels(static_cast<size_t>(images.pixels_per_image()));
    for (int64_t i = 0; i < images.count; ++i) images.Decode(i, pixels.data());
  } catch (const Error&) {
  }
}

namespace {

// Small enough that a hostile header cannot make a fuzz run allocate much.
constexpr int64_t kFuzzMaxArrayBytes = int64_t{1} << 24;

// What the npy source does with an array: check it as x (with all-zero classes), read it back.
void UseAsSet(data::NpyArray x) {
  if (x.shape().size() != 3 || x.count() > 4096 || x.shape()[1] > 64 || x.shape()[2] > 64) return;
  const int steps = static_cast<int>(x.shape()[1]), inputs = static_cast<int>(x.shape()[2]);
  data::NpyArray y;  // (N,) int8 zeros
  y.name = "fuzz_y.npy";
  y.header.descr = "|i1";
  y.header.kind = data::NpyKind::kSigned;
  y.header.itemsize = 1;
  y.header.shape = {x.shape()[0]};
  y.header.count = y.header.data_bytes = x.shape()[0];
  y.bytes.assign(static_cast<size_t>(x.shape()[0]), 0);
  try {
    const data::NpyDataSource set(std::move(x), &y, nullptr, steps, inputs, 2, data::TargetSpec{},
                                  1.0 / 255, {});
    std::vector<float> sequence(static_cast<size_t>(steps) * inputs);
    int32_t label = 0;
    for (int64_t i = 0; i < set.count(); ++i) set.Read(i, sequence.data(), {&label, nullptr});
  } catch (const Error&) {
  }
}

}  // namespace

void NpyInput(const uint8_t* data, size_t size) {
  try {
    data::NpyArray a =
        data::ParseNpy(std::vector<uint8_t>(data, data + size), "fuzz.npy", kFuzzMaxArrayBytes);
    double sum = 0;
    for (int64_t i = 0; i < std::min<int64_t>(a.count(), 64); ++i) sum += a.ValueAt(i);
    if (!a.is_float() && a.count() > 0) sum += static_cast<double>(a.IntegerAt(a.count() - 1));
    (void)sum;
    UseAsSet(std::move(a));
  } catch (const Error&) {
  }
  try {
    data::ReadNpyFile(AsFile(data, size));
  } catch (const Error&) {
  }
}

void NpzInput(const uint8_t* data, size_t size) {
  try {
    const data::NpzArchive npz =
        data::NpzArchive::FromMemory(std::vector<uint8_t>(data, data + size), "fuzz.npz");
    for (const std::string& name : npz.ArrayNames()) {
      try {
        npz.ReadArray(name, nullptr, kFuzzMaxArrayBytes);
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
}

void ConfigInput(const uint8_t* data, size_t size) {
  try {
    const std::string text(reinterpret_cast<const char*>(data), size);
    TrainConfig proto = config::ParseConfigText("fuzz.txtpb", text);
    config::FillDefaults(&proto);
    config::ToText(proto);
    config::Validate(proto, 2);
  } catch (const Error&) {
  }
}

void CheckpointInput(const uint8_t* data, size_t size) {
  Checkpoint c;
  try {
    c = checkpoint::Decode(std::string(reinterpret_cast<const char*>(data), size), "fuzz.ckpt");
  } catch (const Error&) {
    return;
  }
  try {  // what eval and predict do before building the model the file declares
    checkpoint::CheckTensors(c, checkpoint::ModelConfigOf(c, "fuzz.ckpt"), true, "fuzz.ckpt");
  } catch (const Error&) {
  }
  try {  // what a resume does, into a model of the configured shape
    ModelConfig small;
    small.set_hidden_size(4);
    checkpoint::CheckModelMatches(c.config().model(), small, "fuzz.ckpt");
    nn::SequenceClassifier<float> model(small);
    checkpoint::UnpackTensors(c.params(), model.layout(), model.params(), "fuzz.ckpt", "params");
    const std::unique_ptr<optim::Optimizer> optimizer =
        optim::CreateOptimizer(OptimizerConfig(), model.num_params());
    checkpoint::RestoreOptimizerState(c.optimizer(), model.layout(), optimizer.get(), "fuzz.ckpt");
  } catch (const Error&) {
  }
}

void SafetensorsInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const exporting::Safetensors file = exporting::DecodeSafetensors(bytes, "fuzz.safetensors");
    exporting::EncodeSafetensors(file);
    // The corpus's models: 2 inputs, 3 units, 2 layers, 2 classes; an LSTM, and a bidirectional
    // GRU (valid_bigru.safetensors).
    for (const bool gru : {false, true}) {
      ModelConfig model;
      config::FillDefaults(&model);
      model.set_input_size(2);
      model.set_time_steps(2);
      model.set_hidden_size(3);
      model.set_num_layers(2);
      model.set_num_classes(2);
      if (gru) {
        model.set_cell(ModelConfig::GRU);
        model.set_bidirectional(true);
      }
      std::vector<float> params(nn::ModelLayout(model).total_size());
      try {
        exporting::FromTorchStateDict(file.tensors, model, params.data(), "fuzz.safetensors");
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
}

}  // namespace seqtrain::fuzz
