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
#include "train/batch_targets.h"
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
    std::fprintf(stderr,
                 "seqtrain: fault: rank %d (pid %d) paused in data loading until a stop signal "
                 "(SEQTRAIN_FAULT)\n",
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

std::unique_ptr<data::DataSource> LoadSet(const char* role, data::Split split,
                                          const DataRequest& request, StopCheck& stop,
                                          LoadResult* result) {
  data::OpenRequest open;
  open.config = request.config;
  open.split = split;
  open.steps = request.steps;
  open.inputs = request.inputs;
  open.num_classes = request.num_classes;
  open.targets = request.targets;
  open.stop_requested = [&stop] { return stop(); };
  open.notes = &result->data.notes;
  std::unique_ptr<data::DataSource> set = data::OpenDataSource(open);
  data::SetFacts facts = set->Facts();
  facts.role = role;
  result->outcome.sets.push_back(std::move(facts));
  return set;
}

LoadResult Load(const DataRequest& request, StopCheck& stop) {
  LoadResult result;
  try {
    if (request.with_train)
      result.data.train = LoadSet("training set", data::Split::kTrain, request, stop, &result);
    result.data.test = LoadSet("test set", data::Split::kTest, request, stop, &result);
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
  return config.SerializeAsString() == o.config.SerializeAsString() && with_train == o.with_train &&
         steps == o.steps && inputs == o.inputs && num_classes == o.num_classes &&
         targets == o.targets;
}

DataRequest TrainingDataOf(const TrainConfig& config) {
  DataRequest r = TestDataOf(config);
  r.with_train = true;
  return r;
}

DataRequest TestDataOf(const TrainConfig& config) {
  DataRequest r;
  r.config = config.data();
  r.steps = config.model().time_steps();
  r.inputs = config.model().input_size();
  r.num_classes = config.model().num_classes();
  r.targets = train::TargetSpecOf(config.model());
  return r;
}

void StartDataPrefetch(const TrainRequest& train) {
  DataRequest request;
  try {
    // World size 1: the real check, after MPI_Init, reports a batch smaller than the ranks.
    request = TrainingDataOf(config::LoadTrainConfig(train.config_path, train.overrides, 1));
  } catch (const std::exception&) {
    return;
  }
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
