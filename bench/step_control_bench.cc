// The cost of reducing a step's control (train::StepControl, 7 doubles) in its own
// allreduce after the gradient's, against the former single allreduce of the
// gradient with 6 float slots appended. Both variants alternate in one run, so
// the machine's load falls on both alike. Run under mpirun:
//   mpirun -np 2 build/bench/step_control_bench [PARAMS] [ITERATIONS]
// PARAMS defaults to the reference model's 81674 parameters.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "dist/communicator.h"
#include "train/step_control.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    const size_t params = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 81674;
    const int iterations = argc > 2 ? std::atoi(argv[2]) : 2000;
    seqtrain::dist::Communicator comm(MPI_COMM_WORLD);
    std::vector<float> grads(params + seqtrain::train::StepControl::kSlots, 1.0f);
    seqtrain::train::StepControl control;
    control.sample_count = 64;
    std::vector<double> fused, separate;
    using Clock = std::chrono::steady_clock;
    for (int i = 0; i < iterations + 100; ++i) {
      MPI_Barrier(MPI_COMM_WORLD);
      const auto a = Clock::now();
      comm.AllreduceSum(grads.data(), params + seqtrain::train::StepControl::kSlots);
      const auto b = Clock::now();
      MPI_Barrier(MPI_COMM_WORLD);
      const auto c = Clock::now();
      comm.AllreduceSum(grads.data(), params);
      const seqtrain::train::StepControl all = control.SumOverRanks(comm);
      const auto d = Clock::now();
      if (all.sample_count != 64.0 * comm.size()) std::abort();
      if (i < 100) continue;  // warm-up
      fused.push_back(std::chrono::duration<double, std::micro>(b - a).count());
      separate.push_back(std::chrono::duration<double, std::micro>(d - c).count());
    }
    if (comm.is_root()) {
      const double f = Median(fused), s = Median(separate);
      std::printf(
          "ranks %d, %zu parameters, %d iterations (median us): one allreduce with 6 float "
          "slots %.1f; gradient + StepControl allreduce %.1f; extra %.1f us (%.2fx)\n",
          comm.size(), params, iterations, f, s, s - f, s / f);
    }
  }
  MPI_Finalize();
  return 0;
}
