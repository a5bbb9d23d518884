#!/usr/bin/env bash
# Installs what seqtrain needs to build and test on Debian 12 (bookworm).
set -euo pipefail
PACKAGES=(
  g++ cmake make pkg-config            # toolchain
  openmpi-bin libopenmpi-dev           # MPI
  libopenblas-dev                      # BLAS
  libprotobuf-dev protobuf-compiler    # config and checkpoint formats
  libboost-program-options-dev         # command line
  libgtest-dev libgmock-dev            # tests
  zlib1g-dev                           # .gz data files
  libhwy-dev                           # Google Highway: the SIMD kernels, dispatched at run time
  nlohmann-json3-dev                   # JSON: reading the metrics lines back (seqtrain plot)
  dpkg-dev                             # the .deb (cpack): dpkg-shlibdeps reads its library dependencies
  environment-modules man-db           # tests: the installed modulefile, `man seqtrain`
  python3 libxml2-utils bsdutils       # tests: an independent TensorBoard reader, SVG check, `script` for a TTY
  clang-format                         # tests: the sources follow .clang-format (format_check)
  dataset-fashion-mnist                # tests: Fashion-MNIST through the IDX path (cli_fashion_mnist)
  curl                                 # tools/fetch_mnist.sh's downloader (wget or python3 also do), cli_fetch_mnist
  clang libclang-rt-14-dev             # tests: libFuzzer and the sanitizers' runtime for clang
  # tests/cluster: a one-node Slurm (srun --mpi=pmix loads libpmix.so from libpmix-dev)
  # and network-namespace "hosts" (ip, ss; unshare is in util-linux); ps/pgrep
  slurmctld slurmd slurm-client munge libpmix-dev iproute2 procps
)
exec "$(dirname "$0")/apt_install_missing.sh" "${PACKAGES[@]}"
