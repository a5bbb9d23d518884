#!/usr/bin/env bash
# Runs every test. Usage: tools/run_tests.sh MNIST_DIR
# MNIST_DIR holds the four MNIST IDX files (.gz or plain); the tests that
# train on real data read them from there.
#  1. the CTest suite (unit, MPI, end-to-end, cluster) in build/;
#  2. the unit tests again under ASan + UBSan (tools/sanitize.sh);
#  3. each fuzz target for SEQTRAIN_FUZZ_SECONDS (default 60) (tools/fuzz.sh).
# SEQTRAIN_FUZZ_SECONDS=0 skips 2 and 3.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: tools/run_tests.sh MNIST_DIR   (a folder with the four MNIST IDX files)" >&2
  exit 2
fi
mnist_dir=$(realpath "$1")
cd "$(dirname "$0")/.."
cmake -S . -B build -DSEQTRAIN_BUILD_TESTS=ON -DSEQTRAIN_TEST_DATA_DIR="$mnist_dir" >/dev/null
cmake --build build -j"$(nproc)"
(cd build && ctest --output-on-failure -j"$(nproc)")
fuzz_seconds=${SEQTRAIN_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== sanitizers"
  tools/sanitize.sh "$mnist_dir"
  echo "== fuzzing, ${fuzz_seconds}s per target"
  tools/fuzz.sh "$fuzz_seconds"
fi
echo "all tests passed"
