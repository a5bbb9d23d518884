// Settings that must be made before MPI_Init.
#pragma once

namespace seqtrain::dist {

// Open MPI's cm PML probes the PSM, PSM2 and libfabric MTLs in MPI_Init, which
// takes ~0.2 s on a node that has none of their networks (measured: MPI_Init
// 0.24 s -> 0.05 s). There Open MPI never picks cm anyway, so this excludes it
// (OMPI_MCA_pml=^cm; ob1 and UCX remain) unless OMPI_MCA_pml is already set
// or the node has RDMA devices (/sys/class/infiniband: InfiniBand, Omni-Path, EFA).
void PrepareMpiStartup();

}  // namespace seqtrain::dist
