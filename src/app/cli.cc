#include "app/cli.h"

#include <boost/program_options.hpp>
#include <functional>
#include <sstream>

#include "checkpoint/weight_choice.h"
#include "config/field_rules.h"

namespace seqtrain::app {
namespace po = boost::program_options;
namespace {

const char* kUsage =
    "usage: seqtrain <command> [options]\n"
    "\n"
    "commands:\n"
    "  train     train the LSTM classifier (run under mpirun for data parallelism)\n"
    "  eval      test accuracy of a checkpoint, on any number of ranks\n"
    "  predict   predicted labels and probabilities for an IDX image file\n"
    "  inspect   a checkpoint's metadata and config\n"
    "  diff      largest difference between the parameters of two checkpoints\n"
    "  plot      loss and accuracy curves of a metrics file as an SVG\n"
    "  export    a checkpoint's model as ONNX or safetensors (PyTorch names)\n"
    "  init      a run's initial weights as safetensors, without training\n"
    "  version   this build's version, compiler, SIMD targets and libraries (also --version)\n"
    "  help      this text; `seqtrain <command> --help` shows a command's options\n"
    "\n"
    "environment:\n"
    "  SEQTRAIN_SIMD         avx512, avx2, sse4 or scalar: force the kernels' instruction set\n"
    "  OPENBLAS_NUM_THREADS  OpenBLAS threads per rank when --blas-threads is 0 (default 1)\n";

// Shorthand flags: each sets one config field, as --set would. Their help is the field's
// (config.proto), unless the flag's own words read better.
struct Shorthand {
  const char* flag;
  const char* field;
  const char* help = nullptr;  // null: the field's help and default
};
const Shorthand kShorthands[] = {
    {"data-dir", "data.dir"},
    {"epochs", "schedule.epochs"},
    {"max-steps", "schedule.max_steps", "> 0: train exactly N steps in total, overriding --epochs"},
    {"batch-size", "schedule.batch_size"},
    {"lr", "optimizer.learning_rate"},
    {"hidden-size", "model.hidden_size"},
    {"seed", "seed"},
    {"display-step", "schedule.display_step"},
    {"eval-every", "schedule.eval_every"},
    {"metrics", "logging.metrics_path", "write JSON lines of metrics to FILE (rank 0)"},
    {"tensorboard-dir", "logging.tensorboard_dir", "write TensorBoard event files in DIR (rank 0)"},
    {"checkpoint-dir", "checkpoint.dir"},
    {"checkpoint-every", "checkpoint.every_steps"},
    {"init-from", "init_from",
     "start from the weights in FILE.safetensors (PyTorch names) instead of drawing them"},
};

// The options that make a run's config (train and init): --config, --set and the shorthands.
struct ConfigOptions {
  std::string* config_path;
  std::vector<std::string> sets;
};

void AddConfigFileOptions(po::options_description& opts, ConfigOptions& c) {
  opts.add_options()("config", po::value(c.config_path),
                     "protobuf text config (configs/*.txtpb); flags below override it")(
      "set", po::value(&c.sets)->composing(),
      "override one field: --set schedule.batch_size=256 (repeatable)");
}

void AddShorthandOptions(po::options_description& opts) {
  for (const Shorthand& s : kShorthands) {
    const std::string help = s.help ? s.help : config::HelpOf(s.field);
    opts.add_options()(s.flag, po::value<std::string>(), (help + "; sets " + s.field).c_str());
  }
}

// Flags apply in a fixed order, then --set in the order given: --set wins.
std::vector<config::Override> OverridesOf(const std::string& command, const po::variables_map& vm,
                                          const ConfigOptions& c) {
  std::vector<config::Override> overrides;
  for (const Shorthand& s : kShorthands) {
    if (vm.count(s.flag)) {
      const std::string value = vm[s.flag].as<std::string>();
      overrides.push_back({std::string("--") + s.flag + " " + value, s.field, value});
    }
  }
  for (const std::string& assignment : c.sets) {
    try {
      overrides.push_back(config::ParseSetFlag(assignment));
    } catch (const Error& e) {
      throw UsageError(command + ": " + e.what());
    }
  }
  return overrides;
}

po::variables_map Parse(const std::string& command, const std::vector<std::string>& args,
                        const po::options_description& opts,
                        const po::positional_options_description& positional) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
                  .options(opts)
                  .positional(positional)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(command + ": " + e.what() + " (see `seqtrain " + command + " --help`)");
  }
  return vm;
}

