#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and
# runs the unit tests there (the serial gtests: every test labelled "unit"),
# plus the 2-rank trainer test with leak checks off (Open MPI's own
# allocations at exit are not ours to fix).
# usage: tools/sanitize.sh MNIST_DIR
set -euo pipefail
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: tools/sanitize.sh MNIST_DIR" >&2
  exit 2
fi
mnist_dir=$(realpath "$1")
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEQTRAIN_SANITIZE=ON -DSEQTRAIN_BUILD_TESTS=ON \
  -DSEQTRAIN_BUILD_BENCH=OFF -DSEQTRAIN_TEST_DATA_DIR="$mnist_dir" >/dev/null
cmake --build build-asan -j"$(nproc)"
cd build-asan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$(nproc)" -L unit
ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -R 'trainer_mpi_np2|resume_mpi_np2'
