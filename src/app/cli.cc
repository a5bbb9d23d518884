#include "app/cli.h"

#include <boost/program_options.hpp>
#include <sstream>

namespace seqtrain::app {
namespace po = boost::program_options;
namespace {

const char* kUsage =
    "usage: seqtrain <command> [options]\n"
    "\n"
    "commands:\n"
    "  train    train the LSTM classifier (run under mpirun for data parallelism)\n"
    "  help     show this text; `seqtrain <command> --help` shows a command's options\n";

CliRequest ParseTrain(const std::vector<std::string>& args) {
  CliRequest request;
  request.command = CliRequest::Command::kTrain;
  train::RunConfig& c = request.train.config;
  int64_t seed = static_cast<int64_t>(c.seed);
  po::options_description opts("seqtrain train [options]");
  // clang-format off
  opts.add_options()
      ("help,h", "show this help")
      ("data-dir", po::value(&c.data.dir), "folder holding the four MNIST IDX files (.gz or plain)")
      ("epochs", po::value(&c.schedule.epochs)->default_value(c.schedule.epochs), "passes over the training set")
      ("max-steps", po::value(&c.schedule.max_steps)->default_value(c.schedule.max_steps), "> 0: train exactly this many steps, overriding --epochs")
      ("batch-size", po::value(&c.schedule.batch_size)->default_value(c.schedule.batch_size), "global batch size, split over all ranks")
      ("lr", po::value(&c.optimizer.learning_rate)->default_value(c.optimizer.learning_rate), "Adam learning rate")
      ("hidden-size", po::value(&c.model.hidden_size)->default_value(c.model.hidden_size), "LSTM units")
      ("seed", po::value(&seed)->default_value(seed), "seed for initialization and data order")
      ("display-step", po::value(&c.schedule.display_step)->default_value(c.schedule.display_step), "print loss and accuracy every N steps")
      ("eval-every", po::value(&c.schedule.eval_every)->default_value(c.schedule.eval_every), "> 0: evaluate on the test set every N steps")
      ("metrics", po::value(&c.metrics_path), "write JSON lines of metrics to FILE (rank 0)")
      ("blas-threads", po::value(&request.train.blas_threads)->default_value(0), "OpenBLAS threads per rank (0: $OPENBLAS_NUM_THREADS, else 1)");
  // clang-format on
  std::vector<std::string> rest(args.begin() + 1, args.end());
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(rest).options(opts).positional({}).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string("train: ") + e.what() + " (see `seqtrain train --help`)");
  }
  if (vm.count("help")) {
    std::ostringstream out;
    out << opts;
    request.command = CliRequest::Command::kHelp;
    request.help_text = out.str();
    return request;
  }
  if (seed < 0) throw UsageError("train: --seed " + std::to_string(seed) + ": must not be negative");
  if (request.train.blas_threads < 0) {
    throw UsageError("train: --blas-threads " + std::to_string(request.train.blas_threads) +
                     ": must not be negative");
  }
  c.seed = static_cast<uint64_t>(seed);
  return request;
}

}  // namespace

CliRequest ParseCommandLine(const std::vector<std::string>& args) {
  CliRequest request;
  request.help_text = kUsage;
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") return request;
  if (args[0] == "train") return ParseTrain(args);
  throw UsageError("unknown command '" + args[0] + "' (commands: train, help)");
}

}  // namespace seqtrain::app
