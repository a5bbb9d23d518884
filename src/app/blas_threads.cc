#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app/commands.h"
#include "tensor/blas.h"

namespace seqtrain::app {

int ConfigureBlasThreads(int requested, const dist::Communicator& comm) {
  if (comm.is_root() && std::strstr(tensor::BlasConfig(), "OpenBLAS") == nullptr) {
    std::fprintf(stderr, "seqtrain: warning: BLAS is not OpenBLAS (%s); expect it to be slow\n",
                 tensor::BlasConfig());
  }
  if (requested > 0) return tensor::SetBlasThreads(requested);
  const char* env = std::getenv("OPENBLAS_NUM_THREADS");
  if (env && *env) return tensor::SetBlasThreads(std::max(1, std::atoi(env)));
  return tensor::SetBlasThreads(1);
}

}  // namespace seqtrain::app
