// With dist/mpi_session.h, the only place that calls MPI. Wraps a communicator the caller owns.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace seqtrain::dist {

class Watchdog;

class Communicator {
 public:
  explicit Communicator(MPI_Comm comm);

  // Every collective from now on is timed by watchdog (may be null).
  void set_watchdog(Watchdog* watchdog) { watchdog_ = watchdog; }
  Watchdog* watchdog() const { return watchdog_; }
  // The training step, for the watchdog's message.
  void set_step(int64_t step) { step_ = step; }

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  void AllreduceSum(float* data, size_t count);
  // purpose (a string literal) names the collective for the watchdog.
  void AllreduceSum(double* data, size_t count, const char* purpose = "MPI_Allreduce (statistics)");
  void Broadcast(float* data, size_t count, int root);
  // Resizes bytes on the other ranks to root's size and fills it.
  void BroadcastBytes(std::string* bytes, int root);
  // The lowest rank that passed ok == false, or -1 when every rank passed true.
  int FirstFailingRank(bool ok);
  // Every rank's value, in rank order.
  std::vector<uint64_t> AllGather(uint64_t value);
  // Every rank's record of `bytes` bytes (the same size on every rank), in rank order;
  // purpose (a string literal) names the collective for the watchdog.
  std::vector<uint8_t> AllGatherBytes(const void* record, size_t bytes, const char* purpose);
  // How many ranks share this rank's node (MPI_COMM_TYPE_SHARED). Collective.
  int RanksOnThisNode();
  [[noreturn]] void Abort(int exit_code);

 private:
  class Timed;

  MPI_Comm comm_;
  Watchdog* watchdog_ = nullptr;
  int64_t step_ = 0;
  int rank_ = 0;
  int size_ = 1;
};

// MPI_Get_library_version() on one line (callable before MPI_Init).
std::string MpiLibraryVersion();

}  // namespace seqtrain::dist
