#include <memory>
#include <sstream>

#include "app/commands.h"
#include "app/data_loading.h"
#include "checkpoint/checkpoint_file.h"
#include "checkpoint/shared_load.h"
#include "config/config_convert.h"
#include "dist/agreement.h"
#include "dist/watchdog.h"
#include "simd/simd_target.h"
#include "train/stop_signal.h"
#include "train/trainer.h"

namespace seqtrain::app {
namespace {

std::string Describe(const train::RunConfig& c, const dist::Communicator& comm,
                     const train::Trainer& trainer, int blas_threads) {
  std::ostringstream out;
  const auto& m = c.model;
  out << "seqtrain: " << comm.size() << (comm.size() == 1 ? " rank" : " ranks") << " x "
      << blas_threads << " BLAS thread" << (blas_threads == 1 ? "" : "s") << "; model "
      << m.time_steps << " steps x " << m.input_size << " inputs -> LSTM " << m.hidden_size;
  if (m.num_layers > 1) out << " x " << m.num_layers << " layers";
  out << " -> " << m.num_classes << " classes (" << trainer.model().num_params()
      << " parameters); global batch " << c.schedule.batch_size << ", steps " << trainer.step()
      << " -> " << trainer.final_step() << " (" << trainer.steps_per_epoch() << " per epoch)";
  return out.str();
}

}  // namespace

int RunTrain(const TrainRequest& request, dist::Communicator& comm) {
  train::InstallStopHandlers();  // a stop during start-up ends it with a word, not silently
  const int blas_threads = ConfigureBlasThreads(request.blas_threads, comm);
  train::RunConfig config;
  dist::RunAgreed(comm, [&] {
    config = config::LoadRunConfig(request.config_path, request.overrides, comm.size());
    if (request.resume == "auto" && config.checkpoint.dir.empty()) {
      throw Error("--resume auto: checkpoint.dir is not set (use --checkpoint-dir DIR)");
    }
  });

  // From here on a rank stuck in a collective ends the job instead of hanging it.
  dist::Watchdog watchdog(config.failure.collective_timeout_seconds, comm.rank());
  comm.set_watchdog(&watchdog);

  // Before the data is read, so a refused start is refused at once.
  checkpoint::StartRequest start_request;
  start_request.dir = config.checkpoint.dir;
  start_request.resume = request.resume;
  start_request.lineage = request.resume_lineage;
  start_request.new_lineage = request.new_lineage;
  const checkpoint::Start start = checkpoint::PrepareStart(comm, start_request);

  const LoadedData data = LoadOnEveryRank(comm, TrainingDataOf(config));
  const data::LabeledImages &train_set = data.train, &test_set = data.test;

  std::unique_ptr<train::MetricsLog> log;
  std::unique_ptr<train::Trainer> trainer;
  dist::RunAgreed(comm, [&] {
    trainer = std::make_unique<train::Trainer>(config, comm, train_set, test_set);
    if (comm.is_root() && !config.checkpoint.dir.empty()) checkpoint::EnsureDirectory(config.checkpoint.dir);
    train::MetricsOutputs outputs;
    outputs.jsonl_path = config.metrics_path;
    outputs.tensorboard_dir = config.tensorboard_dir;
    outputs.learning_rate = config.optimizer.learning_rate;
    log = std::make_unique<train::MetricsLog>(comm.is_root(), outputs);
  });
  log->Info("seqtrain: effective config:\n" + config::ToText(config::ToProto(config)));
  for (const std::string& note : data.notes) log->Info(note);

  trainer->set_lineage(start.lineage);
  if (!start.note.empty()) log->Info(start.note);
  if (const auto& loaded = start.resume_from) {
    dist::RunAgreed(comm, [&] { trainer->Restore(loaded->checkpoint, loaded->path); });
    if (loaded->checkpoint.config().seed() != config.seed) {
      log->Info("seqtrain: warning: the checkpoint was trained with seed " +
                std::to_string(loaded->checkpoint.config().seed()) + ", this run uses " +
                std::to_string(config.seed) + ": the data order changes from here");
    }
    log->Info("Resumed from " + loaded->path + " (step " + std::to_string(loaded->checkpoint.global_step()) +
              ", saved by " + std::to_string(loaded->checkpoint.world_size()) + " ranks)");
  }
  log->Info(Describe(config, comm, *trainer, blas_threads));
  log->Info("seqtrain: " + simd::TargetSummary());
  log->BeginRun(trainer->step(), trainer->final_step(), trainer->steps_per_epoch());
  const train::TrainResult result = trainer->Run(*log);
  comm.set_watchdog(nullptr);
  return result.stopped_by_signal ? kExitStopped : kExitOk;
}

}  // namespace seqtrain::app
