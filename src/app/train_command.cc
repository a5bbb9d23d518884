#include <cstdlib>
#include <memory>
#include <sstream>

#include "app/commands.h"
#include "app/data_loading.h"
#include "checkpoint/checkpoint_file.h"
#include "checkpoint/shared_load.h"
#include "dist/agreement.h"
#include "dist/watchdog.h"
#include "export/init_weights.h"
#include "simd/simd_target.h"
#include "tensor/blas.h"
#include "tensor/blas_kernel_class.h"
#include "train/build_info.h"
#include "train/memory_preflight.h"
#include "train/stop_signal.h"
#include "train/trainer.h"
#include "util/node_memory.h"

namespace seqtrain::app {
namespace {

std::string Describe(const TrainConfig& c, const dist::Communicator& comm,
                     const train::Trainer& trainer, int blas_threads,
                     const train::MemoryEstimate& memory) {
  std::ostringstream out;
  const auto& m = c.model();
  out << "seqtrain: " << comm.size() << (comm.size() == 1 ? " rank" : " ranks") << " x "
      << blas_threads << " BLAS thread" << (blas_threads == 1 ? "" : "s") << "; model "
      << m.time_steps() << " steps x " << m.input_size() << " inputs -> LSTM " << m.hidden_size();
  if (m.num_layers() > 1) out << " x " << m.num_layers() << " layers";
  out << " -> " << m.num_classes() << " classes (" << trainer.model().num_params()
      << " parameters); global batch " << c.schedule().batch_size() << ", steps " << trainer.step()
      << " -> " << trainer.final_step() << " (" << trainer.steps_per_epoch()
      << " per epoch); memory " << train::FormatBytes(memory.total()) << " per rank (estimated)";
  return out.str();
}

// init_from applies to a fresh start. A resume continues the checkpoint's weights, so it must
// come from the same init_from (a requeued job passes the same flags); anything else is refused.
void StartFromInitialWeights(const TrainConfig& config, const checkpoint::Start& start,
                             dist::Communicator& comm, train::Trainer& trainer,
                             train::MetricsLog& log) {
  const std::string& path = config.init_from();
  if (path.empty()) return;
  if (const auto& loaded = start.resume_from) {
    const std::string& started_from = loaded->checkpoint.config().init_from();
    if (started_from != path) {
      throw AgreedError(
          "--init-from " + path + ": the run resumes from " + loaded->path + ", which " +
          (started_from.empty() ? std::string("drew its initial weights from its seed")
                                : "started from " + started_from) +
          "; drop --init-from to resume it, or start a new lineage with "
          "--new-lineage");
    }
    log.Info("seqtrain: init_from " + path + " was this lineage's start; resuming its checkpoint");
    return;
  }
  exporting::LoadInitialWeights(comm, path, config.model(), trainer.model().params());
  log.Info("seqtrain: initial weights from " + path);
}

}  // namespace

int RunTrain(const TrainRequest& request, dist::Communicator& comm) {
  // From the start, so a stop signal while loading is not fatal (SIGUSR1's default) but is
  // seen and agreed before the first step.
  train::InstallStopHandlers();
  const int blas_threads = ConfigureBlasThreads(request.blas_threads, comm);
  TrainConfig config;
  dist::RunAgreed(comm, [&] {
    config = config::LoadTrainConfig(request.config_path, request.overrides, comm.size());
    if (request.resume == "auto" && config.checkpoint().dir().empty()) {
      throw Error("--resume auto: checkpoint.dir is not set (use --checkpoint-dir DIR)");
    }
  });

  // From here on a rank stuck in a collective ends the job instead of hanging it.
  dist::WatchdogLimits limits;
  limits.enabled = config.failure().watchdog();
  limits.fixed_seconds = config.failure().collective_timeout_seconds();
  limits.startup_seconds = config.failure().startup_timeout_seconds();
  dist::Watchdog watchdog(limits, comm.rank(), comm.size());
  comm.set_watchdog(&watchdog);

  // Before the data is read, so a refused start is refused at once.
  checkpoint::StartRequest start_request;
  start_request.dir = config.checkpoint().dir();
  start_request.resume = request.resume;
  start_request.lineage = request.resume_lineage;
  start_request.new_lineage = request.new_lineage;
  const checkpoint::Start start = checkpoint::PrepareStart(comm, start_request);

  const LoadedData data = LoadOnEveryRank(comm, TrainingDataOf(config));
  const data::DataSource &train_set = *data.train, &test_set = *data.test;

  // Before the model exists: a run that cannot fit is refused now, with the sizes, rather
  // than ending in std::bad_alloc partway through.
  const int ranks_on_node = comm.RanksOnThisNode();
  train::MemoryEstimate memory;
  dist::RunAgreed(comm, [&] {
    memory = train::EstimateTrainingMemory(config, comm.size(), train_set.count(), test_set.count(),
                                           static_cast<double>(CurrentRssBytes()));
    const MemoryRoom room = AvailableMemory();
    train::CheckMemoryFits(memory, config, comm.size(), ranks_on_node, room.shared_bytes,
                           room.shared_source, room.own_bytes);
  });

  std::unique_ptr<train::MetricsLog> log;
  std::unique_ptr<train::Trainer> trainer;
  dist::RunAgreed(comm, [&] {
    trainer = std::make_unique<train::Trainer>(config, comm, train_set, test_set);
    const std::string& checkpoint_dir = config.checkpoint().dir();
    if (comm.is_root() && !checkpoint_dir.empty()) checkpoint::EnsureDirectory(checkpoint_dir);
    train::MetricsOutputs outputs;
    outputs.jsonl_path = config.logging().metrics_path();
    outputs.tensorboard_dir = config.logging().tensorboard_dir();
    outputs.learning_rate = config.optimizer().learning_rate();
    log = std::make_unique<train::MetricsLog>(comm.is_root(), outputs);
  });
  log->Info("seqtrain: effective config:\n" + config::ToText(config));
  for (const std::string& note : data.notes) log->Info(note);

  StartFromInitialWeights(config, start, comm, *trainer, *log);
  trainer->set_lineage(start.lineage);
  if (!start.note.empty()) log->Info(start.note);
  if (const auto& loaded = start.resume_from) {
    dist::RunAgreed(comm, [&] { trainer->Restore(loaded->checkpoint, loaded->path); });
    if (loaded->checkpoint.config().seed() != config.seed()) {
      log->Info("seqtrain: warning: the checkpoint was trained with seed " +
                std::to_string(loaded->checkpoint.config().seed()) + ", this run uses " +
                std::to_string(config.seed()) + ": the data order changes from here");
    }
    log->Info("Resumed from " + loaded->path + " (step " +
              std::to_string(loaded->checkpoint.global_step()) + ", saved by " +
              std::to_string(loaded->checkpoint.world_size()) + " ranks)");
    if (trainer->step() >= trainer->final_step()) {
      const auto& s = config.schedule();
      log->Info("seqtrain: warning: " + loaded->path + " is at step " +
                std::to_string(trainer->step()) + ", already at the end of this run (" +
                (s.max_steps() > 0 ? "schedule.max_steps = " + std::to_string(s.max_steps())
                                   : "schedule.epochs = " + std::to_string(s.epochs())) +
                "): no steps to train, only the final evaluation");
    }
  }
  log->Info(Describe(config, comm, *trainer, blas_threads, memory));
  log->Info("seqtrain: " + simd::TargetSummary());
  log->Info("seqtrain: build: " + train::BuildInfoLine(train::CurrentBuildInfo()));
  const std::string blas_note = tensor::BlasKernelNote(
      tensor::BlasCoreName(), simd::ActiveTargetName(), std::getenv("OPENBLAS_CORETYPE"));
  if (!blas_note.empty()) log->Info(blas_note);
  log->Info("seqtrain: " + watchdog.Describe());
  // One more collective, so that a stop signal received while starting (loading data or a
  // checkpoint) stops every rank here instead of after a step.
  const int first_stopped = comm.FirstFailingRank(train::StopSignalReceived() == 0);
  if (first_stopped >= 0) {
    const int here = train::StopSignalReceived();
    log->Info("Stopped before the first step: stop signal while starting on rank " +
              std::to_string(first_stopped) +
              (here ? " (signal " + std::to_string(here) + " on rank 0)" : std::string()) +
              "; nothing trained or saved" +
              (config.checkpoint().dir().empty() ? "" : ", resume with --resume auto"));
    return kExitStopped;
  }
  log->BeginRun(trainer->step(), trainer->final_step(), trainer->steps_per_epoch());
  const train::TrainResult result = trainer->Run(*log);
  comm.set_watchdog(nullptr);
  return result.stopped_by_signal ? kExitStopped : kExitOk;
}

}  // namespace seqtrain::app
