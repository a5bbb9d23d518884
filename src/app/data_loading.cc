#include "app/data_loading.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "app/cli.h"
#include "config/data_path.h"
#include "train/stop_signal.h"
#include "util/error.h"
#include "util/fault_injection.h"

namespace seqtrain::app {
namespace {

// What LoadOptions::stop_requested asks, shared by the prefetch thread and
// the main thread, which tells it the rank once MPI knows it.
class StopCheck {
 public:
  StopCheck() {
    try {
      faults_ = FaultPlan::FromEnvironment();
    } catch (const Error&) {
      // The trainer reports a malformed SEQTRAIN_FAULT.
    }
  }

  void set_rank(int rank) { rank_ = rank; }
  void Cancel() { cancelled_ = true; }

  bool operator()() {
    if (!hook_checked_ && faults_.HasAny(FaultPlan::Kind::kHangInLoading)) {
      hook_checked_ = true;
      PauseIfInjected();
    }
    return cancelled_ || train::StopSignalReceived() != 0;
  }

 private:
  void PauseIfInjected() {
    // The main thread passes the rank on when it takes the prefetch.
    while (rank_ < 0 && !cancelled_ && train::StopSignalReceived() == 0) Sleep();
    if (rank_ < 0 || !faults_.Has(FaultPlan::Kind::kHangInLoading, 0, rank_)) return;
    std::fprintf(
        stderr,
        "seqtrain: fault: rank %d (pid %d) paused in data loading until a stop signal (SEQTRAIN_FAULT)\n",
        rank_.load(), static_cast<int>(::getpid()));
    std::fflush(stderr);
    while (!cancelled_ && train::StopSignalReceived() == 0) Sleep();
  }
  static void Sleep() { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }

  FaultPlan faults_;
  bool hook_checked_ = false;
  std::atomic<int> rank_{-1};
  std::atomic<bool> cancelled_{false};
};

struct LoadResult {
  data::LoadOutcome outcome;
  LoadedData data;
  std::exception_ptr unexpected;  // not a seqtrain::Error: rethrown on the main thread
};

void LoadSet(const char* role, const std::string& images, const std::string& labels,
             const DataRequest& request, const data::LoadOptions& options, data::LabeledImages* set,
             LoadResult* result) {
  data::LoadReport report;
  *set = data::LoadLabeledImages(images, labels, request.num_classes, options, &report);
  result->outcome.sets.push_back(data::FactsOf(role, images, labels, *set, report));
  if (!report.cache_problem.empty()) {
    result->data.notes.push_back("seqtrain: note: no cache of the decoded images (" + report.cache_problem +
                                 "): every start decompresses " + images);
  }
}

LoadResult Load(const DataRequest& request, StopCheck& stop) {
  LoadResult result;
  data::LoadOptions options;
  options.use_cache = request.use_cache;
  options.stop_requested = [&stop] { return stop(); };
  try {
    if (!request.train_images.empty()) {
      LoadSet("training set", request.train_images, request.train_labels, request, options,
              &result.data.train, &result);
    }
    LoadSet("test set", request.test_images, request.test_labels, request, options, &result.data.test,
            &result);
  } catch (const data::LoadStopped&) {
    result.outcome.status = data::LoadOutcome::Status::kStopped;
    result.outcome.signal = train::StopSignalReceived();
  } catch (const Error& e) {
    result.outcome.status = data::LoadOutcome::Status::kFailed;
    result.outcome.error = e.what();
  } catch (...) {
    result.unexpected = std::current_exception();
  }
  return result;
}

struct Prefetch {
  DataRequest request;
  StopCheck stop;
  LoadResult result;
  std::thread thread;

  // Also when the process exits without taking it (MPI_Abort runs static destructors).
  ~Prefetch() {
    if (!thread.joinable()) return;
    stop.Cancel();
    thread.join();
  }
};

std::mutex g_prefetch_mutex;
std::unique_ptr<Prefetch> g_prefetch;

std::unique_ptr<Prefetch> TakePrefetch() {
  std::lock_guard<std::mutex> lock(g_prefetch_mutex);
  return std::move(g_prefetch);
}

}  // namespace

bool DataRequest::operator==(const DataRequest& o) const {
  return train_images == o.train_images && train_labels == o.train_labels && test_images == o.test_images &&
         test_labels == o.test_labels && num_classes == o.num_classes && use_cache == o.use_cache;
}

DataRequest TrainingDataOf(const TrainConfig& config) {
  DataRequest r = TestDataOf(config);
  const DataConfig& d = config.data();
  r.train_images = config::PathOf(d, d.train_images());
  r.train_labels = config::PathOf(d, d.train_labels());
  return r;
}

DataRequest TestDataOf(const TrainConfig& config) {
  DataRequest r;
  const DataConfig& d = config.data();
  r.test_images = config::PathOf(d, d.test_images());
  r.test_labels = config::PathOf(d, d.test_labels());
  r.num_classes = config.model().num_classes();
  r.use_cache = d.cache();
  return r;
}

void StartDataPrefetch(int argc, char** argv) {
  DataRequest request;
  try {
    const CliRequest cli = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
    if (cli.command != CliRequest::Command::kTrain) return;
    // World size 1: the real check, after MPI_Init, reports a batch smaller than the ranks.
    request = TrainingDataOf(config::LoadTrainConfig(cli.train.config_path, cli.train.overrides, 1));
  } catch (const std::exception&) {
    return;
  }
  train::InstallStopHandlers();
  auto prefetch = std::make_unique<Prefetch>();
  prefetch->request = request;
  Prefetch* p = prefetch.get();
  p->thread = std::thread([p] { p->result = Load(p->request, p->stop); });
  std::lock_guard<std::mutex> lock(g_prefetch_mutex);
  g_prefetch = std::move(prefetch);
}

void StopDataPrefetch() { TakePrefetch().reset(); }

LoadedData LoadOnEveryRank(dist::Communicator& comm, const DataRequest& request) {
  LoadResult result;
  std::unique_ptr<Prefetch> prefetch = TakePrefetch();
  if (prefetch && prefetch->request == request) {
    prefetch->stop.set_rank(comm.rank());
    prefetch->thread.join();
    result = std::move(prefetch->result);
  } else {
    prefetch.reset();
    StopCheck stop;
    stop.set_rank(comm.rank());
    result = Load(request, stop);
  }
  if (result.unexpected) std::rethrow_exception(result.unexpected);
  data::AgreeOnData(comm, result.outcome, kExitStopped);
  return std::move(result.data);
}

}  // namespace seqtrain::app
