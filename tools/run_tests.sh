#!/usr/bin/env bash
# Runs every test. Usage: tools/run_tests.sh MNIST_DIR
# MNIST_DIR holds the four MNIST IDX files (.gz or plain); the tests that
# train on real data read them from there.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: tools/run_tests.sh MNIST_DIR   (a folder with the four MNIST IDX files)" >&2
  exit 2
fi
mnist_dir=$(realpath "$1")
cd "$(dirname "$0")/.."
cmake -S . -B build -DSEQTRAIN_BUILD_TESTS=ON -DSEQTRAIN_TEST_DATA_DIR="$mnist_dir" >/dev/null
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure -j"$(nproc)"
