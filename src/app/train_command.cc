#include "app/train_command.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>

#include "dist/agreement.h"
#include "tensor/blas.h"
#include "train/trainer.h"

namespace seqtrain::app {
namespace {

// One OpenBLAS thread per rank by default: ranks already fill the cores, and
// oversubscribed BLAS threads make every rank slower.
int ConfigureBlasThreads(int requested) {
  if (requested > 0) return tensor::SetBlasThreads(requested);
  const char* env = std::getenv("OPENBLAS_NUM_THREADS");
  if (env && *env) return tensor::SetBlasThreads(std::max(1, std::atoi(env)));
  return tensor::SetBlasThreads(1);
}

std::string Describe(const train::RunConfig& c, const dist::Communicator& comm,
                     const train::Trainer& trainer, int blas_threads) {
  std::ostringstream out;
  const auto& m = c.model;
  out << "seqtrain: " << comm.size() << (comm.size() == 1 ? " rank" : " ranks") << " x "
      << blas_threads << " BLAS thread" << (blas_threads == 1 ? "" : "s") << "; model "
      << m.time_steps << " steps x " << m.input_size << " inputs -> LSTM " << m.hidden_size;
  if (m.num_layers > 1) out << " x " << m.num_layers << " layers";
  out << " -> " << m.num_classes << " classes (" << trainer.model().num_params()
      << " parameters)\n"
      << "seqtrain: global batch " << c.schedule.batch_size << ", " << trainer.total_steps()
      << " steps (" << trainer.steps_per_epoch() << " per epoch), Adam lr "
      << c.optimizer.learning_rate << ", seed " << c.seed << ", data " << c.data.dir;
  return out.str();
}

}  // namespace

int RunTrain(const TrainRequest& request, dist::Communicator& comm) {
  const train::RunConfig& config = request.config;
  const int blas_threads = ConfigureBlasThreads(request.blas_threads);
  if (comm.is_root() && std::strstr(tensor::BlasConfig(), "OpenBLAS") == nullptr) {
    std::fprintf(stderr, "seqtrain: warning: BLAS is not OpenBLAS (%s); expect it to be slow\n",
                 tensor::BlasConfig());
  }
  dist::RunAgreed(comm, [&] { train::Validate(config, comm.size()); });

  data::LabeledImages train_set, test_set;
  dist::RunAgreed(comm, [&] {
    const int classes = config.model.num_classes;
    train_set = data::LoadLabeledImages(config.data.PathOf(config.data.train_images),
                                        config.data.PathOf(config.data.train_labels), classes);
    test_set = data::LoadLabeledImages(config.data.PathOf(config.data.test_images),
                                       config.data.PathOf(config.data.test_labels), classes);
  });

  std::unique_ptr<train::MetricsLog> log;
  std::unique_ptr<train::Trainer> trainer;
  dist::RunAgreed(comm, [&] {
    trainer = std::make_unique<train::Trainer>(config, comm, train_set, test_set);
    log = std::make_unique<train::MetricsLog>(comm.is_root(), config.metrics_path);
  });
  log->Info(Describe(config, comm, *trainer, blas_threads));
  trainer->Run(*log);
  return kExitOk;
}

}  // namespace seqtrain::app
