#include "dist/mpi_session.h"

#include <mpi.h>

#include <cstdlib>
#include <filesystem>

namespace seqtrain::dist {
namespace {

void PrepareMpiStartup() {
#ifdef OPEN_MPI
  if (std::getenv("OMPI_MCA_pml") != nullptr) return;
  std::error_code error;
  const std::filesystem::path rdma("/sys/class/infiniband");
  if (std::filesystem::exists(rdma, error) && !std::filesystem::is_empty(rdma, error)) return;
  setenv("OMPI_MCA_pml", "^cm", 0);
#endif
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  PrepareMpiStartup();
  MPI_Init(argc, argv);
}

MpiSession::~MpiSession() { MPI_Finalize(); }

int MpiSession::world_rank() const {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

Communicator MpiSession::World() const { return Communicator(MPI_COMM_WORLD); }

void AbortJob(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::abort();  // MPI_Abort does not return; this satisfies [[noreturn]]
}

}  // namespace seqtrain::dist
