// Recurrent cells by name ("lstm", "gru"), so the model builds its layers from a name alone.
//
// Adding a cell: its own files (a class template Cell<T> implementing RecurrentLayer<T>, with a
// constructor Cell(const ModelConfig& model, int input_size)) plus ONE registration line: in
// the table of recurrent_layer_registry.cc for a built-in cell, or, for a cell linked into a
// program from outside src/ (tests/nn/elman_layer.cc), at namespace scope in its file:
//   const nn::RecurrentLayerRegistration<Cell> kRegistered("cell");
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config.pb.h"
#include "nn/recurrent_layer.h"

namespace seqtrain::nn {

// The registered name of the cell model.cell selects ("lstm", "gru"): the prefix of its layers'
// tensors. Models built without a cell name use it; tests pass other registered names.
std::string CellName(const ModelConfig& model);

template <typename T>
using RecurrentLayerFactory = std::unique_ptr<RecurrentLayer<T>> (*)(const ModelConfig& model,
                                                                     int input_size);

struct RecurrentLayerEntry {
  std::string name;
  RecurrentLayerFactory<float> make_float;
  RecurrentLayerFactory<double> make_double;
};

template <template <typename> class Cell>
RecurrentLayerEntry RecurrentLayerEntryOf(std::string name) {
  return {std::move(name),
          [](const ModelConfig& m, int in) -> std::unique_ptr<RecurrentLayer<float>> {
            return std::make_unique<Cell<float>>(m, in);
          },
          [](const ModelConfig& m, int in) -> std::unique_ptr<RecurrentLayer<double>> {
            return std::make_unique<Cell<double>>(m, in);
          }};
}

// Adds a cell; SEQ_CHECK-fails on a name already taken (two cells cannot share checkpoint
// names). Register before building models, e.g. at static initialization.
void RegisterRecurrentLayer(RecurrentLayerEntry entry);

template <template <typename> class Cell>
struct RecurrentLayerRegistration {
  explicit RecurrentLayerRegistration(const char* name) {
    RegisterRecurrentLayer(RecurrentLayerEntryOf<Cell>(name));
  }
};

// Registered names, built-ins first.
std::vector<std::string> RecurrentLayerNames();

// Throws seqtrain::Error naming the registered cells when cell is not one of them.
template <typename T>
std::unique_ptr<RecurrentLayer<T>> MakeRecurrentLayer(const std::string& cell,
                                                      const ModelConfig& model, int input_size);

}  // namespace seqtrain::nn
