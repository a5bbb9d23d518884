#!/usr/bin/env bash
# Installs dependencies (if missing) and builds seqtrain in build/.
# Extra arguments go to cmake, e.g. -DSEQTRAIN_NATIVE_ARCH=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j"$(nproc)"
