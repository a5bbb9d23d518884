// Command line: `seqtrain <command> [options]`. Parsing is identical on every
// rank (same argv), so a usage error ends every rank the same way.
#pragma once

#include <string>
#include <vector>

#include "config/config_loader.h"
#include "util/error.h"
#include "util/exit_codes.h"

namespace seqtrain::app {

// A bad flag or value: main() exits with kExitUsage.
class UsageError : public Error {
 public:
  using Error::Error;
};

struct TrainRequest {
  std::string config_path;                  // "" : defaults only
  std::vector<config::Override> overrides;  // flags and --set, in the order given
  std::string resume;                       // "", "auto" or a checkpoint file
  std::string resume_lineage;  // with auto: the lineage to continue ("" : the only one)
  bool new_lineage = false;    // start fresh although checkpoint.dir holds checkpoints
  int blas_threads = 0;        // 0: OPENBLAS_NUM_THREADS if set, else 1 per rank
};

// `seqtrain init`: the config options of train, and where to write the weights.
struct InitRequest {
  std::string config_path;
  std::vector<config::Override> overrides;
  std::string out;  // a safetensors file
};

struct ExportRequest {
  std::string checkpoint;
  std::string format;  // "onnx" or "safetensors"
  std::string out;
  bool sequence_lens = false;   // onnx: an input sequence_lens for sequences of varying length
  std::string weights = "raw";  // checkpoint/weight_choice.h: "raw" or "ema"
};

struct InspectRequest {
  std::string checkpoint;
  bool tensors = false;  // list tensors with shapes and statistics
  bool values = false;   // and print every value
};

struct EvalRequest {
  std::string checkpoint;
  std::string data_dir;  // "" : the checkpoint's data.dir
  int blas_threads = 0;
  std::string weights = "raw";  // checkpoint/weight_choice.h: "raw" or "ema"
};

struct PredictRequest {
  std::string checkpoint;
  std::string images;  // IDX images, or inputs
  int64_t limit = 0;   // 0: all
  int blas_threads = 0;
  std::string probabilities;    // "" or a file for every class's probability, a line per image
  std::string weights = "raw";  // checkpoint/weight_choice.h: "raw" or "ema"
  std::string inputs;           // NumPy x (N, T, I) instead of images
  std::string lengths;          // with inputs: NumPy (N,) lengths, or "" (every sequence T long)
};

struct DiffRequest {
  std::string a, b;
  double tolerance = 0;  // largest relative difference accepted
};

struct PlotRequest {
  std::string metrics;  // JSON lines written by `train --metrics`
  std::string out;      // SVG file to write
  std::string title;    // "" : "seqtrain: <metrics>"
};

struct CliRequest {
  enum class Command {
    kHelp,
    kVersion,
    kTrain,
    kInspect,
    kEval,
    kPredict,
    kDiff,
    kPlot,
    kExport,
    kInit
  };
  Command command = Command::kHelp;
  std::string help_text;  // what to print for kHelp
  TrainRequest train;
  InspectRequest inspect;
  EvalRequest eval;
  PredictRequest predict;
  DiffRequest diff;
  PlotRequest plot;
  ExportRequest export_request;
  InitRequest init;
};

CliRequest ParseCommandLine(const std::vector<std::string>& args);

}  // namespace seqtrain::app
