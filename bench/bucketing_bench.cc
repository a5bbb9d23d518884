// Length-bucketed batches (data.bucket_window) against plain shuffled batches on a length-skewed
// set, side by side in one run: the same trainer, model and data, the two orders alternating in
// each repetition so the machine's load falls on both alike. Run under mpirun:
//   mpirun -np 2 build/bench/bucketing_bench [STEPS] [REPS] [WINDOW] [MAX_LENGTH]
// The set: 8192 sequences of 8 inputs, lengths 1..MAX_LENGTH (default 200) skewed short (a
// length is 1 + (MAX_LENGTH - 1) u^3 for u uniform in [0, 1): median ~25, mean ~50); LSTM 128,
// global batch 128. Prints one JSON line per run and the medians with their ratio.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "data/data_source.h"
#include "dist/communicator.h"
#include "train/epoch_order.h"
#include "train/trainer.h"
#include "util/rng.h"

namespace {

using seqtrain::Rng;

// Sample i: its class lights input (class % inputs) over noise at each of its steps.
class SkewedLengths final : public seqtrain::data::DataSource {
 public:
  SkewedLengths(int64_t count, int steps, uint64_t seed) : steps_(steps), seed_(seed) {
    Rng rng(seed);
    lengths_.resize(static_cast<size_t>(count));
    for (int32_t& l : lengths_) {
      const double u = rng.Uniform01();
      l = 1 + static_cast<int32_t>((steps - 1) * u * u * u);
    }
  }
  int64_t count() const override { return static_cast<int64_t>(lengths_.size()); }
  int steps() const override { return steps_; }
  int inputs() const override { return kInputs; }
  int num_classes() const override { return kClasses; }
  bool variable_length() const override { return true; }
  int length(int64_t index) const override { return lengths_[static_cast<size_t>(index)]; }
  int Read(int64_t index, float* sequence,
           const seqtrain::data::TargetsOut& targets) const override {
    Rng rng(seqtrain::DeriveSeed(seed_, 1, static_cast<uint64_t>(index)));
    const int length = lengths_[static_cast<size_t>(index)];
    const auto target = static_cast<int32_t>(rng.Below(kClasses));
    targets.classes[0] = target;
    std::fill_n(sequence, static_cast<size_t>(steps_) * kInputs, 0.0f);
    for (int t = 0; t < length; ++t) {
      for (int j = 0; j < kInputs; ++j)
        sequence[t * kInputs + j] = static_cast<float>(rng.Uniform(-0.1, 0.1));
      sequence[t * kInputs + target % kInputs] += 1.0f;
    }
    return length;
  }
  seqtrain::data::SetFacts Facts() const override {
    seqtrain::data::SetFacts f;
    f.count = count();
    f.shape[0] = steps_;
    f.shape[1] = kInputs;
    return f;
  }
  const std::vector<int32_t>& lengths() const { return lengths_; }

 private:
  static constexpr int kInputs = 8, kClasses = 10;
  int steps_;
  uint64_t seed_;
  std::vector<int32_t> lengths_;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Mean over the epoch's batches of the steps a batch runs (its longest length).
double MeanStepsRun(const SkewedLengths& set, const seqtrain::TrainConfig& config) {
  const std::vector<int64_t> order = seqtrain::train::MakeEpochOrder(
      set.count(), 0, seqtrain::train::EpochOrderSpecOf(config), set.lengths());
  const int64_t batch = config.schedule().batch_size();
  double total = 0;
  int64_t batches = 0;
  for (int64_t b = 0; b < set.count(); b += batch, ++batches) {
    int32_t longest = 0;
    for (int64_t i = b; i < std::min(set.count(), b + batch); ++i)
      longest =
          std::max(longest, set.lengths()[static_cast<size_t>(order[static_cast<size_t>(i)])]);
    total += longest;
  }
  return total / static_cast<double>(batches);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    const int64_t steps = argc > 1 ? std::atoll(argv[1]) : 64;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 3;
    const int64_t window = argc > 3 ? std::atoll(argv[3]) : 16;
    const int max_length = argc > 4 ? std::atoi(argv[4]) : 200;
    seqtrain::dist::Communicator comm(MPI_COMM_WORLD);
    const SkewedLengths train(8192, max_length, 1), test(64, max_length, 2);
    seqtrain::TrainConfig config;
    config.mutable_data()->set_dir("generated");
    seqtrain::ModelConfig& m = *config.mutable_model();
    m.set_time_steps(max_length);
    m.set_input_size(8);
    m.set_hidden_size(128);
    m.set_num_classes(10);
    config.mutable_schedule()->set_batch_size(128);
    config.mutable_schedule()->set_max_steps(steps);
    config.mutable_schedule()->set_display_step(1 << 30);
    std::vector<double> rate[2];
    for (int r = 0; r < reps; ++r) {
      for (int bucketed = 0; bucketed < 2; ++bucketed) {
        config.mutable_data()->set_bucket_window(bucketed ? window : 0);
        seqtrain::train::Trainer trainer(config, comm, train, test);
        seqtrain::train::MetricsLog quiet(false, "");
        const seqtrain::train::TrainResult result = trainer.Run(quiet);
        rate[bucketed].push_back(result.samples_per_sec);
        if (comm.is_root()) {
          std::printf(
              "{\"rep\":%d,\"bucket_window\":%lld,\"steps\":%lld,\"ranks\":%d,"
              "\"samples_per_sec\":%.1f,\"mean_steps_run_per_batch\":%.1f}\n",
              r + 1, static_cast<long long>(bucketed ? window : 0), static_cast<long long>(steps),
              comm.size(), result.samples_per_sec, MeanStepsRun(train, config));
          std::fflush(stdout);
        }
      }
    }
    if (comm.is_root()) {
      const double plain = Median(rate[0]), bucketed = Median(rate[1]);
      std::printf(
          "length-skewed set (lengths 1..%d, mean %.1f), %d ranks, %lld steps x %d reps: "
          "plain %.0f samples/s, bucket_window %lld %.0f samples/s (median): %.2fx\n",
          max_length,
          [&] {
            double s = 0;
            for (int32_t l : train.lengths()) s += l;
            return s / static_cast<double>(train.count());
          }(),
          comm.size(), static_cast<long long>(steps), reps, plain, static_cast<long long>(window),
          bucketed, bucketed / plain);
    }
  }
  MPI_Finalize();
  return 0;
}
