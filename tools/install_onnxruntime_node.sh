#!/usr/bin/env bash
# Installs npm's onnxruntime-node (the CPU build of onnxruntime) for the ONNX export test
# (tests/cli/onnx_export_test.sh) and tools/onnx_predict.js, outside the source tree:
# into ${SEQTRAIN_NODE_DIR:-$HOME/.cache/seqtrain/node}/node_modules, where the tests'
# SEQTRAIN_NODE_MODULES (tests/CMakeLists.txt) looks. --ignore-scripts: the package ships the
# Linux x64 CPU binary; its postinstall only downloads GPU binaries (and fails offline).
set -euo pipefail
dir=${SEQTRAIN_NODE_DIR:-$HOME/.cache/seqtrain/node}
if [ -d "$dir/node_modules/onnxruntime-node" ] &&
   NODE_PATH="$dir/node_modules" node -e "require('onnxruntime-node')" 2>/dev/null; then
  exit 0
fi
mkdir -p "$dir"
(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node)
NODE_PATH="$dir/node_modules" node -e "require('onnxruntime-node')"
echo "onnxruntime-node installed in $dir/node_modules"
