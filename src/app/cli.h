// Command line: `seqtrain <command> [options]`. Parsing is identical on every
// rank (same argv), so a usage error ends every rank the same way.
#pragma once

#include <string>
#include <vector>

#include "train/run_config.h"
#include "util/error.h"

namespace seqtrain::app {

// A bad flag or value: main() exits with kExitUsage.
class UsageError : public Error {
 public:
  using Error::Error;
};

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct TrainRequest {
  train::RunConfig config;
  int blas_threads = 0;  // 0: OPENBLAS_NUM_THREADS if set, else 1 per rank
};

struct CliRequest {
  enum class Command { kHelp, kTrain };
  Command command = Command::kHelp;
  std::string help_text;  // what to print for kHelp
  TrainRequest train;
};

CliRequest ParseCommandLine(const std::vector<std::string>& args);

}  // namespace seqtrain::app
