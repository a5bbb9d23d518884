#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and
# runs each for SECONDS (default 60), starting from tests/fuzz/corpus.
# Fails on any crash, sanitizer report, timeout (> 10 s per input) or
# allocation over 1 GiB; the offending input is left in build-fuzz/ as
# crash-*/timeout-*/oom-*: add it to tests/fuzz/corpus/<target>/ once fixed.
# usage: tools/fuzz.sh [SECONDS]
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/.."
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEQTRAIN_FUZZ=ON \
  -DSEQTRAIN_BUILD_TESTS=ON -DSEQTRAIN_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target idx_fuzzer npy_fuzzer npz_fuzzer config_fuzzer checkpoint_fuzzer \
  safetensors_fuzzer
status=0
for target in idx npy npz config checkpoint safetensors; do
  work=build-fuzz/tests/corpus-$target
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/$target/* "$work/"   # new finds go to the work copy, not the source tree
  echo "== $target: ${seconds}s"
  if ! (cd build-fuzz/tests && ASAN_OPTIONS=detect_leaks=1 ./${target}_fuzzer -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=1024 -malloc_limit_mb=1024 -max_len=65536 -print_final_stats=1 "corpus-$target" \
        2>&1 | tail -n 25); then
    status=1
  fi
done
exit $status
