#include "dist/communicator.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>

#include "dist/watchdog.h"
#include "util/error.h"

namespace seqtrain::dist {
namespace {
// MPI counts are int; split larger buffers into pieces.
constexpr size_t kMaxChunk = static_cast<size_t>(INT_MAX);

void Check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error(std::string("MPI call failed: ") + what);
}

// Runs call(data + done, n) over pieces of at most kMaxChunk elements.
template <class T, class Call>
void InChunks(T* data, size_t count, const char* what, Call call) {
  for (size_t done = 0; done < count; done += kMaxChunk) {
    Check(call(data + done, static_cast<int>(std::min(kMaxChunk, count - done))), what);
  }
}
}  // namespace

// Brackets a collective for the watchdog.
class Communicator::Timed {
 public:
  Timed(const Communicator& comm, const char* operation) : watchdog_(comm.watchdog_) {
    if (watchdog_) watchdog_->Enter(operation, comm.step_);
  }
  ~Timed() {
    if (watchdog_) watchdog_->Leave();
  }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  Watchdog* watchdog_;
};

Communicator::Communicator(MPI_Comm comm) : comm_(comm) {
  Check(MPI_Comm_rank(comm, &rank_), "MPI_Comm_rank");
  Check(MPI_Comm_size(comm, &size_), "MPI_Comm_size");
}

void Communicator::AllreduceSum(float* data, size_t count) {
  Timed timed(*this, "MPI_Allreduce (gradients)");
  InChunks(data, count, "MPI_Allreduce", [&](float* piece, int n) {
    return MPI_Allreduce(MPI_IN_PLACE, piece, n, MPI_FLOAT, MPI_SUM, comm_);
  });
}

void Communicator::AllreduceSum(double* data, size_t count, const char* purpose) {
  Timed timed(*this, purpose);
  InChunks(data, count, "MPI_Allreduce", [&](double* piece, int n) {
    return MPI_Allreduce(MPI_IN_PLACE, piece, n, MPI_DOUBLE, MPI_SUM, comm_);
  });
}

void Communicator::Broadcast(float* data, size_t count, int root) {
  Timed timed(*this, "MPI_Bcast (parameters)");
  InChunks(data, count, "MPI_Bcast",
           [&](float* piece, int n) { return MPI_Bcast(piece, n, MPI_FLOAT, root, comm_); });
}

void Communicator::BroadcastBytes(std::string* bytes, int root) {
  Timed timed(*this, "MPI_Bcast (checkpoint)");
  uint64_t size = bytes->size();
  Check(MPI_Bcast(&size, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast");
  bytes->resize(static_cast<size_t>(size));
  InChunks(bytes->data(), bytes->size(), "MPI_Bcast",
           [&](char* piece, int n) { return MPI_Bcast(piece, n, MPI_CHAR, root, comm_); });
}

int Communicator::FirstFailingRank(bool ok) {
  Timed timed(*this, "MPI_Allreduce (agreement)");
  int mine = ok ? INT_MAX : rank_;
  int first = INT_MAX;
  Check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm_), "MPI_Allreduce");
  return first == INT_MAX ? -1 : first;
}

std::vector<uint64_t> Communicator::AllGather(uint64_t value) {
  Timed timed(*this, "MPI_Allgather");
  std::vector<uint64_t> all(static_cast<size_t>(size_));
  Check(MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, comm_),
        "MPI_Allgather");
  return all;
}

std::vector<uint8_t> Communicator::AllGatherBytes(const void* record, size_t bytes,
                                                  const char* purpose) {
  Timed timed(*this, purpose);
  SEQ_CHECK(bytes <= kMaxChunk);
  std::vector<uint8_t> all(bytes * static_cast<size_t>(size_));
  const int n = static_cast<int>(bytes);
  Check(MPI_Allgather(record, n, MPI_BYTE, all.data(), n, MPI_BYTE, comm_), "MPI_Allgather");
  return all;
}

int Communicator::RanksOnThisNode() {
  Timed timed(*this, "MPI_Comm_split_type (node)");
  MPI_Comm node;
  Check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
        "MPI_Comm_split_type");
  int size = 1;
  const int rc = MPI_Comm_size(node, &size);
  MPI_Comm_free(&node);
  Check(rc, "MPI_Comm_size");
  return size;
}

void Communicator::Abort(int exit_code) {
  MPI_Abort(comm_, exit_code);
  std::abort();  // MPI_Abort does not return; this satisfies [[noreturn]]
}

std::string MpiLibraryVersion() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = "";
  int length = 0;
  if (MPI_Get_library_version(text, &length) != MPI_SUCCESS) return "unknown MPI library";
  // MPICH's spans lines; Open MPI's ends in one.
  std::string line;
  for (const char c : std::string(text, static_cast<size_t>(std::max(length, 0)))) {
    if (c == '\n' || c == '\r' || c == '\t' || c == '\0') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace seqtrain::dist
