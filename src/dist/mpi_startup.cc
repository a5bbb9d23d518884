#include "dist/mpi_startup.h"

#include <mpi.h>

#include <cstdlib>
#include <filesystem>

namespace seqtrain::dist {

void PrepareMpiStartup() {
#ifdef OPEN_MPI
  if (std::getenv("OMPI_MCA_pml") != nullptr) return;
  std::error_code error;
  const std::filesystem::path rdma("/sys/class/infiniband");
  if (std::filesystem::exists(rdma, error) && !std::filesystem::is_empty(rdma, error)) return;
  setenv("OMPI_MCA_pml", "^cm", 0);
#endif
}

}  // namespace seqtrain::dist
