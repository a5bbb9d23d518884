#!/usr/bin/env bash
# Time to accuracy: bench/time_to_accuracy.sh NAME CONFIG SEED DATA_DIR [train flags...]
# Trains on 2 ranks (launch/local.sh), each console line stamped with the wall seconds since
# launch, into bench/results/tta-NAME.log, then prints the epochs and seconds at which the test
# accuracy (the config's eval_every lines) first reached 98.0, 98.5 and 99.0%
# (bench/time_to_accuracy.py). Evaluation time is included in the seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=$1 config=$2 seed=$3 data=$4
shift 4
log=$here/results/tta-$name.log
mkdir -p "$here/results"
start=$(date +%s.%N)
"$here/../launch/local.sh" -n "${RANKS:-2}" train --config "$config" --data-dir "$data" \
  --set seed="$seed" --checkpoint-dir "${TMPDIR:-/tmp}/tta-$name" "$@" </dev/null 2>&1 |
  while IFS= read -r line; do
    printf '%.1f %s\n' "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$line"
  done >"$log"
python3 "$here/time_to_accuracy.py" "$log"
