#!/usr/bin/env bash
# Installs what seqtrain needs to build and test on Debian 12 (bookworm).
set -euo pipefail
PACKAGES=(
  g++ cmake make pkg-config            # toolchain
  openmpi-bin libopenmpi-dev           # MPI
  libopenblas-dev                      # BLAS
  libprotobuf-dev protobuf-compiler    # config and checkpoint formats
  libonnx-dev                          # onnx.proto, the schema `seqtrain export --format onnx` writes
  libboost-program-options-dev         # command line
  libgtest-dev libgmock-dev            # tests
  zlib1g-dev                           # .gz data files, .npz archives
  libhwy-dev                           # Google Highway: the SIMD kernels, dispatched at run time
  nlohmann-json3-dev                   # JSON: reading the metrics lines back (seqtrain plot)
  dpkg-dev                             # the .deb (cpack): dpkg-shlibdeps reads its library dependencies
  environment-modules man-db           # tests: the installed modulefile, `man seqtrain`
  python3 libxml2-utils bsdutils       # tests: an independent TensorBoard reader, SVG check, `script` for a TTY
  python3-numpy                        # tests, tools/csv_to_npy.py: NumPy writes the .npy/.npz test data
  clang-format                         # tests: the sources follow .clang-format (format_check)
  dataset-fashion-mnist                # tests: Fashion-MNIST through the IDX path (cli_fashion_mnist)
  python3-onnx python3-torch nodejs     # tests: the export's consumers (onnx checker, PyTorch, onnxruntime-node)
  curl                                 # tools/fetch_mnist.sh's downloader (wget or python3 also do), cli_fetch_mnist
  clang libclang-rt-14-dev             # tests: libFuzzer and the sanitizers' runtime for clang
  # tests/cluster: a one-node Slurm (srun --mpi=pmix loads libpmix.so from libpmix-dev)
  # and network-namespace "hosts" (ip, ss; unshare is in util-linux); ps/pgrep
  slurmctld slurmd slurm-client munge libpmix-dev iproute2 procps
)
# Debian's npm, unless the installed nodejs brings its own (NodeSource's does, and conflicts with it).
command -v npm >/dev/null || PACKAGES+=(npm)
"$(dirname "$0")/apt_install_missing.sh" "${PACKAGES[@]}"
"$(dirname "$0")/install_onnxruntime_node.sh"