bool WantsHelp(const po::variables_map& vm, const po::options_description& opts,
               CliRequest* request) {
  if (!vm.count("help")) return false;
  std::ostringstream out;
  out << opts;
  request->command = CliRequest::Command::kHelp;
  request->help_text = out.str();
  return true;
}

void RequireNonNegative(const std::string& what, int64_t value) {
  if (value < 0) throw UsageError(what + " " + std::to_string(value) + ": must not be negative");
}

CliRequest ParseTrain(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kTrain;
  TrainRequest& t = request.train;
  ConfigOptions config_options{&t.config_path, {}};
  po::options_description opts("seqtrain train [options]");
  opts.add_options()("help,h", "show this help");
  AddConfigFileOptions(opts, config_options);
  opts.add_options()(
      "resume", po::value(&t.resume),
      "'auto': newest valid checkpoint in checkpoint.dir (none: start fresh); or a checkpoint "
      "FILE")("resume-lineage", po::value(&t.resume_lineage),
              "the lineage --resume auto continues when checkpoint.dir holds several (implies "
              "--resume auto)")(
      "new-lineage", po::bool_switch(&t.new_lineage),
      "start a new lineage although checkpoint.dir holds checkpoints (theirs are left alone)")(
      "blas-threads", po::value(&t.blas_threads)->default_value(0),
      "OpenBLAS threads per rank (0: $OPENBLAS_NUM_THREADS, else 1)");
  AddShorthandOptions(opts);
  const po::variables_map vm = Parse("train", args, opts, {});
  if (WantsHelp(vm, opts, &request)) return request;
  if (!t.resume_lineage.empty()) {
    if (!t.resume.empty() && t.resume != "auto") {
      throw UsageError(
          "train: --resume-lineage picks a lineage for --resume auto, not for --resume " +
          t.resume);
    }
    t.resume = "auto";
  }
  if (t.new_lineage && !t.resume.empty()) {
    throw UsageError("train: --new-lineage starts fresh: it excludes --resume");
  }
  if (t.blas_threads < 0)
    throw UsageError("train: --blas-threads " + std::to_string(t.blas_threads) +
                     ": must not be negative");
  t.overrides = OverridesOf("train", vm, config_options);
  return request;
}

CliRequest ParseInit(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kInit;
  InitRequest& i = request.init;
  ConfigOptions config_options{&i.config_path, {}};
  po::options_description opts(
      "seqtrain init [train's config options] --out FILE.safetensors\n"
      "writes the weights `seqtrain train` with the same config would start from");
  opts.add_options()("help,h", "show this help")("out", po::value(&i.out),
                                                 "safetensors file to write (PyTorch names)");
  AddConfigFileOptions(opts, config_options);
  AddShorthandOptions(opts);
  const po::variables_map vm = Parse("init", args, opts, {});
  if (WantsHelp(vm, opts, &request)) return request;
  if (i.out.empty()) throw UsageError("init: --out FILE.safetensors is required");
  i.overrides = OverridesOf("init", vm, config_options);
  return request;
}

constexpr char kWeightsFlag[] = "weights";
constexpr char kWeightsHelp[] =
    "raw: the trained weights; ema: their moving average (optimizer.ema_decay)";

void RequireWeightChoice(const std::string& command, const std::string& weights) {
  if (!checkpoint::WeightChoiceNamed(weights)) {
    throw UsageError(command + ": --weights '" + weights + "': must be raw or ema");
  }
}

