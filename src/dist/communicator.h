// The only place that calls MPI. Wraps a communicator the caller owns.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <string>

namespace seqtrain::dist {

class Communicator {
 public:
  explicit Communicator(MPI_Comm comm);

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  void AllreduceSum(float* data, size_t count);
  void AllreduceSum(double* data, size_t count);
  void Broadcast(float* data, size_t count, int root);
  // Resizes bytes on the other ranks to root's size and fills it.
  void BroadcastBytes(std::string* bytes, int root);
  // The lowest rank that passed ok == false, or -1 when every rank passed true.
  int FirstFailingRank(bool ok);
  [[noreturn]] void Abort(int exit_code);

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace seqtrain::dist
