#!/usr/bin/env bash
# Checks that every #include "folder/..." in src/ points down the layers of docs/architecture.md:
# a folder may include only the folders listed for it here. Exit 0: no upward include; 1: some.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [util]=""
  [config]="util"
  [tensor]="util"
  [simd]="util"
  [nn]="util config tensor simd"
  [optim]="util config simd"
  [dist]="util config"
  [metrics]="util config"
  [data]="util config dist"
  [checkpoint]="util config tensor simd nn optim dist"
  [export]="util config tensor simd nn optim dist checkpoint"
  [train]="util config tensor simd nn optim dist metrics data checkpoint"
  [app]="util config tensor simd nn optim dist metrics data checkpoint train export"
)
bad=0
for dir in src/*/; do
  layer=$(basename "$dir")
  if [ -z "${allowed[$layer]+set}" ]; then
    echo "src/$layer: not a known layer (add it to tools/check_layers.sh and docs/architecture.md)"
    bad=1
    continue
  fi
  while IFS=: read -r file line include; do
    target=${include#*\"}
    target=${target%%/*}
    [ "$target" = "$layer" ] && continue
    [ -d "src/$target" ] || continue  # generated headers (config.pb.h) and system headers
    if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "$file:$line: $layer includes $target (${include#*#include }), which is not below it"
      bad=1
    fi
  done < <(grep -Hn '^#include "[a-z_]*/' "$dir"* || true)
done
[ $bad -eq 0 ] && echo "every include in src/ points down the layers"
exit $bad