CliRequest ParseExport(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kExport;
  ExportRequest& e = request.export_request;
  po::options_description opts(
      "seqtrain export --checkpoint FILE --format onnx|safetensors --out FILE [options]");
  opts.add_options()("help,h", "show this help")("checkpoint", po::value(&e.checkpoint),
                                                 "checkpoint file")(
      "format", po::value(&e.format),
      "onnx (opset 14: LSTM/GRU, Gemm, Softmax) or safetensors (PyTorch state-dict names)")(
      "out", po::value(&e.out), "file to write")(
      "sequence-lens", po::bool_switch(&e.sequence_lens),
      "onnx: add the input sequence_lens (int32 [batch]) for sequences shorter than time_steps")(
      kWeightsFlag, po::value(&e.weights)->default_value("raw"), kWeightsHelp);
  const po::variables_map vm = Parse("export", args, opts, {});
  if (WantsHelp(vm, opts, &request)) return request;
  if (e.checkpoint.empty()) throw UsageError("export: --checkpoint FILE is required");
  if (e.format != "onnx" && e.format != "safetensors") {
    throw UsageError("export: --format '" + e.format + "': must be onnx or safetensors");
  }
  if (e.out.empty()) throw UsageError("export: --out FILE is required");
  if (e.sequence_lens && e.format != "onnx") {
    throw UsageError("export: --sequence-lens is for --format onnx");
  }
  RequireWeightChoice("export", e.weights);
  return request;
}

CliRequest ParseInspect(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kInspect;
  po::options_description opts("seqtrain inspect CHECKPOINT [options]");
  opts.add_options()("help,h", "show this help")(
      "checkpoint", po::value(&request.inspect.checkpoint), "checkpoint file")(
      "tensors", po::bool_switch(&request.inspect.tensors),
      "list tensors with shapes and statistics")("values", po::bool_switch(&request.inspect.values),
                                                 "print every tensor value (implies --tensors)");
  po::positional_options_description positional;
  positional.add("checkpoint", 1);
  const po::variables_map vm = Parse("inspect", args, opts, positional);
  if (WantsHelp(vm, opts, &request)) return request;
  if (request.inspect.checkpoint.empty())
    throw UsageError("inspect: a checkpoint file is required");
  request.inspect.tensors |= request.inspect.values;
  return request;
}

CliRequest ParseEval(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kEval;
  po::options_description opts("seqtrain eval --checkpoint FILE [options]");
  opts.add_options()("help,h", "show this help")("checkpoint", po::value(&request.eval.checkpoint),
                                                 "checkpoint file")(
      "data-dir", po::value(&request.eval.data_dir),
      "folder with the test files (default: the checkpoint's data.dir)")(
      "blas-threads", po::value(&request.eval.blas_threads)->default_value(0),
      "OpenBLAS threads per rank")(
      kWeightsFlag, po::value(&request.eval.weights)->default_value("raw"), kWeightsHelp);
  const po::variables_map vm = Parse("eval", args, opts, {});
  if (WantsHelp(vm, opts, &request)) return request;
  if (request.eval.checkpoint.empty()) throw UsageError("eval: --checkpoint FILE is required");
  RequireNonNegative("eval: --blas-threads", request.eval.blas_threads);
  RequireWeightChoice("eval", request.eval.weights);
  return request;
}

