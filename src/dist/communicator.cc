#include "dist/communicator.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>

#include "util/error.h"

namespace seqtrain::dist {
namespace {
// MPI counts are int; split larger buffers into pieces.
constexpr size_t kMaxChunk = static_cast<size_t>(INT_MAX);

void Check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error(std::string("MPI call failed: ") + what);
}
}  // namespace

Communicator::Communicator(MPI_Comm comm) : comm_(comm) {
  Check(MPI_Comm_rank(comm, &rank_), "MPI_Comm_rank");
  Check(MPI_Comm_size(comm, &size_), "MPI_Comm_size");
}

void Communicator::AllreduceSum(float* data, size_t count) {
  for (size_t done = 0; done < count; done += kMaxChunk) {
    const int n = static_cast<int>(std::min(kMaxChunk, count - done));
    Check(MPI_Allreduce(MPI_IN_PLACE, data + done, n, MPI_FLOAT, MPI_SUM, comm_), "MPI_Allreduce");
  }
}

void Communicator::AllreduceSum(double* data, size_t count) {
  for (size_t done = 0; done < count; done += kMaxChunk) {
    const int n = static_cast<int>(std::min(kMaxChunk, count - done));
    Check(MPI_Allreduce(MPI_IN_PLACE, data + done, n, MPI_DOUBLE, MPI_SUM, comm_), "MPI_Allreduce");
  }
}

void Communicator::Broadcast(float* data, size_t count, int root) {
  for (size_t done = 0; done < count; done += kMaxChunk) {
    const int n = static_cast<int>(std::min(kMaxChunk, count - done));
    Check(MPI_Bcast(data + done, n, MPI_FLOAT, root, comm_), "MPI_Bcast");
  }
}

void Communicator::BroadcastBytes(std::string* bytes, int root) {
  uint64_t size = bytes->size();
  Check(MPI_Bcast(&size, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast");
  bytes->resize(static_cast<size_t>(size));
  for (size_t done = 0; done < size; done += kMaxChunk) {
    const int n = static_cast<int>(std::min<size_t>(kMaxChunk, size - done));
    Check(MPI_Bcast(bytes->data() + done, n, MPI_CHAR, root, comm_), "MPI_Bcast");
  }
}

int Communicator::FirstFailingRank(bool ok) {
  int mine = ok ? INT_MAX : rank_;
  int first = INT_MAX;
  Check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm_), "MPI_Allreduce");
  return first == INT_MAX ? -1 : first;
}

void Communicator::Abort(int exit_code) {
  MPI_Abort(comm_, exit_code);
  std::abort();  // MPI_Abort does not return; this satisfies [[noreturn]]
}

}  // namespace seqtrain::dist
