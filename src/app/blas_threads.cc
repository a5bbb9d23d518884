#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/cli.h"
#include "app/commands.h"
#include "tensor/blas.h"

namespace seqtrain::app {

int ConfigureBlasThreads(int requested, const dist::Communicator& comm) {
  if (comm.is_root() && std::strstr(tensor::BlasConfig(), "OpenBLAS") == nullptr) {
    std::fprintf(stderr, "seqtrain: warning: BLAS is not OpenBLAS (%s); expect it to be slow\n",
                 tensor::BlasConfig());
  }
  // OpenBLAS silently caps the count at the NUM_THREADS it was built with (64 on Debian).
  if (requested > 0) {
    const int got = tensor::SetBlasThreads(requested);
    if (got < requested) {
      throw UsageError("--blas-threads " + std::to_string(requested) +
                       ": this OpenBLAS runs at most " + std::to_string(got) +
                       " threads per process");
    }
    return got;
  }
  const char* env = std::getenv("OPENBLAS_NUM_THREADS");
  if (env && *env) {
    const int wanted = std::max(1, std::atoi(env));
    const int got = tensor::SetBlasThreads(wanted);
    if (got < wanted && comm.is_root()) {
      std::fprintf(stderr,
                   "seqtrain: warning: OPENBLAS_NUM_THREADS=%s: this OpenBLAS runs at most %d "
                   "threads; using %d\n",
                   env, got, got);
    }
    return got;
  }
  return tensor::SetBlasThreads(1);
}

}  // namespace seqtrain::app
