// The process's MPI lifetime, for main(): the job's only MPI_Init, MPI_Finalize
// and whole-job MPI_Abort (everything else goes through dist::Communicator).
#pragma once

#include "dist/communicator.h"

namespace seqtrain::dist {

class MpiSession {
 public:
  // MPI_Init, after the settings it needs beforehand: Open MPI's cm PML probes
  // the PSM, PSM2 and libfabric MTLs in MPI_Init, which takes ~0.2 s on a node
  // that has none of their networks (measured: MPI_Init 0.24 s -> 0.05 s).
  // There Open MPI never picks cm anyway, so it is excluded (OMPI_MCA_pml=^cm;
  // ob1 and UCX remain) unless OMPI_MCA_pml is already set or the node has RDMA
  // devices (/sys/class/infiniband: InfiniBand, Omni-Path, EFA).
  MpiSession(int* argc, char*** argv);
  // MPI_Finalize.
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // This process's rank in the job.
  int world_rank() const;
  // The whole job (MPI_COMM_WORLD). Throws seqtrain::Error when MPI cannot say its size.
  Communicator World() const;
};

// Ends every rank of the job with exit_code, for an error this rank saw alone:
// no rank is left waiting in a collective.
[[noreturn]] void AbortJob(int exit_code);

}  // namespace seqtrain::dist
