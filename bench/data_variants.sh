#!/usr/bin/env bash
# The data variants' speed, side by side in one run:
#   bench/data_variants.sh [--steps N] [--reps R] [--ranks P] MNIST_DIR
# (a) MNIST read as rows (28 x 28, the reference), as sequential MNIST (784 x 1,
#     configs/mnist_sequential.txtpb) and as permuted sequential MNIST (configs/mnist_permuted.txtpb):
#     R interleaved repetitions of N steps each (default 20) on P ranks (default 2), global batch
#     128, LSTM 128; samples/s from the final metrics line, medians and ratios;
# (b) bench/bucketing_bench: samples/s on a length-skewed set with and without
#     data.bucket_window 16, alternating in each of R repetitions (2 x N steps).
# The report is printed and saved under bench/results/.
set -euo pipefail
steps=20
reps=3
ranks=2
args=("$@")
while [ $# -gt 1 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    *) echo "bench/data_variants.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: bench/data_variants.sh [--steps N] [--reps R] [--ranks P] MNIST_DIR" >&2
  exit 2
fi
data=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEQTRAIN_BUILD_DIR:-$root/build}
cmake --build "$build" --target seqtrain bucketing_bench -j"$(nproc)" >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$root/bench/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=$root/bench/results/$stamp-data-variants.txt
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT

# Evaluation is not step time but costs wall time (784 steps per image): 256 test images.
mini=$raw/data
mkdir -p "$mini"
ln -s "$data"/train-*-ubyte* "$mini"/
/usr/bin/python3 - "$data" "$mini" <<'PY'
import gzip, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name, header, item in (("t10k-images-idx3-ubyte", 16, 784), ("t10k-labels-idx1-ubyte", 8, 1)):
    path = os.path.join(src, name + ".gz")
    raw = gzip.open(path).read() if os.path.exists(path) else open(os.path.join(src, name), "rb").read()
    n = 256
    with gzip.open(os.path.join(dst, name + ".gz"), "wb") as f:
        f.write(raw[:4] + n.to_bytes(4, "big") + raw[8:header] + raw[header:header + n * item])
PY

run() {  # run VARIANT CONFIG: one run, its final metrics line appended to $raw/VARIANT.jsonl
  mpirun -np "$ranks" "$build/seqtrain" train --config "$root/configs/$2.txtpb" --data-dir "$mini" \
    --max-steps "$steps" --display-step 1000000 --set schedule.eval_every=0 \
    --set checkpoint.dir= --set checkpoint.every_steps=0 --set checkpoint.every_seconds=0 \
    --metrics "$raw/last.jsonl" >/dev/null
  tail -n 1 "$raw/last.jsonl" >>"$raw/$1.jsonl"
}

{
  echo "# seqtrain data variants benchmark $stamp"
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
  echo "host: $(hostname), $(getconf _NPROCESSORS_ONLN) cores, $cpu;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (uncommitted changes)')"
  echo "command: bench/data_variants.sh ${args[*]}"
  echo
  echo "## (a) MNIST as rows / sequential / permuted: $reps repetitions x $steps steps, $ranks ranks"
  for r in $(seq "$reps"); do
    run rows mnist_lstm
    run pixels mnist_sequential
    run permuted mnist_permuted
    echo "rep $r done"
  done
  /usr/bin/python3 - "$raw" <<'PY'
import json, os, statistics, sys
raw = sys.argv[1]
rates = {}
for v in ("rows", "pixels", "permuted"):
    rates[v] = [json.loads(l)["samples_per_sec"] for l in open(os.path.join(raw, v + ".jsonl"))]
for v, label in (("rows", "rows (28 x 28)"), ("pixels", "sequential (784 x 1)"),
                 ("permuted", "permuted sequential (784 x 1)")):
    r = rates[v]
    print("%-30s samples/s median %8.1f (%.1f-%.1f); rows / this %.1fx" % (
        label, statistics.median(r), min(r), max(r),
        statistics.median(rates["rows"]) / statistics.median(r)))
PY
  echo
  echo "## (b) length-bucketed batches on a length-skewed set: $reps repetitions x $((2 * steps)) steps, $ranks ranks"
  mpirun -np "$ranks" "$build/bench/bucketing_bench" $((2 * steps)) "$reps" 16 200
} 2>&1 | tee "$report"
echo "saved: $report"
