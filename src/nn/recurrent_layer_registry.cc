#include "nn/recurrent_layer_registry.h"

#include <type_traits>

#include "nn/gru_layer.h"
#include "nn/lstm_layer.h"
#include "util/error.h"

namespace seqtrain::nn {
namespace {

// A table rather than self-registering files: the linker drops unreferenced objects of a
// static library, and with them their registrations.
std::vector<RecurrentLayerEntry>& Entries() {
  static std::vector<RecurrentLayerEntry> entries = {
      RecurrentLayerEntryOf<LstmLayer>("lstm"),
      RecurrentLayerEntryOf<GruLayer>("gru"),
  };
  return entries;
}

const RecurrentLayerEntry& Find(const std::string& cell) {
  for (const RecurrentLayerEntry& e : Entries()) {
    if (e.name == cell) return e;
  }
  std::string names;
  for (const RecurrentLayerEntry& e : Entries()) names += (names.empty() ? "" : ", ") + e.name;
  throw Error("model cell '" + cell +
              "' is not a registered recurrent layer (registered: " + names + ")");
}

}  // namespace

std::string CellName(const ModelConfig& model) {
  switch (model.cell()) {
    case ModelConfig::LSTM:
      return "lstm";
    case ModelConfig::GRU:
      return "gru";
  }
  throw Error("model.cell = " + std::to_string(model.cell()) + ": not a known cell");
}

void RegisterRecurrentLayer(RecurrentLayerEntry entry) {
  SEQ_CHECK(!entry.name.empty() && entry.make_float && entry.make_double);
  for (const RecurrentLayerEntry& e : Entries()) SEQ_CHECK(e.name != entry.name);
  Entries().push_back(std::move(entry));
}

std::vector<std::string> RecurrentLayerNames() {
  std::vector<std::string> names;
  for (const RecurrentLayerEntry& e : Entries()) names.push_back(e.name);
  return names;
}

template <typename T>
std::unique_ptr<RecurrentLayer<T>> MakeRecurrentLayer(const std::string& cell,
                                                      const ModelConfig& model, int input_size) {
  const RecurrentLayerEntry& entry = Find(cell);
  if constexpr (std::is_same_v<T, float>) {
    return entry.make_float(model, input_size);
  } else {
    return entry.make_double(model, input_size);
  }
}

template std::unique_ptr<RecurrentLayer<float>> MakeRecurrentLayer<float>(const std::string&,
                                                                          const ModelConfig&, int);
template std::unique_ptr<RecurrentLayer<double>> MakeRecurrentLayer<double>(const std::string&,
                                                                            const ModelConfig&,
                                                                            int);

}  // namespace seqtrain::nn