CliRequest ParsePredict(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kPredict;
  PredictRequest& p = request.predict;
  po::options_description opts(
      "seqtrain predict --checkpoint FILE (--images FILE | --inputs X.npy [--lengths LEN.npy]) "
      "[options]");
  opts.add_options()("help,h", "show this help")(
      "checkpoint", po::value(&p.checkpoint), "checkpoint file")("images", po::value(&p.images),
                                                                 "IDX image file (.gz or plain)")(
      "inputs", po::value(&p.inputs),
      "NumPy (N, T, I) inputs, read as the npy source reads x (docs/data_sources.md)")(
      "lengths", po::value(&p.lengths), "with --inputs: NumPy (N,) sequence lengths in 1..T")(
      "limit", po::value(&p.limit)->default_value(0), "> 0: only the first N sequences")(
      "probabilities", po::value(&p.probabilities),
      "also write every output of the head to FILE: a line per sequence (per step for a per-step "
      "head), tab-separated")("blas-threads", po::value(&p.blas_threads)->default_value(0),
                              "OpenBLAS threads")(
      kWeightsFlag, po::value(&p.weights)->default_value("raw"), kWeightsHelp);
  const po::variables_map vm = Parse("predict", args, opts, {});
  if (WantsHelp(vm, opts, &request)) return request;
  if (p.checkpoint.empty()) throw UsageError("predict: --checkpoint FILE is required");
  if (p.images.empty() == p.inputs.empty()) {
    throw UsageError("predict: give either --images FILE (IDX) or --inputs FILE (.npy)");
  }
  if (!p.lengths.empty() && p.inputs.empty()) {
    throw UsageError("predict: --lengths goes with --inputs");
  }
  RequireNonNegative("predict: --limit", p.limit);
  RequireNonNegative("predict: --blas-threads", p.blas_threads);
  RequireWeightChoice("predict", p.weights);
  return request;
}

CliRequest ParseDiff(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kDiff;
  DiffRequest& d = request.diff;
  std::vector<std::string> files;
  po::options_description opts(
      "seqtrain diff A.ckpt B.ckpt [options]\n"
      "exit 0: same parameters (or within --tolerance); 1: different (values or shapes); 2: error");
  opts.add_options()("help,h", "show this help")("files", po::value(&files),
                                                 "two checkpoint files")(
      "tolerance", po::value(&d.tolerance)->default_value(0),
      "exit 0 when max |a-b| / max |a| over all parameters is at most this (0: bit-identical)");
  po::positional_options_description positional;
  positional.add("files", 2);
  const po::variables_map vm = Parse("diff", args, opts, positional);
  if (WantsHelp(vm, opts, &request)) return request;
  if (files.size() != 2) throw UsageError("diff: two checkpoint files are required");
  if (!(d.tolerance >= 0)) throw UsageError("diff: --tolerance must be >= 0");
  d.a = files[0];
  d.b = files[1];
  return request;
}

CliRequest ParsePlot(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kPlot;
  PlotRequest& p = request.plot;
  po::options_description opts("seqtrain plot METRICS.jsonl --out FILE.svg [options]");
  opts.add_options()("help,h", "show this help")("metrics", po::value(&p.metrics),
                                                 "metrics file (train --metrics)")(
      "out", po::value(&p.out), "SVG file to write")("title", po::value(&p.title),
                                                     "title (default: seqtrain: METRICS)");
  po::positional_options_description positional;
  positional.add("metrics", 1);
  const po::variables_map vm = Parse("plot", args, opts, positional);
  if (WantsHelp(vm, opts, &request)) return request;
  if (p.metrics.empty()) throw UsageError("plot: a metrics file is required");
  if (p.out.empty()) throw UsageError("plot: --out FILE.svg is required");
  return request;
}

}  // namespace

CliRequest ParseCommandLine(const std::vector<std::string>& args) {
  CliRequest request;
  request.help_text = kUsage;
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") return request;
  if (args[0] == "version" || args[0] == "--version") {
    if (args.size() > 1) throw UsageError(args[0] + " takes no arguments (got '" + args[1] + "')");
    request.command = CliRequest::Command::kVersion;
    return request;
  }
  const std::pair<const char*, std::function<CliRequest(const std::vector<std::string>&)>>
      commands[] = {{"train", ParseTrain},     {"inspect", ParseInspect}, {"eval", ParseEval},
                    {"predict", ParsePredict}, {"diff", ParseDiff},       {"plot", ParsePlot},
                    {"export", ParseExport},   {"init", ParseInit}};
  for (const auto& [name, parse] : commands) {
    if (args[0] == name) return parse(args);
  }
  throw UsageError(
      "unknown command '" + args[0] +
      "' (commands: train, eval, predict, inspect, diff, plot, export, init, version, help)");
}

}  // namespace seqtrain::app
